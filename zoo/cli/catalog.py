"""`zoo list`: the environments with agents, the algorithms, the tuned presets and the shipped agents.

Plain data only (the registry, the presets, the shipped agents' JSON files): no torch."""

from __future__ import annotations

import argparse
import json


def add_parsers(sub) -> None:
    sub.add_parser("list", help="list environments, algorithms, tuned presets and shipped agents",
                   description="List the environments with agents, the algorithms, the tuned presets and the agents "
                               "shipped with the package.").set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from zoo.agents.registry import ALGORITHMS
    from zoo.pretrained import SHIPPED, shipped_path
    from zoo.rundir.files import read_results
    from zoo.training.presets import KNOWN_ENVS, PRESETS

    print("Environments:")
    for env_id, summary in KNOWN_ENVS.items():
        print(f"  {env_id:<20} {summary}")
    print("\nAlgorithms:")
    for algo in ALGORITHMS.values():
        print(f"  {algo.name:<20} {algo.summary}")
    print("\nPresets (algorithm, environment: steps, hyperparameters):")
    for (algo, env_id), p in PRESETS.items():
        hyper = " ".join(f"{k}={v}" for k, v in p.get("hyperparameters", {}).items())
        print(f"  {algo:<16} {env_id:<18} {p.get('steps', '-'):>10,}  {hyper}")
    print("\nShipped agents (zoo play NAME):")
    for name in SHIPPED:
        folder = shipped_path(name)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        print(f"  {name:<16} {config['algo']} on {config['env_id']}: held-out mean reward "
              f"{read_results(folder).summary()}")
    return 0
