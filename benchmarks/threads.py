"""What a second busy process does to a training, under each thread policy: the figures of BENCHMARKS.md.

torch's OpenMP threads spin while they wait for work. On 2 cores with a second CPU-heavy process beside
it, that spinning steals the other process's core (and the other's steals ours): a profile on an Intel Xeon saw 30-45×
slower convolutions. Each case here trains `zoo train dqn CartPole-v1 --steps STEPS` and reports its
training seconds (from the run's own clock, evaluations excluded), alone and beside a second identical
training started at the same moment, for each policy:

- spin: torch's default (OMP_WAIT_POLICY unset, as many threads as cores);
- passive: OMP_WAIT_POLICY=PASSIVE (waiting threads sleep);
- short spin: GOMP_SPINCOUNT=10000 (spin briefly, then sleep);
- zoo: what `zoo` itself picks when the user set none of these (zoo.learning.device.configure_threads).

Run: python benchmarks/threads.py [--steps 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLICIES = {
    "spin": {"ZOO_THREADS": "off", "OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": ""},
    "passive": {"ZOO_THREADS": "off", "OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": ""},
    "short spin": {"ZOO_THREADS": "off", "OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": "10000"},
    "zoo": {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": ""},
}


def train(out: Path, steps: int, env: dict[str, str]) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "zoo.cli", "train", "dqn", "CartPole-v1", "--steps", str(steps), "--out", str(out),
           "--no-video", "--no-tensorboard", "--eval-every", "0", "--eval-episodes", "1"]
    full = {**os.environ, **env}
    for key in [k for k, v in full.items() if v == ""]:
        del full[key]
    return subprocess.Popen(cmd, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def training_seconds(out: Path) -> float:
    rows = (out / "metrics.csv").read_text().splitlines()
    return float(rows[-1].split(",")[-1])  # wall_s of the last training episode: training time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=5000)
    args = parser.parse_args()
    from zoo.learning.device import cpu_description

    print(f"CPU: {cpu_description()}, {os.cpu_count()} cores; dqn CartPole-v1, {args.steps:,} steps\n")
    print("| thread policy | alone: training s | beside a second training: training s (each) | slowdown |")
    print("|---|---:|---:|---:|")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, env in POLICIES.items():
            started = time.perf_counter()
            proc = train(Path(tmp) / f"{name}-alone", args.steps, env)
            proc.communicate()
            alone = training_seconds(Path(tmp) / f"{name}-alone")
            pair = [train(Path(tmp) / f"{name}-pair{i}", args.steps, env) for i in range(2)]
            for proc in pair:
                proc.communicate()
            both = [training_seconds(Path(tmp) / f"{name}-pair{i}") for i in range(2)]
            results[name] = {"alone": alone, "pair": both, "wall": time.perf_counter() - started}
            print(f"| {name} | {alone:.1f} | {both[0]:.1f} / {both[1]:.1f} | {max(both) / alone:.1f}× |", flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
