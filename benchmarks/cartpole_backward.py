"""The CartPole DQN preset learning with autograd's update and with the backward written out, side by side.

Since issue 21's eighth session an fp32 MLP's DQN update runs without autograd (``zoo.learning.mlp_grad``: one
forward of [s; s'], the backward by hand), and since the twenty-ninth its Adam runs over the parameters laid out in
one tensor (``zoo.learning.optim.FlatAdam``). Goal 3 of the issue asks that such a change leave learning unchanged:
this runs the whole `zoo train dqn CartPole-v1 --seed S` three ways (autograd; the backward by hand with torch's
optimiser, the agent before the twenty-ninth session; the agent now) in fresh interpreters, interleaved seed by
seed, and prints for each run its training seconds until the preset's stop (evaluations excluded, the run's own
clock), the agent steps it took, its held-out final evaluation (the run's results.json) and whether its weights
equal, bit for bit, those of the seed's runs before it.

    python benchmarks/cartpole_backward.py [--seeds 0 1 2 3 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from small_threads import train_seconds

CASE = r"""
import sys
side, out, seed = sys.argv[1], sys.argv[2], sys.argv[3]
if side == "autograd":
    from zoo.agents.dqn import DQNAgent
    DQNAgent.__init__.__kwdefaults__["backward"] = "autograd"  # the update before issue 21's eighth session
elif side == "by hand, torch's Adam":
    import zoo.agents.dqn
    zoo.agents.dqn.FlatAdam = zoo.agents.dqn.Adam  # the update by hand before the twenty-ninth session
from zoo.cli import main
sys.exit(main(["train", "dqn", "CartPole-v1", "--seed", seed, "--out", out, "--no-video", "--no-tensorboard",
               "--no-progress"]))
"""


SIDES = {"autograd": "autograd", "by hand, torch's Adam": "by-hand-torch-adam", "by hand": "by-hand"}  # run dirs


def same_weights(a: Path, b: Path) -> bool:
    from safetensors.torch import load_file

    wa, wb = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    return wa.keys() == wb.keys() and all(bool((wa[k] == wb[k]).all()) for k in wa)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    import torch

    from zoo.learning.device import cpu_description

    print(f"CPU: {cpu_description()}; torch {torch.__version__}, capability "
          f"{torch.backends.cpu.get_cpu_capability()}\n")
    print("| seed | update | training s | agent steps | steps/s | final evaluation (results.json) "
          "| weights vs the runs above, bit for bit |")
    print("|---:|---|---:|---:|---:|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            for side in SIDES:
                out = Path(tmp) / f"{SIDES[side]}-{seed}"
                done = subprocess.run([sys.executable, "-c", CASE, side, str(out), str(seed)], capture_output=True,
                                      text=True)
                if done.returncode != 0:
                    raise SystemExit(done.stderr)
                seconds, steps = train_seconds(out)
                result = json.loads((out / "results.json").read_text())
                earlier = list(SIDES)[:list(SIDES).index(side)]  # this seed's runs before this one
                equal = {other: same_weights(out, Path(tmp) / f"{SIDES[other]}-{seed}") for other in earlier}
                same = "; ".join(f"{'=' if eq else '≠'} {other}" for other, eq in equal.items()) or "—"
                print(f"| {seed} | {side} | {seconds:.2f} | {steps:,} | {steps / seconds:.0f} | "
                      f"{result['mean_reward']:.1f} ± {result['std_reward']:.1f} over {result['n_episodes']} | {same} |",
                      flush=True)


if __name__ == "__main__":
    main()
