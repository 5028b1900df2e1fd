"""Share agents through the Hugging Face Hub: push run directories, pull and load them, convert other
libraries' checkpoints. This package sits on top of ``zoo``; nothing in ``zoo`` but its command line
imports it.

>>> import hub
>>> url = hub.push("runs/dqn-CartPole-v1-0", "me/dqn-cartpole")   # one commit, with the model card
>>> agent = hub.load("me/dqn-cartpole")                             # pulled into the Hugging Face cache

The endpoint is ``HF_ENDPOINT`` (or the public Hub) and the token comes from huggingface_hub
(``HF_TOKEN`` or a stored login); it is never printed or written anywhere by this package.
"""

from __future__ import annotations

from pathlib import Path

from hub.formats import SUPPORTED, convert, detect_format
from hub.pull import pull
from hub.push import push


def load_run(source: str | Path, device: str = "cpu", env_id: str | None = None, revision: str | None = None):
    """``(agent, config)`` from a run directory, a shipped agent's name, or a Hub repo id (pulled first);
    repos in CleanRL, Stable-Baselines3 or the course's format are converted on the fly."""
    from zoo.agents.registry import load_run as load_native

    folder = resolve(source, revision)
    fmt, file = detect_format(folder, str(source))
    if fmt == "native":
        return load_native(folder, device=device, env_id=env_id)
    from hub.formats import load_foreign

    return load_foreign(fmt, file, str(source), device=device, env_id=env_id)


def load(source: str | Path, device: str = "cpu", env_id: str | None = None, revision: str | None = None):
    """The agent of a Hub repo id (``owner/name``), a run directory or a shipped agent's name: like
    huggingface_sb3's ``load_from_hub``, it pulls the repo into the cache first."""
    return load_run(source, device, env_id, revision)[0]


def resolve(source: str | Path, revision: str | None = None) -> Path:
    """A local folder: the run directory or shipped agent ``source`` names, or the repo it names, pulled."""
    import zoo
    from zoo.errors import ZooError

    text = str(source)
    if Path(source).exists() or text in _shipped():
        return zoo.resolve(source)
    looks_like_repo = text.count("/") == 1 and not text.startswith((".", "/", "~")) and "\\" not in text
    if not looks_like_repo:
        return zoo.resolve(source)  # its error names the missing directory
    try:
        return pull(text, revision=revision)
    except ZooError as error:
        raise ZooError(f"{text} is not a local directory; as a Hub repo id: {error}") from None


def _shipped() -> dict[str, str]:
    from zoo.pretrained import SHIPPED

    return SHIPPED


__all__ = ["push", "pull", "load", "load_run", "resolve", "convert", "detect_format", "SUPPORTED"]
