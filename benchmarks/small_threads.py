"""Small networks on one torch thread or on all of them: the whole `zoo train dqn CartPole-v1` training, side by side.

`zoo train` gives a small network (an MLP, e.g. the CartPole DQN) one torch thread
(``zoo.learning.device.SMALL_NETWORK_THREADS``), a choice made when torch's waiting threads slept
(``OMP_WAIT_POLICY=PASSIVE``) and each of the update's ~40 small ops paid a wake-up. Since `zoo train` lets its
threads spin and shares the cores with other processes (zoo.cores), a CNN uses every core. This runs the
CartPole preset three ways, in fresh interpreters, interleaved seed by seed:

- one thread: `zoo train` as it is;
- all threads: the same command with small networks given every core and the core share (what a CNN gets);
- update on all: one thread for acting, every core (spinning, no core share) for each gradient update only.

Each row: the run's training seconds until its stop (the preset stops at the first periodic evaluation of 500;
evaluations excluded, from the run's own clock), the agent steps it took, and the training's steps/s. With
``--fixed-steps N`` every run trains exactly N steps instead (no stop at 500), so the two sides do the same work.

    python benchmarks/small_threads.py [--seeds 0 1 2] [--fixed-steps 20000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CASE = r"""
import sys
all_threads, out, seed, steps = sys.argv[1] == "all", sys.argv[2], sys.argv[3], sys.argv[4]
if all_threads:
    import zoo.training.session as session
    session.SMALL_NETWORK_THREADS = None  # every core, shared with other processes as a CNN's are
elif sys.argv[1] == "update on all":
    from zoo.cores import let_threads_spin
    let_threads_spin()  # as `zoo train` does, before torch loads: the patch below imports it
    import torch
    from zoo.agents.dqn import DQNAgent
    one_update, cores = DQNAgent.update, torch.get_num_threads()
    def update(self, batch):
        torch.set_num_threads(cores)  # 0.2 µs a call
        try:
            return one_update(self, batch)
        finally:
            torch.set_num_threads(1)
    DQNAgent.update = update
from zoo.cli import main
args = ["train", "dqn", "CartPole-v1", "--seed", seed, "--out", out, "--no-video", "--no-tensorboard", "--no-progress",
        "--eval-episodes", "10"]
sys.exit(main(args + (["--steps", steps, "--eval-every", "0"] if steps != "0" else [])))
"""


def train_seconds(run: Path) -> tuple[float, int]:
    """Training seconds (evaluations excluded) and agent steps at the run's end, from its checkpoint's clock."""
    state = json.loads((run / "checkpoint.json").read_text())
    return float(state["train_s"]), int(state["steps_done"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--fixed-steps", type=int, default=0,
                        help="train exactly this many steps (default: the preset, which stops at 500)")
    args = parser.parse_args()
    import torch

    from zoo.learning.device import cpu_description

    print(f"CPU: {cpu_description()}, {torch.get_num_threads()} cores for torch\n")
    print("| seed | threads | training s | agent steps | steps/s |")
    print("|---:|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            for side in ("one", "all", "update on all"):
                out = Path(tmp) / f"{side.replace(' ', '-')}-{seed}"
                done = subprocess.run([sys.executable, "-c", CASE, side, str(out), str(seed), str(args.fixed_steps)],
                                      capture_output=True, text=True)
                if done.returncode != 0:
                    raise SystemExit(done.stderr)
                seconds, steps = train_seconds(out)
                print(f"| {seed} | {side} | {seconds:.2f} | {steps:,} | {steps / seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
