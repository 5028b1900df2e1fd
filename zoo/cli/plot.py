"""`zoo plot`: several runs' evaluation curves on one picture."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parsers(sub) -> None:
    plot = sub.add_parser(
        "plot", help="draw several runs' evaluation curves on one axes, grouped by configuration",
        description="Draw the periodic greedy evaluations of RUN_DIRs on one axes. Runs of one configuration "
                    "(algorithm, env, env kwargs, hyperparameters; the seed aside) form a group: a line for the mean "
                    "over seeds (the interquartile mean from 4 seeds on, as rliable) and a 95%% bootstrap band over "
                    "seeds; a lone run is drawn as it is. The legend names the hyperparameters that differ.",
        epilog="Examples:\n  zoo plot runs/dqn-CartPole-v1-* -o compare.png\n"
               "  zoo plot runs/bench-dqn/trial-* runs/tuned/trial-* -o presets.png",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    plot.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR",
                      help="run directories written by `zoo train`")
    plot.add_argument("-o", "--output", type=Path, default=Path("compare.png"), metavar="OUT.png",
                      help="the picture to write (default: compare.png)")
    plot.add_argument("--title", default=None, help="the picture's title")
    plot.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from zoo.rundir.compare import plot_runs

    for group in plot_runs(args.run_dirs, args.output, args.title):
        print(f"{group['label']}: {len(group['runs'])} run(s)")
    print(f"written: {args.output}")
    return 0
