"""Sharing the CPU's cores with other processes: all torch threads while the cores are free, fewer when not.

On 2 cores torch's OpenMP threads have two ways to wait for the next parallel region, and each loses badly in
one case (BENCHMARKS.md, issue 21): waiting threads that *spin* make the Pong update 1.7x faster than
sleeping ones (``OMP_WAIT_POLICY=PASSIVE``), but beside a second busy process the spinning threads and the
other process take each other's cores and both crawl (two spinning Pong trainings made < 20 agent steps/s
each, against 62 each when sleeping). ``CoreShare`` lets the threads spin and watches the cores instead:
about once a second it reads how busy the CPUs this process may run on were (``/proc/stat``) and how much of
that was this process (``time.process_time``). When other processes take half a core or more and the cores
are full, the training drops to the cores they leave (one, on 2 cores, where no thread waits for another);
when they leave more again for two windows in a row, it takes those back.

The training loop and the evaluation loop call ``tick()`` once per step (a clock read, except once a
second); between those, nothing happens. Linux only: elsewhere (no ``/proc/stat``) the thread count stays as
it was.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Callable, Iterator

BUSY_OTHER = 0.5
"""cores other processes must use, while the CPUs are full, to make us step back"""
FULL_IDLE = 0.5
"""idle cores below which the CPUs count as full"""
SLACK = 0.25
"""of a core others may use and still leave it to us: a shell, a logger, the kernel"""
CALM_WINDOWS = 2
"""windows in a row that must leave a core free before we take it back"""
WINDOW_S = 1.0


@dataclass(frozen=True, slots=True)
class Sample:
    """Cumulative CPU seconds at one moment: ``busy`` on the CPUs we may use (all processes), ``ours`` this
    process's (user + system, all threads), at ``wall`` (monotonic seconds)."""

    wall: float
    busy: float
    ours: float


def proc_stat_busy(cpus: frozenset[int], path: str = "/proc/stat") -> float | None:
    """Seconds the CPUs ``cpus`` have spent busy since boot (every state but idle and iowait), or None when
    ``/proc/stat`` cannot be read (not Linux)."""
    try:
        with open(path, encoding="ascii") as f:
            lines = f.readlines()
    except OSError:
        return None
    ticks = 0
    for line in lines:
        if not line.startswith("cpu") or line[3] == " ":
            continue  # only the per-CPU lines ("cpu0 ..."), not the total
        name, *fields = line.split()
        if int(name[3:]) not in cpus:
            continue
        values = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
        ticks += sum(values) - values[3] - values[4]
    return ticks / os.sysconf("SC_CLK_TCK")


def _allowed_cpus() -> frozenset[int]:
    try:
        return frozenset(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return frozenset(range(os.cpu_count() or 1))


def system_sample(cpus: frozenset[int]) -> Sample | None:
    busy = proc_stat_busy(cpus)
    if busy is None:
        return None
    return Sample(time.monotonic(), busy, time.process_time())


class CoreShare:
    """Sets ``threads(n)`` (torch.set_num_threads) from how busy the cores are, between ``full`` and 1.

    ``sample()`` reads the CPUs; both are injectable so that tests can play a story of samples.
    ``decisions`` lists ``(wall, threads)`` for every change, for the log and the benchmark.
    """

    def __init__(self, full: int, threads: Callable[[int], None], sample: Callable[[], Sample | None],
                 cpus: int, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.full, self.current, self.cpus = full, full, cpus
        self._threads, self._sample, self._clock, self._window = threads, sample, clock, window_s
        self._last = sample()
        self._next = clock() + window_s
        self._calm = 0
        self.decisions: list[tuple[float, int]] = []

    @property
    def active(self) -> bool:
        """False where the cores cannot be watched (no /proc/stat) or there is nothing to share (1 thread)."""
        return self._last is not None and self.full > 1

    def tick(self) -> None:
        """Once per loop step: every ``window_s``, look at the last window and set the thread count."""
        if self._clock() < self._next or not self.active:
            return
        now = self._sample()
        if now is None or now.wall <= self._last.wall:
            return
        span = now.wall - self._last.wall
        busy = (now.busy - self._last.busy) / span
        other = max(0.0, busy - (now.ours - self._last.ours) / span)
        idle = self.cpus - busy
        self._last, self._next = now, self._clock() + self._window
        self._set(self._decide(other, idle), now.wall)

    def _decide(self, other: float, idle: float) -> int:
        left = min(self.full, max(1, math.floor(self.cpus - other + SLACK)))  # the cores the others leave us
        if left < self.current and other >= BUSY_OTHER and idle < FULL_IDLE:
            self._calm = 0
            return left
        if left > self.current:
            self._calm += 1
            if self._calm < CALM_WINDOWS:
                return self.current
            self._calm = 0  # each step up waits its own calm windows
            return left
        self._calm = 0
        return self.current

    def _set(self, threads: int, wall: float) -> None:
        if threads != self.current:
            self._threads(threads)
            self.current = threads
            self.decisions.append((wall, threads))


def let_threads_spin() -> bool:
    """Take back zoo's default ``OMP_WAIT_POLICY=PASSIVE`` (zoo/__init__.py) so that torch's threads spin, where
    torch has not loaded yet (the policy is read once, then) and the user chose no policy; True if taken back.
    ``zoo train`` calls this first: its core share steps back from a busy neighbour instead."""
    if "torch" in sys.modules or os.environ.get("ZOO_THREADS", "").lower() in ("passive", "off"):
        return False
    if os.environ.get("ZOO_DEFAULT_WAIT_POLICY") != "PASSIVE" or os.environ.get("OMP_WAIT_POLICY") != "PASSIVE":
        return False  # the user's own choice, or none was made
    del os.environ["OMP_WAIT_POLICY"], os.environ["ZOO_DEFAULT_WAIT_POLICY"]
    return True


def enabled() -> bool:
    """Whether zoo shares the cores at all: not with ``ZOO_THREADS=off`` (the user's thread settings rule)."""
    return os.environ.get("ZOO_THREADS", "").lower() != "off"


_ACTIVE: CoreShare | None = None


def tick() -> None:
    """``CoreShare.tick`` of the share in force (``sharing_cores``), if any: the loops call this each step."""
    if _ACTIVE is not None:
        _ACTIVE.tick()


@contextlib.contextmanager
def sharing_cores() -> Iterator[CoreShare | None]:
    """For the body, watch the cores and adapt torch's thread count (restored after); yields the share, or
    None where there is nothing to share (one thread, no ``/proc/stat``, or a share already in force)."""
    global _ACTIVE
    import torch

    full = torch.get_num_threads()
    allowed = _allowed_cpus()
    share = CoreShare(full, torch.set_num_threads, lambda: system_sample(allowed), len(allowed))
    if not share.active or _ACTIVE is not None:
        yield None
        return
    _ACTIVE = share
    try:
        yield share
    finally:
        _ACTIVE = None
        torch.set_num_threads(full)
