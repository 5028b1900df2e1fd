"""Train an agent and write its run directory: the one entry point behind `zoo train`.

Each agent's ``learn(run)`` owns its interaction loop; the ``Run`` here gives it environments, counts
episodes, shows progress, evaluates greedily now and then (keeping the best weights as
``model.safetensors``), writes checkpoints, and turns Ctrl-C into a clean stop with a checkpoint.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from zoo.algorithms import build_agent, check_fits, get_algorithm, space_desc
from zoo.atomic import replace_directory, write_json
from zoo.checkpoint import load_checkpoint, save_checkpoint
from zoo.config import build_config
from zoo.envs import make_env, make_vec_env
from zoo.errors import Interrupted, ZooError
from zoo.evaluate import evaluate
from zoo.metrics import MetricsLogger
from zoo.plots import plot_learning_curve
from zoo.presets import DEFAULT_STEPS, preset
from zoo.run_dir import (FORMAT_VERSION, load_agent, read_json, save_model, versions, write_model_card,
                         write_results)
from zoo.video import record_video


@dataclass(frozen=True)
class TrainSettings:
    """What to train and how to report it (hyperparameters of the algorithm itself are separate)."""

    algo: str
    """algorithm name, see `zoo list`"""
    env_id: str
    """Gymnasium environment id"""
    seed: int = 0
    """seeds the env, the agent, numpy and torch: the same seed gives the same run on CPU"""
    steps: int | None = None
    """environment steps to train for (default: the preset's)"""
    out: Path | None = None
    """run directory (default: runs/<algo>-<env>-<seed>)"""
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    """overrides of the preset's hyperparameters"""
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    """keyword arguments for gym.make"""
    eval_every: int | None = None
    """steps between greedy evaluations during training (default: a tenth of the run; 0 = none)"""
    eval_episodes: int | None = None
    """episodes of the final greedy evaluation (default 1000 for tabular agents, else 100)"""
    periodic_eval_episodes: int | None = None
    """episodes of each evaluation during training (default 100 for tabular agents, else 10)"""
    video: bool = True
    """record replay.mp4"""
    tensorboard: bool = True
    """write TensorBoard logs under tensorboard/"""
    force: bool = False
    """replace an existing run directory"""
    progress: bool | None = None
    """show a progress bar (default: when stderr is a terminal)"""
    device: str = "cpu"
    """torch device of deep agents: cpu or cuda"""
    resume: bool = False
    """continue the run in ``out`` from its checkpoint"""
    time_limit: float | None = None
    """minutes of training (evaluations not counted; a resumed run counts its earlier sessions) after which
    the run finishes as if its steps were done"""
    command: str | None = None
    """the command line that started the run, recorded in config.json and the model card"""


def default_run_dir(algo: str, env_id: str, seed: int) -> Path:
    """``runs/<algo>-<env>-<seed>`` with the env id's namespace slash made safe."""
    return Path("runs") / f"{algo}-{env_id.replace('/', '-')}-{seed}"


def resume_settings(run_dir: Path, steps: int | None = None, **overrides: Any) -> TrainSettings:
    """Settings that continue ``run_dir`` (its algo, env, seed, hyperparameters) up to ``steps`` in all."""
    if not (run_dir / "checkpoint.json").is_file():
        raise ZooError(f"{run_dir} has no checkpoint to resume from (checkpoint.json missing). "
                       "Only deep agents write checkpoints; train again instead.")
    config = read_json(run_dir / "config.json")
    return TrainSettings(algo=config["algo"], env_id=config["env_id"], seed=config["seed"],
                         steps=steps if steps is not None else config["steps"], out=run_dir,
                         hyperparameters=config["hyperparameters"], env_kwargs=config.get("env_kwargs") or {},
                         resume=True, **overrides)


class Run:
    """The services an agent's ``learn`` loop uses; see the module docstring."""

    def __init__(self, s: TrainSettings, staging: Path, total_steps: int, eval_every: int, eval_episodes: int,
                 run_config: dict[str, Any], logger: MetricsLogger, best: float) -> None:
        self.settings, self.seed, self.total_steps = s, s.seed, total_steps
        self.staging, self.run_config, self.logger = staging, run_config, logger
        self.eval_every, self.eval_episodes = eval_every, eval_episodes
        self.best = best
        self.stop_requested = False
        self.episodes = 0
        self.start = time.perf_counter()
        self.eval_seconds = 0.0  # wall time spent evaluating, so steps/s counts learning only
        self._next_eval = eval_every
        self.time_limit_s = s.time_limit * 60 if s.time_limit is not None else None
        self.timed_out = False
        self.last_eval_step = -1
        self._returns: np.ndarray | None = None
        self._lengths: np.ndarray | None = None
        self._steps_at_start = 0
        self._session_train_s = 0.0
        self._bar: tqdm | None = None

    # -- environments ----------------------------------------------------------------------------------
    def make_env(self):
        """One env for single-stream agents (tabular)."""
        return make_env(self.settings.env_id, self.settings.env_kwargs)

    def make_envs(self, num_envs: int):
        """A vector of ``num_envs`` envs with next-step autoreset."""
        return make_vec_env(self.settings.env_id, num_envs, self.settings.env_kwargs)

    # -- bookkeeping -----------------------------------------------------------------------------------
    def restore_clock(self, extra: dict[str, Any]) -> None:
        """Continue a resumed run's clocks and episode count from its checkpoint, so its curve, its time
        limit and ``train_s`` count the whole run, not this session."""
        self.eval_seconds = extra.get("eval_s", 0.0)
        self.start -= extra.get("train_s", 0.0) + self.eval_seconds
        self.episodes = extra.get("episodes", 0)

    def begin(self, agent) -> None:
        self._steps_at_start = agent.steps_done
        self._session_train_s = self.training_seconds()
        self._next_eval = (agent.steps_done // self.eval_every + 1) * self.eval_every if self.eval_every else 0
        show = self.settings.progress
        self._bar = tqdm(total=self.total_steps, initial=agent.steps_done, unit="step", desc=self.settings.algo,
                         disable=(not show) if show is not None else None, mininterval=0.5, smoothing=0.05)

    def end(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def training_seconds(self) -> float:
        """Wall time of the run's training so far (all sessions), evaluations excluded."""
        return time.perf_counter() - self.start - self.eval_seconds

    def steps_per_second(self, agent) -> float:
        """This session's training speed."""
        seconds = self.training_seconds() - self._session_train_s
        return (agent.steps_done - self._steps_at_start) / max(seconds, 1e-9)

    def episode(self, agent, ret: float, length: int) -> None:
        """Log one finished training episode."""
        self.episodes += 1
        self.logger.episode(agent.steps_done, self.episodes, ret, length, agent.last_loss, agent.epsilon(),
                            self.steps_per_second(agent), time.perf_counter() - self.start)
        if self._bar is not None:
            self._bar.set_postfix(ret=f"{ret:.3g}", eps=f"{agent.epsilon():.2f}", best=f"{self.best:.3g}", refresh=False)

    def record_step(self, rewards, done, valid, agent) -> None:
        """Track returns of a vector of envs (``valid`` masks the reset steps of next-step autoreset)."""
        if self._returns is None:
            self._returns, self._lengths = np.zeros(len(rewards)), np.zeros(len(rewards), dtype=np.int64)
        self._returns += np.where(valid, rewards, 0.0)
        self._lengths += valid
        for i in np.flatnonzero(done & valid):
            self.episode(agent, float(self._returns[i]), int(self._lengths[i]))
            self._returns[i], self._lengths[i] = 0.0, 0

    def after_step(self, agent) -> None:
        """Progress, and a greedy evaluation when one is due."""
        if self._bar is not None:
            self._bar.update(agent.steps_done - self._bar.n)
        if self._next_eval and agent.steps_done >= self._next_eval:
            self._next_eval += self.eval_every
            self.evaluate(agent)
        if self.time_limit_s is not None and not self.timed_out and self.training_seconds() >= self.time_limit_s:
            self.timed_out = True
            self.total_steps = agent.steps_done  # every learn loop ends when its steps reach this

    def evaluate(self, agent) -> float:
        """Greedy evaluation; better than the best so far saves ``model.safetensors``; also checkpoints."""
        started, train_s = time.perf_counter(), self.training_seconds()
        self.last_eval_step = agent.steps_done
        agent.finish()
        returns = evaluate(agent, self.settings.env_id, self.settings.env_kwargs, self.eval_episodes,
                           seed=self.seed + 10_000 + agent.steps_done)
        mean = float(returns.mean())
        now = time.perf_counter()
        self.logger.evaluation(agent.steps_done, now - self.start, mean, float(returns.std()), len(returns),
                               train_s)
        if mean >= self.best or not (self.staging / "model.safetensors").exists():
            self.best = mean
            save_model(self.staging / "model.safetensors", agent.state_dict(), self.settings.algo)
        self.eval_seconds += time.perf_counter() - started
        self.checkpoint(agent)
        return mean

    def checkpoint(self, agent) -> None:
        """Write what ``--resume`` needs (deep agents only)."""
        if hasattr(agent, "training_state"):
            save_checkpoint(self.staging, agent, {"best_eval": self.best, "episodes": self.episodes,
                                                  "train_s": self.training_seconds(), "eval_s": self.eval_seconds})


def train(settings: TrainSettings) -> Path:
    """Train, evaluate, and write a complete run directory; return its path.

    Every check that can fail (names, hyperparameters, an existing directory) runs before training,
    and the directory is built beside its target and moved into place only when complete.
    """
    s = settings
    algorithm = get_algorithm(s.algo)
    chosen = preset(s.algo, s.env_id)
    steps = s.steps if s.steps is not None else chosen.get("steps", DEFAULT_STEPS)
    if steps < 0:
        raise ZooError(f"--steps must not be negative (got {steps})")
    if s.time_limit is not None and s.time_limit <= 0:
        raise ZooError(f"--time-limit must be a positive number of minutes (got {s.time_limit})")
    config = build_config(algorithm.agent_class.Config, {**chosen.get("hyperparameters", {}), **s.hyperparameters})
    if s.device not in ("cpu", "cuda") and not s.device.startswith("cuda:"):
        raise ZooError(f"--device {s.device!r}: choose cpu or cuda")
    if s.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise ZooError("--device cuda was asked for, but torch sees no CUDA GPU here; use --device cpu")
    env = make_env(s.env_id, s.env_kwargs)
    check_fits(algorithm, env, s.env_id)
    obs_desc, act_desc = space_desc(env.observation_space), space_desc(env.action_space)
    env.close()
    out = Path(s.out) if s.out is not None else default_run_dir(s.algo, s.env_id, s.seed)
    if out.exists() and not (s.force or s.resume):
        raise ZooError(f"{out} already exists. Pass --force to replace it, --resume to continue it, "
                       "or --out to choose another directory.")
    eval_episodes = s.eval_episodes if s.eval_episodes is not None else chosen.get(
        "eval_episodes", 1000 if algorithm.tabular else 100)
    if eval_episodes < 1:
        raise ZooError(f"--eval-episodes must be at least 1 (got {eval_episodes})")
    eval_every = s.eval_every if s.eval_every is not None else chosen.get("eval_every", max(steps // 10, 1))
    agent = build_agent(algorithm, config, obs_desc, act_desc, seed=s.seed, device=s.device)

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    best, resumed = -float("inf"), {}
    if s.resume:
        shutil.copytree(out, staging)
        resumed = load_checkpoint(staging, agent)
        best = resumed.get("best_eval", best)
    else:
        staging.mkdir()
    run_config = {
        "format_version": FORMAT_VERSION, "algo": s.algo, "env_id": s.env_id, "env_kwargs": s.env_kwargs,
        "seed": s.seed, "steps": steps, "spaces": {"observation": obs_desc, "action": act_desc},
        "hyperparameters": dataclasses.asdict(config), "versions": versions(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    earlier = read_json(out / "config.json").get("command") if s.resume and (out / "config.json").exists() else None
    commands = [c for c in (earlier, s.command) if c]  # a resumed run lists every session's command, in order
    if commands:
        run_config["command"] = "\n".join(commands)
    if s.env_id.startswith("ALE/"):
        from zoo.atari import PREPROCESSING

        run_config["preprocessing"] = PREPROCESSING
    previous_sigint = signal.getsignal(signal.SIGINT)
    try:
        logger = MetricsLogger(staging, tensorboard=s.tensorboard, tensorboard_every=steps // 2000, append=s.resume)
        periodic = s.periodic_eval_episodes or min(eval_episodes, 100 if algorithm.tabular else 10)
        run = Run(s, staging, steps, eval_every, periodic, run_config, logger, best)
        run.restore_clock(resumed)
        _handle_ctrl_c(run, previous_sigint)
        try:
            run.begin(agent)
            agent.learn(run)
            agent.finish()
            if not run.stop_requested and not algorithm.tabular and run.last_eval_step != agent.steps_done:
                run.evaluate(agent)  # the final weights compete with the best so far
        finally:
            run.end()
            logger.close()
            signal.signal(signal.SIGINT, previous_sigint)
        if run.timed_out:
            run_config["stopped_by_time_limit"] = {"minutes": s.time_limit, "at_step": agent.steps_done}
        write_json(staging / "config.json", run_config)
        if run.stop_requested:
            run.checkpoint(agent)
            if not (staging / "model.safetensors").exists():
                save_model(staging / "model.safetensors", agent.state_dict(), s.algo)
            replace_directory(staging, out)
            if algorithm.tabular:
                raise Interrupted(f"interrupted at step {agent.steps_done:,}; the tables so far are in {out}. "
                                  "Tabular runs cannot resume: train again to finish.")
            raise Interrupted(f"interrupted at step {agent.steps_done:,}; checkpoint saved in {out}. "
                              f"Continue with: zoo train --resume {out}")
        if algorithm.tabular or not (staging / "model.safetensors").exists():
            save_model(staging / "model.safetensors", agent.state_dict(), s.algo)
        best_agent = load_agent(staging, device=s.device)  # the best-evaluated weights, as a user will load them
        # the final figure comes from the pipeline `zoo play` uses, so a user can reproduce it by watching
        returns = evaluate(best_agent, s.env_id, s.env_kwargs, eval_episodes, seed=s.seed + 10_000, play_pipeline=True)
        write_results(staging, returns, s.env_id, seed=s.seed + 10_000)
        plot_learning_curve(staging, f"{s.algo} on {s.env_id} (seed {s.seed})")
        if s.video:
            record_video(best_agent, s.env_id, s.env_kwargs, staging / "replay.mp4", seed=s.seed + 20_000)
        write_model_card(staging)
        replace_directory(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def _handle_ctrl_c(run: Run, previous) -> None:
    """First Ctrl-C: stop at the next step and save a checkpoint. Second: stop at once."""

    def handler(signum, frame):
        if run.stop_requested:
            signal.signal(signal.SIGINT, previous)
            raise KeyboardInterrupt
        run.stop_requested = True
        print("\nzoo: stopping after this step and saving a checkpoint (Ctrl-C again to abort)", flush=True)

    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:
        pass  # not the main thread: leave Ctrl-C alone
