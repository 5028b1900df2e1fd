"""Benchmarks of the foundation issue, printed as Markdown for BENCHMARKS.md.

1. steps/s of each toy env under gym.make next to FrozenLake-v1's, measured together;
2. exact value iteration time on FrozenLake8x8-v1;
3. wall-clock training time until the greedy success rate on FrozenLake-v1 reaches 0.70 (1000 episodes),
   for each learning agent with its preset (evaluation time is not counted).

Run: python benchmarks/tabular.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import itertools
import platform
import statistics
import time

import gymnasium as gym
import numpy as np

import toy_envs
from zoo.agents.configs import build_config
from zoo.agents.registry import build_agent, get_algorithm
from zoo.envs.collector import Collector, SingleEnv
from zoo.envs.episodes import evaluate
from zoo.envs.make import make_env
from zoo.envs.seeds import stream_seed
from zoo.learning.planning import model_from_P, value_iteration
from zoo.rundir.files import Spaces, space_desc
from zoo.training.presets import preset


def env_steps_per_second(env_id: str, steps: int = 200_000) -> float:
    env = gym.make(env_id)
    env.reset(seed=0)
    actions = np.random.default_rng(0).integers(env.action_space.n, size=steps)
    start = time.perf_counter()
    for a in actions:
        _, _, terminated, truncated, _ = env.step(int(a))
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - start)


def time_to_success(algo: str, env_id: str, seed: int, target: float, chunk: int, budget: int) -> tuple[float, int]:
    """Train in chunks through the zoo's own collector; after each, evaluate 1000 greedy episodes
    (untimed). Returns (seconds, steps)."""
    algorithm = get_algorithm(algo)
    config = build_config(algorithm.config_class, preset(algo, env_id).get("hyperparameters", {}))
    env = make_env(env_id)
    spaces = Spaces(space_desc(env.observation_space), space_desc(env.action_space))
    agent = build_agent(algorithm, config, spaces, seed=seed, model=getattr(env.unwrapped, "P", None))
    collector = Collector(SingleEnv(env), lambda obs: agent.act(obs, explore=True), seed)
    trained, steps = 0.0, 0
    while steps < budget:
        start = time.perf_counter()
        for step in itertools.islice(collector, chunk):
            agent.observe(step)
        agent.sync()
        trained += time.perf_counter() - start
        steps += chunk
        if evaluate(agent, env_id, None, 1000, seed=stream_seed("select", seed, steps)).returns.mean() >= target:
            return trained, steps
    return float("nan"), steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, "
          f"gymnasium {gym.__version__}\n")

    print("| env (gym.make, random actions) | steps/s |\n|---|---|")
    for env_id in (*toy_envs.ENV_IDS, "FrozenLake-v1"):
        print(f"| {env_id} | {env_steps_per_second(env_id):,.0f} |")

    env = gym.make("FrozenLake8x8-v1").unwrapped
    times = []
    for _ in range(20):
        start = time.perf_counter()
        T, R = model_from_P(env.P, 64, 4)
        _, _, sweeps = value_iteration(T, R, gamma=0.999)
        times.append(time.perf_counter() - start)
    print(f"\nExact value iteration on FrozenLake8x8-v1 (γ=0.999, tol 1e-10, model build included): "
          f"median {statistics.median(times) * 1e3:.1f} ms over 20 runs, {sweeps} sweeps\n")

    print("| agent (preset) | seed | train time to ≥ 0.70 | env steps |\n|---|---|---|---|")
    for algo in ("value-iteration", "q-iteration", "q-learning"):
        chunk = 2_500 if algo != "q-learning" else 10_000
        for seed in range(args.seeds):
            seconds, steps = time_to_success(algo, "FrozenLake-v1", seed, 0.70, chunk, budget=400_000)
            print(f"| {algo} | {seed} | {seconds:.2f} s | {steps:,} |")


if __name__ == "__main__":
    main()
