"""Flags made from dataclass fields, and the checks several commands share.

`zoo train`'s run flags come from ``TrainSettings``' fields and each algorithm's hyperparameter flags
from its config dataclass (``zoo.agents.configs``): the field's type gives the flag's type, its metadata
the help line. A flag the user did not give is absent from the parsed namespace (``SUPPRESS``), so a
command knows exactly what was asked for, and defaults live in one place: the dataclass.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from zoo.errors import ZooError

_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "Path": Path}


def parse_kwarg(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE read as JSON where it is JSON (``p=0.5``), else as a string."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def field_type(f: dataclasses.Field) -> type:
    """The Python type of a field annotated ``int``, ``float | None``, ``Path | None``, ..."""
    name = str(f.type).replace(" | None", "")
    if name not in _TYPES:
        raise TypeError(f"no flag type for {f.name}: {f.type}")
    return _TYPES[name]


def add_field_flags(group, fields, dest_prefix: str = "", help_of=None) -> dict[str, dataclasses.Field]:
    """One flag per field (``--eval-every`` for ``eval_every``); returns the fields by their dest.

    ``help_of(field)`` gives the help line (default: the field's ``help`` metadata). Booleans get
    ``--name/--no-name``; a field with ``flag`` metadata is a repeatable ``KEY=VALUE`` flag.
    """
    by_dest = {}
    for f in fields:
        dest = dest_prefix + f.name
        text = help_of(f) if help_of else f.metadata.get("help", "")
        text = text if text is argparse.SUPPRESS else text.replace("%", "%%")
        option = f.metadata.get("flag") or "--" + f.name.replace("_", "-")
        if f.metadata.get("flag"):
            group.add_argument(option, dest=dest, type=parse_kwarg, action="append", default=argparse.SUPPRESS,
                               metavar=f.metadata.get("metavar"), help=text)
        elif field_type(f) is bool:
            group.add_argument(option, dest=dest, action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS,
                               help=text)
        else:
            kind = field_type(f)
            group.add_argument(option, dest=dest, type=kind, default=argparse.SUPPRESS,
                               metavar=f.metadata.get("metavar") or kind.__name__.upper(), help=text)
        by_dest[dest] = f
    return by_dest


GYM_PACKAGES_HELP = ("modules to import first, which register envs of installed packages with Gymnasium "
                      "(RL Zoo's flag; ENV may also be written module:EnvId). A run records them, and zoo play/eval "
                      "import them only when given here again: never on a downloaded run's word")


def given(args: argparse.Namespace, prefix: str) -> dict[str, Any]:
    """The flags with ``prefix`` the user gave, by field name (absent ones were suppressed)."""
    return {k[len(prefix):]: v for k, v in vars(args).items() if k.startswith(prefix)}


def check_env_seed(seed: int | None) -> None:
    """An evaluation or play seed must leave room for the copies seeded ``seed + i``."""
    from zoo.envs.seeds import SPAN

    if seed is not None and not 0 <= seed < 2**31 - SPAN:
        raise ZooError(f"--seed must be between 0 and {2**31 - SPAN - 1:,} (got {seed})")


def check_video_path(path: Path) -> None:
    """``--video`` names a new or existing .mp4 file in a writable folder."""
    if path.is_dir():
        raise ZooError(f"--video {path} is a folder; give a file name such as {path / 'play.mp4'}")
    if path.suffix.lower() != ".mp4":
        raise ZooError(f"--video {path}: the video is an mp4; give a name ending in .mp4")
    from zoo.rundir.atomic import existing_parent

    parent, writable = existing_parent(path)
    if not writable:
        raise ZooError(f"--video {path}: {parent} is not a writable folder")


def read_hyperparams(path: Path | None, algo: str, env_id: str) -> dict[str, Any]:
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


class UsageError(ZooError):
    """A command line argparse refused: the message, then the usage of the command it was for."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(f"{message}\n{usage.strip()}")


class ZooParser(argparse.ArgumentParser):
    """An argument parser whose errors are ZooErrors (so `zoo` prints one message and exits 2, as for every
    other bad input) and that names an unknown algorithm the way the rest of the zoo does."""

    def error(self, message: str):
        import re

        unknown = re.match(r"argument ALGO: invalid choice: '?([^' ]+?)'? \(", message)
        if unknown:
            from zoo.agents.registry import ALGORITHMS

            message = f"unknown algorithm {unknown[1]!r}; choose one of: {', '.join(ALGORITHMS)}"
        raise UsageError(message, self.format_usage())
