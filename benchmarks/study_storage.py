"""What a study's storage costs per trial: ask + report + tell of a trial that does no work, on the default
SQLite file and on a PostgreSQL server, each alone and with two processes at once.

Run: python benchmarks/study_storage.py [--trials 200] [--postgres URL]
     (without --postgres, a throwaway server is started from Debian's binaries if they are installed)
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path


def worker(url: str, study: str, trials: int, queue) -> None:
    from zoo.cli.tune import StudySpec, open_storage, open_study

    s = open_study(open_storage(url), study, StudySpec("tune", "dqn", "CartPole-v1", 1), seed=0)
    started = time.perf_counter()
    for i in range(trials):
        trial = s.ask()
        trial.suggest_float("learning_rate", 1e-5, 1e-2, log=True)
        trial.report(float(i), 0)
        s.tell(trial, float(i))
    queue.put((time.perf_counter() - started) / trials)


def per_trial_ms(url: str, study: str, trials: int, processes: int) -> float:
    queue = multiprocessing.get_context("spawn").Queue()
    procs = [multiprocessing.get_context("spawn").Process(target=worker, args=(url, study, trials, queue))
             for _ in range(processes)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return max(queue.get() for _ in procs) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.postgres import ThrowawayPostgres, server_binaries

    with tempfile.TemporaryDirectory() as tmp:
        urls = {"SQLite file": f"sqlite:///{tmp}/optuna.db"}
        server = None
        if args.postgres:
            urls["PostgreSQL"] = args.postgres
        elif server_binaries() is not None:
            server = ThrowawayPostgres()
            urls["PostgreSQL (loopback)"] = server.__enter__()
        try:
            print("| storage | 1 process: ms per trial | 2 processes at once: ms per trial (slowest) |")
            print("|---|---:|---:|")
            for name, url in urls.items():
                one = per_trial_ms(url, f"one-{name[:3]}", args.trials, 1)
                two = per_trial_ms(url, f"two-{name[:3]}", args.trials, 2)
                print(f"| {name} | {one:.1f} | {two:.1f} |", flush=True)
        finally:
            if server is not None:
                server.__exit__(None, None, None)


if __name__ == "__main__":
    main()
