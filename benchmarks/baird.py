"""Baird's counterexample (Sutton & Barto, 2nd ed., section 11.2), printed as a table.

Semi-gradient TD(0) with Baird's linear features on toy/Baird-v0, all rewards 0 so every true value is 0:
off-policy (behaviour 6/7 dashed, target always solid, importance ratios 0 or 7) the weights grow without
bound; on-policy (states and actions from one policy) they stay bounded. `zoo train td0 toy/Baird-v0`
learns the random policy's values on-policy, and prints them: all near 0, as they should be.

Run: python benchmarks/baird.py [--steps 5000]
"""

from __future__ import annotations

import argparse

import gymnasium as gym
import numpy as np

import toy_envs  # noqa: F401  (registers toy/Baird-v0)
from zoo.learning.targets import td_target


def weight_norms(mode: str, steps: int, gamma: float = 0.99, alpha: float = 0.01, seed: int = 0) -> list[float]:
    env = gym.make("toy/Baird-v0")
    x = env.unwrapped.features
    rng = np.random.default_rng(seed)
    w = np.array([1, 1, 1, 1, 1, 1, 10, 1.0])  # the book's start
    obs, _ = env.reset(seed=seed)
    norms = []
    for _ in range(steps):
        if mode == "on-policy, target policy":
            action, rho = 1, 1.0  # always solid: states and actions from the target policy
        else:
            action = 0 if rng.random() < 6 / 7 else 1  # behaviour: 6/7 dashed
            rho = (7.0 if action == 1 else 0.0) if mode == "off-policy" else 1.0
        next_obs, reward, terminated, truncated, _ = env.step(action)
        delta = td_target(reward, w @ x[next_obs], terminated, gamma) - w @ x[obs]
        w = w + alpha * rho * delta * x[obs]
        obs = env.reset()[0] if terminated or truncated else next_obs
        norms.append(float(np.linalg.norm(w)))
    return norms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=5000)
    args = parser.parse_args()
    marks = [0, args.steps // 5, 2 * args.steps // 5, 3 * args.steps // 5, 4 * args.steps // 5, args.steps - 1]
    print("| updates | " + " | ".join(f"{m + 1:,}" for m in marks) + " |")
    print("|---|" + "---:|" * len(marks))
    for mode in ("off-policy", "on-policy, behaviour policy", "on-policy, target policy"):
        norms = weight_norms(mode, args.steps)
        print(f"| ‖w‖ {mode} | " + " | ".join(f"{norms[m]:.3g}" for m in marks) + " |")


if __name__ == "__main__":
    main()
