"""Random shifts of Atari frame stacks (DrQ, Kostrikov, Yarats and Fergus 2021; Yarats et al.'s DrQ-v2 and
Schwarzer et al.'s SPR/BBF use the same augmentation for Atari): each stack is padded by repeating its edge pixels
and cropped back at a random offset of up to ``pad`` pixels each way, one offset per stack for all of its frames.

A Q-network trained on shifted copies has to give one answer for a ball a few pixels away: a regulariser for the
rare situations an agent meets too seldom to learn from each one alone.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def random_shift(frames: np.ndarray, pad: int, rng: np.random.Generator) -> np.ndarray:
    """``frames`` ``[batch, channels, height, width]`` each shifted by its own (dy, dx) in ``[-pad, pad]²``.

    Edge replication as DrQ pads; the offsets come from ``rng`` (``shift_offsets``), so a seeded agent repeats
    itself. Returns a new contiguous array of the same shape and dtype.
    """
    dy, dx = shift_offsets(len(frames), pad, rng)
    return shifted(frames, pad, dy, dx)


def shift_offsets(n: int, pad: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Crop offsets in the padded frame, each in ``[0, 2 pad]`` (``pad`` is no shift)."""
    offsets = rng.integers(0, 2 * pad + 1, size=(2, n))
    return offsets[0], offsets[1]


def shifted(frames: np.ndarray, pad: int, dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """``frames`` cropped at offsets ``(dy, dx)`` of their edge-padded copy: the content moves by
    ``(pad - dy, pad - dx)`` pixels (down, right)."""
    if pad == 0:
        return frames.copy()
    n, _, height, width = frames.shape
    padded = np.pad(frames, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="edge")
    windows = sliding_window_view(padded, (height, width), axis=(2, 3))  # [n, c, 2 pad + 1, 2 pad + 1, h, w]
    return np.ascontiguousarray(windows[np.arange(n), :, dy, dx])  # one gather of whole rows, no per-pixel loop
