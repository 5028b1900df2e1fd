"""Record one greedy episode as an mp4 (h264 via imageio-ffmpeg, which ships its own ffmpeg)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import imageio.v2 as imageio
import numpy as np

from zoo.atomic import atomic_path
from zoo.envs import make_env


def record_video(agent, env_id: str, env_kwargs: dict[str, Any], path: Path, seed: int = 0,
                 max_frames: int = 20_000) -> float:
    """Play one greedy episode with ``rgb_array`` frames, write it to ``path``; return its return."""
    # pygame renders FrozenLake and CartPole off screen; without these SDL looks for a display and sound.
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    env = make_env(env_id, env_kwargs, render_mode="rgb_array")
    fps = env.metadata.get("render_fps") or 30
    obs, _ = env.reset(seed=seed)
    frames, total, done = [env.render()], 0.0, False
    while not done and len(frames) < max_frames:
        obs, reward, terminated, truncated, _ = env.step(agent.act(obs))
        total += float(reward)
        done = terminated or truncated
        frames.append(env.render())
    env.close()
    # Hold the last frame a moment so the outcome is visible before the video ends.
    frames.extend([frames[-1]] * max(1, int(fps)))
    write_mp4(path, frames, fps)
    return total


def write_mp4(path: Path, frames: list[np.ndarray], fps: float) -> None:
    """Write ``frames`` (H×W×3 uint8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        # macro_block_size=1 keeps odd frame sizes (e.g. 210×160 Atari) without a resize warning.
        imageio.mimwrite(tmp, frames, fps=fps, codec="libx264", macro_block_size=1, quality=7,
                         ffmpeg_log_level="error", output_params=["-pix_fmt", "yuv420p"])
