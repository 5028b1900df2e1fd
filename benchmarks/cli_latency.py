"""How long `zoo --help`, `zoo list` and `zoo train ALGO ENV --help` take, and whether they import torch.

    python benchmarks/cli_latency.py                      # this checkout's `zoo`
    python benchmarks/cli_latency.py --zoo OTHER/.venv/bin/zoo --runs 20   # another checkout, for a side by side

Each command runs ``--runs`` times in a fresh interpreter (what a user waits for: interpreter start-up,
imports, parsing, printing); the median and the fastest are reported. A second interpreter per command,
with ``-X importtime``, tells whether torch, numpy or gymnasium were imported at all. Prints the CPU.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = (["--help"], ["list"], ["train", "--help"], ["train", "dqn", "CartPole-v1", "--help"])


def timed(zoo: str, argv: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([zoo, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return times


def heavy_imports(zoo: str, argv: list[str]) -> list[str]:
    """The heavy modules a command imports, read from ``-X importtime`` of the interpreter behind ``zoo``."""
    python = Path(zoo).with_name("python")
    code = "import sys; from zoo.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([str(python), "-X", "importtime", "-c", code, *argv], capture_output=True, text=True)
    loaded = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return sorted(name for name in ("torch", "numpy", "gymnasium", "scipy", "matplotlib") if name in loaded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--zoo", default=str(Path(sys.executable).with_name("zoo")), help="the zoo executable")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    from zoo.learning.device import cpu_description

    print(f"{cpu_description()}; {args.zoo}, {args.runs} runs each")
    for argv in COMMANDS:
        times = timed(args.zoo, argv, args.runs)
        heavy = ", ".join(heavy_imports(args.zoo, argv)) or "none of torch, numpy, gymnasium, scipy, matplotlib"
        print(f"  zoo {' '.join(argv):<32} median {statistics.median(times) * 1000:6.0f} ms, fastest "
              f"{min(times) * 1000:6.0f} ms; imports {heavy}")


if __name__ == "__main__":
    main()
