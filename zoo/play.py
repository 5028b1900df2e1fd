"""Play greedy episodes with a trained agent and optionally film the first one in full colour."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zoo.envs import make_env
from zoo.video import write_mp4


def play(agent, episodes: int, seed: int, video: Path | None = None, on_episode=None) -> np.ndarray:
    """Greedy returns of ``episodes`` episodes in the agent's env; ``video`` records the first one."""
    import os

    config = agent.run_config
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    env = make_env(config["env_id"], config.get("env_kwargs"), render_mode="rgb_array" if video else None)
    returns = np.zeros(episodes)
    frames: list[np.ndarray] = []
    obs, _ = env.reset(seed=seed)
    for i in range(episodes):
        filming = video is not None and i == 0
        if filming:
            frames.append(env.render())
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(agent.act(np.asarray(obs)))
            total += float(reward)
            done = terminated or truncated
            if filming:
                frames.append(env.render())
        returns[i] = total
        if on_episode is not None:
            on_episode(i, total)
        obs, _ = env.reset()
    fps = env.metadata.get("render_fps") or 30
    env.close()
    if video is not None:
        video.parent.mkdir(parents=True, exist_ok=True)
        write_mp4(video, frames + [frames[-1]] * int(fps), fps)
    return returns
