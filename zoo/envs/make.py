"""Making environments by id, with errors that say what to type instead."""

from __future__ import annotations

import difflib
import re
from typing import Any

import gymnasium as gym

import toy_envs  # noqa: F401  (registers toy/*)
from zoo.errors import ZooError, first_line

_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def split_env_id(text: str) -> tuple[str, str | None]:
    """Gymnasium's ``module:EnvId`` convention: ``("EnvId", "module")``; a plain id gives ``(id, None)``."""
    if not isinstance(text, str) or ":" not in text:
        return text, None
    module, _, env_id = text.partition(":")
    if not _MODULE.fullmatch(module) or not env_id:
        raise ZooError(f"{text!r}: write an env of an installed package as module:EnvId, e.g. my_pkg.envs:Maze-v0")
    return env_id, module


def import_gym_packages(packages) -> None:
    """Import the modules that register the user's envs (``--gym-packages``, the ``module:`` part of an id)."""
    import importlib

    for name in packages:
        if not isinstance(name, str) or not _MODULE.fullmatch(name):
            raise ZooError(f"--gym-packages {name!r} is not a module name (dotted Python identifiers, e.g. my_pkg.envs)")
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            raise ZooError(f"--gym-packages {name}: no module named {error.name!r} is installed here. Install the "
                           "package that provides it (pip install ...) in this environment, or check the name.") from None
        except Exception as error:  # noqa: BLE001 - a third-party module can fail on import in any way
            raise ZooError(f"importing {name} (to register its envs) failed: {type(error).__name__}: "
                           f"{first_line(error)}") from None


def require_env(env_id: str, packages) -> None:
    """A run whose env comes from a package (config.json ``gym_packages``): the env must be registered already.

    zoo never imports a module because a downloaded run or card names it: that would run its code on the word
    of whoever published the run. The user imports it with ``--gym-packages``."""
    if packages and env_id not in gym.registry:
        names = " ".join(packages)
        raise ZooError(f"this agent's env {env_id} is registered by the package {names}, which zoo does not import "
                       f"on a run directory's word. If you trust it and it is installed, add --gym-packages {names} "
                       f"(pip install it first if needed).")


def _import_plugins() -> None:
    # ale_py registers ALE/* on import; it is optional here so tabular work never pays for it.
    try:
        import ale_py  # noqa: F401
        gym.register_envs(ale_py)
    except ImportError:
        pass


MAX_EPISODE_STEPS = 1_000_000
"""The largest time limit a config may ask for: a run directory from the Hub is untrusted input, and a
limit of 10^15 steps on an env that never terminates would hang evaluation."""


EPISODE_CAP = 27_000
"""Steps after which evaluation and play cut an episode (the env's own limit applies if shorter): Atari's
standard 108,000 frames. An agent that never ends an episode (a Breakout agent that never presses FIRE)
then costs minutes, not forever."""


def _capped(env_id: str, kwargs: dict[str, Any], cap: int | None) -> dict[str, Any]:
    if cap is None:
        return kwargs
    limit = kwargs.get("max_episode_steps") or gym.spec(env_id).max_episode_steps
    return kwargs if limit is not None and limit <= cap else {**kwargs, "max_episode_steps": cap}


