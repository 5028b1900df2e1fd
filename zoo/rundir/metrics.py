"""Training metrics: ``metrics.csv`` per episode, ``evaluations.csv`` per greedy evaluation, TensorBoard."""

from __future__ import annotations

import csv
import math
from pathlib import Path

EPISODE_FIELDS = ("step", "episode", "episode_return", "episode_length", "loss", "epsilon", "steps_per_s", "wall_s")
EVAL_FIELDS = ("step", "wall_s", "mean_reward", "std_reward", "n_episodes", "train_s")


class MetricsLogger:
    """Appends rows to the run directory's CSV files and mirrors them as TensorBoard scalars.

    TensorBoard tags are grouped as in CleanRL: ``charts/``, ``losses/``, ``eval/``.
    """

    def __init__(self, run_dir: Path, tensorboard: bool = True, tensorboard_every: int = 1, append: bool = False,
                 resume_step: int | None = None) -> None:
        """``append`` continues a resumed run's files, first dropping rows after its checkpoint (``resume_step``)."""
        if append and resume_step is not None:
            for name in ("metrics.csv", "evaluations.csv", "snapshots/index.csv"):
                trim_csv(run_dir / name, resume_step)
        mode = "a" if append else "w"
        header_episodes = not (append and (run_dir / "metrics.csv").exists())
        header_evals = not (append and (run_dir / "evaluations.csv").exists())
        self._episodes = open(run_dir / "metrics.csv", mode, newline="", encoding="utf-8")
        self._evals = open(run_dir / "evaluations.csv", mode, newline="", encoding="utf-8")
        self._episode_writer = csv.writer(self._episodes)
        self._eval_writer = csv.writer(self._evals)
        if header_episodes:
            self._episode_writer.writerow(EPISODE_FIELDS)
        if header_evals:
            self._eval_writer.writerow(EVAL_FIELDS)
        # TensorBoard writes go through a locked queue: one per episode costs more than a tabular
        # agent's learning, so scalars are written at most once per `tensorboard_every` steps.
        self._tb_every, self._tb_next = max(1, tensorboard_every), 0
        self._tb = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter  # imported late: it costs a second

            self._tb = SummaryWriter(str(run_dir / "tensorboard"))

    def episode(self, step: int, episode: int, ret: float, length: int, loss: float, epsilon: float,
                steps_per_s: float, wall_s: float) -> None:
        """Record one finished training episode."""
        self._episode_writer.writerow((step, episode, f"{ret:.6g}", length, _fmt(loss), f"{epsilon:.4g}",
                                       f"{steps_per_s:.1f}", f"{wall_s:.3f}"))
        self._episodes.flush()  # so `tail -f metrics.csv` follows a long run (one small write per episode)
        if self._tb is not None and step >= self._tb_next:
            self._tb_next = step + self._tb_every
            self._tb.add_scalar("charts/episodic_return", ret, step)
            self._tb.add_scalar("charts/episodic_length", length, step)
            self._tb.add_scalar("charts/epsilon", epsilon, step)
            self._tb.add_scalar("charts/SPS", steps_per_s, step)
            if not math.isnan(loss):
                self._tb.add_scalar("losses/td_loss", loss, step)

    def evaluation(self, step: int, wall_s: float, mean: float, std: float, n_episodes: int, train_s: float) -> None:
        """Record one greedy evaluation (``train_s``: wall time so far minus time spent evaluating)."""
        self._eval_writer.writerow((step, f"{wall_s:.3f}", f"{mean:.6g}", f"{std:.6g}", n_episodes, f"{train_s:.3f}"))
        self._evals.flush()
        if self._tb is not None:
            self._tb.add_scalar("eval/mean_reward", mean, step)

    def close(self) -> None:
        """Flush and close every output."""
        self._episodes.close()
        self._evals.close()
        if self._tb is not None:
            self._tb.close()


def _fmt(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.6g}"


def _number(text: str | None) -> float:
    return math.nan if text in ("", None) else float(text)


def read_csv(path: Path) -> dict[str, list[float]]:
    """Columns of a metrics CSV as float lists (empty cells become NaN). Rows that do not parse (a line
    garbled by hand or cut by a crash) are skipped rather than failing the curve."""
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        rows = []
        for row in reader:
            try:
                rows.append([_number(row.get(k)) for k in fields])
            except (TypeError, ValueError):
                continue
    if not rows:
        return {}
    return {k: [r[i] for r in rows] for i, k in enumerate(fields)}


def trim_csv(path: Path, max_step: int) -> None:
    """Keep the header and the well-formed rows whose ``step`` is at most ``max_step``: a resumed run
    continues from its checkpoint, so rows written after it (before a kill) would be counted twice."""
    if not path.is_file():
        return
    from zoo.rundir.atomic import write_text

    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if not lines:
        return
    width = len(lines[0].split(","))
    kept = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        try:
            if len(cells) == width and float(cells[0]) <= max_step:
                kept.append(line)
        except ValueError:
            continue
    write_text(path, "\n".join(kept) + "\n")
