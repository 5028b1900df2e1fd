"""Greedy evaluation: play N episodes with the agent's best actions and report mean ± std return."""

from __future__ import annotations

from typing import Any

import numpy as np

from zoo.envs import make_env, make_vec_env


def evaluate(agent, env_id: str, env_kwargs: dict[str, Any] | None, episodes: int, seed: int,
             play_pipeline: bool = False) -> np.ndarray:
    """Returns of ``episodes`` greedy episodes; the env is seeded once so the run is reproducible.

    Deep agents play several episodes at once with one batched forward pass per step. Atari games run
    in the training pipeline (``AtariVectorEnv``), or with ``play_pipeline`` in the Gymnasium wrapper
    stack `zoo play` uses: the same frames, and the figure a user can reproduce by watching.
    """
    if not getattr(agent, "tabular", True):
        return evaluate_vectorized(agent, env_id, env_kwargs, episodes, seed, play_pipeline=play_pipeline)
    env = make_env(env_id, env_kwargs)
    returns = np.zeros(episodes)
    obs, _ = env.reset(seed=seed)
    for i in range(episodes):
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(agent.act(obs))
            total += float(reward)
            done = terminated or truncated
        returns[i] = total
        obs, _ = env.reset()
    env.close()
    return returns


def evaluate_vectorized(agent, env_id: str, env_kwargs: dict[str, Any] | None, episodes: int, seed: int,
                        max_envs: int = 16, play_pipeline: bool = False) -> np.ndarray:
    """Greedy returns from a vector env; each copy plays a fixed share of the episodes, so short
    episodes are not over-counted (taking the first N to finish would favour them)."""
    num_envs = min(episodes, max_envs)
    envs = make_vec_env(env_id, num_envs, env_kwargs, play_pipeline=play_pipeline)
    quota = np.full(num_envs, episodes // num_envs) + (np.arange(num_envs) < episodes % num_envs)
    finished = np.zeros(num_envs, dtype=np.int64)
    running = np.zeros(num_envs)
    prev_done = np.zeros(num_envs, dtype=bool)
    returns: list[float] = []
    obs, _ = envs.reset(seed=seed)
    while (finished < quota).any():
        obs, rewards, terminated, truncated, _ = envs.step(agent.act(obs))
        running += np.where(prev_done, 0.0, rewards)  # the reset step of next-step autoreset is no reward
        done = (terminated | truncated) & ~prev_done
        for i in np.flatnonzero(done & (finished < quota)):
            returns.append(float(running[i]))
            finished[i] += 1
        running[done] = 0.0
        prev_done = terminated | truncated
    envs.close()
    return np.array(returns)
