"""zoo.cores: torch's threads step back while another process wants a core, and come back."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from zoo import cores
from zoo.cores import CoreShare, Sample, proc_stat_busy


class Story:
    """Samples a test writes one window at a time: ``window(busy, ours)`` in cores over one second."""

    def __init__(self) -> None:
        self.now = Sample(0.0, 0.0, 0.0)
        self.reads = 0
        self.set_to: list[int] = []

    def sample(self) -> Sample:
        self.reads += 1
        return self.now

    def clock(self) -> float:
        return self.now.wall

    def window(self, share: CoreShare, busy: float, ours: float) -> int:
        n = self.now
        self.now = Sample(n.wall + 1.0, n.busy + busy, n.ours + ours)
        share.tick()
        return share.current


def test_the_threads_step_back_for_a_neighbour_and_return_when_it_has_gone():
    story = Story()
    share = CoreShare(2, story.set_to.append, story.sample, cpus=2, window_s=1.0, clock=story.clock)
    assert share.active
    assert story.window(share, busy=2.0, ours=2.0) == 2  # alone, spinning: both cores ours
    assert story.window(share, busy=2.0, ours=1.7) == 2  # 0.3 cores of others: a shell, a logger
    assert story.window(share, busy=2.0, ours=1.2) == 1  # someone took 0.8 of a core while the cores are full
    assert story.window(share, busy=2.0, ours=1.0) == 1  # still there
    assert story.window(share, busy=1.1, ours=1.1) == 1  # gone: one calm window is not yet enough
    assert story.window(share, busy=1.05, ours=1.05) == 2  # two in a row
    assert story.window(share, busy=2.0, ours=1.3) == 1
    assert story.window(share, busy=1.1, ours=1.1) == 1
    assert story.window(share, busy=2.0, ours=1.0) == 1  # back before the second calm window: the count restarts
    assert story.window(share, busy=1.1, ours=1.1) == 1
    assert story.window(share, busy=1.1, ours=1.1) == 2
    assert story.set_to == [1, 2, 1, 2]
    assert [threads for _, threads in share.decisions] == [1, 2, 1, 2]


def test_others_on_idle_cores_take_nothing_from_us():
    story = Story()
    share = CoreShare(4, story.set_to.append, story.sample, cpus=8, clock=story.clock)
    assert story.window(share, busy=7.0, ours=4.0) == 4  # others on 3 cores, one core idle
    assert story.window(share, busy=7.8, ours=4.0) == 4  # others on 3.8: floor(8 - 3.8 + 0.25) = 4 still left to us
    assert story.window(share, busy=8.0, ours=3.0) == 3  # others on 5: floor(3.25) = 3
    assert story.set_to == [3]


def test_a_many_core_step_back_leaves_what_the_others_leave():
    story = Story()
    share = CoreShare(8, story.set_to.append, story.sample, cpus=8, clock=story.clock)
    assert story.window(share, busy=8.0, ours=6.0) == 6  # others on 2 cores: floor(8 - 2 + 0.25) = 6
    assert story.window(share, busy=8.0, ours=3.0) == 3  # on 5: floor(3.25) = 3
    assert story.window(share, busy=6.0, ours=3.0) == 3  # on 3 of the 5 again: 5 left, but one window is not enough
    assert story.window(share, busy=6.0, ours=3.0) == 5  # two are
    assert story.window(share, busy=5.1, ours=5.0) == 5
    assert story.window(share, busy=5.1, ours=5.0) == 8
    assert story.set_to == [6, 3, 5, 8]


def test_nothing_is_read_between_windows_and_one_thread_has_nothing_to_share():
    story = Story()
    share = CoreShare(2, story.set_to.append, story.sample, cpus=2, window_s=1.0, clock=story.clock)
    reads = story.reads
    for _ in range(1000):
        share.tick()  # the clock has not moved: no /proc/stat read
    assert story.reads == reads
    alone = CoreShare(1, story.set_to.append, story.sample, cpus=2, clock=story.clock)
    assert not alone.active
    unwatched = CoreShare(2, story.set_to.append, lambda: None, cpus=2, clock=story.clock)
    assert not unwatched.active  # no /proc/stat: the threads stay as they are
    story.window(unwatched, busy=2.0, ours=0.0)
    assert unwatched.current == 2 and story.set_to == []


def test_proc_stat_counts_the_busy_ticks_of_our_cpus_only(tmp_path):
    stat = tmp_path / "stat"
    # user nice system idle iowait irq softirq steal guest guest_nice
    stat.write_text("cpu  900 0 900 900 900 0 0 0 0 0\n"
                    "cpu0 100 20 30 5000 40 5 6 7 0 0\n"
                    "cpu1 200 0 0 9000 0 0 0 0 0 0\n"
                    "cpu2 1000 0 0 0 0 0 0 0 0 0\n"
                    "intr 1 2 3\n")
    hz = os.sysconf("SC_CLK_TCK")
    assert proc_stat_busy(frozenset({0, 1}), str(stat)) == pytest.approx((100 + 20 + 30 + 5 + 6 + 7 + 200) / hz)
    assert proc_stat_busy(frozenset({2}), str(stat)) == pytest.approx(1000 / hz)
    assert proc_stat_busy(frozenset({0}), str(tmp_path / "missing")) is None


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2
                    or cores.proc_stat_busy(frozenset({0})) is None, reason="needs Linux and 2 CPUs")
def test_a_real_busy_neighbour_is_seen_and_its_end_too():
    """Two CPUs, this process busy on one, a busy loop in a second process on the other: the share steps back
    to one thread; once the loop is killed it takes the second back."""
    before = os.sched_getaffinity(0)
    two = frozenset(sorted(before)[:2])
    os.sched_setaffinity(0, two)
    neighbour = subprocess.Popen([sys.executable, "-c", "import os, time\nos.sched_setaffinity(0, %r)\n"
                                  "end = time.time() + 60\nwhile time.time() < end: pass\n" % (set(two),)])
    set_to: list[int] = []
    try:
        share = CoreShare(2, set_to.append, lambda: cores.system_sample(two), cpus=2, window_s=0.5)

        def busy_until(done, seconds: float) -> bool:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                share.tick()  # and this loop keeps our own core busy
                if done():
                    return True
            return False

        assert busy_until(lambda: share.current == 1, 10.0), f"no step back beside a busy loop: {set_to}"
        neighbour.kill()
        neighbour.wait()
        assert busy_until(lambda: share.current == 2, 10.0), f"threads not taken back once it ended: {set_to}"
        assert set_to == [1, 2]
    finally:
        neighbour.kill()
        neighbour.wait()
        os.sched_setaffinity(0, before)


def _policy_after(env: dict[str, str], torch_first: bool = False) -> str:
    code = ("import os\n" + ("import torch\n" if torch_first else "") + "import zoo\n"
            "from zoo.cores import let_threads_spin\n"
            "print(let_threads_spin(), os.environ.get('OMP_WAIT_POLICY'))\n")
    clean = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "ZOO_THREADS", "ZOO_DEFAULT_WAIT_POLICY")}
    done = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_zoo_train_takes_back_only_zoos_own_passive_default():
    assert _policy_after({}) == "True None"  # zoo's default, taken back: the threads will spin
    assert _policy_after({"OMP_WAIT_POLICY": "PASSIVE"}) == "False PASSIVE"  # the user's choice stays
    assert _policy_after({"ZOO_THREADS": "passive"}) == "False PASSIVE"
    assert _policy_after({"ZOO_THREADS": "off"}) == "False None"  # zoo sets nothing at all
    assert _policy_after({}, torch_first=True) == "False PASSIVE"  # too late: the runtime read it already


class Ticks:
    def __init__(self) -> None:
        self.count = 0

    def tick(self) -> None:
        self.count += 1


def test_the_training_and_evaluation_loops_tick_the_share(monkeypatch, tmp_path):
    import zoo
    from zoo.envs.episodes import evaluate
    from zoo.training.session import train
    from zoo.training.settings import TrainSettings

    ticks = Ticks()
    monkeypatch.setattr(cores, "_ACTIVE", ticks)
    train(TrainSettings(algo="dqn", env_id="CartPole-v1", steps=400, out=tmp_path / "run", eval_every=0,
                        eval_episodes=2, video=False, tensorboard=False, progress=False))
    assert ticks.count > 400 // 8  # each of the 50 vector steps on the preset's 8 envs, then the final evaluation's
    ticks.count = 0
    played = evaluate(zoo.load(tmp_path / "run"), "CartPole-v1", None, 3, seed=5)
    assert ticks.count == int(np.max(played.lengths))  # one per step of the 3 copies, until the longest game ends


def test_only_a_cnn_on_the_cpu_shares_the_cores(monkeypatch):
    import contextlib

    from zoo.training.session import _sharing_cores, plan_run
    from zoo.training.settings import TrainSettings

    def shares(algo: str, env_id: str, **kw) -> bool:
        s = TrainSettings(algo=algo, env_id=env_id, **kw)
        return not isinstance(_sharing_cores(s, plan_run(s)), contextlib.nullcontext)

    assert shares("dqn", "ALE/Pong-v5")  # every core for the CNN: shared
    assert not shares("dqn", "CartPole-v1")  # one thread: nothing to share
    assert not shares("q-learning", "FrozenLake-v1")  # a table: no torch at all
    monkeypatch.setenv("ZOO_THREADS", "off")
    assert not shares("dqn", "ALE/Pong-v5")  # the user's thread settings rule
