"""Atari with the standard DQN preprocessing, in two pipelines that give identical observations.

- Training: ``ale_py.AtariVectorEnv``, native and multi-threaded: 84×84 grey (``screen_size`` picks another
  side), 4 frames stacked, frame skip 4 with max-pooling of the last two, up to 30 no-ops and a FIRE on reset.
- Play, evaluation videos: Gymnasium's wrapper stack over ``ALE/Pong-v5`` with ``rgb_array`` frames, so
  videos are the full-colour game, not the network's 84×84 input.

Both use ALE v5's sticky actions by default (``repeat_action_probability=0.25``, Machado et al. 2018: each
frame repeats the previous action with that probability, so no two games are the same) and unclipped
rewards; ``repeat_action_probability=0`` gives the deterministic game, which runs the trained agents of other
libraries (``PongNoFrameskip-v4``) and the `noop-starts` protocol (``noop_start_envs``).

The reset frame of the vector env is the screen one FIRE frame after reset, resized with OpenCV's area
interpolation; the wrapper stack below reproduces that exactly (tests/test_atari.py compares the two frame by
frame, without sticky actions: the two pipelines draw their repeats from different generators).
"""

from __future__ import annotations

import os
from typing import Any

import gymnasium as gym
import numpy as np

STICKY = 0.25
"""ALE v5's default ``repeat_action_probability``: what ``ALE/Pong-v5`` means everywhere else."""

PREPROCESSING = {
    "sticky_actions": STICKY, "frame_skip": 4, "max_pool_last_two": True, "screen": [84, 84], "grayscale": True,
    "frame_stack": 4, "stack_padding": "zeros", "noop_max": 30, "fire_on_reset": True, "reward_clipping": False,
    "terminal_on_life_loss": False, "scale": "/255 inside the network",
}


ATARI_KWARGS = ("noop_max", "repeat_action_probability", "screen_size")
"""The only env kwargs the Atari pipelines take (the rest of PREPROCESSING is the standard and fixed)."""

SCREEN = 84
"""The frames' side in pixels, DQN's standard; ``screen_size`` picks another (the networks size themselves to it)."""

SCREEN_RANGE = (36, 168)
"""The sides the networks take: the Nature CNN's three convolutions need 36 pixels at least."""

NOOP_STARTS = 30
"""The deterministic pipeline's distinct games for a greedy agent: k = 1..30 raw NOOP frames after the reset."""


def sticky(env_kwargs: dict[str, Any]) -> float:
    """The run's ``repeat_action_probability``: its env kwarg, else ALE v5's default."""
    return float(env_kwargs.get("repeat_action_probability", STICKY))


def screen(env_kwargs: dict[str, Any]) -> int:
    """The run's frame side: its ``screen_size`` env kwarg, else 84."""
    return int(env_kwargs.get("screen_size", SCREEN))


def preprocessing(env_kwargs: dict[str, Any]) -> dict[str, Any]:
    """PREPROCESSING as a run with ``env_kwargs`` uses it, for config.json."""
    side = screen(env_kwargs)
    return {**PREPROCESSING, "sticky_actions": sticky(env_kwargs),
            "noop_max": env_kwargs.get("noop_max", PREPROCESSING["noop_max"]), "screen": [side, side]}


def game_name(env_id: str) -> str:
    """``ALE/Pong-v5`` -> ``pong`` (the ROM name ``AtariVectorEnv`` wants)."""
    name = env_id.split("/", 1)[-1].split("-v")[0].replace("NoFrameskip", "")
    return "".join("_" + ch.lower() if ch.isupper() and i else ch.lower() for i, ch in enumerate(name))


def v4_id(env_id: str) -> str:
    """``ALE/Pong-v5`` -> ``PongNoFrameskip-v4``: the deterministic game's id, as leaderboards name it."""
    return env_id.split("/", 1)[-1].split("-v")[0].replace("NoFrameskip", "") + "NoFrameskip-v4"


FRAMES_PER_EPISODE = 108_000
"""ALE's own cap on an episode (30 minutes of play at 60 frames/s): 27,000 agent steps at frame skip 4."""


