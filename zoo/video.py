"""Write frames as an mp4 (h264 via imageio-ffmpeg, which ships its own ffmpeg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zoo.atomic import atomic_path


def write_mp4(path: Path, frames: list[np.ndarray], fps: float) -> None:
    """Write ``frames`` (H×W×3 uint8) to ``path`` atomically."""
    import imageio.v2 as imageio

    with atomic_path(path) as tmp:
        # macro_block_size=1 keeps odd frame sizes (e.g. 210×160 Atari) without a resize warning.
        imageio.mimwrite(tmp, frames, fps=fps, codec="libx264", macro_block_size=1, quality=7,
                         ffmpeg_log_level="error", output_params=["-pix_fmt", "yuv420p"])
