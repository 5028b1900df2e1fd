"""What `zoo train dqn ALE/Pong-v5` makes per second alone and beside a second busy process, per thread policy.

Issue 21: sleeping OpenMP threads (OMP_WAIT_POLICY=PASSIVE, what zoo/__init__.py sets) make the Pong update
1.7x slower than spinning ones, and spinning ones collapse beside a second busy process. `zoo train` now lets
its threads spin and steps back to fewer threads while another process wants a core (zoo.cores).
Each case runs the real command (the Pong preset, learning from step 1,000, one sticky game at the end, no
video) and reports agent steps/s once learning runs, from the run's own metrics.csv (between the first
episode to end after step 2,000 and the last: training seconds, evaluations excluded), alone and with a
second process started at the same moment:

- passive, fixed threads: what `zoo train` did before (ZOO_THREADS=off, OMP_WAIT_POLICY=PASSIVE);
- spin, fixed threads: libgomp's default spinning, no sharing (ZOO_THREADS=off);
- spin + core share: what `zoo train` does now (nothing set);

and the neighbour is either the same command (two trainings) or a single-threaded busy loop (a stand-in for
any other program that wants one core).

Run: python benchmarks/cores.py [--steps 7000] [--only NAME] [--alone]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLICIES = {
    "passive, fixed threads (before)": {"ZOO_THREADS": "off", "OMP_WAIT_POLICY": "PASSIVE"},
    "spin, fixed threads": {"ZOO_THREADS": "off", "OMP_WAIT_POLICY": ""},
    "spin + core share (now)": {"ZOO_THREADS": "", "OMP_WAIT_POLICY": ""},
}
LEARNING_STARTS = 1_000
BUSY_LOOP = "import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass\n"


def environment(policy: dict[str, str]) -> dict[str, str]:
    full = {**os.environ, **policy}
    for key in [k for k, v in full.items() if v == ""] + ["ZOO_DEFAULT_WAIT_POLICY", "GOMP_SPINCOUNT"]:
        full.pop(key, None)
    return full


def train(out: Path, steps: int, policy: dict[str, str]) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "zoo.cli", "train", "dqn", "ALE/Pong-v5", "--steps", str(steps), "--out", str(out),
           "--learning-starts", str(LEARNING_STARTS), "--eval-every", "0", "--eval-protocol", "sticky",
           "--eval-episodes", "1", "--no-video", "--no-tensorboard", "--no-progress"]
    return subprocess.Popen(cmd, env=environment(policy), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def learning_rate_of(out: Path) -> float:
    """Agent steps per training second between the first episode that ended after learning started and the last."""
    with open(out / "metrics.csv", newline="") as f:
        rows = [(int(r["step"]), float(r["wall_s"])) for r in csv.DictReader(f)]
    later = [r for r in rows if r[0] >= 2 * LEARNING_STARTS]
    if len(later) < 2:
        raise RuntimeError(f"{out}: too few episodes after learning started to time; raise --steps")
    (s0, t0), (s1, t1) = later[0], later[-1]
    return (s1 - s0) / (t1 - t0)


def finish(proc: subprocess.Popen, out: Path) -> float:
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"zoo train failed ({proc.returncode}):\n{err[-2000:]}")
    return learning_rate_of(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=7_000)
    parser.add_argument("--only", default="", help="run only the policies whose name contains this")
    parser.add_argument("--alone", action="store_true", help="only the alone column (spin, fixed threads collapses "
                                                               "beside a neighbour: minutes per case)")
    args = parser.parse_args()
    import torch

    from zoo.learning.device import cpu_description

    print(f"CPU: {cpu_description()}, {os.cpu_count()} cores, torch {torch.__version__}; zoo train dqn ALE/Pong-v5, "
          f"{args.steps:,} agent steps, learning from {LEARNING_STARTS:,}\n")
    print("| thread policy | alone | beside a second training (each) | beside a 1-thread busy loop |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, policy) in enumerate(POLICIES.items()):
            if args.only not in name:
                continue
            base = Path(tmp) / str(i)
            alone = finish(train(base / "alone", args.steps, policy), base / "alone")
            if args.alone:
                print(f"| {name} | {alone:.1f} | | |", flush=True)
                continue
            pair = [train(base / f"pair{k}", args.steps, policy) for k in range(2)]
            both = [finish(p, base / f"pair{k}") for k, p in enumerate(pair)]
            busy = subprocess.Popen([sys.executable, "-c", BUSY_LOOP.format(seconds=3600)])
            try:
                beside_busy = finish(train(base / "busy", args.steps, policy), base / "busy")
            finally:
                busy.kill()
                busy.wait()
            print(f"| {name} | {alone:.1f} | {both[0]:.1f} / {both[1]:.1f} | {beside_busy:.1f} |", flush=True)
            time.sleep(1)
    print("\nagent steps/s once learning runs, from each run's own metrics.csv (training seconds, evaluations excluded)")


if __name__ == "__main__":
    main()
