"""`zoo play NAME_REPO_ID_OR_DIR`: watch an agent play, from a shipped name, a run directory or the Hub."""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

from zoo.cli.flags import GYM_PACKAGES_HELP, check_env_seed, check_video_path
from zoo.errors import ZooError


def add_parsers(sub) -> None:
    play = sub.add_parser("play", help="play a trained agent: `zoo play pong`, a run directory or a Hub repo",
                          description="Play greedy episodes and print each return and the mean ± std. `pong` is "
                                      "the Pong agent shipped with the package (offline). A repo id (owner/name) "
                                      "is pulled into the Hugging Face cache first; CleanRL, Stable-Baselines3 "
                                      "and course checkpoints play too.",
                          epilog="Examples:\n  zoo play pong --episodes 1 --video pong.mp4\n"
                                 "  zoo play runs/dqn-CartPole-v1-0\n  zoo play someone/dqn-pong",
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    play.add_argument("source", metavar="NAME_REPO_ID_OR_DIR",
                      help="a shipped agent (pong), a run directory or a Hub repo id")
    play.add_argument("--episodes", type=int, default=3, help="number of episodes (default: 3)")
    play.add_argument("--seed", type=int, default=None,
                      help="seed of the env (default: a fresh one, printed so the games can be replayed)")
    play.add_argument("--render", action="store_true",
                      help="watch in a window (the env's human render mode: ALE's own window for Atari, pygame "
                           "for the others), at the game's speed; needs a display (over SSH: xvfb-run or -X)")
    play.add_argument("--video", type=Path, default=None, metavar="OUT.mp4", help="film the first episode in colour")
    play.add_argument("--revision", default=None, help="branch, tag or commit of a Hub repo (default: main)")
    play.add_argument("--gym-packages", nargs="+", default=[], metavar="PKG", help=GYM_PACKAGES_HELP)
    play.add_argument("--device", default="cpu", help="torch device: cpu or cuda (default: cpu)")
    play.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import hub
    from zoo.envs.episodes import play
    from zoo.envs.make import import_gym_packages
    from zoo.envs.seeds import fresh_seed
    from zoo.rundir.video import mp4_writer

    import_gym_packages(args.gym_packages)

    if not 1 <= args.episodes <= 100_000:
        raise ZooError(f"--episodes must be between 1 and 100,000 (got {args.episodes})")
    if args.video is not None:
        check_video_path(args.video)
    check_env_seed(args.seed)
    agent, config = hub.load_run(args.source, device=args.device, revision=args.revision)
    seed = args.seed if args.seed is not None else fresh_seed("play")
    print(f"{config.algo} on {config.env_id} from {args.source}, env seed {seed} (repeat with --seed {seed})")
    film = functools.partial(mp4_writer, args.video) if args.video else None
    returns = play(agent, config.env_id, config.env_kwargs, args.episodes, seed, film=film, window=args.render,
                   on_episode=lambda i, ret: print(f"  episode {i + 1}: return {ret:g}", flush=True)).returns
    print(f"mean reward {returns.mean():.3f} ± {returns.std():.3f} over {args.episodes} greedy episodes")
    if args.video:
        print(f"video of episode 1: {args.video}")
    return 0
