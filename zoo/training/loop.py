"""The trainer: one loop that hands the collector's steps to the agent, and around it the clock, greedy
evaluations, the kept best weights, checkpoints, the time limit and Ctrl-C.

Data flows one way: collector -> trainer -> agent. The trainer reads the agent only through its
contract (``zoo.agents.contract``); the agent never calls back.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tqdm.auto import tqdm

from zoo.agents.contract import Agent, Resumable
from zoo.envs.episodes import Episodes
from zoo.cores import tick as share_cores
from zoo.rundir.files import save_model
from zoo.rundir.metrics import MetricsLogger
from zoo.training.checkpoint import TrainerState, save_checkpoint


class Clock:
    """Wall time of a run's training, evaluations excluded, continued across resumed sessions."""

    def __init__(self, train_s: float = 0.0, eval_s: float = 0.0) -> None:
        self.eval_s = eval_s
        self._start = time.perf_counter() - train_s - eval_s

    def wall(self) -> float:
        """Seconds since the run began, evaluations included."""
        return time.perf_counter() - self._start

    def training(self) -> float:
        """Seconds of training so far."""
        return self.wall() - self.eval_s


@dataclass(frozen=True)
class Schedule:
    """When the trainer stops and evaluates."""

    total_steps: int
    eval_every: int
    """environment steps between greedy evaluations (0: none)"""
    time_limit_s: float | None = None
    """seconds of training (all sessions) after which the run finishes as if its steps were done"""
    keep_best: bool = True
    """keep the best-evaluated weights as model.safetensors (else the final ones)"""
    stop_at: float | None = None
    """stop once a periodic greedy evaluation reaches this mean return (the env is solved)"""
    snapshot_every: int = 0
    """environment steps between copies of the weights in snapshots/ (0: none), for learning curves measured
    afterwards without slowing training"""


