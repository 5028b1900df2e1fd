"""Agents shipped inside the package, so `zoo play pong` works offline on a fresh install.

Each is a complete run directory (model.safetensors, config.json, results.json, metrics.csv,
evaluations.csv, learning_curve.png, replay.mp4, README.md) trained by the command in its model card.
"""

from __future__ import annotations

from pathlib import Path

from zoo.errors import ZooError

SHIPPED = {
    "pong": "dqn-ALE-Pong-v5",
}
"""Short name -> run directory under this package."""


def shipped_path(name: str) -> Path | None:
    """The run directory of a shipped agent's short name (``pong``), or None if ``name`` is not one."""
    folder = SHIPPED.get(name)
    if folder is None:
        return None
    path = Path(__file__).parent / folder
    if not (path / "model.safetensors").is_file():
        raise ZooError(f"the shipped agent {name!r} is missing from this installation ({path}); "
                       "reinstall value-zoo, or train one with `zoo train dqn ALE/Pong-v5`")
    return path
