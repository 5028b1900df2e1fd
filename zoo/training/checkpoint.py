"""Training checkpoints for ``--resume``: weights, target net, optimiser, counters and RNG states.

``checkpoint.safetensors`` holds tensors, ``checkpoint.json`` the rest; both are written atomically,
and neither is ever a pickle. When a run stops (Ctrl-C, SIGTERM, its time limit, its last step) the
replay buffer goes to ``replay.safetensors`` too, so the resumed run learns from the same memory; the
periodic checkpoints skip it (a Pong replay is ~0.8 GB), so after a kill the replay is refilled.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from zoo.agents.contract import Resumable
from zoo.errors import ZooError
from zoo.rundir.atomic import write_json
from zoo.rundir.files import load_model, read_json, save_model

REPLAY = "replay.safetensors"


@dataclass
class TrainerState:
    """What the trainer carries from one session of a run to the next (kept in ``checkpoint.json``)."""

    best_eval: float = -math.inf
    """the best periodic evaluation so far: the kept weights' score on the `select` seeds"""
    episodes: int = 0
    """training episodes finished"""
    evaluations: int = 0
    """periodic evaluations done (the next one plays the `select` seeds of this index)"""
    sessions: int = 1
    """sessions the run has trained in, this one included"""
    train_s: float = 0.0
    """seconds of training, all sessions"""
    eval_s: float = 0.0
    """seconds of evaluations and bookkeeping, all sessions"""

    @classmethod
    def from_json(cls, data: dict, where: Path) -> "TrainerState":
        """The state in a checkpoint's metadata; a missing or mistyped value raises ZooError naming ``where``."""
        values = {}
        for f in dataclasses.fields(cls):
            value = data.get(f.name, f.default)
            kind = type(f.default)
            if isinstance(value, bool) or not isinstance(value, int if kind is int else (int, float)):
                raise ZooError(f"{where} is damaged ({f.name} {value!r}); train again instead of resuming")
            values[f.name] = kind(value)
        return cls(**values)


def save_checkpoint(run_dir: Path, agent: Resumable, state: TrainerState, with_replay: bool = False) -> None:
    """Write the agent's last weights and training state next to its best weights."""
    tensors, meta = agent.training_state()
    tensors.update({f"online.{k}": v for k, v in agent.state_dict().items()})
    replay = agent.replay_state() if with_replay else None
    if replay is not None:
        save_model(run_dir / REPLAY, replay, agent.algo)
    else:
        (run_dir / REPLAY).unlink(missing_ok=True)  # a replay from an earlier step must not be resumed from
    save_model(run_dir / "checkpoint.safetensors", tensors, agent.algo)
    write_json(run_dir / "checkpoint.json", {**meta, **dataclasses.asdict(state), "replay_saved": replay is not None})


def load_checkpoint(run_dir: Path, agent: Resumable) -> TrainerState:
    """Restore an agent from ``run_dir``'s checkpoint (and its replay, if saved); returns the trainer's state."""
    meta = read_json(run_dir / "checkpoint.json")
    tensors = load_model(run_dir / "checkpoint.safetensors")
    agent.load_state_dict({k[len("online."):]: v for k, v in tensors.items() if k.startswith("online.")})
    try:
        agent.load_training_state(tensors, meta)
        if meta.get("replay_saved") and (run_dir / REPLAY).is_file():
            agent.load_replay_state({k: v.numpy() for k, v in load_model(run_dir / REPLAY).items()})
    except (KeyError, ValueError, RuntimeError, TypeError) as error:
        raise ZooError(f"the checkpoint in {run_dir} does not fit this agent ({error}); "
                       "train again instead of resuming") from error
    return TrainerState.from_json(meta, run_dir / "checkpoint.json")
