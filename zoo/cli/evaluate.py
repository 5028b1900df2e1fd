"""`zoo eval RUN_DIR`: score a trained agent on its held-out seeds (or the user's), changing nothing unless
--write; through ``zoo.training.scoring.score_run``, the path training's own final score takes."""

from __future__ import annotations

import argparse
import contextlib

from zoo.cli.flags import GYM_PACKAGES_HELP, check_env_seed
from zoo.errors import ZooError


def add_parsers(sub) -> None:
    ev = sub.add_parser("eval", help="evaluate a trained agent greedily",
                        description="Play greedy episodes with a trained agent and print mean ± std return; an Atari "
                                    "agent under two protocols, sticky actions and every noop start. Changes "
                                    "nothing on disk unless --write is given.")
    ev.add_argument("run_dir", metavar="RUN_DIR", help="a run directory written by `zoo train`, or a shipped agent (pong)")
    ev.add_argument("--episodes", type=int, default=100,
                    help="number of episodes; for Atari, of sticky games (default: 100)")
    ev.add_argument("--seed", type=int, default=None,
                    help="seed of the evaluation env (default: the run's held-out `final` seed, never used in training "
                         "or to choose its weights; the figure results.json reports)")
    ev.add_argument("--protocol", choices=("both", "sticky", "noop-starts"), default="both",
                    help="Atari: `sticky` plays --episodes games with ALE v5's sticky actions (0.25) on held-out "
                         "seeds (mean ± std, 95%% CI); `noop-starts` plays the deterministic game from each of its "
                         "30 starts once (an exact mean); both side by side (default)")
    ev.add_argument("--precision", choices=("run", "fp32", "bf16"), default="run",
                    help="deep agents: compute the greedy actions in fp32 or bf16 autocast (default: as the run's "
                         "precision setting picks on this machine); a game decided by the last bits of a Q-value "
                         "shows here")
    ev.add_argument("--gym-packages", nargs="+", default=[], metavar="PKG", help=GYM_PACKAGES_HELP)
    ev.add_argument("--write", action="store_true",
                    help="store the result in results.json and the model card (Atari: both protocols and at least "
                         "100 sticky games)")
    ev.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from zoo.cores import let_threads_spin

    let_threads_spin()  # before torch loads: spinning threads play Pong 15% faster; the share steps back for others
    import zoo
    from zoo.agents.registry import load_run
    from zoo.envs.make import import_gym_packages
    from zoo.cores import enabled, sharing_cores
    from zoo.rundir.card import write_model_card
    from zoo.rundir.files import check_run_dir, write_results
    from zoo.training.scoring import PROTOCOLS, STICKY_GAMES, score_run

    import_gym_packages(args.gym_packages)

    if not 1 <= args.episodes <= 1_000_000:
        raise ZooError(f"--episodes must be between 1 and 1,000,000 (got {args.episodes})")
    folder = zoo.resolve(args.run_dir)  # run directories and shipped names: a typo must not go looking on the Hub
    check_run_dir(folder)
    check_env_seed(args.seed)
    agent, config = load_run(folder)
    atari = config.env_id.startswith("ALE/")
    if args.protocol != "both" and not atari:
        raise ZooError(f"--protocol {args.protocol} is for Atari games; {config.env_id} has one protocol")
    if args.write and atari and (args.protocol != "both" or args.episodes < STICKY_GAMES):
        raise ZooError(f"--write publishes the score: for Atari that is both protocols and at least {STICKY_GAMES} "
                       f"sticky games (got --protocol {args.protocol}, --episodes {args.episodes}). Drop --protocol "
                       f"and give --episodes {STICKY_GAMES} or more.")
    if args.precision != "run":
        if not hasattr(agent, "bf16"):
            raise ZooError(f"--precision is for deep agents; a {config.algo} agent has tables, not a network")
        agent.bf16 = args.precision == "bf16"
    protocols = tuple(PROTOCOLS) if args.protocol == "both" else (args.protocol,)
    with sharing_cores() if enabled() and hasattr(agent, "bf16") else contextlib.nullcontext():  # deep agents
        results = score_run(agent, config, args.episodes, args.seed, protocols=protocols)
    seeds = "" if protocols == ("noop-starts",) else f" (env seed {results.eval_seed})"
    print(f"{config.algo} on {config.env_id}: mean reward {results.summary()}{seeds}")
    if results.inference:
        where = results.inference
        print(f"greedy actions in {where['precision']} on {where.get('cpu') or where.get('gpu') or where['device']}")
    if args.write:
        write_results(folder, results)
        write_model_card(folder)
        print(f"updated {folder / 'results.json'} and the model card")
    return 0
