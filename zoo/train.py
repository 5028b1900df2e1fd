"""`zoo train`: check everything, build the collector, the agent and the trainer, train, then write the
complete run directory (held-out score, learning curve, video, model card).

Every check that can fail (names, hyperparameters, an existing directory) runs before training, and
the directory is built beside its target and moved into place only when complete.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo.agent import Resumable, Spaces
from zoo.algorithms import build_agent, check_fits, get_algorithm, space_desc
from zoo.atomic import replace_directory
from zoo.checkpoint import load_checkpoint
from zoo.collector import AsyncCollector, Collector, SingleEnv
from zoo.config import build_config
from zoo.device import check_device
from zoo.envs import make_env, make_vec_env
from zoo.episodes import evaluate, play
from zoo.errors import Interrupted, ZooError
from zoo.metrics import MetricsLogger
from zoo.model_card import write_model_card
from zoo.plots import plot_learning_curve
from zoo.presets import DEFAULT_STEPS, preset
from zoo.run_dir import Results, RunConfig, load_run, read_json, write_config, write_results
from zoo.seeds import check_run_seed, stream_seed
from zoo.trainer import Schedule, Trainer


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
    """episodes of the final held-out greedy evaluation (default 1000 for tabular agents, else 100)"""
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
    snapshot_every: int = 0
    """environment steps between copies of the weights in snapshots/ (0: none)"""
    async_acting: bool = False
    """act in a background thread while learning (DQN): faster on two cores, not bit-for-bit reproducible"""
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


def held_out_protocol(episodes: int, seed: int, env_id: str) -> str:
    """How the final score is measured, in the words the model card shows."""
    pipeline = (" in the Gymnasium wrapper stack `zoo play` uses (zoo.atari.make_atari_env)"
                if env_id.startswith("ALE/") else "")
    return (f"greedy actions over {episodes} episodes{pipeline}, on env seeds {seed}, {seed} + 1, ... from the "
            "held-out `final` stream (zoo.seeds): never used to train the agent nor to choose which weights to "
            "keep (periodic evaluations use the `select` stream). Mean ± std of the episode returns; the 95% "
            "confidence interval of the mean is a percentile bootstrap.")


def train(settings: TrainSettings) -> Path:
    """Train, evaluate, and write a complete run directory; return its path."""
    s = settings
    algorithm = get_algorithm(s.algo)
    chosen = preset(s.algo, s.env_id)
    steps = s.steps if s.steps is not None else chosen.get("steps", DEFAULT_STEPS)
    if steps < 0:
        raise ZooError(f"--steps must not be negative (got {steps})")
    try:
        check_run_seed(s.seed)
    except ValueError as error:
        raise ZooError(str(error)) from None
    if s.time_limit is not None and s.time_limit <= 0:
        raise ZooError(f"--time-limit must be a positive number of minutes (got {s.time_limit})")
    config = build_config(algorithm.config_class, {**chosen.get("hyperparameters", {}), **s.hyperparameters})
    check_device(s.device)
    if s.async_acting and s.algo != "dqn":
        raise ZooError(f"--async-acting needs an agent that can act from a copy of its network (dqn), not {s.algo}")
    env = make_env(s.env_id, s.env_kwargs)
    check_fits(algorithm, env, s.env_id)
    spaces = Spaces(space_desc(env.observation_space), space_desc(env.action_space))
    model = getattr(env.unwrapped, "P", None) if algorithm.needs_model else None
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
    periodic = s.periodic_eval_episodes or min(eval_episodes, 100 if algorithm.tabular else 10)
    agent = build_agent(algorithm, config, spaces, seed=s.seed, device=s.device, model=model)

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    resumed: dict[str, Any] = {}
    if s.resume:
        shutil.copytree(out, staging)
        resumed = load_checkpoint(staging, agent)
    else:
        staging.mkdir()
    earlier = read_json(out / "config.json").get("command") if s.resume and (out / "config.json").exists() else None
    commands = [c for c in (earlier, s.command) if c]  # a resumed run lists every session's command, in order
    run_config = RunConfig(algo=s.algo, env_id=s.env_id, seed=s.seed, steps=steps, spaces=spaces,
                           hyperparameters=dataclasses.asdict(config), env_kwargs=s.env_kwargs,
                           preprocessing=_preprocessing(s.env_id), command="\n".join(commands) or None)
    try:
        logger = MetricsLogger(staging, tensorboard=s.tensorboard, tensorboard_every=steps // 2000, append=s.resume)
        collector = _collector(s, algorithm.tabular, agent, config)
        trainer = Trainer(agent, collector, staging,
                          Schedule(steps, eval_every, s.time_limit * 60 if s.time_limit else None,
                                   keep_best=not algorithm.tabular, snapshot_every=s.snapshot_every),
                          lambda a, k: evaluate(a, s.env_id, s.env_kwargs, periodic, stream_seed("select", s.seed, k)),
                          logger, s.algo, resumed=resumed, progress=s.progress)
        try:
            trainer.run()
        finally:
            collector.close()
            logger.close()
        if trainer.timed_out:
            run_config = dataclasses.replace(run_config, stopped_by_time_limit={"minutes": s.time_limit,
                                                                                "at_step": agent.steps_done})
        write_config(staging, run_config)
        if trainer.stop_requested:
            replace_directory(staging, out)
            if not isinstance(agent, Resumable):
                raise Interrupted(f"interrupted at step {agent.steps_done:,}; what it learned so far is in {out}. "
                                  f"{s.algo} runs cannot resume: train again to finish.")
            raise Interrupted(f"interrupted at step {agent.steps_done:,}; checkpoint saved in {out}. "
                              f"Continue with: zoo train --resume {out}")
        _finish_run_dir(staging, run_config, eval_episodes, s.device, s.video)
        replace_directory(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def _preprocessing(env_id: str) -> dict[str, Any] | None:
    if env_id.startswith("ALE/"):
        from zoo.atari import PREPROCESSING

        return PREPROCESSING
    return None


def _collector(s: TrainSettings, tabular: bool, agent, config):
    """One env for a tabular agent; ``num_envs`` in a vector env for a deep one; optionally acting in a thread."""
    if tabular:
        return Collector(SingleEnv(make_env(s.env_id, s.env_kwargs)), lambda obs: agent.act(obs, explore=True), s.seed)
    envs = make_vec_env(s.env_id, config.num_envs, s.env_kwargs)
    if s.async_acting:
        return AsyncCollector(envs, agent.make_actor(), s.seed)
    return Collector(envs, lambda obs: agent.act(obs, explore=True), s.seed)


def _finish_run_dir(run_dir: Path, config: RunConfig, episodes: int, device: str, video: bool) -> None:
    """The held-out score of the kept weights, the curve, the video and the card."""
    agent, _ = load_run(run_dir, device=device)  # the kept weights, as a user will load them
    seed = stream_seed("final", config.seed)
    # through the pipeline `zoo play` uses, so a user can reproduce the figure by watching
    returns = evaluate(agent, config.env_id, config.env_kwargs, episodes, seed, play_pipeline=True).returns
    pipeline = "Gymnasium wrappers of zoo.atari.make_atari_env, as `zoo play` uses" if config.env_id.startswith(
        "ALE/") else None
    write_results(run_dir, Results.of(returns, config.env_id, seed, held_out_protocol(episodes, seed, config.env_id),
                                      pipeline=pipeline))
    plot_learning_curve(run_dir, f"{config.algo} on {config.env_id} (seed {config.seed})")
    if video:
        play(agent, config.env_id, config.env_kwargs, 1, stream_seed("video", config.seed), video=run_dir / "replay.mp4")
    write_model_card(run_dir)
