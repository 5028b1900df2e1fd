"""Training checkpoints for ``--resume``: weights, target net, optimiser, counters and RNG states.

``checkpoint.safetensors`` holds tensors, ``checkpoint.json`` the rest; both are written atomically,
and neither is ever a pickle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zoo.atomic import write_json
from zoo.errors import ZooError
from zoo.run_dir import load_model, read_json, save_model


def save_checkpoint(run_dir: Path, agent, extra: dict[str, Any]) -> None:
    """Write the agent's last weights and training state next to its best weights."""
    tensors, meta = agent.training_state()
    tensors.update({f"online.{k}": v for k, v in agent.state_dict().items()})
    save_model(run_dir / "checkpoint.safetensors", tensors, agent.algo)
    write_json(run_dir / "checkpoint.json", {**meta, **extra})


def load_checkpoint(run_dir: Path, agent) -> dict[str, Any]:
    """Restore an agent from ``run_dir``'s checkpoint; returns the extra values saved with it."""
    meta = read_json(run_dir / "checkpoint.json")
    tensors = load_model(run_dir / "checkpoint.safetensors")
    agent.load_state_dict({k[len("online."):]: v for k, v in tensors.items() if k.startswith("online.")})
    try:
        agent.load_training_state(tensors, meta)
    except (KeyError, ValueError, RuntimeError) as error:
        raise ZooError(f"{run_dir / 'checkpoint.safetensors'} does not fit this agent ({error}); "
                       "train again instead of resuming") from error
    return meta
