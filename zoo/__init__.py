"""value-zoo: value-based RL agents for toy MDPs, FrozenLake, CartPole and Pong.

>>> import zoo
>>> agent = zoo.load("runs/planner-FrozenLake-v1-0")
>>> agent.act(0), agent.q_values(0)
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"


def load(path: str | Path, device: str = "cpu", env_id: str | None = None):
    """Load a trained agent from a run directory; ``agent.act(obs)`` and ``agent.q_values(obs)`` use it.

    ``env_id`` checks the agent fits that env (e.g. a CartPole agent is refused for Pong, naming both).
    """
    from zoo.run_dir import load_agent

    return load_agent(Path(path), device=device, env_id=env_id)


__all__ = ["load", "__version__"]
