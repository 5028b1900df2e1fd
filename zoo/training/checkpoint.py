"""Training checkpoints for ``--resume``: weights, target net, optimiser, counters and RNG states.

``checkpoint.safetensors`` holds tensors, ``checkpoint.json`` the rest; both are written atomically,
and neither is ever a pickle. When a run stops (Ctrl-C, SIGTERM, its time limit, its last step) the
replay buffer goes to ``replay.safetensors`` too, so the resumed run learns from the same memory; the
periodic checkpoints skip it (a Pong replay is ~0.8 GB), so after a kill the replay is refilled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zoo.agents.contract import Resumable
from zoo.rundir.atomic import write_json
from zoo.errors import ZooError
from zoo.rundir.files import load_model, read_json, save_model

REPLAY = "replay.safetensors"


def save_checkpoint(run_dir: Path, agent: Resumable, extra: dict[str, Any], with_replay: bool = False) -> None:
    """Write the agent's last weights and training state next to its best weights."""
    tensors, meta = agent.training_state()
    tensors.update({f"online.{k}": v for k, v in agent.state_dict().items()})
    replay = agent.replay_state() if with_replay else None
    if replay is not None:
        save_model(run_dir / REPLAY, replay, agent.algo)
    else:
        (run_dir / REPLAY).unlink(missing_ok=True)  # a replay from an earlier step must not be resumed from
    save_model(run_dir / "checkpoint.safetensors", tensors, agent.algo)
    write_json(run_dir / "checkpoint.json", {**meta, **extra, "replay_saved": replay is not None})


def load_checkpoint(run_dir: Path, agent: Resumable) -> dict[str, Any]:
    """Restore an agent from ``run_dir``'s checkpoint (and its replay, if saved); returns the extra values."""
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
    return meta
