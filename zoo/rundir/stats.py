"""Statistics for honest scores: confidence intervals that hold for the bimodal returns RL produces.

Pong games end near +21 or near −21, so a normal-theory interval around the mean can mislead; the
percentile bootstrap makes no such assumption (Efron & Tibshirani 1993; the rliable library uses it
for the same reason). A fixed generator keeps the interval of the same returns the same everywhere.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def bootstrap_ci(values, statistic: Callable[[np.ndarray], np.ndarray] | None = None, confidence: float = 0.95,
                 resamples: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """Percentile-bootstrap interval of ``statistic`` (default: the mean) of ``values``.

    ``statistic`` takes a ``[resamples, n]`` array and returns ``[resamples]`` (one value per row).
    One value gives a zero-width interval; no values raise ValueError.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise ValueError("no values to bootstrap")
    if x.size == 1:
        return float(x[0]), float(x[0])
    rng = np.random.default_rng(seed)
    rows = x[rng.integers(0, x.size, size=(resamples, x.size))]
    stats = rows.mean(axis=1) if statistic is None else statistic(rows)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(stats, [tail, 100 - tail])
    return float(low), float(high)


def iqm(x: np.ndarray) -> np.ndarray:
    """Interquartile mean along the last axis: the mean of the middle 50% (Agarwal et al. 2021)."""
    x = np.sort(np.asarray(x, dtype=np.float64), axis=-1)
    n = x.shape[-1]
    cut = n // 4
    return x[..., cut:n - cut].mean(axis=-1) if n - 2 * cut > 0 else x.mean(axis=-1)
