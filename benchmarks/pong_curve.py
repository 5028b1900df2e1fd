"""The Pong learning curve of a run directory as Markdown: greedy score against agent steps and minutes
of training (evaluations excluded), time to reach 0 and 18, and the run's throughput.

Run: python benchmarks/pong_curve.py [RUN_DIR]   (default: the shipped agent, zoo/pretrained/dqn-ALE-Pong-v5)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from zoo.metrics import read_csv

SHIPPED = Path(__file__).resolve().parent.parent / "zoo" / "pretrained" / "dqn-ALE-Pong-v5"


def first_reaching(evals: dict[str, list[float]], threshold: float) -> str:
    for step, mean, train_s in zip(evals["step"], evals["mean_reward"], evals["train_s"]):
        if mean >= threshold:
            return f"{train_s / 60:.1f} min ({int(step):,} steps)"
    return "not reached"


def main(run_dir: Path) -> None:
    config = json.loads((run_dir / "config.json").read_text())
    results = json.loads((run_dir / "results.json").read_text())
    evals = read_csv(run_dir / "evaluations.csv")
    episodes = read_csv(run_dir / "metrics.csv")
    print(f"Run: {run_dir} ({config['algo']} on {config['env_id']}, seed {config['seed']})\n")
    print("| agent steps | minutes of training | wall minutes | greedy mean ± std (10 games) |")
    print("|---:|---:|---:|---:|")
    for step, wall, train_s, mean, std in zip(evals["step"], evals["wall_s"], evals["train_s"], evals["mean_reward"],
                                              evals["std_reward"]):
        print(f"| {int(step):,} | {train_s / 60:.1f} | {wall / 60:.1f} | {mean:+.1f} ± {std:.1f} |")
    last_step, last_train = evals["step"][-1], evals["train_s"][-1]
    print(f"\n- time to a greedy mean ≥ 0: {first_reaching(evals, 0)}; to ≥ 18: {first_reaching(evals, 18)}")
    print(f"- {int(last_step):,} agent steps in {last_train / 60:.1f} min of training: "
          f"{last_step / last_train:.0f} agent steps/s overall (ε-greedy play before learning starts included), "
          f"{len(episodes['step']):,} training games")
    stopped = config.get("stopped_by_time_limit")
    if stopped:
        print(f"- stopped by --time-limit {stopped['minutes']:g} at step {stopped['at_step']:,}")
    print(f"- final: {results['mean_reward']:+.2f} ± {results['std_reward']:.2f} over {results['n_episodes']} greedy "
          f"games ({results.get('pipeline', 'training pipeline')})")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SHIPPED)