class Trainer:
    """Feeds ``collector``'s steps to ``agent`` until the schedule ends or Ctrl-C; writes into ``run_dir``.

    ``evaluate(agent, index)`` plays greedy episodes for the ``index``-th periodic evaluation.
    """

    def __init__(self, agent: Agent, collector, run_dir: Path, schedule: Schedule,
                 evaluate: Callable[[Agent, int], Episodes], logger: MetricsLogger, algo: str,
                 state: TrainerState | None = None, progress: bool | None = None,
                 on_evaluation: Callable[[int, float], None] | None = None) -> None:
        """``state`` continues a resumed run (its clock, best score and counters); ``on_evaluation(step, mean)``
        hears each periodic evaluation (a tuner prunes with it by raising)."""
        state = state or TrainerState()
        self.agent, self.collector, self.run_dir = agent, collector, run_dir
        self.schedule, self._evaluate, self.logger, self.algo = schedule, evaluate, logger, algo
        self.clock = Clock(state.train_s, state.eval_s)
        self.best = state.best_eval
        self.episodes = state.episodes
        self.evaluations = state.evaluations
        self.sessions = state.sessions
        self.stop_requested = False
        self.timed_out = False
        self.solved_at: int | None = None
        self.last_eval_step = -1
        self._progress = progress
        self._on_evaluation = on_evaluation
        self._session_steps = agent.steps_done
        self._session_train_s = self.clock.training()

    # -- the loop --------------------------------------------------------------------------------------
    def run(self) -> None:
        """Train until the steps are done, the time limit passes, or Ctrl-C (``stop_requested``)."""
        agent, s = self.agent, self.schedule
        every, snap = s.eval_every, s.snapshot_every
        next_eval = (agent.steps_done // every + 1) * every if every else 0
        next_snapshot = (agent.steps_done // snap + 1) * snap if snap else 0
        bar = _ProgressBar(self, self._progress)
        refresh = getattr(self.collector, "refresh", None)
        previous = _catch_ctrl_c(self)
        try:
            try:
                steps = () if self._should_stop() else self.collector
                for step in steps:
                    agent.observe(step)
                    share_cores()
                    if refresh is not None:
                        refresh()
                    if step.episodes:
                        for episode in step.episodes:
                            self._log_episode(episode.ret, episode.length)
                        bar.set_postfix(ret=f"{step.episodes[-1].ret:.3g}", best=f"{self.best:.3g}", refresh=False)
                    bar.show(agent.steps_done, self.clock.training())
                    if next_snapshot and agent.steps_done >= next_snapshot:
                        next_snapshot += snap
                        self.snapshot()
                    if next_eval and agent.steps_done >= next_eval:
                        next_eval += every
                        self.evaluate()
                    if self._should_stop():
                        break
            finally:
                bar.close()
            agent.sync()
            if not self.stop_requested and s.keep_best and self.last_eval_step != agent.steps_done:
                self.evaluate()  # the final weights compete with the best so far
            if not s.keep_best or not (self.run_dir / "model.safetensors").exists():
                save_model(self.run_dir / "model.safetensors", agent.state_dict(), self.algo)
            self.checkpoint(with_replay=True)  # stopped, timed out or done: --resume goes on from the same memory
        finally:
            _restore_ctrl_c(previous)

    def _should_stop(self) -> bool:
        if self.stop_requested or self.solved_at is not None:
            return True
        limit = self.schedule.time_limit_s
        if limit is not None and self.clock.training() >= limit:
            self.timed_out = True
            return True
        return self.agent.steps_done >= self.schedule.total_steps

    # -- bookkeeping -----------------------------------------------------------------------------------
    def steps_per_second(self) -> float:
        """This session's training speed."""
        seconds = self.clock.training() - self._session_train_s
        return (self.agent.steps_done - self._session_steps) / max(seconds, 1e-9)

    def _log_episode(self, ret: float, length: int) -> None:
        self.episodes += 1
        stats = self.agent.stats()
        self.logger.episode(self.agent.steps_done, self.episodes, ret, length, stats["loss"], stats["epsilon"],
                            self.steps_per_second(), self.clock.wall())

    def evaluate(self) -> float:
        """Greedy evaluation; the best so far is saved as ``model.safetensors``; then a checkpoint."""
        started, train_s = time.perf_counter(), self.clock.training()
        agent = self.agent
        self.last_eval_step = agent.steps_done
        agent.sync()
        result = self._evaluate(agent, self.evaluations)
        self.evaluations += 1
        mean = float(result.returns.mean())
        self.logger.evaluation(agent.steps_done, self.clock.wall(), mean, float(result.returns.std()),
                               len(result.returns), train_s)
        if self.schedule.keep_best and (mean >= self.best or not (self.run_dir / "model.safetensors").exists()):
            self.best = mean
            save_model(self.run_dir / "model.safetensors", agent.state_dict(), self.algo)
        self.clock.eval_s += time.perf_counter() - started
        self.checkpoint()
        if self._on_evaluation is not None:
            self._on_evaluation(agent.steps_done, mean)
        if self.schedule.stop_at is not None and mean >= self.schedule.stop_at:
            self.solved_at = agent.steps_done
        return mean

    def snapshot(self) -> None:
        """Copy the current weights to ``snapshots/STEP.safetensors`` and note the clock in ``snapshots/index.csv``."""
        started = time.perf_counter()
        folder = self.run_dir / "snapshots"
        folder.mkdir(exist_ok=True)
        step = self.agent.steps_done
        save_model(folder / f"{step:010d}.safetensors", self.agent.state_dict(), self.algo)
        index = folder / "index.csv"
        new = not index.exists()
        with open(index, "a", encoding="utf-8") as f:
            if new:
                f.write("step,train_s,wall_s\n")
            f.write(f"{step},{self.clock.training():.3f},{self.clock.wall():.3f}\n")
        self.clock.eval_s += time.perf_counter() - started  # bookkeeping, not training

    def checkpoint(self, with_replay: bool = False) -> None:
        """Write what ``--resume`` needs (agents that can resume only)."""
        if isinstance(self.agent, Resumable):
            save_checkpoint(self.run_dir, self.agent, self.state(), with_replay=with_replay)

    def state(self) -> TrainerState:
        """What a resumed session continues from."""
        return TrainerState(best_eval=self.best, episodes=self.episodes, evaluations=self.evaluations,
                            sessions=self.sessions, train_s=self.clock.training(), eval_s=self.clock.eval_s)


class _ProgressBar:
    """Steps done out of the run's steps; with a time limit, minutes of training out of the limit (the
    limit ends the run first, and an ETA from the steps would be hours off)."""

    def __init__(self, trainer: Trainer, progress: bool | None) -> None:
        s, steps = trainer.schedule, trainer.agent.steps_done
        self.by_time = s.time_limit_s is not None
        disable = (not progress) if progress is not None else None
        if self.by_time:
            self.bar = tqdm(total=round(s.time_limit_s / 60, 1), initial=round(trainer.clock.training() / 60, 1),
                            unit="min", desc=trainer.algo, mininterval=1.0, disable=disable,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} min of training "
                                       "[{elapsed}<{remaining}{postfix}]")
        else:
            self.bar = tqdm(total=s.total_steps, initial=steps, unit="step", desc=trainer.algo, mininterval=0.5,
                            smoothing=0.05, disable=disable)
        self.disable = self.bar.disable
        self._steps = steps

    def show(self, steps: int, train_s: float) -> None:
        if self.disable:
            return
        if self.by_time:
            self._steps = steps
            self.bar.update(round(min(train_s / 60, self.bar.total) - self.bar.n, 3))
        else:
            self.bar.update(steps - self.bar.n)

    def set_postfix(self, **values) -> None:
        if self.by_time:
            values = {"steps": f"{self._steps:,}", **values}
        self.bar.set_postfix(**values)

    def close(self) -> None:
        self.bar.close()


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _catch_ctrl_c(trainer: Trainer) -> dict:
    """First Ctrl-C (or SIGTERM, as `timeout` and job schedulers send): stop after this step and save a
    checkpoint. A second one: stop at once."""

    def handler(signum, frame):
        if trainer.stop_requested:
            raise KeyboardInterrupt
        trainer.stop_requested = True
        name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        print(f"\nzoo: {name}: stopping after this step and saving a checkpoint (again to abort)", flush=True)

    previous = {}
    try:
        for sig in STOP_SIGNALS:
            previous[sig] = signal.signal(sig, handler)
    except ValueError:
        pass  # not the main thread: leave the signals alone
    return previous


def _restore_ctrl_c(previous: dict) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
