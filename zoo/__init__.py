"""value-zoo: value-based RL agents for toy MDPs, FrozenLake, CartPole and Pong.

>>> import zoo
>>> agent = zoo.load("pong")  # the shipped Pong agent; or a run directory, or a Hub repo id
>>> agent = zoo.load("runs/planner-FrozenLake-v1-0")
>>> agent.act(0), agent.q_values(0)
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"


def load(path_or_repo: str | Path, device: str = "cpu", env_id: str | None = None, revision: str | None = None):
    """Load a trained agent from a run directory, a shipped agent's name (``"pong"``) or a Hub repo id
    (pulled into the Hugging Face cache).

    Repos in CleanRL, Stable-Baselines3 or the course's format load too (see ``hub.formats``).
    ``agent.act(obs)`` gives greedy actions and ``agent.q_values(obs)`` the Q estimates. ``env_id``
    checks the agent fits that env (a CartPole agent is refused for Pong, naming both).
    """
    from hub.formats import detect_format
    from zoo.run_dir import load_agent

    folder = resolve(path_or_repo, revision)
    fmt, file = detect_format(folder, str(path_or_repo))
    if fmt == "native":
        return load_agent(folder, device=device, env_id=env_id)
    from hub.formats import load_foreign

    return load_foreign(fmt, file, str(path_or_repo), device=device, env_id=env_id)


def resolve(path_or_repo: str | Path, revision: str | None = None) -> Path:
    """A local folder for a run directory path, a shipped agent's name (``pong``), or a repo id after pulling it."""
    from zoo.errors import ZooError

    from zoo.pretrained import SHIPPED, shipped_path

    path = Path(path_or_repo)
    text = str(path_or_repo)
    if path.exists():
        return path
    if text in SHIPPED:
        return shipped_path(text)
    looks_like_repo = text.count("/") == 1 and not text.startswith((".", "/", "~")) and "\\" not in text
    if not looks_like_repo:
        raise ZooError(f"no run directory at {text}. Train one with `zoo train ALGO ENV`, give a Hub repo id "
                       f"(owner/name), or a shipped agent: {', '.join(SHIPPED)}.")
    from hub.pull import pull

    try:
        return pull(text, revision=revision)
    except ZooError as error:
        raise ZooError(f"{text} is not a local directory; as a Hub repo id: {error}") from None


__all__ = ["load", "__version__"]
