"""Greedy evaluation: play N episodes with the agent's best actions and report mean ± std return."""

from __future__ import annotations

from typing import Any

import numpy as np

from zoo.envs import make_env


def evaluate(agent, env_id: str, env_kwargs: dict[str, Any] | None, episodes: int, seed: int) -> np.ndarray:
    """Returns of ``episodes`` greedy episodes; the env is seeded once so the run is reproducible."""
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
