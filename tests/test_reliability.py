"""Nothing lost, nothing leaked: run directories survive Ctrl-C, kills, --force and a second training;
--resume continues or refuses; every bad input is a clear error with no traceback."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from zoo.cli import main

CLI = [sys.executable, "-m", "zoo.cli"]
ENV = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
QUICK_DQN = ["--no-video", "--no-tensorboard", "--learning-starts", "200", "--buffer-size", "5000"]


def start(args, cwd=None):
    # Ctrl-C as a terminal delivers it: a suite started in the background (`make test &`) inherits SIGINT
    # ignored, and a Python started so keeps ignoring it, rightly, once the trainer's own handler is gone.
    return subprocess.Popen([*CLI, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=ENV, cwd=cwd, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for(predicate, timeout=90.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def checkpoint_step(run: Path) -> int:
    try:
        return json.loads((run / "checkpoint.json").read_text())["steps_done"]
    except (OSError, ValueError, KeyError):
        return -1


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- --force and --out --------------------------------------------------------------------------------------


def test_force_replaces_run_directories_only(tmp_path, capsys):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "notes.txt").write_text("mine")
    afile = tmp_path / "afile.txt"
    afile.write_text("mine too")
    for out, message in ((notes, "is not a run directory"), (afile, "is a file")):
        assert main(["train", "q-learning", "toy/Trap-v0", "--steps", "200", "--out", str(out), "--force"]) == 2
        assert message in capsys.readouterr().err
    assert (notes / "notes.txt").read_text() == "mine" and afile.read_text() == "mine too"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile.txt", "notes"]  # nothing hidden left behind
    # a run directory is replaced, in one swap, and nothing is left beside it
    run = tmp_path / "run"
    args = ["train", "q-learning", "toy/Trap-v0", "--out", str(run), "--no-video", "--no-tensorboard"]
    assert main([*args, "--steps", "200"]) == 0
    assert main([*args, "--steps", "300", "--force"]) == 0
    assert json.loads((run / "config.json").read_text())["steps"] == 300
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile.txt", "notes", "run"]


# -- interruptions and kills ------------------------------------------------------------------------------


def test_ctrl_c_during_the_final_evaluation_keeps_the_trained_run(tmp_path):
    run = tmp_path / "run"
    proc = start(["train", "dqn", "CartPole-v1", "--steps", "1000", "--eval-every", "0", "--eval-episodes", "100000",
                  "--out", run, *QUICK_DQN])
    # training is over once the last checkpoint holds the replay; config.json, written again after it, says the
    # final evaluation has begun
    wait_for(lambda: (run / "replay.safetensors").exists()
             and (run / "config.json").stat().st_mtime_ns > (run / "replay.safetensors").stat().st_mtime_ns)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert f"zoo eval {run} --write" in err
    assert {"model.safetensors", "config.json", "checkpoint.json"} <= {p.name for p in run.iterdir()}
    assert checkpoint_step(run) == 1000
    done = subprocess.run([*CLI, "eval", str(run), "--episodes", "3", "--write"], capture_output=True, text=True,
                          env=ENV, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads((run / "results.json").read_text())["n_episodes"] == 3


def test_a_killed_run_is_resumable_where_it_was_asked_for(tmp_path):
    run = tmp_path / "run"
    proc = start(["train", "dqn", "CartPole-v1", "--steps", "400000", "--eval-every", "500", "--eval-episodes", "2",
                  "--out", run, *QUICK_DQN])
    wait_for(lambda: checkpoint_step(run) >= 1000)
    proc.kill()  # SIGKILL: no handler runs
    proc.communicate(timeout=30)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # visible, nothing hidden beside it
    killed_at = checkpoint_step(run)
    assert (run / "config.json").is_file() and killed_at >= 1000
    done = subprocess.run([*CLI, "train", "--resume", str(run), "--steps", str(killed_at + 600), "--no-video",
                           "--eval-episodes", "2"], capture_output=True, text=True, env=ENV, timeout=180)
    assert done.returncode == 0, done.stderr
    assert checkpoint_step(run) == killed_at + 600 and (run / "results.json").is_file()
    steps = [int(line.split(",")[0]) for line in (run / "metrics.csv").read_text().splitlines()[1:]]
    assert steps == sorted(steps)  # rows written after the last checkpoint, before the kill, were dropped


def test_sigterm_stops_like_ctrl_c_and_reinforce_says_it_cannot_resume(tmp_path):
    run = tmp_path / "run"
    proc = start(["train", "reinforce", "CartPole-v1", "--steps", "10000000", "--eval-every", "0", "--out", run,
                  "--no-video", "--no-tensorboard"])
    wait_for(lambda: (run / "metrics.csv").exists() and len((run / "metrics.csv").read_text().splitlines()) > 20)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert "cannot resume" in err and "--resume" not in err and "checkpoint saved" not in err
    assert (run / "model.safetensors").is_file() and not (run / "checkpoint.json").exists()


def test_two_trainings_into_one_out_the_second_is_refused(tmp_path):
    run = tmp_path / "run"
    first = start(["train", "dqn", "CartPole-v1", "--steps", "400000", "--eval-every", "0", "--out", run, *QUICK_DQN])
    wait_for(lambda: (run / "config.json").exists())
    second = subprocess.run([*CLI, "train", "dqn", "CartPole-v1", "--steps", "500", "--out", str(run), "--force",
                             *QUICK_DQN], capture_output=True, text=True, env=ENV, timeout=120)
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=60)
    assert second.returncode == 2 and "is being written by another `zoo train`" in second.stderr
    assert json.loads((run / "config.json").read_text())["steps"] == 400000  # the first run's, untouched


# -- --resume ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("resume") / "run"
    assert main(["train", "dqn", "CartPole-v1", "--steps", "2000", "--seed", "4", "--out", str(run),
                 "--eval-episodes", "3", "--num-envs", "2", *QUICK_DQN]) == 0
    return run


@pytest.mark.parametrize("extra, message", [
    (["q-learning", "toy/Trap-v0"], "ALGO q-learning (the run is dqn)"),
    (["--seed", "5"], "--seed 5 (the run's is 4)"),
    (["--gamma", "0.5"], "--gamma 0.5 (the run's is 0.99)"),
    (["--env-kwarg", "sutton_barto_reward=true"], "--env-kwarg"),
    (["--force"], "--force"),
    (["--steps", "1000"], "--steps 1,000 is below the 2,000 steps"),
    (["--steps", "2000"], "has already trained all its 2,000 steps"),
])
def test_resume_refuses_arguments_it_would_ignore(short_run, extra, message, capsys):
    before = snapshot(short_run)
    algo_env, flags = (extra, []) if not extra[0].startswith("-") else ([], extra)
    assert main(["train", *algo_env, "--resume", str(short_run), *flags]) == 2
    assert message in capsys.readouterr().err
    assert snapshot(short_run) == before


def test_resume_learns_from_the_saved_replay_with_the_same_updates_as_one_run(tmp_path, short_run):
    import shutil

    from zoo.agents.registry import load_run
    from zoo.training.checkpoint import load_checkpoint

    resumed = tmp_path / "resumed"
    shutil.copytree(short_run, resumed)
    (resumed / "metrics.csv").write_text((resumed / "metrics.csv").read_text() + "garbage,line\n")
    agent, _ = load_run(resumed)
    load_checkpoint(resumed, agent)
    saved = agent.buffer.state_dict()
    assert agent.steps_done == 2000 and len(agent.buffer) > 1500  # the whole memory, not an empty one to refill
    assert main(["train", "--resume", str(resumed), "--steps", "4000", "--eval-episodes", "3"]) == 0
    straight = tmp_path / "straight"
    assert main(["train", "dqn", "CartPole-v1", "--steps", "4000", "--seed", "4", "--out", str(straight),
                 "--eval-episodes", "3", "--num-envs", "2", *QUICK_DQN]) == 0
    a, b = (json.loads((run / "checkpoint.json").read_text()) for run in (resumed, straight))
    assert a["steps_done"] == b["steps_done"] == 4000
    assert a["updates_done"] == b["updates_done"]  # no refill: the replay came back whole
    assert a["sessions"] == 2 and b["sessions"] == 1
    again, _ = load_run(short_run)
    load_checkpoint(short_run, again)
    for name, array in saved.items():
        np.testing.assert_array_equal(array, again.buffer.state_dict()[name])
    assert (resumed / "learning_curve.png").is_file()  # the garbage line was dropped, not fatal


# -- bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv, message", [
    (["train", "q-learning", "toy/Slippery-v0", "--env-kwarg", "p=7"], "p must be a probability"),
    (["train", "q-learning", "FrozenLake-v1", "--env-kwarg", "map_name=9x9"], "cannot make FrozenLake-v1"),
    (["train", "q-learning", "toy/Loop-v0", "--env-kwarg", "max_episode_steps=0"], "max_episode_steps=0"),
    (["train", "dqn", "CartPole-v1", "--learning-rate", "nan"], "learning_rate=nan must be a finite number"),
    (["train", "dqn", "CartPole-v1", "--learning-rate", "inf"], "learning_rate=inf must be a finite number"),
    (["train", "dqn", "CartPole-v1", "--hidden", "100000000000"], "at most 16 layers"),
    (["train", "dqn", "CartPole-v1", "--buffer-size", "100000000000000"], "larger than this zoo allows"),
    (["train", "dqn", "CartPole-v1", "--seed", "-1"], "--seed must be between 0"),
    (["train", "dqn", "CartPole-v1", "--out", "."], "is a folder of yours"),
    (["train", "dqn", "CartPole-v1", "--out", "/proc/zoo-run"], "cannot create"),
    (["train", "dqn", "phys2d/CartPole-v1"], "needs a package that is not installed"),
    (["train", "dqn", "ALE/Pong-v5", "--env-kwarg", "frameskip=2"], "takes no argument frameskip"),
    (["train", "dqn", "ALE/Pong-v5", "--env-kwarg", "repeat_action_probability=1.5"], "a probability from 0 to 1"),
    (["train", "dqn", "CartPole-v1", "--eval-protocol", "sticky"], "--eval-protocol is for Atari"),
    (["train", "dqn", "ALE/Pong-v5", "--init-from", "pong", "--cnn", "nature"], "not fit this run's network"),
    (["train", "dqn", "ALE/Pong-v5", "--init-from", "pong", "--env-kwarg", "screen_size=42"],
     "saw frame stacks of shape (4, 84, 84), this run's are (4, 42, 42)"),
    (["train", "dqn", "ALE/Pong-v5", "--env-kwarg", "screen_size=20"], "from 36 to 168"),
    (["eval", "runs-that-do-not-exist/x", "--protocol", "sticky"], "no run directory"),
    (["eval", "pong", "--protocol", "sticky", "--write"], "at least 100"),
    (["push", "pong", "a/b/c"], "use owner/name"),
    (["push", "pong", "me/bad name!"], "not a valid repo id"),
    (["pull", "a/b/c"], "use owner/name"),
    (["play", "pong", "--video", "."], "is a folder"),
    (["play", "pong", "--seed", "-5"], "--seed must be between 0"),
    (["eval", "pong", "--episodes", "0"], "--episodes must be between 1"),
])
def test_bad_input_is_a_clear_error(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err
    assert not list(tmp_path.iterdir())  # nothing written


def hostile_copy(run: Path, tmp_path: Path, edit) -> Path:
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(run, bad)
    edit(bad)
    return bad


def _edit_json(name, change):
    def edit(run):
        data = json.loads((run / name).read_text())
        change(data)
        (run / name).write_text(json.dumps(data))
    return edit


@pytest.mark.parametrize("edit, message", [
    (_edit_json("config.json", lambda c: c.update(env_kwargs={"max_episode_steps": 10**15})), "max_episode_steps="),
    (_edit_json("config.json", lambda c: c["hyperparameters"].update(hidden="100000000000")), "at most 16 layers"),
    (_edit_json("config.json", lambda c: c["spaces"]["observation"].update(shape=[10**9])), "is not a space"),
    (_edit_json("config.json", lambda c: c.update(seed="zero")), "seed should be a whole number"),
    (_edit_json("config.json", lambda c: c["hyperparameters"].update(gamma=[1])), "gamma=[1] is not a float"),
    (lambda run: (run / "config.json").write_text("[" * 100_000 + "]" * 100_000), "is not valid JSON"),
    (lambda run: (run / "model.safetensors").write_bytes(b""), "corrupt or truncated"),
])
def test_hostile_run_directories_fail_fast_and_clearly(short_run, tmp_path, edit, message, capsys):
    bad = hostile_copy(short_run, tmp_path, edit)
    for argv in (["eval", str(bad), "--episodes", "2"], ["play", str(bad), "--episodes", "1"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err
