"""CartPole-v1: time to solve (greedy 100-episode mean ≥ 475), ours next to Stable-Baselines3's DQN.

Both sides train on this machine in the same session and are judged by the same vectorised greedy
evaluation of 100 episodes every 5,000 steps. Evaluation time is excluded on both sides (SB3's own
EvalCallback would play 100 episodes in one env, which costs more than its training): the figure is
training wall-clock until the first evaluation at or above 475. SB3 uses RL Zoo's tuned CartPole
hyperparameters (50k steps, [256, 256], train_freq 256, gradient_steps 128, ...).

The "command" side times the whole `zoo train dqn CartPole-v1 --seed S` command as a user runs it
(interpreter start, imports, training until the preset's stop, the held-out final evaluation, video,
curve and card) against SB3's training time for its 50k steps, evaluations excluded, in the same run.

Run: pip install stable-baselines3 && python benchmarks/cartpole.py [--seeds 3] [--only zoo|sb3|reinforce|command]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from zoo.envs.episodes import evaluate
from zoo.envs.seeds import stream_seed
from zoo.learning.device import cpu_description
from zoo.training.presets import preset
from zoo.training.session import TrainSettings, train

EVAL_EVERY, EPISODES, TARGET = 5_000, 100, 475.0


def ours(algo: str, seed: int, steps: int) -> tuple[float | None, int | None, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = train(TrainSettings(algo, "CartPole-v1", seed=seed, steps=steps, out=Path(tmp) / "run", video=False,
                                  tensorboard=False, eval_every=EVAL_EVERY, periodic_eval_episodes=EPISODES,
                                  eval_episodes=EPISODES))
        rows = [line.split(",") for line in (out / "evaluations.csv").read_text().splitlines()[1:]]
    means = [float(r[2]) for r in rows]
    for r in rows:
        if float(r[2]) >= TARGET:
            return float(r[5]), int(r[0]), means
    return None, None, means


def whole_command(seed: int) -> float:
    """Wall-clock of the whole `zoo train dqn CartPole-v1` command in a fresh interpreter."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "zoo.cli", "train", "dqn", "CartPole-v1", "--seed", str(seed),
                        "--out", str(Path(tmp) / "run")], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started


class _SB3Greedy:
    """Our evaluator's interface over an SB3 model: batched greedy actions."""

    tabular = False

    def __init__(self, model) -> None:
        self.model = model

    def act(self, obs):
        return self.model.predict(obs, deterministic=True)[0]


def sb3(seed: int, steps: int = 50_000) -> tuple[float | None, int | None, list[float]]:
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback

    class Judge(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.eval_time, self.solved, self.means = 0.0, None, []

        def _on_step(self) -> bool:
            if self.num_timesteps % EVAL_EVERY == 0:
                started = time.perf_counter()
                mean = float(evaluate(_SB3Greedy(self.model), "CartPole-v1", None, EPISODES,
                                      seed=stream_seed("select", seed)).returns.mean())
                self.eval_time += time.perf_counter() - started
                self.means.append(mean)
                if mean >= TARGET and self.solved is None:
                    self.solved = (time.perf_counter() - start - self.eval_time, self.num_timesteps)
            return True

    # RL Zoo's hyperparams/dqn.yml for CartPole-v1.
    model = DQN("MlpPolicy", "CartPole-v1", learning_rate=2.3e-3, batch_size=64, buffer_size=100_000,
                learning_starts=1000, gamma=0.99, target_update_interval=10, train_freq=256, gradient_steps=128,
                exploration_fraction=0.16, exploration_final_eps=0.04, policy_kwargs={"net_arch": [256, 256]},
                seed=seed, device="cpu", verbose=0)
    judge = Judge()
    start = time.perf_counter()
    model.learn(steps, callback=judge)
    total = time.perf_counter() - start - judge.eval_time
    solved = judge.solved or (None, None)
    return solved[0], solved[1], judge.means + [total]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only", choices=["zoo", "sb3", "reinforce", "command"], default=None)
    args = parser.parse_args()
    print(f"CPU: {cpu_description()}, {os.cpu_count()} cores, torch {torch.__version__}\n")
    results: dict[str, list] = {}
    sides = [args.only] if args.only else ["zoo", "sb3", "reinforce", "command"]
    sb3_totals: list[float] = []
    for side in sides:
        for seed in range(args.seeds):
            if side == "command":
                seconds = whole_command(seed)
                results.setdefault(side, []).append(seconds)
                print(f"| whole `zoo train dqn CartPole-v1 --seed {seed}` command | {seconds:.1f} s |", flush=True)
                continue
            if side == "zoo":
                seconds, step, means = ours("dqn", seed, preset("dqn", "CartPole-v1")["steps"])
            elif side == "reinforce":
                seconds, step, means = ours("reinforce", seed, preset("reinforce", "CartPole-v1")["steps"])
            else:
                seconds, step, means = sb3(seed)
                print(f"  sb3 seed {seed}: all 50k steps trained in {means[-1]:.1f} s (evaluation excluded)")
                sb3_totals.append(means[-1])
                means = means[:-1]
            results.setdefault(side, []).append(seconds)
            shown = f"{seconds:.1f} s at step {step:,}" if seconds is not None else "not solved"
            print(f"| {side} | {seed} | {shown} | {', '.join(f'{m:.0f}' for m in means)} |", flush=True)
    print()
    for side, times in results.items():
        solved = [t for t in times if t is not None]
        median = statistics.median(solved) if len(solved) == len(times) else float("nan")
        print(f"{side}: {len(solved)}/{len(times)} seeds solved, median {median:.1f} s")
    if sb3_totals and "command" in results:
        ratio = statistics.median(results["command"]) / statistics.median(sb3_totals)
        print(f"whole zoo command / SB3's 50k-step training, medians: {ratio:.2f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