def _frames(episode_cap: int | None) -> int:
    return FRAMES_PER_EPISODE if episode_cap is None else min(FRAMES_PER_EPISODE, 4 * episode_cap)


def make_atari_vector_env(env_id: str, num_envs: int, env_kwargs: dict[str, Any], episode_cap: int | None = None):
    """The training pipeline: ``AtariVectorEnv`` with next-step autoreset, one thread per core at most."""
    from ale_py import AtariVectorEnv

    noop_max = env_kwargs.get("noop_max", PREPROCESSING["noop_max"])
    side = screen(env_kwargs)
    return AtariVectorEnv(game=game_name(env_id), num_envs=num_envs, num_threads=min(num_envs, os.cpu_count() or 1),
                          repeat_action_probability=sticky(env_kwargs), reward_clipping=False, noop_max=noop_max,
                          use_fire_reset=True, episodic_life=False, frameskip=4, stack_num=4, img_height=side,
                          img_width=side, grayscale=True, maxpool=True, max_num_frames_per_episode=_frames(episode_cap))


class FixedNoops(gym.Wrapper):
    """Exactly ``k`` raw NOOP frames after each reset (and its FIRE): one of the deterministic pipeline's starts."""

    def __init__(self, env: gym.Env, k: int) -> None:
        super().__init__(env)
        self.k = k

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        for _ in range(self.k):
            obs, _, _, _, info = self.env.step(0)
        return obs, info


class FireOnReset(gym.Wrapper):
    """Press FIRE for one frame after each reset, as ``AtariVectorEnv`` does (Pong waits for it)."""

    def reset(self, **kwargs):
        self.env.reset(**kwargs)
        obs, _, _, _, info = self.env.step(1)
        return obs, info


def make_atari_env(env_id: str, env_kwargs: dict[str, Any], render_mode: str | None = None,
                   episode_cap: int | None = None, noops: int | None = None) -> gym.Env:
    """The play pipeline: ALE (frame skip 1) -> FIRE -> AtariPreprocessing -> stack of 4, cut after
    ``episode_cap`` agent steps. ``noops``: exactly that many raw NOOP frames after the FIRE instead of up to
    ``noop_max`` random ones."""
    import ale_py
    from gymnasium.wrappers import AtariPreprocessing, FrameStackObservation

    gym.register_envs(ale_py)
    noop_max = env_kwargs.get("noop_max", PREPROCESSING["noop_max"])
    env = gym.make(env_id, frameskip=1, repeat_action_probability=sticky(env_kwargs), full_action_space=False,
                   render_mode=render_mode, max_num_frames_per_episode=FRAMES_PER_EPISODE)
    env = FireOnReset(env)
    if noops is not None:
        env, noop_max = FixedNoops(env, noops), 0
    env = AtariPreprocessing(env, noop_max=noop_max, frame_skip=4, screen_size=screen(env_kwargs),
                             terminal_on_life_loss=False, grayscale_obs=True, scale_obs=False)
    env = FrameStackObservation(env, 4, padding_type="zero")
    # the cap counts agent steps, as the evaluation counts them (ALE's own frame cap would count the no-ops too)
    return env if episode_cap is None else gym.wrappers.TimeLimit(env, episode_cap)


def noop_start_envs(env_id: str, episode_cap: int | None = None, screen_size: int = SCREEN):
    """The `noop-starts` protocol's games: the deterministic pipeline (no sticky actions) after exactly k = 1..30
    raw NOOP frames, one copy each. A greedy agent's game is fixed by k, so these are all the games there are."""
    from functools import partial

    kwargs = {"repeat_action_probability": 0.0, "screen_size": screen_size}
    return gym.vector.SyncVectorEnv(
        [partial(make_atari_env, env_id, kwargs, None, episode_cap, k)
         for k in range(1, NOOP_STARTS + 1)], autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)


def frames_of(obs) -> np.ndarray:
    """A stacked observation as a plain uint8 array (FrameStackObservation may return a lazy type)."""
    return np.asarray(obs, dtype=np.uint8)
