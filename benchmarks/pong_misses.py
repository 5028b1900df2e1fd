"""Where a Pong agent concedes its points under sticky actions: a diagnostic, not a score.

Plays ``--games`` greedy games of ``ALE/Pong-v5`` in the pipeline `zoo play` uses (sticky actions 0.25) and,
for every point, reads the emulator's RAM (Atari 2600 Pong: ball x at byte 49, ball y at 54, the agent's paddle
y at 51; the annotated RAM map of Anand et al. 2019, "Unsupervised State Representation Learning in Atari").
It prints, per conceded point, the rally's length in agent steps and the last five steps before it (ball x,
ball y, paddle y, action), and the rally lengths of points won and lost. A miss whose last steps repeat in
another game (the same ball path) is a situation the agent misplays each time it meets it, not sticky actions'
bad luck.

Use seeds no evaluation of the run uses (the default is far from every stream of zoo.envs.seeds):

    python benchmarks/pong_misses.py RUN_DIR [--games 6] [--seed 900100]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

from zoo.agents.registry import load_run
from zoo.envs.make import make_env

BALL_X, BALL_Y, PADDLE_Y = 49, 54, 51


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--games", type=int, default=6)
    parser.add_argument("--seed", type=int, default=900_100)
    args = parser.parse_args()
    agent, _ = load_run(args.run_dir, env_id="ALE/Pong-v5")
    env = make_env("ALE/Pong-v5", {})
    lost, won = [], []
    for game in range(args.games):
        obs, _ = env.reset(seed=args.seed + game)
        ale = env.unwrapped.ale
        rally, trace, total, done = 0, [], 0.0, False
        while not done:
            action = int(agent.act(obs))
            obs, reward, terminated, truncated, _ = env.step(action)
            ram = ale.getRAM()
            trace.append((int(ram[BALL_X]), int(ram[BALL_Y]), int(ram[PADDLE_Y]), action))
            rally += 1
            if reward:
                (lost if reward < 0 else won).append((rally, tuple(trace[-5:])))
                rally, trace = 0, []
            total += reward
            done = terminated or truncated
        print(f"game {game} (seed {args.seed + game}): {total:+.0f}", flush=True)
    env.close()
    print(f"\n{len(lost)} points conceded, {len(won)} won in {args.games} games")
    for name, points in (("conceded", lost), ("won", won)):
        if points:
            q = np.percentile([r for r, _ in points], [10, 25, 50, 75, 90])
            print(f"rally length before a point {name}, agent steps, 10/25/50/75/90th percentile: "
                  + " / ".join(f"{x:.0f}" for x in q))
    def ball_path(trace):
        return tuple((x, y) for x, y, _, _ in trace)

    paths = Counter(ball_path(trace) for _, trace in lost)
    print("\nconceded: rally length, last five steps as (ball x, ball y, paddle y, action)")
    for rally, trace in lost:
        again = paths[ball_path(trace)]
        print(f"{rally:5d}  {list(trace)}" + (f"  <- this ball path {again} times" if again > 1 else ""))


if __name__ == "__main__":
    main()
