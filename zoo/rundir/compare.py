"""Several runs' evaluation curves on one axes (`zoo plot`, and `zoo bench`'s curves.png).

Runs with the same configuration (algorithm, env, env kwargs, hyperparameters) are one group: its line is the
mean over seeds (the interquartile mean, rliable's IQM, from 4 seeds on, where one run's collapse should not
drag the line), with a 95% percentile-bootstrap band over seeds at each evaluation step; one run is drawn as
it is. Curves are read from each run's ``evaluations.csv`` (periodic greedy evaluations on the ``select``
seed stream) and put on a common step grid by linear interpolation, inside the steps each run reached.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from zoo.errors import ZooError
from zoo.rundir.atomic import atomic_path
from zoo.rundir.files import read_config
from zoo.rundir.metrics import read_csv

IQM_FROM = 4
"""seeds from which a group's line is the IQM rather than the mean"""


def _key(config) -> str:
    return json.dumps([config.algo, config.env_id, config.env_kwargs, config.hyperparameters], sort_keys=True,
                      default=str)


def read_curves(run_dirs: list[Path]) -> list[dict[str, Any]]:
    """``[{"label", "runs": [Path], "steps": array, "curves": [array per run]}]``, one entry per configuration."""
    groups: dict[str, dict[str, Any]] = {}
    for run in run_dirs:
        run = Path(run)
        if not (run / "config.json").is_file():
            raise ZooError(f"{run} is not a run directory (no config.json); give the folders `zoo train` wrote")
        evals = read_csv(run / "evaluations.csv") if (run / "evaluations.csv").is_file() else {}
        if not evals or len(evals.get("step", [])) < 1:
            raise ZooError(f"{run} has no periodic evaluations (evaluations.csv) to draw; train with --eval-every")
        config = read_config(run)
        group = groups.setdefault(_key(config), {"config": config, "runs": [], "points": []})
        group["runs"].append(run)
        group["points"].append((np.asarray(evals["step"], float), np.asarray(evals["mean_reward"], float)))
    configs = [g["config"] for g in groups.values()]
    out = []
    for g in groups.values():
        grid = np.unique(np.concatenate([s for s, _ in g["points"]]))
        curves = [np.where((grid >= s[0]) & (grid <= s[-1]), np.interp(grid, s, r), np.nan) for s, r in g["points"]]
        out.append({"label": _label(g["config"], configs), "runs": g["runs"], "steps": grid, "curves": curves})
    return out


def _label(config, configs: list) -> str:
    """``dqn on CartPole-v1``, plus the hyperparameters that differ between the groups drawn."""
    text = f"{config.algo} on {config.env_id}"
    if config.env_kwargs:
        text += " " + ",".join(f"{k}={v}" for k, v in sorted(config.env_kwargs.items()))
    same = [c for c in configs if c.algo == config.algo and c.env_id == config.env_id]
    differing = sorted({k for c in same for k in set(c.hyperparameters) | set(config.hyperparameters)
                        if c.hyperparameters.get(k) != config.hyperparameters.get(k)})
    if differing:
        text += " (" + ", ".join(f"{k}={config.hyperparameters.get(k)}" for k in differing) + ")"
    return text


def band(curves: list[np.ndarray], seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Per step: the group's line (mean, or IQM from ``IQM_FROM`` seeds), its 95% bootstrap interval, and
    the statistic's name; steps fewer than two runs reached get no interval."""
    from zoo.rundir.stats import bootstrap_ci, iqm

    x = np.vstack(curves)
    use_iqm = len(curves) >= IQM_FROM
    name = "IQM" if use_iqm else "mean"
    line, low, high = (np.full(x.shape[1], np.nan) for _ in range(3))
    for j in range(x.shape[1]):
        values = x[:, j][~np.isnan(x[:, j])]
        if values.size == 0:
            continue
        line[j] = float(iqm(values)) if use_iqm and values.size >= IQM_FROM else float(values.mean())
        if values.size >= 2:
            low[j], high[j] = bootstrap_ci(values, iqm if use_iqm and values.size >= IQM_FROM else None,
                                           resamples=2000, seed=seed)
    return line, low, high, name


def plot_runs(run_dirs: list[Path], out: Path, title: str | None = None) -> list[dict[str, Any]]:
    """Draw the runs' evaluation curves, grouped by configuration, into ``out`` (PNG, written atomically);
    returns the groups drawn (``read_curves``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not run_dirs:
        raise ZooError("give at least one run directory to plot")
    if out.suffix.lower() != ".png":
        raise ZooError(f"-o {out}: the picture is a PNG; give a name ending in .png")
    groups = read_curves(run_dirs)
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=100)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, g in enumerate(groups):
        color = colors[i % len(colors)]
        n = len(g["curves"])
        if n == 1:
            ax.plot(g["steps"], g["curves"][0], color=color, marker="o", ms=3, lw=1.6, label=f"{g['label']}: 1 run")
            continue
        line, low, high, name = band(g["curves"])
        ax.plot(g["steps"], line, color=color, lw=1.8, label=f"{g['label']}: {name} of {n} seeds, 95% CI")
        ax.fill_between(g["steps"], low, high, color=color, alpha=0.2, lw=0)
    ax.set_xlabel("environment steps")
    ax.set_ylabel("greedy evaluation return")
    ax.set_title(title or "periodic greedy evaluations (the select seeds)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return groups
