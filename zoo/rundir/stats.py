"""Statistics for honest scores, from SciPy: percentile-bootstrap confidence intervals and the
interquartile mean.

Pong games end near +21 or near −21, so a normal-theory interval around the mean can mislead; the
percentile bootstrap makes no such assumption (Efron & Tibshirani 1993; rliable uses it for the same
reason). A fixed generator keeps the interval of the same returns the same everywhere.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def bootstrap_ci(values, statistic: Callable[..., np.ndarray] | None = None, confidence: float = 0.95,
                 resamples: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """Percentile-bootstrap interval of ``statistic`` (default: the mean) of ``values``
    (``scipy.stats.bootstrap``).

    ``statistic(x, axis)`` reduces along ``axis``, as numpy's reductions do. One value, or values all
    equal, give a zero-width interval; no values raise ValueError.
    """
    from scipy.stats import bootstrap

    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise ValueError("no values to bootstrap")
    if x.size == 1 or np.all(x == x[0]):  # nothing to resample (SciPy refuses one value, warns on equal ones)
        value = float(x[0]) if statistic is None else float(statistic(x, axis=-1))
        return value, value
    result = bootstrap((x,), np.mean if statistic is None else statistic, confidence_level=confidence,
                       n_resamples=resamples, method="percentile", vectorized=True,
                       rng=np.random.default_rng(seed))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def iqm(x, axis: int = -1) -> np.ndarray:
    """Interquartile mean along ``axis``: the mean of the middle 50%, a quarter cut from each end
    (``scipy.stats.trim_mean(x, 0.25)``, rliable's IQM; Agarwal et al. 2021)."""
    from scipy.stats import trim_mean

    return trim_mean(np.asarray(x, dtype=np.float64), 0.25, axis=axis)
