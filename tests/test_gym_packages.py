"""Envs of installed packages: `module:EnvId` and --gym-packages, recorded in the run and never imported on its word."""

import json
import os
import subprocess
import sys

import pytest

PACKAGE = '''import os
import gymnasium as gym
if os.environ.get("MAZE_SENTINEL"):
    open(os.environ["MAZE_SENTINEL"], "a").write("imported\\n")
gym.register("Maze-v0", entry_point="gymnasium.envs.toy_text.frozen_lake:FrozenLakeEnv",
             kwargs={"is_slippery": False}, max_episode_steps=50)
'''


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "maze_pkg").mkdir()
    (root / "maze_pkg" / "__init__.py").write_text(PACKAGE)
    return root


def zoo(site, *args, sentinel=None):
    env = {**os.environ, "PYTHONPATH": str(site)}
    if sentinel:
        env["MAZE_SENTINEL"] = str(sentinel)
    return subprocess.run([sys.executable, "-m", "zoo.cli", *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=300)


def test_train_play_and_eval_an_env_of_an_installed_package(site, tmp_path):
    run = tmp_path / "maze"
    done = zoo(site, "train", "q-learning", "maze_pkg:Maze-v0", "--steps", "3000", "--eval-episodes", "20",
               "--no-video", "--out", run)
    assert done.returncode == 0, done.stderr
    config = json.loads((run / "config.json").read_text())
    assert config["env_id"] == "Maze-v0" and config["gym_packages"] == ["maze_pkg"]
    # the 4x4 lake without slipping: the greedy policy reaches the goal, return 1
    assert json.loads((run / "results.json").read_text())["mean_reward"] == 1.0
    sentinel = tmp_path / "imported.txt"
    refused = zoo(site, "play", run, "--episodes", "1", sentinel=sentinel)
    assert refused.returncode == 2 and "--gym-packages maze_pkg" in refused.stderr
    assert not sentinel.exists()  # the run named the module; zoo did not run it
    played = zoo(site, "play", run, "--episodes", "1", "--gym-packages", "maze_pkg", sentinel=sentinel)
    assert played.returncode == 0, played.stderr
    assert "return 1" in played.stdout and sentinel.read_text() == "imported\n"
    evaluated = zoo(site, "eval", run, "--episodes", "5", "--gym-packages", "maze_pkg")
    assert evaluated.returncode == 0 and "1.00" in evaluated.stdout, evaluated.stderr
    again = zoo(site, "train", "q-learning", "Maze-v0", "--gym-packages", "maze_pkg", "--steps", "500",
                "--eval-episodes", "5", "--no-video", "--out", tmp_path / "flag")
    assert again.returncode == 0, again.stderr
    assert json.loads((tmp_path / "flag" / "config.json").read_text())["gym_packages"] == ["maze_pkg"]


@pytest.mark.parametrize("args, message", [
    (["train", "q-learning", "Maze-v0", "--gym-packages", "no_such_pkg"], "no module named 'no_such_pkg' is installed"),
    (["train", "q-learning", "no_such_pkg:Maze-v0"], "no module named 'no_such_pkg' is installed"),
    (["train", "q-learning", "maze_pkg:"], "write an env of an installed package as module:EnvId"),
    (["train", "q-learning", "Maze-v0"], "--gym-packages PKG or the id as PKG:EnvId"),
    (["train", "q-learning", "Maze-v0", "--gym-packages", "os;rm"], "is not a module name"),
])
def test_bad_packages_and_ids_are_clear_errors(site, tmp_path, args, message):
    done = zoo(site, *args, "--steps", "10", "--out", tmp_path / "x")
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not (tmp_path / "x").exists()


def test_the_card_of_a_package_env_says_what_to_import_and_its_snippet_runs(site, tmp_path):
    run = tmp_path / "maze"
    done = zoo(site, "train", "q-learning", "maze_pkg:Maze-v0", "--steps", "500", "--eval-episodes", "5",
               "--no-video", "--out", run)
    assert done.returncode == 0, done.stderr
    card = (run / "README.md").read_text()
    assert "--gym-packages maze_pkg" in card.split("```bash", 2)[1]  # the play line, not only the training command
    snippet = card.split("```python\n")[-1].split("```")[0]
    assert snippet.startswith("import maze_pkg")
    # the snippet as a user runs it, with the local run standing in for the Hub repo, in a fresh interpreter
    code = "import zoo\n" + snippet.replace('hub.load("REPO_ID")', f"zoo.load({str(run)!r})") + "print(action)\n"
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(site)})
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() in {"0", "1", "2", "3"}


def test_tune_and_bench_train_an_env_of_an_installed_package_in_every_worker(site, tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "zoo.cli", *map(str, args)], capture_output=True, text=True,
                              cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(site)}, timeout=600)

    tiny = ["--steps", "300", "--eval-every", "150", "--eval-episodes", "5"]
    done = cli("tune", "q-learning", "maze_pkg:Maze-v0", "--trials", "2", "--jobs", "2", *tiny)
    assert done.returncode == 0, done.stderr
    assert "--gym-packages maze_pkg" in done.stdout  # the line that trains with the best trial's hyperparameters
    configs = list((tmp_path / "runs" / "tune-q-learning-Maze-v0").glob("trial-*/config.json"))
    assert len(configs) >= 2  # both workers' trials (a surplus one never trains)
    assert all(json.loads(c.read_text())["gym_packages"] == ["maze_pkg"] for c in configs)
    # a worker that would not import the package stops at once with the fix, not in every trial
    refused = cli("tune", "q-learning", "Maze-v0", "--trials", "2", "--study", "tune-q-learning-Maze-v0", *tiny)
    assert refused.returncode == 2 and "--gym-packages PKG" in refused.stderr, refused.stderr
    bench = cli("bench", "q-learning", "Maze-v0", "--gym-packages", "maze_pkg", "--seeds", "2", *tiny)
    assert bench.returncode == 0, bench.stderr
    summary = json.loads((tmp_path / "runs" / "bench-q-learning-Maze-v0" / "summary.json").read_text())
    assert len(summary["seeds"]) == 2
