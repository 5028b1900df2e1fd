"""The `zoo` command: train, evaluate and list agents.

Each algorithm's hyperparameters become flags of `zoo train ALGO ENV`, with the one-line docs of its
config dataclass as their help: `zoo train q-learning FrozenLake-v1 --help` lists them.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import json
import shlex
import sys
import textwrap
from pathlib import Path
from typing import Any, Sequence

from zoo.errors import Interrupted, ZooError

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def field_docs(config_class: type) -> dict[str, str]:
    """The docstrings written under each field of a dataclass (CleanRL's one-line-per-field style)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(config_class)))
    except (OSError, TypeError):
        return {}
    body = tree.body[0].body
    docs = {}
    for node, following in zip(body, body[1:]):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant) and isinstance(following.value.value, str)):
            docs[node.target.id] = following.value.value.strip()
    return docs


def _parse_kwarg(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def _add_hyperparameters(parser: argparse.ArgumentParser, algo: str) -> None:
    from zoo.algorithms import ALGORITHMS

    config_class = ALGORITHMS[algo].agent_class.Config
    docs = field_docs(config_class)
    group = parser.add_argument_group(f"{algo} hyperparameters (defaults shown; a preset may change them)")
    for f in dataclasses.fields(config_class):
        flag = "--" + f.name.replace("_", "-")
        help_text = f"{docs.get(f.name, '')} (default: {f.default})"
        if isinstance(f.default, bool):
            group.add_argument(flag, dest=f"hp_{f.name}", action=argparse.BooleanOptionalAction,
                               default=argparse.SUPPRESS, help=help_text)
        else:
            group.add_argument(flag, dest=f"hp_{f.name}", type=type(f.default), default=argparse.SUPPRESS,
                               metavar=type(f.default).__name__.upper(), help=help_text)


def build_parser(algo: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with a known ``algo``, `train` also takes that algorithm's hyperparameters."""
    from zoo.algorithms import ALGORITHMS

    parser = argparse.ArgumentParser(
        prog="zoo", description="Train, evaluate and share value-based RL agents.",
        epilog="Examples:\n  zoo list\n  zoo train q-learning FrozenLake-v1 --seed 1\n"
               "  zoo eval runs/q-learning-FrozenLake-v1-1 --episodes 1000",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = sub.add_parser(
        "train", help="train an agent and write its run directory",
        description="Train ALGO on ENV and write runs/<algo>-<env>-<seed>/ (or --out) with model.safetensors, "
                    "config.json, results.json, metrics.csv, learning_curve.png, replay.mp4 and README.md. "
                    "Hyperparameters start from the tuned preset for (ALGO, ENV), if any (`zoo list`).",
        epilog=None if algo in ALGORITHMS else
        "Give ALGO before --help to see its hyperparameter flags, e.g. `zoo train q-learning FrozenLake-v1 --help`.")
    train.add_argument("algo", metavar="ALGO", nargs="?", help=f"algorithm: {', '.join(ALGORITHMS)}")
    train.add_argument("env_id", metavar="ENV", nargs="?", help="Gymnasium env id, e.g. toy/Trap-v0 or CartPole-v1")
    train.add_argument("--seed", type=int, default=0, help="seed for the env, the agent and numpy (default: 0)")
    train.add_argument("--steps", type=int, default=None, help="environment steps to train for (default: the preset's)")
    train.add_argument("--out", type=Path, default=None, help="run directory (default: runs/<algo>-<env>-<seed>)")
    train.add_argument("--force", action="store_true", help="replace the run directory if it exists")
    train.add_argument("--env-kwarg", type=_parse_kwarg, action="append", default=[], metavar="KEY=VALUE",
                       help="argument for gym.make, repeatable; VALUE is JSON (e.g. --env-kwarg p=0.5)")
    train.add_argument("--eval-every", type=int, default=None,
                       help="steps between greedy evaluations during training (default: a tenth of the run; 0: none)")
    train.add_argument("--eval-episodes", type=int, default=None,
                       help="episodes of the final greedy evaluation (default: 1000 tabular, 100 deep)")
    train.add_argument("--no-video", dest="video", action="store_false", help="skip recording replay.mp4")
    train.add_argument("--no-tensorboard", dest="tensorboard", action="store_false", help="skip TensorBoard logs")
    train.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                       help="show a progress bar (default: when stderr is a terminal)")
    train.add_argument("--device", default="cpu", help="torch device for deep agents: cpu or cuda (default: cpu)")
    train.add_argument("--time-limit", type=float, default=None, metavar="MINUTES",
                       help="finish the run after this many minutes of training (evaluations not counted; with "
                            "--resume, earlier sessions count), with its final evaluation, video and card, as if "
                            "--steps were reached")
    train.add_argument("--snapshot-every", type=int, default=0, metavar="STEPS",
                       help="copy the weights to snapshots/ every STEPS environment steps, for a learning curve "
                            "measured afterwards (benchmarks/pong_curve.py); not pushed to the Hub (default: 0, none)")
    train.add_argument("--async-acting", action="store_true",
                       help="dqn: step the envs in a background thread with a copy of the network while learning "
                            "(overlaps acting and learning on two cores; runs are then not bit-for-bit reproducible)")
    train.add_argument("--resume", type=Path, default=None, metavar="RUN_DIR",
                       help="continue a deep agent's run from its checkpoint (weights, optimiser, counters, ε); "
                            "ALGO and ENV come from the run, --steps sets the new total")
    if algo in ALGORITHMS:
        _add_hyperparameters(train, algo)

    ev = sub.add_parser("eval", help="evaluate a trained agent greedily",
                        description="Play greedy episodes with a trained agent and print mean ± std return. "
                                    "Changes nothing on disk unless --write is given.")
    ev.add_argument("run_dir", metavar="RUN_DIR", help="a run directory written by `zoo train`, or a shipped agent (pong)")
    ev.add_argument("--episodes", type=int, default=100, help="number of episodes (default: 100)")
    ev.add_argument("--seed", type=int, default=None,
                    help="seed of the evaluation env (default: the run's held-out `final` seed, never used in training "
                         "or to choose its weights; the figure results.json reports)")
    ev.add_argument("--write", action="store_true", help="store the result in results.json and the model card")

    sub.add_parser("list", help="list environments, algorithms and tuned presets",
                   description="List the environments with agents, the algorithms and the tuned presets.")

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
    play.add_argument("--video", type=Path, default=None, metavar="OUT.mp4", help="film the first episode in colour")
    play.add_argument("--revision", default=None, help="branch, tag or commit of a Hub repo (default: main)")
    play.add_argument("--device", default="cpu", help="torch device: cpu or cuda (default: cpu)")

    push = sub.add_parser("push", help="upload a run directory to the Hugging Face Hub",
                          description="Upload RUN_DIR to REPO_ID in one commit (created if needed), with its model "
                                      "card (generated from config.json and results.json if missing). Checkpoints "
                                      "for --resume stay local. The token comes from HF_TOKEN or `hf auth login`; "
                                      "HF_ENDPOINT selects another Hub.")
    push.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run directory, or a shipped agent (pong)")
    push.add_argument("repo_id", metavar="REPO_ID", help="owner/name")
    push.add_argument("--private", action="store_true", help="create the repo as private")
    push.add_argument("--revision", default=None, metavar="BRANCH", help="branch to commit to (created if needed)")
    push.add_argument("--commit-message", default=None, metavar="MSG")

    pull = sub.add_parser("pull", help="download a Hub repo into the Hugging Face cache",
                          description="Download REPO_ID into the Hugging Face cache, check it holds a loadable "
                                      "agent, and print the local path. With HF_HUB_OFFLINE=1 it uses the cache.")
    pull.add_argument("repo_id", metavar="REPO_ID")
    pull.add_argument("--revision", default=None, help="branch, tag or commit (default: main)")

    convert = sub.add_parser("convert", help="turn a CleanRL, SB3 or course checkpoint into a run directory",
                             description="Convert SRC (a Hub repo id, a folder or a checkpoint file) into a native "
                                         "run directory OUT_DIR. Only tensors are read (torch.load with "
                                         "weights_only=True); an SB3 zip's pickled data member is never opened.")
    convert.add_argument("source", metavar="SRC")
    convert.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    convert.add_argument("--env", default=None, metavar="ENV_ID", help="env id (default: guessed from SRC, e.g. "
                                                                         "ALE/Pong-v5)")
    convert.add_argument("--episodes", type=int, default=0,
                         help="evaluate this many greedy episodes into results.json and a model card (default: 0)")
    return parser


def _algo_in(argv: Sequence[str]) -> str | None:
    if len(argv) >= 2 and argv[0] == "train" and not argv[1].startswith("-"):
        return argv[1]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `zoo` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_algo_in(argv)).parse_args(argv)
    args.argv = argv  # recorded by `zoo train` in config.json and the model card
    try:
        commands = {"train": _train, "eval": _eval, "list": _list, "play": _play, "push": _push, "pull": _pull,
                    "convert": _convert}
        return commands[args.command](args)
    except Interrupted as stopped:
        print(f"zoo: {stopped}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ZooError as error:
        print(f"zoo: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("zoo: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _train(args: argparse.Namespace) -> int:
    from zoo.train import TrainSettings, resume_settings, train

    hyper = {k[3:]: v for k, v in vars(args).items() if k.startswith("hp_")}
    common = dict(eval_every=args.eval_every, eval_episodes=args.eval_episodes, video=args.video,
                  tensorboard=args.tensorboard, progress=args.progress, device=args.device, time_limit=args.time_limit,
                  async_acting=args.async_acting, snapshot_every=args.snapshot_every, command=shlex.join(["zoo", *args.argv]))
    if args.resume is not None:
        from zoo.run_dir import check_run_dir

        check_run_dir(args.resume)
        return _report(train(resume_settings(args.resume, steps=args.steps, **common)))
    if args.algo is None or args.env_id is None:
        raise ZooError("give ALGO and ENV (e.g. `zoo train dqn CartPole-v1`), or --resume RUN_DIR")
    return _report(train(TrainSettings(algo=args.algo, env_id=args.env_id, seed=args.seed, steps=args.steps,
                                       out=args.out, hyperparameters=hyper, env_kwargs=dict(args.env_kwarg),
                                       force=args.force, **common)))


def _report(out: Path) -> int:
    from zoo.run_dir import read_results

    results = read_results(out)
    print(f"held-out greedy evaluation: mean reward {results.summary()}")
    print(f"run directory: {out}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from zoo.episodes import evaluate
    from zoo.model_card import write_model_card
    from zoo.run_dir import Results, check_run_dir, load_run, write_results
    from zoo.seeds import stream_seed
    from zoo.train import held_out_protocol

    if args.episodes < 1:
        raise ZooError(f"--episodes must be at least 1 (got {args.episodes})")
    import zoo

    folder = zoo.resolve(args.run_dir)  # run directories and shipped names: a typo must not go looking on the Hub
    check_run_dir(folder)
    agent, config = load_run(folder)
    seed = args.seed if args.seed is not None else stream_seed("final", config.seed)
    returns = evaluate(agent, config.env_id, config.env_kwargs, args.episodes, seed, play_pipeline=True).returns
    protocol = (held_out_protocol(args.episodes, seed, config.env_id) if args.seed is None else
                f"greedy actions over {args.episodes} episodes on env seeds {seed}, {seed} + 1, ... (chosen by the user)")
    results = Results.of(returns, config.env_id, seed, protocol)
    print(f"{config.algo} on {config.env_id}: mean reward {results.summary()} (env seed {seed})")
    if args.write:
        write_results(folder, results)
        write_model_card(folder)
        print(f"updated {folder / 'results.json'} and the model card")
    return 0


def _list(args: argparse.Namespace) -> int:
    from zoo.algorithms import ALGORITHMS
    from zoo.envs import KNOWN_ENVS
    from zoo.presets import PRESETS

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
    from zoo.pretrained import SHIPPED, shipped_path

    print("\nShipped agents (zoo play NAME):")
    for name in SHIPPED:
        results = json.loads((shipped_path(name) / "results.json").read_text())
        config = json.loads((shipped_path(name) / "config.json").read_text())
        print(f"  {name:<16} {config['algo']} on {config['env_id']}: mean reward {results['mean_reward']:.1f} "
              f"± {results['std_reward']:.1f} over {results['n_episodes']} greedy episodes")
    return 0


def _play(args: argparse.Namespace) -> int:
    import hub
    from zoo.episodes import play
    from zoo.seeds import fresh_seed

    if args.episodes < 1:
        raise ZooError(f"--episodes must be at least 1 (got {args.episodes})")
    agent, config = hub.load_run(args.source, device=args.device, revision=args.revision)
    seed = args.seed if args.seed is not None else fresh_seed("play")
    print(f"{config.algo} on {config.env_id} from {args.source}, env seed {seed} (repeat with --seed {seed})")
    returns = play(agent, config.env_id, config.env_kwargs, args.episodes, seed, args.video,
                   on_episode=lambda i, ret: print(f"  episode {i + 1}: return {ret:g}", flush=True)).returns
    print(f"mean reward {returns.mean():.3f} ± {returns.std():.3f} over {args.episodes} greedy episodes")
    if args.video:
        print(f"video of episode 1: {args.video}")
    return 0


def _push(args: argparse.Namespace) -> int:
    from hub.push import push
    from zoo.pretrained import shipped_path

    if not args.run_dir.exists() and shipped_path(str(args.run_dir)) is not None:
        args.run_dir = shipped_path(str(args.run_dir))

    url = push(args.run_dir, args.repo_id, private=args.private, revision=args.revision,
               commit_message=args.commit_message)
    print(f"pushed {args.run_dir} to {args.repo_id}: {url}")
    return 0


def _pull(args: argparse.Namespace) -> int:
    from hub.formats import detect_format
    from hub.pull import pull

    path = pull(args.repo_id, revision=args.revision)
    fmt, _ = detect_format(path, args.repo_id)
    print(f"{args.repo_id} ({fmt} format) is in {path}")
    return 0


def _convert(args: argparse.Namespace) -> int:
    import shutil

    import hub
    from hub.formats import convert, detect_format

    if args.out_dir.exists():
        raise ZooError(f"{args.out_dir} already exists; choose a new OUT_DIR")
    folder = hub.resolve(args.source) if not Path(args.source).is_file() else Path(args.source)
    fmt, file = detect_format(folder, args.source)
    if fmt == "native":
        raise ZooError(f"{args.source} is already a value-zoo run directory; nothing to convert")
    staging = args.out_dir.with_name(f".{args.out_dir.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        convert(fmt, file, staging, args.source, env_id=args.env)
        if args.episodes > 0:
            from zoo.episodes import evaluate
            from zoo.model_card import write_model_card
            from zoo.run_dir import Results, load_run, write_results
            from zoo.seeds import stream_seed
            from zoo.train import held_out_protocol

            agent, config = load_run(staging)
            seed = stream_seed("final", 0)
            returns = evaluate(agent, config.env_id, config.env_kwargs, args.episodes, seed, play_pipeline=True).returns
            write_results(staging, Results.of(returns, config.env_id, seed,
                                              held_out_protocol(args.episodes, seed, config.env_id)))
            write_model_card(staging)
        staging.rename(args.out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"converted {args.source} ({fmt}) into {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
