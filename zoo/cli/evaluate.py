"""`zoo eval RUN_DIR`: score a trained agent on its held-out seeds (or the user's), changing nothing unless
--write; through ``zoo.training.scoring.score_run``, the path training's own final score takes."""

from __future__ import annotations

import argparse

from zoo.cli.flags import check_env_seed
from zoo.errors import ZooError


def add_parsers(sub) -> None:
    ev = sub.add_parser("eval", help="evaluate a trained agent greedily",
                        description="Play greedy episodes with a trained agent and print mean ± std return. "
                                    "Changes nothing on disk unless --write is given.")
    ev.add_argument("run_dir", metavar="RUN_DIR", help="a run directory written by `zoo train`, or a shipped agent (pong)")
    ev.add_argument("--episodes", type=int, default=100, help="number of episodes (default: 100)")
    ev.add_argument("--seed", type=int, default=None,
                    help="seed of the evaluation env (default: the run's held-out `final` seed, never used in training "
                         "or to choose its weights; the figure results.json reports)")
    ev.add_argument("--write", action="store_true", help="store the result in results.json and the model card")
    ev.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import zoo
    from zoo.agents.registry import load_run
    from zoo.rundir.card import write_model_card
    from zoo.rundir.files import check_run_dir, write_results
    from zoo.training.scoring import score_run

    if not 1 <= args.episodes <= 1_000_000:
        raise ZooError(f"--episodes must be between 1 and 1,000,000 (got {args.episodes})")
    folder = zoo.resolve(args.run_dir)  # run directories and shipped names: a typo must not go looking on the Hub
    check_run_dir(folder)
    check_env_seed(args.seed)
    agent, config = load_run(folder)
    results = score_run(agent, config, args.episodes, args.seed)
    print(f"{config.algo} on {config.env_id}: mean reward {results.summary()} (env seed {results.eval_seed})")
    if args.write:
        write_results(folder, results)
        write_model_card(folder)
        print(f"updated {folder / 'results.json'} and the model card")
    return 0
