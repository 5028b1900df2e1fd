"""What to train and how to report it: ``TrainSettings``, the run-level half of `zoo train`'s flags.

Each field's metadata holds the help line its flag shows (``flag``); `zoo train --help` is built from
these fields (``zoo.cli.flags``), so the flag and the setting cannot drift apart. No torch and no
environment here, so building the command line costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def flag(default: Any, help: str, metavar: str | None = None, cli: bool = True) -> Any:
    """A setting with the help line (and metavar) of its `zoo train` flag; ``cli=False``: no flag."""
    return field(default=default, metadata={"help": help, "metavar": metavar, "cli": cli})


@dataclass(frozen=True)
class TrainSettings:
    """What to train and how to report it (hyperparameters of the algorithm itself are separate)."""

    algo: str = field(metadata={"cli": False})
    """algorithm name, see `zoo list`"""
    env_id: str = field(metadata={"cli": False})
    """Gymnasium environment id"""
    seed: int = flag(0, "seed for the env, the agent, numpy and torch: the same seed gives the same run on a CPU "
                        "(default: 0)")
    steps: int | None = flag(None, "environment steps to train for (default: the preset's)")
    out: Path | None = flag(None, "run directory (default: runs/<algo>-<env>-<seed>)", metavar="DIR")
    hyperparameters: dict[str, Any] = field(default_factory=dict, metadata={"cli": False})
    """overrides of the preset's hyperparameters (the algorithm's own flags)"""
    env_kwargs: dict[str, Any] = field(default_factory=dict, metadata={
        "cli": True, "metavar": "KEY=VALUE", "flag": "--env-kwarg",
        "help": "argument for gym.make, repeatable; VALUE is JSON (e.g. --env-kwarg p=0.5)"})
    gym_packages: tuple[str, ...] = flag((), "modules imported to register the env (--gym-packages, or ENV as "
                                             "module:EnvId), recorded in config.json", cli=False)
    eval_every: int | None = flag(None, "environment steps between greedy evaluations during training (default: a "
                                        "tenth of the run; 0: none)")
    eval_episodes: int | None = flag(None, "episodes of the final held-out greedy evaluation (default: 1000 "
                                           "tabular, 100 deep, the preset's for Atari)")
    eval_protocol: str = flag("both", "Atari: the final evaluation's protocols, as `zoo eval --protocol`: sticky "
                                      "(--eval-episodes games with sticky actions), noop-starts (the 30 starts of "
                                      "the deterministic game) or both (default)", metavar="{both,sticky,noop-starts}")
    periodic_eval_episodes: int | None = flag(None, "episodes of each evaluation during training (default: 100 "
                                                    "tabular, 10 deep)")
    video: bool = flag(True, "record replay.mp4 (default: on)")
    tensorboard: bool = flag(True, "write TensorBoard logs under tensorboard/ (default: on)")
    force: bool = flag(False, "replace the run directory if it exists, once the new run is complete")
    progress: bool | None = flag(None, "show a progress bar (default: when stderr is a terminal)")
    device: str = flag("cpu", "torch device for deep agents: cpu or cuda (default: cpu)")
    resume: bool = flag(False, "continue the run in ``out`` from its checkpoint", cli=False)
    time_limit: float | None = flag(None, "finish the run after this many minutes of training (evaluations not "
                                          "counted; with --resume, earlier sessions count), with its final "
                                          "evaluation, video and card, as if --steps were reached",
                                    metavar="MINUTES")
    snapshot_every: int = flag(0, "copy the weights to snapshots/ every STEPS environment steps, for a learning "
                                  "curve measured afterwards (benchmarks/pong_curve.py); not pushed to the Hub "
                                  "(default: 0, none)", metavar="STEPS")
    stop_at: float | None = flag(None, "stop training once a periodic greedy evaluation reaches this mean return; "
                                       "the final score still comes from held-out episodes (default: the preset's, "
                                       "e.g. 500 for dqn on CartPole-v1, unless --steps is given)",
                                 metavar="RETURN")
    async_acting: bool = flag(False, "dqn: step the envs in a background thread with a copy of the network while "
                                     "learning (overlaps acting and learning on two cores; runs are then not "
                                     "bit-for-bit reproducible)")
    init_from: Path | None = flag(None, "start from the weights of this agent: a run directory, a shipped agent "
                                        "(pong) or a Hub repo OWNER/NAME (pulled first), with a fresh replay and "
                                        "counters, in a run directory of its own; the card says where it started "
                                        "(fine-tuning, or carrying a long training to another machine by its "
                                        "weights alone)", metavar="RUN_DIR_OR_HUB_REPO")
    init_source: str | None = flag(None, "what --init-from named, as the user wrote it (a Hub repo id)", cli=False)
    command: str | None = flag(None, "the command line that started the run, for config.json and the card",
                               cli=False)
