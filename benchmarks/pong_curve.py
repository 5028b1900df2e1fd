"""The Pong learning curve of a run as Markdown: held-out greedy score against agent steps and minutes.

Each weight snapshot a run saved with `zoo train ... --snapshot-every N` is played for ``--games`` greedy
games (default 30) on seeds of the `bench` stream (zoo.envs.seeds), which never trained the agent nor chose its
kept weights, in the Gymnasium pipeline `zoo play` uses, under the `sticky` protocol (ALE v5's sticky actions,
whatever the run trained with). The table gives the minutes of training (evaluations excluded) and the wall
minutes at which each snapshot was taken, the mean with a 95% bootstrap interval and the games won, then the
time to a mean of 15, 18 and 20 (issue 20's goal 4). Evaluating runs after training, in this process, so a run
beside it would slow the training it measures: let training finish.

Run: python benchmarks/pong_curve.py RUN_DIR [--games 30] [--every 1] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from zoo.agents.registry import load_run
from zoo.envs.atari import STICKY
from zoo.envs.episodes import evaluate
from zoo.envs.seeds import stream_seed
from zoo.learning.device import cpu_description
from zoo.rundir.files import load_model
from zoo.rundir.metrics import read_csv
from zoo.rundir.stats import bootstrap_ci


def first_reaching(rows: list[dict], threshold: float) -> str:
    for row in rows:
        if row["mean"] >= threshold:
            return f"{row['train_s'] / 60:.1f} min of training, {row['wall_s'] / 60:.1f} wall ({row['step']:,} steps)"
    return "not reached"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--games", type=int, default=30)
    parser.add_argument("--every", type=int, default=1, help="evaluate every k-th snapshot (default: all)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default: 2)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    run = args.run_dir
    index = read_csv(run / "snapshots" / "index.csv")
    agent, config = load_run(run)
    seed = stream_seed("bench", config.seed)
    sticky = {**config.env_kwargs, "repeat_action_probability": STICKY}  # the `sticky` protocol, whatever it trained on
    print(f"Run: {run} ({config.algo} on {config.env_id}, seed {config.seed}); CPU: {cpu_description()}")
    print(f"Each snapshot: {args.games} greedy games, env seeds {seed} + i (the `bench` stream), zoo play's pipeline "
          f"with sticky actions {STICKY}\n")
    print("| agent steps | minutes of training | wall minutes | greedy mean (95% CI) | games won |")
    print("|---:|---:|---:|---:|---:|")
    rows = []
    for k, (step, train_s, wall_s) in enumerate(zip(index["step"], index["train_s"], index["wall_s"])):
        if k % args.every and k != len(index["step"]) - 1:
            continue
        agent.load_state_dict(load_model(run / "snapshots" / f"{int(step):010d}.safetensors"))
        returns = evaluate(agent, config.env_id, sticky, args.games, seed, play_pipeline=True).returns
        low, high = bootstrap_ci(returns)
        row = {"step": int(step), "train_s": train_s, "wall_s": wall_s, "mean": float(returns.mean()),
               "won": int((returns > 0).sum())}
        rows.append(row)
        print(f"| {row['step']:,} | {train_s / 60:.1f} | {wall_s / 60:.1f} | {row['mean']:+.1f} ({low:+.1f} to "
              f"{high:+.1f}) | {row['won']}/{args.games} |", flush=True)
    print("\n" + "\n".join(f"- time to a {args.games}-game mean ≥ {t}: {first_reaching(rows, t)}"
                           for t in (15, 18, 20)))
    last = rows[-1] if rows else None
    if last:
        print(f"- {last['step']:,} agent steps in {last['train_s'] / 60:.1f} min of training: "
              f"{last['step'] / last['train_s']:.0f} agent steps/s overall")
    results = run / "results.json"
    if results.exists():
        r = json.loads(results.read_text())
        print(f"- the run's kept weights (chosen by its `select` evaluations), held out: {r['mean_reward']:+.2f} ± "
              f"{r['std_reward']:.2f} over {r['n_episodes']} games, {r.get('episodes_won', '?')} won")
    print(json.dumps([{k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()} for row in rows]))


if __name__ == "__main__":
    main()
