"""The `zoo` command: train, evaluate and list agents.

Each algorithm's hyperparameters become flags of `zoo train ALGO ENV`, with the one-line docs of its
config dataclass as their help: `zoo train q-learning FrozenLake-v1 --help` lists them.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any, Sequence

from zoo.errors import Interrupted, ZooError

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def _parse_kwarg(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def _add_hyperparameters(parser: argparse.ArgumentParser, algo: str, env_id: str | None) -> None:
    """One flag per field of the algorithm's config, documented by the field's docstring, with the value this
    command would use: the preset's for (ALGO, ENV) where there is one, else the algorithm's default."""
    from zoo.agents.registry import ALGORITHMS
    from zoo.agents.configs import describe_config
    from zoo.training.presets import preset

    chosen = preset(algo, env_id).get("hyperparameters", {}) if env_id else {}
    title = f"{algo} hyperparameters (the values shown are what this command uses"
    title += f": the {env_id} preset where it sets one)" if chosen else ")"
    group = parser.add_argument_group(title)
    for f in describe_config(ALGORITHMS[algo].config_path):
        flag = "--" + f.name.replace("_", "-")
        if f.name in chosen and chosen[f.name] != f.default:
            shown = f"default: {chosen[f.name]} from the preset; the algorithm's own default is {f.default}"
        else:
            shown = f"default: {f.default}"
        help_text = f"{f.doc} ({shown})".replace("%", "%%")
        if f.kind is bool:
            group.add_argument(flag, dest=f"hp_{f.name}", action=argparse.BooleanOptionalAction,
                               default=argparse.SUPPRESS, help=help_text)
        else:
            group.add_argument(flag, dest=f"hp_{f.name}", type=f.kind, default=argparse.SUPPRESS,
                               metavar=f.kind.__name__.upper(), help=help_text)


def build_parser(algo: str | None = None, env_id: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with a known ``algo``, `train` also takes that algorithm's hyperparameters."""
    from zoo.agents.registry import ALGORITHMS

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
    train.add_argument("--seed", type=int, default=None, help="seed for the env, the agent and numpy (default: 0)")
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
    train.add_argument("--stop-at", type=float, default=None, metavar="RETURN",
                       help="stop training once a periodic greedy evaluation reaches this mean return; the final "
                            "score still comes from held-out episodes (default: the preset's, e.g. 500 for dqn on "
                            "CartPole-v1, unless --steps is given; zoo tune and bench keep the preset's)")
    train.add_argument("--snapshot-every", type=int, default=0, metavar="STEPS",
                       help="copy the weights to snapshots/ every STEPS environment steps, for a learning curve "
                            "measured afterwards (benchmarks/pong_curve.py); not pushed to the Hub (default: 0, none)")
    train.add_argument("--async-acting", action="store_true",
                       help="dqn: step the envs in a background thread with a copy of the network while learning "
                            "(overlaps acting and learning on two cores; runs are then not bit-for-bit reproducible)")
    train.add_argument("--hyperparams", type=Path, default=None, metavar="FILE",
                       help="hyperparameters (and steps) from a file in the preset format, e.g. the best.json `zoo "
                            "tune` writes; flags given here override it")
    train.add_argument("--resume", type=Path, default=None, metavar="RUN_DIR",
                       help="continue a deep agent's run from its checkpoint (weights, optimiser, counters, ε); "
                            "ALGO and ENV come from the run, --steps sets the new total")
    if algo in ALGORITHMS:
        _add_hyperparameters(train, algo, env_id)

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

    study_help = ("Optuna storage URL (default: sqlite:///runs/optuna.db, a file, no server). With a shared "
                  "database, e.g. postgresql://user:password@host:5432/db, every machine that runs the same command "
                  "with the same --study works on the same study.")
    tune = sub.add_parser(
        "tune", help="search hyperparameters with Optuna (TPE, pruning on the periodic evaluations)",
        description="Search ALGO's hyperparameters on ENV: TPE sampling from ranges after RL Zoo's, each trial a "
                    "normal run directory under runs/STUDY/, pruned by Optuna's median rule on the trainer's periodic "
                    "greedy evaluations. At the end it prints the best trial and writes runs/STUDY/best.json, which "
                    "`zoo train ALGO ENV --hyperparams runs/STUDY/best.json` takes. Watch a study with "
                    "`optuna-dashboard sqlite:///runs/optuna.db`.",
        epilog="Examples:\n  zoo tune dqn CartPole-v1 --trials 20 --jobs 2\n"
               "  zoo tune dqn CartPole-v1 --trials 100 --storage postgresql://me:pw@db:5432/zoo   # on each machine",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    bench = sub.add_parser(
        "bench", help="train N seeds and report IQM and mean with 95%% bootstrap intervals",
        description="Train ALGO on ENV with N seeds (the preset, or --hyperparams) as the trials of an Optuna study, "
                    "so they spread over workers and machines like `zoo tune`, then report the interquartile mean "
                    "and the mean with 95% stratified bootstrap confidence intervals (Agarwal et al. 2021), the "
                    "per-seed held-out scores, and scores.png and summary.json in runs/STUDY/.",
        epilog="Example:\n  zoo bench dqn CartPole-v1 --seeds 10 --jobs 2",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    for cmd in (tune, bench):
        cmd.add_argument("algo", metavar="ALGO")
        cmd.add_argument("env_id", metavar="ENV")
        cmd.add_argument("--steps", type=int, default=None, help="environment steps per trial (default: the preset's)")
        cmd.add_argument("--hyperparams", type=Path, default=None, metavar="FILE",
                         help="start from these hyperparameters (a best.json) instead of the preset's")
        cmd.add_argument("--jobs", type=int, default=1, help="worker processes on this machine (default: 1)")
        cmd.add_argument("--storage", default=None, metavar="URL", help=study_help)
        cmd.add_argument("--study", default=None, metavar="NAME",
                         help=f"study name (default: {'tune' if cmd is tune else 'bench'}-ALGO-ENV)")
        cmd.add_argument("--minutes", type=float, default=None, help="stop starting trials after this many minutes")
        cmd.add_argument("--eval-every", type=int, default=None, help="steps between periodic evaluations")
        cmd.add_argument("--eval-episodes", type=int, default=None, help="episodes of each trial's final evaluation")
        cmd.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    tune.add_argument("--trials", type=int, default=20, help="trials in the study, all workers together (default: 20)")
    tune.add_argument("--seed", type=int, default=0, help="seed of the sampler (default: 0)")
    bench.add_argument("--seeds", type=int, default=10, help="seeds to train (default: 10)")

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


def _algo_env_in(argv: Sequence[str]) -> tuple[str | None, str | None]:
    """ALGO and ENV of `zoo train ALGO ENV ...` (or of the run `--resume` names), read before parsing: they
    decide which hyperparameter flags exist."""
    if len(argv) >= 2 and argv[0] == "train" and not argv[1].startswith("-"):
        env = argv[2] if len(argv) >= 3 and not argv[2].startswith("-") else None
        return argv[1], env
    if argv and argv[0] == "train" and "--resume" in argv[:-1]:
        try:
            config = json.loads((Path(argv[argv.index("--resume") + 1]) / "config.json").read_text())
            return str(config["algo"]), str(config["env_id"])
        except (OSError, ValueError, KeyError, TypeError):
            return None, None  # the command's own checks name the problem
    return None, None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `zoo` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(*_algo_env_in(argv)).parse_args(argv)
    args.argv = argv  # recorded by `zoo train` in config.json and the model card
    try:
        commands = {"train": _train, "eval": _eval, "list": _list, "play": _play, "push": _push, "pull": _pull,
                    "convert": _convert, "tune": _study, "bench": _study}
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
    from zoo.training.session import TrainSettings, resume_settings, train

    hyper = {k[3:]: v for k, v in vars(args).items() if k.startswith("hp_")}
    common = dict(eval_every=args.eval_every, eval_episodes=args.eval_episodes, video=args.video,
                  tensorboard=args.tensorboard, progress=args.progress, device=args.device, time_limit=args.time_limit,
                  async_acting=args.async_acting, snapshot_every=args.snapshot_every, stop_at=args.stop_at,
                  command=shlex.join(["zoo", *args.argv]))
    if args.resume is not None:
        _check_resume_args(args, hyper)
        return _report(train(resume_settings(args.resume, steps=args.steps, **common)))
    if args.algo is None or args.env_id is None:
        raise ZooError("give ALGO and ENV (e.g. `zoo train dqn CartPole-v1`), or --resume RUN_DIR")
    from_file = _read_hyperparams(args.hyperparams, args.algo, args.env_id)
    hyper = {**from_file.get("hyperparameters", {}), **hyper}
    steps = args.steps if args.steps is not None else from_file.get("steps")
    if args.stop_at is None:  # a best.json repeats its trial: its steps and the stop it trained with
        common["stop_at"] = from_file.get("stop_at")
    return _report(train(TrainSettings(algo=args.algo, env_id=args.env_id, seed=args.seed or 0, steps=steps,
                                       out=args.out, hyperparameters=hyper, env_kwargs=dict(args.env_kwarg),
                                       force=args.force, **common)))


def _check_resume_args(args: argparse.Namespace, hyper: dict[str, Any]) -> None:
    """--resume continues a run as it was configured: refuse arguments that would silently be ignored."""
    from zoo.rundir.files import read_config

    run = args.resume
    if not (run / "config.json").is_file():
        raise ZooError(f"{run} is not a run directory to resume (no config.json)")
    config = read_config(run)
    wrong = []
    if args.algo is not None and args.algo != config.algo:
        wrong.append(f"ALGO {args.algo} (the run is {config.algo})")
    if args.env_id is not None and args.env_id != config.env_id:
        wrong.append(f"ENV {args.env_id} (the run is {config.env_id})")
    if args.seed is not None and args.seed != config.seed:
        wrong.append(f"--seed {args.seed} (the run's is {config.seed})")
    if args.env_kwarg and dict(args.env_kwarg) != config.env_kwargs:
        wrong.append(f"--env-kwarg {dict(args.env_kwarg)} (the run's are {config.env_kwargs})")
    if args.out is not None and Path(args.out).resolve() != Path(run).resolve():
        wrong.append(f"--out {args.out} (a resumed run continues in {run})")
    if args.force:
        wrong.append("--force (a resumed run continues in place; nothing is replaced)")
    if args.hyperparams is not None:
        wrong.append(f"--hyperparams {args.hyperparams} (the run keeps its own)")
    for name, value in hyper.items():
        if config.hyperparameters.get(name) != value:
            wrong.append(f"--{name.replace('_', '-')} {value} (the run's is {config.hyperparameters.get(name)})")
    if wrong:
        raise ZooError(f"--resume {run} continues the run as it was configured; drop " + "; ".join(wrong)
                       + ". To change them, train a new run.")


def _report(out: Path) -> int:
    from zoo.rundir.files import read_results

    results = read_results(out)
    _print_values(out)
    print(f"held-out greedy evaluation: mean reward {results.summary()}")
    print(f"run directory: {out}")
    return 0


def _print_values(out: Path, max_states: int = 8) -> None:
    """For a small discrete env, the learned values themselves: what the README's exact numbers are checked
    against (Q(s, ·) for the value learners, v(s) for td0)."""
    from zoo.rundir.files import load_run

    agent, config = load_run(out)
    n = config.spaces.observation.get("n")
    if n is None or n > max_states:
        return
    import numpy as np

    states = np.arange(n)
    if hasattr(agent, "q_values"):
        for s, row in zip(states, np.atleast_2d(agent.q_values(states))):
            if row.any():  # terminal states have no values to show
                print(f"Q({s}, ·) = ({', '.join(f'{v:.4g}' for v in row)})")
    elif hasattr(agent, "values"):
        print("v(s) = (" + ", ".join(f"{v:.4g}" for v in agent.values(states)) + ") for s = 0.." + str(n - 1))


def _eval(args: argparse.Namespace) -> int:
    from zoo.envs.episodes import evaluate
    from zoo.rundir.card import write_model_card
    from zoo.rundir.files import Results, check_run_dir, load_run, write_results
    from zoo.envs.seeds import stream_seed
    from zoo.training.session import held_out_protocol, play_pipeline_name

    if not 1 <= args.episodes <= 1_000_000:
        raise ZooError(f"--episodes must be between 1 and 1,000,000 (got {args.episodes})")
    import zoo

    folder = zoo.resolve(args.run_dir)  # run directories and shipped names: a typo must not go looking on the Hub
    check_run_dir(folder)
    agent, config = load_run(folder)
    _check_env_seed(args.seed)
    seed = args.seed if args.seed is not None else stream_seed("final", config.seed)
    result = evaluate(agent, config.env_id, config.env_kwargs, args.episodes, seed, play_pipeline=True, progress=None)
    protocol = (held_out_protocol(args.episodes, seed, config.env_id, config.algo) if args.seed is None else
                f"greedy actions over {args.episodes} episodes on env seeds {seed}, {seed} + 1, ... (chosen by the user)")
    results = Results.of(result.returns, config.env_id, seed, protocol, play_pipeline_name(config.env_id),
                         capped=result.capped)
    print(f"{config.algo} on {config.env_id}: mean reward {results.summary()} (env seed {seed})")
    if args.write:
        write_results(folder, results)
        write_model_card(folder)
        print(f"updated {folder / 'results.json'} and the model card")
    return 0


def _list(args: argparse.Namespace) -> int:
    from zoo.agents.registry import ALGORITHMS
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
    from zoo.pretrained import SHIPPED, shipped_path

    print("\nShipped agents (zoo play NAME):")
    from zoo.rundir.files import read_results

    for name in SHIPPED:
        config = json.loads((shipped_path(name) / "config.json").read_text())
        print(f"  {name:<16} {config['algo']} on {config['env_id']}: held-out mean reward "
              f"{read_results(shipped_path(name)).summary()}")
    return 0


def _play(args: argparse.Namespace) -> int:
    import hub
    from zoo.envs.episodes import play
    from zoo.envs.seeds import fresh_seed

    if not 1 <= args.episodes <= 100_000:
        raise ZooError(f"--episodes must be between 1 and 100,000 (got {args.episodes})")
    if args.video is not None:
        _check_video_path(args.video)
    agent, config = hub.load_run(args.source, device=args.device, revision=args.revision)
    _check_env_seed(args.seed)
    seed = args.seed if args.seed is not None else fresh_seed("play")
    print(f"{config.algo} on {config.env_id} from {args.source}, env seed {seed} (repeat with --seed {seed})")
    returns = play(agent, config.env_id, config.env_kwargs, args.episodes, seed, args.video,
                   on_episode=lambda i, ret: print(f"  episode {i + 1}: return {ret:g}", flush=True)).returns
    print(f"mean reward {returns.mean():.3f} ± {returns.std():.3f} over {args.episodes} greedy episodes")
    if args.video:
        print(f"video of episode 1: {args.video}")
    return 0


def _check_env_seed(seed: int | None) -> None:
    from zoo.envs.seeds import SPAN

    if seed is not None and not 0 <= seed < 2**31 - SPAN:
        raise ZooError(f"--seed must be between 0 and {2**31 - SPAN - 1:,} (got {seed})")


def _check_video_path(path: Path) -> None:
    if path.is_dir():
        raise ZooError(f"--video {path} is a folder; give a file name such as {path / 'play.mp4'}")
    if path.suffix.lower() != ".mp4":
        raise ZooError(f"--video {path}: the video is an mp4; give a name ending in .mp4")
    from zoo.rundir.atomic import existing_parent

    parent, writable = existing_parent(path)
    if not writable:
        raise ZooError(f"--video {path}: {parent} is not a writable folder")


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


def _read_hyperparams(path: Path | None, algo: str, env_id: str) -> dict[str, Any]:
    """A best.json (or any preset-format file): {"steps": ..., "hyperparameters": {...}}; {} without one."""
    if path is None:
        return {}
    from zoo.rundir.files import read_json

    data = read_json(path)
    if data.get("algo", algo) != algo or data.get("env_id", env_id) != env_id:
        raise ZooError(f"{path} holds hyperparameters for {data.get('algo')} on {data.get('env_id')}, not {algo} on "
                       f"{env_id}")
    if not isinstance(data.get("hyperparameters", {}), dict):
        raise ZooError(f"{path}: hyperparameters should be an object")
    stop = data.get("stop_at")
    if stop is not None and (isinstance(stop, bool) or not isinstance(stop, (int, float))):
        raise ZooError(f"{path}: stop_at should be a number (a mean return), not {stop!r}")
    return data


def _study(args: argparse.Namespace) -> int:
    """`zoo tune` and `zoo bench`: check everything, then run workers on the study."""
    from zoo.agents.registry import check_fits, get_algorithm
    from zoo.agents.configs import build_config
    from zoo.envs.make import make_env
    from zoo.training.presets import DEFAULT_STEPS, preset

    kind = args.command
    algorithm = get_algorithm(args.algo)
    from zoo.cli import tune as tuning

    if kind == "tune" and args.algo not in tuning.SEARCH_SPACES:
        raise ZooError(f"zoo tune has no search space for {args.algo}; it tunes {', '.join(tuning.SEARCH_SPACES)}")
    count = args.trials if kind == "tune" else args.seeds
    if not 1 <= count <= 100_000:
        raise ZooError(f"--{'trials' if kind == 'tune' else 'seeds'} must be between 1 and 100,000 (got {count})")
    if not 1 <= args.jobs <= 64:
        raise ZooError(f"--jobs must be between 1 and 64 (got {args.jobs})")
    if args.minutes is not None and not args.minutes > 0:
        raise ZooError(f"--minutes must be positive (got {args.minutes})")
    env = make_env(args.env_id)
    try:
        check_fits(algorithm, env, args.env_id)  # e.g. continuous actions for dqn: refused before any study exists
    finally:
        env.close()
    chosen = {**preset(args.algo, args.env_id), **_read_hyperparams(args.hyperparams, args.algo, args.env_id)}
    hyper = dict(chosen.get("hyperparameters", {}))
    build_config(algorithm.config_class, hyper)  # refuse a bad file now, not in every trial
    steps = args.steps if args.steps is not None else chosen.get("steps", DEFAULT_STEPS)
    if not 1 <= steps <= 10**11:
        raise ZooError(f"--steps must be positive (got {steps})")
    name = args.study or f"{kind}-{args.algo}-{args.env_id.replace('/', '-')}"
    if not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise ZooError(f"--study {name!r}: use letters, digits, '-', '_' and '.' (it names a folder under runs/)")
    settings = tuning.StudySettings(
        spec=tuning.StudySpec(kind, args.algo, args.env_id, steps, hyper, stop_at=chosen.get("stop_at")), study=name,
        storage=args.storage or tuning.default_storage(), trials=count, minutes=args.minutes, jobs=args.jobs,
        seed=getattr(args, "seed", 0), eval_every=args.eval_every, eval_episodes=args.eval_episodes)
    tuning.open_study(tuning.open_storage(settings.storage), name, settings.spec, settings.seed)  # checks it fits
    if args.worker:
        tuning.work(settings)
        return 0
    worker_args = [*args.argv, "--worker"]  # the same command; --jobs stays, so each worker takes its share of cores
    print(f"study {name} in {tuning.shown(settings.storage)}: {count} {'trials' if kind == 'tune' else 'seeds'}, "
          f"{args.jobs} worker(s) here; runs in {settings.runs / name}/", flush=True)
    tuning.run_study(settings, worker_args)
    return _report_study(settings)


def _report_study(settings) -> int:
    from zoo.cli import tune as tuning
    from zoo.rundir.atomic import write_json

    study = tuning.open_study(tuning.open_storage(settings.storage), settings.study, settings.spec, settings.seed)
    folder = settings.runs / settings.study
    folder.mkdir(parents=True, exist_ok=True)
    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    if not done:
        raise ZooError(f"no trial of study {settings.study} has completed yet")
    if settings.spec.kind == "tune":
        best = tuning.best_config(study, settings.spec)
        write_json(folder / "best.json", best)
        pruned = sum(t.state.name == "PRUNED" for t in study.trials)
        print(f"{len(done)} trials completed, {pruned} pruned; best: trial {best['trial']}, held-out mean "
              f"{best['value']:.4g}")
        for key, value in study.best_trial.params.items():
            print(f"  {key} = {value}")
        print(f"hyperparameters written to {folder / 'best.json'}; train with them: zoo train {settings.spec.algo} "
              f"{settings.spec.env_id} --hyperparams {folder / 'best.json'}")
        return 0
    by_seed = {}
    for t in sorted(done, key=lambda t: t.number):
        by_seed.setdefault(t.params["seed"], t.value)
    summary = {"study": settings.study, "algo": settings.spec.algo, "env_id": settings.spec.env_id,
               "steps": settings.spec.steps, "hyperparameters": settings.spec.hyperparameters,
               "seeds": sorted(by_seed), **tuning.aggregate([by_seed[s] for s in sorted(by_seed)])}
    write_json(folder / "summary.json", summary)
    tuning.plot_bench(folder / "scores.png", f"{settings.spec.algo} on {settings.spec.env_id}: {len(by_seed)} seeds",
                      summary)
    print(f"{len(by_seed)} seeds: IQM {summary['iqm']:.4g} (95% CI {summary['iqm_ci95'][0]:.4g} to "
          f"{summary['iqm_ci95'][1]:.4g}), mean {summary['mean']:.4g} (95% CI {summary['mean_ci95'][0]:.4g} to "
          f"{summary['mean_ci95'][1]:.4g})")
    print("per seed: " + ", ".join(f"{s}: {by_seed[s]:.4g}" for s in sorted(by_seed)))
    print(f"written: {folder / 'summary.json'}, {folder / 'scores.png'}")
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
            from zoo.envs.episodes import evaluate
            from zoo.rundir.card import write_model_card
            from zoo.rundir.files import Results, load_run, write_results
            from zoo.envs.seeds import stream_seed
            from zoo.training.session import held_out_protocol, play_pipeline_name

            agent, config = load_run(staging)
            seed = stream_seed("final", 0)
            returns = evaluate(agent, config.env_id, config.env_kwargs, args.episodes, seed, play_pipeline=True).returns
            write_results(staging, Results.of(returns, config.env_id, seed,
                                              held_out_protocol(args.episodes, seed, config.env_id),
                                              play_pipeline_name(config.env_id)))
            write_model_card(staging)
        staging.rename(args.out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"converted {args.source} ({fmt}) into {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
