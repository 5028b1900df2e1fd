"""The collector, the seed streams and the layering: the house's plumbing, checked where it can go wrong."""

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import toy_envs  # noqa: F401
from zoo.envs.collector import AsyncCollector, Collector, SingleEnv
from zoo.envs.seeds import BAND, MAX_SEED, SPAN, STREAMS, check_run_seed, fresh_seed, stream_of, stream_seed

ROOT = Path(__file__).resolve().parents[1]


def test_single_env_steps_are_all_transitions_and_next_obs_is_where_the_episode_ended():
    # Trap: action 1 (down) goes 0 -> 2 (+2), then any action 2 -> 3 (-20, terminated); a new episode starts at 0.
    collector = Collector(SingleEnv(gym.make("toy/Trap-v0")), lambda obs: np.ones(len(obs), dtype=np.int64), seed=0)
    steps = [collector.step() for _ in range(4)]
    assert [s.obs.tolist() for s in steps] == [[0], [2], [0], [2]]
    assert [s.next_obs.tolist() for s in steps] == [[2], [3], [2], [3]]  # the terminal state, not the reset one
    assert [s.rewards.tolist() for s in steps] == [[2.0], [-20.0], [2.0], [-20.0]]
    assert [s.terminated.tolist() for s in steps] == [[False], [True], [False], [True]]
    assert all(s.valid.tolist() == [True] for s in steps)
    assert [[(e.ret, e.length) for e in s.episodes] for s in steps] == [[], [(-18.0, 2)], [], [(-18.0, 2)]]


def test_vector_env_reset_steps_are_masked_and_episodes_counted_per_env():
    envs = gym.make_vec("toy/Trap-v0", num_envs=2, vectorization_mode="sync")  # next-step autoreset
    # env 0 goes right (+1, terminated after one step); env 1 goes down twice (+2, -20)
    collector = Collector(envs, lambda obs: np.array([0, 1]), seed=0)
    steps = [collector.step() for _ in range(4)]
    assert [s.valid.tolist() for s in steps] == [[True, True], [False, True], [True, False], [False, True]]
    assert [s.terminated.tolist() for s in steps] == [[True, False], [False, True], [True, False], [False, False]]
    ended = [[(e.ret, e.length) for e in s.episodes] for s in steps]
    assert ended == [[(1.0, 1)], [(-18.0, 2)], [(1.0, 1)], []]


def test_collector_seeds_once_so_the_same_seed_gives_the_same_steps():
    def run(seed):
        collector = Collector(SingleEnv(gym.make("toy/Slippery-v0")), lambda obs: np.zeros(1, dtype=np.int64), seed)
        return [collector.step().next_obs.tolist() for _ in range(30)]

    assert run(3) == run(3) and run(3) != run(4)


class CountingActor:
    """Acts 0 everywhere; counts refreshes and checks acting never overlaps a refresh."""

    def __init__(self):
        self.refreshes, self.busy, self.overlaps = 0, threading.Lock(), 0

    def act(self, obs):
        if not self.busy.acquire(blocking=False):
            self.overlaps += 1
            return np.zeros(len(obs), dtype=np.int64)
        try:
            return np.zeros(len(obs), dtype=np.int64)
        finally:
            self.busy.release()

    def refresh(self):
        if not self.busy.acquire(blocking=False):
            self.overlaps += 1
            return
        self.refreshes += 1
        self.busy.release()


def test_async_collector_yields_the_same_steps_as_the_synchronous_one_and_stops_cleanly():
    def envs():
        return gym.make_vec("toy/Slippery-v0", num_envs=3, vectorization_mode="sync")

    sync = Collector(envs(), lambda obs: np.zeros(len(obs), dtype=np.int64), seed=7)
    expected = [sync.step() for _ in range(50)]
    actor = CountingActor()
    collector = AsyncCollector(envs(), actor, seed=7, lag=2)
    got = []
    for step in collector:
        got.append(step)
        collector.refresh()
        if len(got) == 50:
            break
    collector.close()
    assert not collector._thread.is_alive()
    for a, b in zip(expected, got):  # the policy ignores the weights, so thread or not, the same steps
        assert a.next_obs.tolist() == b.next_obs.tolist() and a.rewards.tolist() == b.rewards.tolist()
        assert a.valid.tolist() == b.valid.tolist()
    assert actor.refreshes == 50 and actor.overlaps == 0


def test_async_collector_raises_the_actors_error_in_the_learners_thread():
    def broken(obs):
        raise RuntimeError("actor failed")

    actor = type("Actor", (), {"act": staticmethod(broken), "refresh": lambda self: None})()
    collector = AsyncCollector(gym.make_vec("toy/Trap-v0", num_envs=1, vectorization_mode="sync"), actor, seed=0)
    with pytest.raises(RuntimeError, match="actor failed"):
        next(iter(collector))
    collector.close()


def test_seed_streams_are_disjoint_bands_even_with_vector_env_copies():
    run_seeds = [0, 1, 2, 12345, MAX_SEED - 1]
    used = {}
    for stream in STREAMS:
        for run in run_seeds:
            for index in range(3):
                base = stream_seed(stream, run, index)
                assert stream_of(base) == stream and stream_of(base + SPAN - 1) == stream
                used.setdefault(stream, set()).update({base, base + SPAN - 1})
    for a in STREAMS:
        for b in STREAMS:
            if a < b:
                assert not used[a] & used[b]
    assert stream_seed("train", 42) == 42  # the run seed itself trains, so same-seed runs stay comparable
    assert stream_seed("final", 42) == stream_seed("final", 42) != stream_seed("final", 43)
    assert stream_seed("select", 42, 0) != stream_seed("select", 42, 1)
    assert stream_of(fresh_seed("play")) == "play" and 0 <= stream_seed("play", 9) < 2**31
    assert max(STREAMS.values()) * BAND + BAND <= 2**31  # every seed fits a C int (ALE's seed)
    with pytest.raises(ValueError):
        check_run_seed(-1)
    with pytest.raises(ValueError):
        check_run_seed(MAX_SEED)


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=root,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(root)})


@pytest.mark.parametrize("room, line, broken", [
    # an arrow back up the layers: the math reaching for the command line
    ("zoo/learning/losses.py", "from zoo.cli import main", "zoo.learning is not allowed to import zoo.cli"),
    # hub sits on top of the zoo: only the commands may import it
    ("zoo/training/session.py", "import hub", "zoo.training is not allowed to import hub"),
    # two rooms side by side: an environment writing the run directory itself
    ("zoo/envs/episodes.py", "from zoo.rundir import video", "zoo.envs is not allowed to import zoo.rundir"),
    # an agent touching an environment instead of the steps the collector hands it
    ("zoo/agents/dqn.py", "import gymnasium", "zoo.agents.dqn is not allowed to import gymnasium"),
    # the configs must load without torch, or `zoo --help` pays for it
    ("zoo/agents/configs.py", "import torch", "zoo.agents.configs is not allowed to import torch"),
])
def test_an_arrow_that_breaks_the_import_contracts_fails_the_build(tmp_path, room, line, broken):
    # (that the tree as it is keeps them is `make test`'s first step, lint-imports)
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(ROOT / "pyproject.toml", tree)
    for package in ("zoo", "hub", "toy_envs"):
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("pretrained", "__pycache__"))
    with open(tree / room, "a", encoding="utf-8") as f:
        f.write(f"\n{line}  # noqa\n")
    failed = _lint_imports(tree)
    assert failed.returncode != 0 and broken in " ".join(failed.stdout.split()), failed.stdout
