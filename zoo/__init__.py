"""value-zoo: value-based RL agents for toy MDPs, FrozenLake, CartPole and Pong.

>>> import zoo
>>> agent = zoo.load("pong")  # the shipped Pong agent, or a run directory
>>> agent = zoo.load("runs/planner-FrozenLake-v1-0")
>>> agent.act(0), agent.q_values(0)

Agents on the Hugging Face Hub load through ``hub.load("owner/name")``, which pulls them first.
"""

from __future__ import annotations

import os
from pathlib import Path

# torch's OpenMP threads spin while they wait for work, and beside a second busy process (a test suite,
# another training, a parallel trial) the spinning takes the other process's core: a CartPole training on 2
# threads ran 5x slower (BENCHMARKS.md, benchmarks/threads.py). Waiting threads therefore sleep, unless the
# user chose (OMP_WAIT_POLICY set, or ZOO_THREADS=spin|off). It must be set before torch loads its OpenMP
# runtime, so here, at the first `import zoo`. (Small networks train on one thread, where neither policy
# costs anything: zoo.learning.device.SMALL_NETWORK_THREADS.) `zoo train` takes this default back before torch
# loads, because sleeping threads make the Pong update 1.7x slower: its threads spin and step back when
# another process wants a core (zoo.cores); ZOO_THREADS=passive keeps them sleeping there too.
if os.environ.get("ZOO_THREADS", "").lower() not in ("spin", "off") and "OMP_WAIT_POLICY" not in os.environ:
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    os.environ["ZOO_DEFAULT_WAIT_POLICY"] = "PASSIVE"  # zoo's, not the user's: `zoo train` may take it back


def __getattr__(name: str):
    # read lazily: importlib.metadata costs ~80 ms that `zoo --help` should not pay
    if name == "__version__":
        from zoo.rundir.files import zoo_version

        return zoo_version()
    raise AttributeError(name)


def load(path: str | Path, device: str = "cpu", env_id: str | None = None):
    """The trained agent in a run directory, or a shipped agent by name (``"pong"``).

    ``agent.act(obs)`` gives greedy actions and ``agent.q_values(obs)`` the Q estimates. ``env_id``
    checks the agent fits that env (a CartPole agent is refused for Pong, naming both).
    """
    from zoo.agents.registry import load_run

    return load_run(resolve(path), device=device, env_id=env_id)[0]


def resolve(path: str | Path) -> Path:
    """The folder of a run directory path or of a shipped agent's name (``pong``)."""
    from zoo.errors import ZooError
    from zoo.pretrained import SHIPPED, shipped_path

    folder = Path(path)
    if folder.exists():
        return folder
    if str(path) in SHIPPED:
        return shipped_path(str(path))
    raise ZooError(f"no run directory at {path}. Train one with `zoo train ALGO ENV`, name a shipped agent "
                   f"({', '.join(SHIPPED)}), or load a Hub repo with hub.load(\"owner/name\").")


__all__ = ["load", "resolve", "__version__"]
