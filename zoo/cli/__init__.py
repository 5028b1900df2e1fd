"""The `zoo` command: one module per command, each adding its parsers and the function that runs it.

``train`` (``zoo.cli.train``), ``eval`` (``evaluate``), ``play``, ``list`` (``catalog``), ``push``,
``pull`` and ``convert`` (``share``), ``tune`` and ``bench`` (``tune``). Flags made from dataclass
fields, and the checks several commands share, are in ``flags``. Building the parser imports no torch,
numpy or gymnasium, so `zoo --help` and `zoo list` answer at once; a command imports what it needs when
it runs.

May import: everything below it (``hub``, ``zoo.training``, ``zoo.agents``, ``zoo.envs``,
``zoo.rundir``, ``zoo.learning``, ``zoo.errors``). Nothing imports it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from zoo.cli import catalog, evaluate, export, play, plot, share, train, tune
from zoo.cli.flags import ZooParser
from zoo.errors import Interrupted, ZooError
from zoo.heap import keep_freed_memory

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The `zoo` argument parser, every command and every algorithm's hyperparameters included."""
    parser = ZooParser(
        prog="zoo", description="Train, evaluate and share value-based RL agents.",
        epilog="Examples:\n  zoo list\n  zoo train q-learning FrozenLake-v1 --seed 1\n"
               "  zoo eval runs/q-learning-FrozenLake-v1-1 --episodes 1000",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (train, evaluate, catalog, play, plot, export, share, tune):
        command.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `zoo` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        args.argv = argv  # recorded by `zoo train` in config.json and the model card; workers repeat it
        keep_freed_memory()  # every command (zoo tune's workers too): updates reuse freed memory (zoo.heap)
        return args.run(args)
    except Interrupted as stopped:
        print(f"zoo: {stopped}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ZooError as error:
        print(f"zoo: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("zoo: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
