"""Weight averaging along a fine-tune (issue 20's lever, measured in its eighth session): a run directory whose
``model.safetensors`` is the uniform average of another run's weight snapshots and its kept weights.

Averaging the weights a low-rate fine-tune passes through (stochastic weight averaging, Izmailov et al. 2018) can
land nearer the middle of a flat optimum than any one of them. The new directory copies the run's config and card
files (its results.json stays the source run's until ``zoo eval NEW --write``) so that ``zoo eval`` and
``benchmarks/pong_eval.py`` can play it; choose the average's fate on `select` seeds, score it on held-out ones.

    python benchmarks/pong_average.py RUN_DIR NEW_DIR
    zoo eval NEW_DIR --protocol sticky --episodes 40 --seed SELECT_SEED
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file

from zoo.rundir.files import save_model

COPIED = ("README.md", "config.json", "evaluations.csv", "metrics.csv", "results.json", "learning_curve.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    files = sorted((args.run / "snapshots").glob("*.safetensors")) + [args.run / "model.safetensors"]
    states = [load_file(f) for f in files]
    average = {k: torch.stack([s[k] for s in states]).mean(dim=0).contiguous() for k in states[0]}
    args.out.mkdir(parents=True, exist_ok=False)
    for name in COPIED:
        if (args.run / name).exists():
            shutil.copy2(args.run / name, args.out / name)
    save_model(args.out / "model.safetensors", average, "dqn")
    print(f"{args.out / 'model.safetensors'}: the mean of {len(files)} weight files: " + ", ".join(f.name for f in files))


if __name__ == "__main__":
    main()
