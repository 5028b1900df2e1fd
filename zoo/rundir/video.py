"""Write frames as an mp4 (h264 via imageio-ffmpeg, which ships its own ffmpeg)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from zoo.rundir.atomic import atomic_path


@contextlib.contextmanager
def mp4_writer(path: Path, fps: float, hold_s: float = 1.0) -> Iterator[Callable[[np.ndarray], None]]:
    """Yield ``append(frame)`` (H×W×3 uint8) that streams frames to ffmpeg as they come, so encoding runs in
    ffmpeg's process beside the episode being filmed; the last frame is held ``hold_s`` seconds so the
    outcome is visible, and the file appears at ``path`` only when complete."""
    import imageio.v2 as imageio

    path.parent.mkdir(parents=True, exist_ok=True)
    last: list[np.ndarray] = []

    def append(frame: np.ndarray) -> None:
        writer.append_data(frame)
        last[:] = [frame]

    with atomic_path(path) as tmp:
        # macro_block_size=1 keeps odd frame sizes (e.g. 210×160 Atari) without a resize warning.
        with imageio.get_writer(tmp, fps=fps, codec="libx264", macro_block_size=1, quality=7,
                                ffmpeg_log_level="error", output_params=["-pix_fmt", "yuv420p"]) as writer:
            yield append
            for _ in range(max(1, int(fps * hold_s)) if last else 0):
                writer.append_data(last[0])
