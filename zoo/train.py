"""Train an agent and write its run directory: the one entry point behind `zoo train`."""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import gymnasium as gym
from tqdm.auto import tqdm

from zoo.algorithms import check_fits, get_algorithm
from zoo.atomic import replace_directory, write_json
from zoo.config import build_config
from zoo.envs import make_env
from zoo.errors import ZooError
from zoo.evaluate import evaluate
from zoo.metrics import MetricsLogger
from zoo.plots import plot_learning_curve
from zoo.presets import DEFAULT_STEPS, preset
from zoo.run_dir import FORMAT_VERSION, save_model, versions, write_model_card, write_results
from zoo.video import record_video


@dataclass(frozen=True)
class TrainSettings:
    """What to train and how to report it (hyperparameters of the algorithm itself are separate)."""

    algo: str
    """algorithm name, see `zoo list`"""
    env_id: str
    """Gymnasium environment id"""
    seed: int = 0
    """seeds the env, the agent and numpy: the same seed gives the same run"""
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
    video: bool = True
    """record replay.mp4"""
    tensorboard: bool = True
    """write TensorBoard logs under tensorboard/"""
    force: bool = False
    """replace an existing run directory"""
    progress: bool | None = None
    """show a progress bar (default: when stderr is a terminal)"""


def default_run_dir(algo: str, env_id: str, seed: int) -> Path:
    """``runs/<algo>-<env>-<seed>`` with the env id's namespace slash made safe."""
    return Path("runs") / f"{algo}-{env_id.replace('/', '-')}-{seed}"


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
    config = build_config(algorithm.agent_class.Config, {**chosen.get("hyperparameters", {}), **s.hyperparameters})
    env = make_env(s.env_id, s.env_kwargs)
    check_fits(algorithm, env, s.env_id)
    out = Path(s.out) if s.out is not None else default_run_dir(s.algo, s.env_id, s.seed)
    if out.exists() and not s.force:
        raise ZooError(f"{out} already exists. Pass --force to replace it, or --out to choose another directory.")
    eval_episodes = s.eval_episodes if s.eval_episodes is not None else (1000 if algorithm.tabular else 100)
    if eval_episodes < 1:
        raise ZooError(f"--eval-episodes must be at least 1 (got {eval_episodes})")
    eval_every = s.eval_every if s.eval_every is not None else max(steps // 10, 1)

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        agent = algorithm.agent_class(config, env.observation_space.n, env.action_space.n, seed=s.seed)
        logger = MetricsLogger(staging, tensorboard=s.tensorboard, tensorboard_every=steps // 2000)
        try:
            _learn(agent, env, steps, s, logger, eval_every, min(eval_episodes, 100))
        finally:
            logger.close()
        returns = evaluate(agent, s.env_id, s.env_kwargs, eval_episodes, seed=s.seed + 10_000)
        run_config = {
            "format_version": FORMAT_VERSION, "algo": s.algo, "env_id": s.env_id, "env_kwargs": s.env_kwargs,
            "seed": s.seed, "steps": steps,
            "spaces": {"observation": _space(env.observation_space), "action": _space(env.action_space)},
            "hyperparameters": dataclasses.asdict(config), "versions": versions(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        save_model(staging / "model.safetensors", agent.state_dict(), s.algo)
        write_json(staging / "config.json", run_config)
        write_results(staging, returns, s.env_id, seed=s.seed + 10_000)
        plot_learning_curve(staging, f"{s.algo} on {s.env_id} (seed {s.seed})")
        if s.video:
            record_video(agent, s.env_id, s.env_kwargs, staging / "replay.mp4", seed=s.seed + 20_000)
        write_model_card(staging)
        replace_directory(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        env.close()
    return out


def _learn(agent, env: gym.Env, steps: int, s: TrainSettings, logger: MetricsLogger, eval_every: int,
           eval_episodes: int) -> None:
    """The interaction loop: ε-greedy steps, one ``observe`` per transition, periodic greedy evaluation."""
    env.action_space.seed(s.seed)
    agent.prepare(env)
    obs, _ = env.reset(seed=s.seed)
    start = time.perf_counter()
    episode, episode_return, episode_length = 0, 0.0, 0
    show = s.progress if s.progress is not None else None  # tqdm's None: only on a terminal
    with tqdm(total=steps, disable=not show if show is not None else None, unit="step", desc=s.algo,
              mininterval=0.5) as bar:
        for step in range(1, steps + 1):
            action = agent.act(obs, explore=True)
            next_obs, reward, terminated, truncated, _ = env.step(action)
            # Truncation (a time limit) is not termination: the agent still bootstraps from next_obs.
            agent.observe(obs, action, float(reward), next_obs, terminated)
            episode_return += float(reward)
            episode_length += 1
            if terminated or truncated:
                episode += 1
                wall = time.perf_counter() - start
                logger.episode(step, episode, episode_return, episode_length, agent.last_loss, agent.epsilon(),
                               step / max(wall, 1e-9), wall)
                bar.set_postfix(ret=f"{episode_return:.3g}", eps=f"{agent.epsilon():.2f}", refresh=False)
                obs, _ = env.reset()
                episode_return, episode_length = 0.0, 0
            else:
                obs = next_obs
            if eval_every and step % eval_every == 0:
                _evaluate_during_training(agent, s, logger, step, start, eval_episodes)
            bar.update(1)
    agent.finish()


def _evaluate_during_training(agent, s: TrainSettings, logger: MetricsLogger, step: int, start: float,
                              episodes: int) -> None:
    agent.finish()  # model-based agents plan on everything seen so far before being judged
    returns = evaluate(agent, s.env_id, s.env_kwargs, episodes, seed=s.seed + 10_000 + step)
    logger.evaluation(step, time.perf_counter() - start, float(returns.mean()), float(returns.std()), episodes)


def _space(space: gym.Space) -> dict[str, Any]:
    if isinstance(space, gym.spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n)}
    return {"type": type(space).__name__, "shape": list(space.shape or ())}