def make_env(env_id: str, env_kwargs: dict[str, Any] | None = None, render_mode: str | None = None,
             episode_cap: int | None = None) -> gym.Env:
    """``gym.make`` with the zoo's plugins loaded; an unknown id or bad kwargs raise ZooError. With
    ``episode_cap``, episodes are truncated after that many steps if the env's own limit is longer."""
    if not isinstance(env_id, str) or not env_id:
        raise ZooError(f"the environment id must be a name such as CartPole-v1, not {env_id!r}")
    kwargs = dict(env_kwargs or {})
    if env_id not in gym.registry:
        _import_plugins()
    if env_id not in gym.registry:
        close = difflib.get_close_matches(env_id, list(gym.registry), n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ZooError(f"unknown environment id {env_id!r}.{hint} Run `zoo list` to see the environments with agents; "
                       "an env of an installed package needs --gym-packages PKG or the id as PKG:EnvId.")
    limit = kwargs.get("max_episode_steps")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)
                              or not 1 <= limit <= MAX_EPISODE_STEPS):
        raise ZooError(f"max_episode_steps={limit!r}: give a whole number of steps from 1 to {MAX_EPISODE_STEPS:,}")
    if env_id.startswith("ALE/"):
        from zoo.envs.atari import ATARI_KWARGS, SCREEN, SCREEN_RANGE, make_atari_env

        unknown = sorted(set(kwargs) - set(ATARI_KWARGS))
        if unknown:
            raise ZooError(f"{env_id} takes no argument {', '.join(unknown)} here: the zoo's Atari pipeline is fixed "
                           f"(zoo.envs.atari.PREPROCESSING); it takes only {', '.join(ATARI_KWARGS)}")
        p, noops = kwargs.get("repeat_action_probability", 0.0), kwargs.get("noop_max", 0)
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ZooError(f"repeat_action_probability={p!r}: give a probability from 0 to 1 (ALE v5's default, "
                           "sticky actions, is 0.25; 0 is the deterministic game)")
        if isinstance(noops, bool) or not isinstance(noops, int) or not 0 <= noops <= 1000:
            raise ZooError(f"noop_max={noops!r}: give a whole number of no-op frames from 0 to 1,000 (standard: 30)")
        side, (low, high) = kwargs.get("screen_size", SCREEN), SCREEN_RANGE
        if isinstance(side, bool) or not isinstance(side, int) or not low <= side <= high:
            raise ZooError(f"screen_size={side!r}: give the frames' side as a whole number of pixels from {low} to "
                           f"{high} (standard: {SCREEN})")
        try:
            return make_atari_env(env_id, kwargs, render_mode, episode_cap)
        except ZooError:
            raise
        except Exception as error:  # noqa: BLE001 - ALE raises a mix of types for bad arguments
            raise ZooError(f"cannot make {env_id} with arguments {kwargs}: {first_line(error)}") from None
    try:
        return gym.make(env_id, render_mode=render_mode, **_capped(env_id, kwargs, episode_cap))
    except (ImportError, gym.error.DependencyNotInstalled) as error:
        raise ZooError(f"{env_id} needs a package that is not installed ({first_line(error)}). Install it, or "
                       "choose another env (`zoo list`).") from None
    except Exception as error:  # noqa: BLE001 - envs raise ValueError, KeyError, AssertionError... for bad kwargs
        raise ZooError(f"cannot make {env_id} with arguments {kwargs}: {type(error).__name__}: "
                       f"{first_line(error)}") from None


def make_vec_env(env_id: str, num_envs: int, env_kwargs: dict[str, Any] | None = None, play_pipeline: bool = False,
                 episode_cap: int | None = None):
    """``num_envs`` copies of an env in one vector env with next-step autoreset.

    CartPole uses Gymnasium's native numpy vector env (one step of all copies costs about one step of
    one); Atari uses ale_py's threaded ``AtariVectorEnv`` (see ``zoo.envs.atari``), or with ``play_pipeline``
    the Gymnasium wrapper stack that `zoo play` uses, stepped in turn; others run in turn.
    """
    from functools import partial

    make_env(env_id, env_kwargs).close()  # the same clear errors for bad ids and kwargs
    if env_id == "CartPole-v1" and not env_kwargs:
        limit = 500 if episode_cap is None else min(500, episode_cap)
        return gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point",
                            max_episode_steps=limit)
    if env_id.startswith("ALE/") and not play_pipeline:
        from zoo.envs.atari import make_atari_vector_env

        return make_atari_vector_env(env_id, num_envs, env_kwargs or {}, episode_cap)
    return gym.vector.SyncVectorEnv([partial(make_env, env_id, env_kwargs, None, episode_cap)] * num_envs,
                                    autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)
