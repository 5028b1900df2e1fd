"""`zoo train ALGO ENV`: one subcommand per algorithm, whose flags are its config's fields.

The run flags come from ``TrainSettings`` and the hyperparameter flags from the algorithm's config
dataclass, both through ``zoo.cli.flags``; argv is parsed once. `zoo train ALGO ENV --help` shows each
hyperparameter with the value this command would use: ENV's preset where it sets one.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import shlex
from pathlib import Path
from typing import Any, Iterator

from zoo.agents.registry import ALGORITHMS, Algorithm
from zoo.cli.flags import GYM_PACKAGES_HELP, add_field_flags, given, read_hyperparams
from zoo.errors import ZooError
from zoo.training.settings import TrainSettings

RUN, HYPER = "run_", "hp_"

DESCRIPTION = ("Train ALGO on ENV and write runs/<algo>-<env>-<seed>/ (or --out) with model.safetensors, config.json, "
               "results.json, metrics.csv, learning_curve.png, replay.mp4 and README.md. Hyperparameters start from "
               "the tuned preset for (ALGO, ENV), if any (`zoo list`); the flags after ALGO ENV override it.")


def add_parsers(sub) -> None:
    train = sub.add_parser("train", help="train an agent and write its run directory", description=DESCRIPTION,
                           epilog="Give ALGO (and ENV) before --help to see its hyperparameters, e.g. "
                                  "`zoo train q-learning FrozenLake-v1 --help`.")
    _add_run_flags(train)
    _add_hidden_hyperparameters(train)
    algos = train.add_subparsers(dest="algo", metavar="ALGO", title="algorithms",
                                 description=", ".join(ALGORITHMS))
    for algorithm in ALGORITHMS.values():
        p = algos.add_parser(algorithm.name, help=algorithm.summary, description=DESCRIPTION, add_help=False,
                             epilog="Example: zoo train " + algorithm.name + " " + _example_env(algorithm.name))
        p.add_argument("env_id", metavar="ENV", nargs="?",
                       help="Gymnasium env id, e.g. toy/Trap-v0 or CartPole-v1; an env of an installed package as "
                            "module:EnvId (e.g. my_pkg.envs:Maze-v0) or with --gym-packages")
        _add_run_flags(p)
        group = p.add_argument_group(f"{algorithm.name} hyperparameters (default: the algorithm's own; "
                                     "give ENV before --help to see its preset's)")
        p.add_argument("-h", "--help", action=_PresetHelp, algorithm=algorithm, group=group)
        add_field_flags(group, dataclasses.fields(algorithm.config_class), HYPER,
                        help_of=lambda f: f"{f.metadata['doc']} (default: {f.default})")
    train.set_defaults(run=run)


def _add_hidden_hyperparameters(train: argparse.ArgumentParser) -> None:
    """Every algorithm's hyperparameter flags on `zoo train` itself, out of its help: with --resume and no
    ALGO they are still parsed, so that one the run would ignore is refused by name."""
    seen: dict[str, dataclasses.Field] = {}
    for algorithm in ALGORITHMS.values():
        for f in dataclasses.fields(algorithm.config_class):
            seen.setdefault(f.name, f)
    add_field_flags(train, seen.values(), HYPER, help_of=lambda f: argparse.SUPPRESS)


def _example_env(algo: str) -> str:
    from zoo.training.presets import PRESETS

    return next((env for a, env in PRESETS if a == algo), "CartPole-v1")


def _add_run_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("run")
    add_field_flags(group, [f for f in dataclasses.fields(TrainSettings) if f.metadata.get("cli", True)], RUN)
    group.add_argument("--gym-packages", nargs="+", default=[], metavar="PKG", help=GYM_PACKAGES_HELP)
    group.add_argument("--hyperparams", type=Path, default=argparse.SUPPRESS, metavar="FILE",
                       help="hyperparameters (and steps) from a file in the preset format, e.g. the best.json "
                            "`zoo tune` writes; flags given here override it")
    group.add_argument("--resume", type=Path, default=argparse.SUPPRESS, metavar="RUN_DIR",
                       help="continue a deep agent's run from its checkpoint (weights, optimiser, counters, ε); "
                            "ALGO and ENV come from the run, --steps sets the new total")


class _PresetHelp(argparse.Action):
    """--help that shows each hyperparameter's value for the ENV given before it (its preset's)."""

    def __init__(self, option_strings, dest, algorithm: Algorithm, group, **kwargs) -> None:
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0,
                         help="show this help (with ENV given first: the values of its preset) and exit")
        self.algorithm, self.group = algorithm, group

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from zoo.training.presets import preset

        env_id = getattr(namespace, "env_id", None)
        chosen = preset(self.algorithm.name, env_id).get("hyperparameters", {}) if env_id else {}
        fields = {HYPER + f.name: f for f in dataclasses.fields(self.algorithm.config_class)}
        for action in parser._actions:
            f = fields.get(action.dest)
            if f is not None and f.name in chosen and chosen[f.name] != f.default:
                action.help = (f"{f.metadata['doc']} (default: {chosen[f.name]} from the {env_id} preset; the "
                               f"algorithm's own default is {f.default})").replace("%", "%%")
        if env_id:
            self.group.title = (f"{self.algorithm.name} hyperparameters (the values shown are what this command "
                                f"uses{': the ' + env_id + ' preset where it sets one' if chosen else ''})")
        parser.print_help()
        parser.exit()


def run(args: argparse.Namespace) -> int:
    from zoo.cores import let_threads_spin

    let_threads_spin()  # before anything loads torch: its threads spin, and the training shares the cores
    from zoo.envs.make import import_gym_packages, split_env_id
    from zoo.training.session import resume_settings, train

    settings = given(args, RUN)
    if "env_kwargs" in settings:
        settings["env_kwargs"] = dict(settings["env_kwargs"])
    hyper = given(args, HYPER)
    settings["command"] = shlex.join(["zoo", *args.argv])
    packages = list(getattr(args, "gym_packages", []))
    if getattr(args, "env_id", None) is not None:
        args.env_id, module = split_env_id(args.env_id)
        packages += [module] if module else []
    import_gym_packages(packages)
    resume = getattr(args, "resume", None)
    if resume is not None:
        _check_resume_args(resume, args, settings, hyper)
        if settings.get("init_from") is not None:
            raise ZooError("--init-from starts a new run from an agent's weights; --resume continues a run from its "
                           "checkpoint. Give one of them.")
        for name in ("seed", "out", "force", "env_kwargs"):
            settings.pop(name, None)  # checked equal to the run's above
        steps = settings.pop("steps", None)
        return _print_run(train(resume_settings(resume, steps=steps, **settings)))
    settings["gym_packages"] = tuple(dict.fromkeys(packages))
    if args.algo is None or getattr(args, "env_id", None) is None:
        raise ZooError("give ALGO and ENV (e.g. `zoo train dqn CartPole-v1`), or --resume RUN_DIR")
    if settings.get("init_from") is not None:
        with _initial_agent(str(settings["init_from"])) as folder:
            settings["init_source"], settings["init_from"] = str(settings["init_from"]), folder
            return _train_new(args, settings, hyper)
    return _train_new(args, settings, hyper)


@contextlib.contextmanager
def _initial_agent(source: str) -> Iterator[Path]:
    """--init-from's run directory: a local one or a shipped name as it is, a Hub repo pulled, a CleanRL /
    Stable-Baselines3 / course checkpoint converted (into a temporary folder, for as long as training starts)."""
    import tempfile

    import hub
    from hub.formats import convert, detect_format

    folder = hub.resolve(source)
    fmt, file = detect_format(folder, source)
    if fmt == "native":
        yield folder
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield convert(fmt, file, Path(tmp) / "converted", source)


def _train_new(args: argparse.Namespace, settings: dict[str, Any], hyper: dict[str, Any]) -> int:
    from zoo.training.session import train

    from_file = read_hyperparams(getattr(args, "hyperparams", None), args.algo, args.env_id)
    if "steps" not in settings and from_file.get("steps") is not None:
        settings["steps"] = from_file["steps"]
    if "stop_at" not in settings and from_file.get("stop_at") is not None:
        settings["stop_at"] = from_file["stop_at"]  # a best.json repeats its trial: its steps and its stop
    return _print_run(train(TrainSettings(algo=args.algo, env_id=args.env_id,
                                          hyperparameters={**from_file.get("hyperparameters", {}), **hyper},
                                          **settings)))


def _check_resume_args(run_dir: Path, args: argparse.Namespace, settings: dict[str, Any],
                       hyper: dict[str, Any]) -> None:
    """--resume continues a run as it was configured: refuse arguments that would silently be ignored."""
    from zoo.rundir.files import read_config

    if not (run_dir / "config.json").is_file():
        raise ZooError(f"{run_dir} is not a run directory to resume (no config.json)")
    config = read_config(run_dir)
    wrong = []
    if args.algo is not None and args.algo != config.algo:
        wrong.append(f"ALGO {args.algo} (the run is {config.algo})")
    env_id = getattr(args, "env_id", None)
    if env_id is not None and env_id != config.env_id:
        wrong.append(f"ENV {env_id} (the run is {config.env_id})")
    if "seed" in settings and settings["seed"] != config.seed:
        wrong.append(f"--seed {settings['seed']} (the run's is {config.seed})")
    if settings.get("env_kwargs") and settings["env_kwargs"] != config.env_kwargs:
        wrong.append(f"--env-kwarg {settings['env_kwargs']} (the run's are {config.env_kwargs})")
    if settings.get("out") is not None and Path(settings["out"]).resolve() != Path(run_dir).resolve():
        wrong.append(f"--out {settings['out']} (a resumed run continues in {run_dir})")
    if settings.get("force"):
        wrong.append("--force (a resumed run continues in place; nothing is replaced)")
    if getattr(args, "hyperparams", None) is not None:
        wrong.append(f"--hyperparams {args.hyperparams} (the run keeps its own)")
    for name, value in hyper.items():
        if config.hyperparameters.get(name) != value:
            wrong.append(f"--{name.replace('_', '-')} {value} (the run's is {config.hyperparameters.get(name)})")
    if wrong:
        raise ZooError(f"--resume {run_dir} continues the run as it was configured; drop " + "; ".join(wrong)
                       + ". To change them, train a new run.")


def _print_run(out: Path) -> int:
    """What a finished run printed last: the learned values of a small env, the held-out score, the folder."""
    from zoo.rundir.files import read_results

    results = read_results(out)
    _print_values(out)
    print(f"held-out greedy evaluation: mean reward {results.summary()}")
    print(f"run directory: {out}")
    return 0


def _print_values(out: Path, max_states: int = 8) -> None:
    """For a small discrete env, the learned values themselves: what the README's exact numbers are checked
    against (Q(s, ·) for the value learners, v(s) for td0)."""
    from zoo.agents.registry import load_run

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
