"""What one CartPole DQN update costs (the preset: batch 256, 128x128 MLP, Double DQN, Huber, clipping, Adam)
under each torch thread count and OpenMP wait policy, with s' in its own graph-free pass (what DQNAgent does)
and with the one [s; s'] pass it used before (backpropagating through both halves).

Each case runs in a fresh interpreter, because OpenMP reads its wait policy once, when torch loads.

Run: python benchmarks/mlp_update.py [--updates 500] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

CASE = r"""
import os, statistics, sys, time
policy, threads, variant, updates, repeats = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
if policy == "spin":
    os.environ["ZOO_THREADS"] = "spin"  # zoo then leaves OMP_WAIT_POLICY unset: torch's default spinning
else:
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
import numpy as np
import torch
torch.set_num_threads(threads)
from zoo.rundir.files import Spaces
from zoo.agents.configs import DQNConfig
from zoo.agents.dqn import DQNAgent
from zoo.learning.losses import dqn_loss
from zoo.training.presets import preset
from zoo.learning.targets import double_q_target

agent = DQNAgent(DQNConfig(**preset("dqn", "CartPole-v1")["hyperparameters"]),
                 Spaces({"type": "Box", "shape": [4], "low": [-5] * 4, "high": [5] * 4, "dtype": "float32"},
                        {"type": "Discrete", "n": 2}))
rng = np.random.default_rng(0)
buffer = agent.make_buffer(8)
for _ in range(400):
    obs = rng.standard_normal((8, 4)).astype(np.float32)
    buffer.add(obs, rng.integers(2, size=8), np.ones(8, np.float32), obs + 0.1, np.zeros(8, bool), np.zeros(8, bool))


def joint(batch):
    # the earlier update: online net on [s; s'] in one pass with a graph, s' half detached
    n = len(batch.action)
    both = agent.obs_tensor(np.concatenate([batch.obs, batch.next_obs]))
    q_both = agent.q(both)
    q_obs, next_online = q_both[:n], q_both[n:].detach()
    with torch.no_grad():
        y = double_q_target(torch.as_tensor(batch.reward), next_online, agent.target(both[n:]),
                            torch.as_tensor(batch.done), torch.as_tensor(batch.discount))
    loss = dqn_loss(q_obs, torch.as_tensor(batch.action), y, "huber")
    agent.optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(agent.q.parameters(), 10.0)
    agent.optimizer.step()
    return loss.item()


update = agent.update if variant == "separate" else joint
batches = [buffer.sample(256, rng) for _ in range(updates)]
for b in batches[:100]:
    update(b)
times = []
for _ in range(repeats):
    started = time.perf_counter()
    for b in batches:
        update(b)
    times.append((time.perf_counter() - started) / updates * 1e3)
print(min(times), statistics.median(times))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from zoo.learning.device import cpu_description

    print(f"CPU: {cpu_description()}, {os.cpu_count()} cores; ms per update (best / median of {args.repeats} "
          f"passes of {args.updates} updates)\n")
    print("| wait policy | torch threads | s' in its own pass (now) | one [s; s'] pass (before) |")
    print("|---|---:|---:|---:|")
    for policy in ("passive", "spin"):
        for threads in (1, 2):
            cells = []
            for variant in ("separate", "joint"):
                done = subprocess.run([sys.executable, "-c", CASE, policy, str(threads), variant, str(args.updates),
                                       str(args.repeats)], capture_output=True, text=True, check=True)
                best, median = (float(x) for x in done.stdout.split())
                cells.append(f"{best:.2f} / {median:.2f}")
            print(f"| {policy} | {threads} | {cells[0]} | {cells[1]} |", flush=True)


if __name__ == "__main__":
    main()
