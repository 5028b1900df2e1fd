"""``learning_curve.png``: episode returns (raw and smoothed) and greedy evaluations against steps, with
the training time (evaluations excluded) on the top axis."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zoo.rundir.atomic import atomic_path
from zoo.rundir.metrics import read_csv


def plot_learning_curve(run_dir: Path, title: str) -> Path:
    """Draw the curve from ``metrics.csv`` and ``evaluations.csv`` into ``learning_curve.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    episodes = read_csv(run_dir / "metrics.csv")
    evals = read_csv(run_dir / "evaluations.csv")
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    if episodes:
        steps, returns = np.array(episodes["step"]), np.array(episodes["episode_return"])
        if len(returns) <= 300:  # thousands of raw returns (FrozenLake's 0/1) would only paint a block
            ax.plot(steps, returns, color="tab:blue", alpha=0.25, lw=0.8, label="episode return")
        window = max(1, min(100, len(returns) // 10))
        smooth = np.convolve(returns, np.ones(window) / window, mode="valid")
        ax.plot(steps[window - 1:], smooth, color="tab:blue", lw=1.8, label=f"mean of last {window}")
    if evals:
        mean, std = np.array(evals["mean_reward"]), np.array(evals["std_reward"])
        ax.errorbar(evals["step"], mean, yerr=std, color="tab:orange", marker="o", ms=4, capsize=3,
                    label="greedy evaluation (mean ± std)")
    if not episodes and not evals:
        ax.text(0.5, 0.5, "no training episodes (exact planning)", ha="center", va="center", transform=ax.transAxes)
    if evals and len(evals["step"]) >= 2:
        _minutes_axis(ax, np.array(evals["step"]), np.array(evals["train_s"]))
    ax.set_xlabel("environment steps")
    ax.set_ylabel("return")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if episodes or evals:
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    out = run_dir / "learning_curve.png"
    with atomic_path(out) as tmp:
        fig.savefig(tmp)
    plt.close(fig)
    return out


def _minutes_axis(ax, steps: np.ndarray, train_s: np.ndarray) -> None:
    """A top axis in minutes of training, interpolated between evaluations (skipped where time is not
    increasing, as after a --resume, whose clock starts again)."""
    steps, minutes = np.concatenate([[0], steps]), np.concatenate([[0], train_s / 60])
    if np.any(np.diff(steps) <= 0) or np.any(np.diff(minutes) <= 0):
        return
    top = ax.secondary_xaxis("top", functions=(lambda x: _extrapolated(x, steps, minutes),
                                               lambda m: _extrapolated(m, minutes, steps)))
    top.set_xlabel("minutes of training", fontsize=8)
    top.tick_params(labelsize=8)


def _extrapolated(x, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """``np.interp``, continued past both ends along the end segments (np.interp would hold the end values,
    stacking the axis's outer ticks on one spot)."""
    x = np.asarray(x, dtype=float)
    y = np.interp(x, xp, fp)
    first, last = (fp[1] - fp[0]) / (xp[1] - xp[0]), (fp[-1] - fp[-2]) / (xp[-1] - xp[-2])
    y = np.where(x < xp[0], fp[0] + (x - xp[0]) * first, y)
    return np.where(x > xp[-1], fp[-1] + (x - xp[-1]) * last, y)
