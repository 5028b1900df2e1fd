"""What prioritized replay costs per gradient step: sampling, the update, and handing the TD errors back.

For the Pong preset (batch-32 small-CNN update, precision as ``auto`` picks) and the CartPole preset (batch-256
MLP, its one thread), a replay of ``--capacity`` transitions is filled with random frames / vectors, then one
"gradient step" as ``DQNAgent.observe`` takes it (``buffer.sample`` + ``agent.update``) is timed with uniform
replay and with ``priority_alpha=0.5``, interleaved round by round (median ms per step; rounds in brackets).
The sum tree's own operations are timed alone too (sample 32 of the full replay, set 32 priorities).

Run on an idle machine:  python benchmarks/priority.py [--capacity 400000] [--rounds 5] [--repeats 100]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from zoo.agents.configs import DQNConfig
from zoo.agents.dqn import DQNAgent
from zoo.learning.device import cpu_description
from zoo.learning.priority import SumTree
from zoo.training.presets import preset

from update import CARTPOLE, PONG  # benchmarks/ is this script's folder, first on sys.path


def filled_agent(env_id: str, alpha: float, capacity: int) -> DQNAgent:
    """A preset agent whose replay holds ``capacity`` random transitions (the same ones for every alpha)."""
    hyper = dict(preset("dqn", env_id)["hyperparameters"], buffer_size=capacity, priority_alpha=alpha)
    pong = env_id.startswith("ALE/")
    agent = DQNAgent(DQNConfig(**hyper), PONG if pong else CARTPOLE, seed=0)
    envs = agent.config.num_envs
    agent.buffer = agent.make_buffer(envs)
    rng = np.random.default_rng(0)
    if pong:
        pool = rng.integers(0, 255, size=(64, envs, 4, 84, 84), dtype=np.uint8)
    for t in range(capacity // envs + 3):
        if pong:
            obs, next_obs = pool[t % 64], pool[(t + 1) % 64]
        else:
            obs = rng.normal(size=(envs, 4)).astype(np.float32)
            next_obs = obs + 0.01
        agent.buffer.add(obs, rng.integers(agent.n_actions, size=envs), rng.normal(size=envs), next_obs,
                         rng.random(envs) < 0.001, np.zeros(envs, bool))
    return agent


def ms_per_step(agent: DQNAgent, repeats: int) -> float:
    c = agent.config
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        agent.update(agent.buffer.sample(c.batch_size, agent.rng, agent.priority_beta()))
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--capacity", type=int, default=400_000, help="replay transitions (Pong's ft runs: 200k-400k)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()
    print(f"CPU: {cpu_description()}; torch {torch.__version__} capability {torch.backends.cpu.get_cpu_capability()}, "
          f"{torch.get_num_threads()} torch threads; replay of {args.capacity:,} transitions\n")

    tree, rng = SumTree(args.capacity), np.random.default_rng(1)
    tree.set(np.arange(args.capacity), rng.random(args.capacity))
    for name, fn in [("sum tree: sample 32", lambda: tree.sample(32, rng)),
                     ("sum tree: set 32 priorities", lambda: tree.set(rng.integers(0, args.capacity, 32), rng.random(32))),
                     ("sum tree: set 1 priority", lambda: tree.set(rng.integers(0, args.capacity, 1), rng.random(1)))]:
        times = []
        for _ in range(2000):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        print(f"{name}: {np.median(times) * 1e6:.0f} µs")
    print()

    print("| gradient step (sample + update) | uniform, ms | prioritized (α 0.5), ms | ratio |\n|---|---|---|---:|")
    for env_id, name in [("ALE/Pong-v5", "Pong preset: small CNN, batch 32"), ("CartPole-v1", "CartPole preset: MLP, batch 256")]:
        capacity = args.capacity if env_id.startswith("ALE/") else min(args.capacity, 50_000)
        agents = {alpha: filled_agent(env_id, alpha, capacity) for alpha in (0.0, 0.5)}
        if not env_id.startswith("ALE/"):
            torch.set_num_threads(1)  # the agent's own choice for small networks (zoo.training.session)
        for agent in agents.values():
            ms_per_step(agent, 20)  # warm-up: Adam's first construction, allocator
        rounds = {alpha: [] for alpha in agents}
        for _ in range(args.rounds):
            for alpha, agent in agents.items():
                rounds[alpha].append(ms_per_step(agent, args.repeats))
        med = {alpha: float(np.median(r)) for alpha, r in rounds.items()}
        cells = [f"**{med[a]:.2f}** ({' / '.join(f'{x:.2f}' for x in rounds[a])})" for a in (0.0, 0.5)]
        print(f"| {name} (replay {capacity:,}) | {cells[0]} | {cells[1]} | {med[0.5] / med[0.0]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
