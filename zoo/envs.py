"""Making environments by id, with errors that say what to type instead."""

from __future__ import annotations

import difflib
from typing import Any

import gymnasium as gym

import toy_envs  # noqa: F401  (registers toy/*)
from zoo.errors import ZooError

# Envs the zoo has agents and presets for; any other registered Gymnasium env id may still be tried.
KNOWN_ENVS = {
    "toy/Trap-v0": "three-state trap (exact values known)",
    "toy/Slippery-v0": "four-outcome slippery move (exact values known)",
    "toy/Loop-v0": "two-state loop, truncated by a time limit",
    "FrozenLake-v1": "4x4 slippery lake, optimum success 0.74 in 100 steps",
    "FrozenLake8x8-v1": "8x8 slippery lake",
    "CartPole-v1": "balance a pole for 500 steps (solved: greedy mean ≥ 475)",
    "ALE/Pong-v5": "Atari Pong from pixels, no sticky actions, DQN preprocessing (zoo.atari)",
}


def _import_plugins() -> None:
    # ale_py registers ALE/* on import; it is optional here so tabular work never pays for it.
    try:
        import ale_py  # noqa: F401
        gym.register_envs(ale_py)
    except ImportError:
        pass


def make_env(env_id: str, env_kwargs: dict[str, Any] | None = None, render_mode: str | None = None) -> gym.Env:
    """``gym.make`` with the zoo's plugins loaded; an unknown id or bad kwargs raise ZooError."""
    if env_id not in gym.registry:
        _import_plugins()
    if env_id not in gym.registry:
        close = difflib.get_close_matches(env_id, list(gym.registry), n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ZooError(f"unknown environment id {env_id!r}.{hint} Run `zoo list` to see the environments with agents.")
    if env_id.startswith("ALE/"):
        from zoo.atari import make_atari_env

        return make_atari_env(env_id, env_kwargs or {}, render_mode)
    try:
        return gym.make(env_id, render_mode=render_mode, **(env_kwargs or {}))
    except TypeError as error:
        raise ZooError(f"cannot make {env_id} with arguments {env_kwargs}: {error}") from error
    except gym.error.Error as error:
        raise ZooError(f"cannot make {env_id}: {error}") from error


def make_vec_env(env_id: str, num_envs: int, env_kwargs: dict[str, Any] | None = None, play_pipeline: bool = False):
    """``num_envs`` copies of an env in one vector env with next-step autoreset.

    CartPole uses Gymnasium's native numpy vector env (one step of all copies costs about one step of
    one); Atari uses ale_py's threaded ``AtariVectorEnv`` (see ``zoo.atari``), or with ``play_pipeline``
    the Gymnasium wrapper stack that `zoo play` uses, stepped in turn; others run in turn.
    """
    make_env(env_id, env_kwargs).close()  # the same clear errors for bad ids and kwargs
    if env_id == "CartPole-v1" and not env_kwargs:
        return gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point")
    if env_id.startswith("ALE/") and play_pipeline:
        from functools import partial

        return gym.vector.SyncVectorEnv([partial(make_env, env_id, env_kwargs)] * num_envs,
                                        autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)
    if env_id.startswith("ALE/"):
        from zoo.atari import make_atari_vector_env

        return make_atari_vector_env(env_id, num_envs, env_kwargs or {})
    return gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="sync", **(env_kwargs or {}))
