"""Greedy episodes: the one runner behind periodic evaluation, the held-out final score, `zoo eval`,
`zoo play` and replay videos.

``run_episodes`` plays a number of episodes on a vector env, every copy a fixed share of them (taking
the first N to finish would favour short episodes), with one batched forward pass per step. Seeds come
from the named streams of ``zoo.envs.seeds``, so an evaluation that picks weights never shares a seed with
the one that reports them.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any, Callable, ContextManager

import numpy as np

from zoo.envs.make import EPISODE_CAP, make_env, make_vec_env
from zoo.errors import ZooError
from zoo.cores import tick as share_cores

Film = Callable[[float], ContextManager[Callable[[np.ndarray], None]]]
"""``film(fps)``: a context manager yielding the function each frame of a filmed episode is handed to."""


@dataclass(frozen=True)
class Episode:
    """One finished episode, in training or evaluation: its undiscounted return, its length in steps, and
    whether a time limit cut it (``truncated``) rather than the game ending it."""

    ret: float
    length: int
    truncated: bool = False
    copy: int = 0
    """which copy of the vector env played it (in `noop-starts`, copy k - 1 is the start after k NOOPs)"""


@dataclass(frozen=True)
class Episodes:
    """Greedy episodes played from one seed, in the order they ended."""

    episodes: tuple[Episode, ...]
    seed: int
    capped: int = 0
    """episodes cut by the evaluation cap (``zoo.envs.make.EPISODE_CAP``): their returns are cut short"""

    @property
    def returns(self) -> np.ndarray:
        return np.array([e.ret for e in self.episodes], dtype=np.float64)

    @property
    def lengths(self) -> np.ndarray:
        return np.array([e.length for e in self.episodes], dtype=np.int64)


def run_episodes(agent, envs, episodes: int, seed: int, on_episode: Callable[[int, float], None] | None = None,
                 on_frame: Callable[[np.ndarray], None] | None = None, progress: bool | None = False) -> Episodes:
    """Play ``episodes`` greedy episodes on ``envs`` (next-step autoreset), seeded once with ``seed``.

    ``on_episode(i, return)`` is called as episodes end; ``on_frame`` hears each ``envs.render()`` of copy 0
    during its first episode (for a video); ``progress`` shows a bar of episodes (None: when stderr is a
    terminal) that also counts the steps of the episodes under way, so a long one visibly moves.
    """
    from tqdm.auto import tqdm

    bar = tqdm(total=episodes, unit="episode", desc="evaluating", mininterval=1.0, leave=False,
               disable=(not progress) if progress is not None else None)
    num_envs = envs.num_envs
    quota = np.full(num_envs, episodes // num_envs) + (np.arange(num_envs) < episodes % num_envs)
    finished = np.zeros(num_envs, dtype=np.int64)
    running, length = np.zeros(num_envs), np.zeros(num_envs, dtype=np.int64)
    prev_done = np.zeros(num_envs, dtype=bool)
    played: list[Episode] = []
    obs, _ = envs.reset(seed=seed)
    filming = on_frame is not None
    if filming:
        on_frame(_frame(envs))
    while (finished < quota).any():
        obs, rewards, terminated, truncated, _ = envs.step(np.asarray(agent.act(obs)))
        share_cores()
        running += np.where(prev_done, 0.0, rewards)  # the reset step of next-step autoreset is no reward
        length += ~prev_done
        if filming:
            on_frame(_frame(envs))
        done = (terminated | truncated) & ~prev_done
        for i in np.flatnonzero(done & (finished < quota)):
            played.append(Episode(float(running[i]), int(length[i]), bool(truncated[i] and not terminated[i]), int(i)))
            finished[i] += 1
            bar.update(1)
            if on_episode is not None:
                on_episode(len(played) - 1, played[-1].ret)
        if filming and done[0]:
            filming = False
        running[done], length[done] = 0.0, 0
        prev_done = terminated | truncated
        if not bar.disable and length.max() % 500 == 0:
            bar.set_postfix_str(f"longest episode under way: {length.max():,} steps")
    bar.close()
    return Episodes(tuple(played), seed)


def _frame(envs) -> np.ndarray:
    rendered = envs.render()
    return rendered[0] if isinstance(rendered, (tuple, list)) else rendered


def evaluate(agent, env_id: str, env_kwargs: dict[str, Any] | None, episodes: int, seed: int,
             play_pipeline: bool = False, max_envs: int | None = None, progress: bool | None = False,
             episode_cap: int = EPISODE_CAP) -> Episodes:
    """Greedy episodes on up to ``max_envs`` copies of the env, in parallel, each cut after ``episode_cap`` steps.

    By default an Atari game runs on up to 16 copies (each holds an emulator and its frames); a cheap env runs
    one copy per episode (up to 128), so one forward pass serves them all: 100 CartPole episodes took 0.34 s
    so, against 1.9 s on 16 copies (AMD EPYC, AVX2). Copies stepped in turn are seeded ``seed + i``, so there
    each episode starts from its own seed; CartPole's numpy vector env draws every start from one generator.

    Atari games run in the training pipeline (``AtariVectorEnv``), or with ``play_pipeline`` in the
    Gymnasium wrapper stack `zoo play` uses: the same frames, and the figure a user can reproduce.
    """
    if max_envs is None:
        max_envs = 16 if env_id.startswith("ALE/") else 128
    envs = make_vec_env(env_id, min(episodes, max_envs), env_kwargs, play_pipeline=play_pipeline,
                        episode_cap=episode_cap)
    try:
        result = run_episodes(agent, envs, episodes, seed, progress=progress)
    finally:
        envs.close()
    return dataclasses.replace(result, capped=int((result.lengths >= episode_cap).sum()))


def noop_starts(agent, env_id: str, progress: bool | None = False, episode_cap: int = EPISODE_CAP,
                env_kwargs: dict[str, Any] | None = None) -> Episodes:
    """The `noop-starts` protocol: the deterministic Atari game after exactly k = 1..30 NOOP frames, each played
    once (``zoo.envs.atari.noop_start_envs``), in the order of k. A greedy agent has no other games there, so
    the mean over these is exact. Of ``env_kwargs`` (the run's) only ``screen_size`` counts: the protocol fixes
    the rest."""
    from zoo.envs.atari import noop_start_envs, screen

    envs = noop_start_envs(env_id, episode_cap, screen(env_kwargs or {}))
    try:
        result = run_episodes(agent, envs, envs.num_envs, seed=0, progress=progress)
    finally:
        envs.close()
    ordered = tuple(sorted(result.episodes, key=lambda e: e.copy))
    return Episodes(ordered, 0, capped=sum(e.length >= episode_cap for e in ordered))


def play(agent, env_id: str, env_kwargs: dict[str, Any] | None, episodes: int, seed: int,
         on_episode: Callable[[int, float], None] | None = None, film: Film | None = None,
         window: bool = False) -> Episodes:
    """Episodes one after the other in one env (as a user watches them). ``film(fps)`` records the first:
    a context manager that yields where each rendered frame goes (``zoo.rundir.video.mp4_writer`` bound to
    a path), so this room never writes files itself. ``window``: the env's own window (Gymnasium's
    ``render_mode="human"``: pygame for the classic and toy envs, ALE's SDL window for Atari), at its fps."""
    import gymnasium as gym

    if window:
        if film is not None:
            raise ZooError("a window and a video at once: give --render or --video, not both")
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise ZooError("--render opens a window, but there is no display here (DISPLAY is not set). Film the "
                           "game instead with --video play.mp4, or run under a virtual display: xvfb-run zoo play ...")
        probe = make_env(env_id, env_kwargs)
        modes = probe.metadata.get("render_modes", [])
        probe.close()
        if "human" not in modes:
            raise ZooError(f"{env_id} has no window of its own (render modes {', '.join(modes) or 'none'}): film it "
                           "with --video play.mp4 instead")
        if os.environ.get("SDL_VIDEODRIVER") == "dummy":
            os.environ.pop("SDL_VIDEODRIVER")  # set by an earlier play in this process, or by the user's tests
    else:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # pygame renders off screen
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    render_mode = "human" if window else "rgb_array" if film is not None else None
    envs = gym.vector.SyncVectorEnv([lambda: make_env(env_id, env_kwargs, render_mode, EPISODE_CAP)],
                                    autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)
    try:
        if film is None:
            return run_episodes(agent, envs, episodes, seed, on_episode=on_episode)
        with film(envs.envs[0].metadata.get("render_fps") or 30) as append:
            return run_episodes(agent, envs, episodes, seed, on_episode=on_episode, on_frame=append)
    finally:
        envs.close()
