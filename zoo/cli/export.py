"""`zoo export`: a run's agent in another library's format (today: the Open RL Leaderboard's agent.pt)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parsers(sub) -> None:
    export = sub.add_parser(
        "export", help="write a run's greedy policy for the Open RL Leaderboard (TorchScript agent.pt)",
        description="Write RUN_DIR/agent.pt: the dqn agent's greedy policy as TorchScript, the file the Open RL "
                    "Leaderboard loads (it scans the Hub for repos tagged reinforcement-learning and the env id, "
                    "Atari as NoFrameskip-v4, and plays them in its own preprocessing). The model card is rewritten "
                    "to tag the leaderboard's env id and to say agent.pt is there; `zoo push` then uploads both. "
                    "agent.pt is the one file here that is not safetensors, written only by this command.",
        epilog="Example:\n  zoo export --format open-rl-leaderboard runs/dqn-CartPole-v1-0 && zoo push "
               "runs/dqn-CartPole-v1-0 me/dqn-CartPole-v1",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    export.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run directory written by `zoo train`")
    export.add_argument("--format", choices=("open-rl-leaderboard",), required=True,
                        help="what to write: open-rl-leaderboard (agent.pt, TorchScript)")
    export.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from zoo.agents.registry import load_run
    from zoo.learning.export import LEADERBOARD_FILE, greedy_torchscript
    from zoo.rundir.atomic import atomic_path
    from zoo.rundir.card import leaderboard_id, write_model_card

    agent, config = load_run(args.run_dir)
    module = greedy_torchscript(agent)  # refuses agents without a Q-network before anything is written
    out = args.run_dir / LEADERBOARD_FILE
    import warnings

    with atomic_path(out) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript: what the leaderboard loads
        module.save(str(tmp))
    if (args.run_dir / "results.json").is_file():
        write_model_card(args.run_dir)
    print(f"written: {out} (TorchScript greedy policy; the leaderboard plays it on {leaderboard_id(config.env_id)})")
    return 0
