"""The `zoo` command: the happy paths, `--help`, and clear errors with a non-zero exit and no traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zoo.cli import main

ZOO = str(Path(sys.executable).with_name("zoo"))  # the installed console script, shims or not


def test_console_script_trains_and_evaluates(tmp_path):
    out = tmp_path / "run"
    done = subprocess.run([ZOO, "train", "planner", "toy/Slippery-v0", "--out", str(out), "--no-video"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"run directory: {out}" in done.stdout and "held-out greedy evaluation: mean reward" in done.stdout and "over 1000 episodes" in done.stdout
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    shown = subprocess.run([ZOO, "eval", str(out), "--episodes", "300"], capture_output=True, text=True)
    assert shown.returncode == 0 and "planner on toy/Slippery-v0: mean reward" in shown.stdout
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before  # eval changes nothing


def test_eval_write_updates_results_and_card(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "planner", "toy/Trap-v0", "--out", str(out), "--no-video", "--no-tensorboard"]) == 0
    assert main(["eval", str(out), "--episodes", "7", "--write"]) == 0
    assert json.loads((out / "results.json").read_text())["n_episodes"] == 7
    assert "over 7 episodes" in capsys.readouterr().out


def test_hyperparameter_flags_and_env_kwargs_reach_the_run(tmp_path):
    out = tmp_path / "run"
    code = main(["train", "q-learning", "toy/Slippery-v0", "--out", str(out), "--steps", "300", "--gamma", "0.5",
                 "--no-alpha-per-visit", "--env-kwarg", "p=0.9", "--no-video", "--no-tensorboard",
                 "--eval-episodes", "10"])
    assert code == 0
    config = json.loads((out / "config.json").read_text())
    assert config["steps"] == 300 and config["hyperparameters"]["gamma"] == 0.5
    assert config["hyperparameters"]["alpha_per_visit"] is False and config["env_kwargs"] == {"p": 0.9}
    assert config["command"].startswith("zoo train q-learning toy/Slippery-v0 --out ")  # how to train it again
    assert config["command"] in (out / "README.md").read_text()


def test_help_explains_every_flag_of_an_algorithm(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "q-learning", "FrozenLake-v1", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--seed", "--steps", "--out", "--gamma", "--alpha-final", "--epsilon-decay-steps", "--alpha-per-visit"):
        assert flag in text
    assert "discount factor" in text


@pytest.mark.parametrize("argv, shows", [
    (["--help"], ["train", "eval", "play", "push", "pull", "convert", "tune", "bench", "list"]),
    (["train", "--help"], ["--resume RUN_DIR", "--time-limit MINUTES", "--env-kwarg KEY=VALUE", "q-learning", "dqn"]),
    (["eval", "--help"], ["--write", "`final` seed", "--protocol {both,sticky,noop-starts}", "at least 100 sticky"]),
    (["list", "--help"], ["shipped"]),
    (["play", "--help"], ["--video OUT.mp4", "zoo play pong"]),
    (["push", "--help"], ["REPO_ID", "HF_TOKEN"]),
    (["pull", "--help"], ["HF_HUB_OFFLINE=1"]),
    (["convert", "--help"], ["weights_only=True", "--episodes"]),
    (["tune", "--help"], ["--trials", "--storage URL", "median"]),
    (["bench", "--help"], ["--seeds", "interquartile mean"]),
    (["train", "dqn", "ALE/Pong-v5", "--help"], ["--cnn STR", "(default: small from the ALE/Pong-v5 preset",
                                                 "--target-update-interval INT", "environment steps"]),
])
def test_every_help_page_renders_what_its_command_takes(argv, shows, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    text = " ".join(capsys.readouterr().out.split())
    assert exit_info.value.code == 0 and text.startswith("usage: zoo")
    for words in shows:
        assert words in text, words


def test_help_shows_the_values_the_preset_will_use(capsys):
    with pytest.raises(SystemExit):
        main(["train", "dqn", "CartPole-v1", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 0.0023 from the CartPole-v1 preset; the algorithm's own default is 0.001)" in text


def test_the_command_line_answers_without_importing_torch():
    done = subprocess.run([sys.executable, "-c", "import sys\nfrom zoo.cli import main\ntry:\n    main(['train', 'dqn', "
                           "'CartPole-v1', '--help'])\nexcept SystemExit:\n    pass\nmain(['list'])\n"
                           "print('torch' in sys.modules, 'gymnasium' in sys.modules)"],
                          capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "False False", done.stderr


def test_list_shows_envs_algorithms_and_presets(capsys):
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    assert "toy/Trap-v0" in text and "q-iteration" in text and "FrozenLake8x8-v1" in text
    assert "q-learning       FrozenLake-v1" in text
    assert "Shipped agents (zoo play NAME):\n  pong             dqn on ALE/Pong-v5: held-out mean reward" in text


@pytest.mark.parametrize("argv, message", [
    (["train", "q-learning", "FrozenLak-v1"], "unknown environment id 'FrozenLak-v1'. Did you mean FrozenLake-v1"),
    (["train", "sarsa-max", "FrozenLake-v1"], "unknown algorithm 'sarsa-max'; choose one of"),
    (["train", "q-learning", "CartPole-v1"], "q-learning is tabular and needs discrete observations"),
    (["train", "q-learning", "FrozenLake-v1", "--gamma", "1.5"], "gamma=1.5 is outside its valid range [0, 1]"),
    (["train", "q-learning", "FrozenLake-v1", "--gamma", "-0.1"], "gamma=-0.1 is outside"),
    (["train", "q-learning", "FrozenLake-v1", "--steps", "-3"], "--steps must be between 0 and"),
    (["train", "q-learning", "FrozenLake-v1", "--epsilon-decay-steps", "-1"], "epsilon_decay_steps=-1 must not be"),
    (["train", "planner", "toy/Loop-v0", "--gamma", "1"], "use gamma < 1"),
    (["eval", "no/such/dir"], "no run directory at no/such/dir"),
    (["train", "dqn", "CartPole-v1", "--time-limit", "0"], "--time-limit must be a positive number of minutes"),
])
def test_bad_input_exits_2_with_a_message_and_no_traceback(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_incomplete_run_directory_is_named(tmp_path, capsys):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.json").write_text("{}")
    assert main(["eval", str(tmp_path / "half")]) == 2
    assert "model.safetensors missing" in capsys.readouterr().err


def test_console_script_error_has_no_traceback():
    done = subprocess.run([sys.executable, "-m", "zoo.cli", "train", "q-learning", "Nope-v9"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "unknown environment id 'Nope-v9'" in done.stderr
    assert "Traceback" not in done.stderr
