"""The collector: the one place where the zoo steps environments while training.

It owns the envs (a vector env, or a single env for the tabular agents), their seeding, autoreset and
episode statistics, and turns each step of all envs into a ``Step`` of transitions for the trainer to
hand to the agent. The agent only maps observations to actions (the ``policy``); it never sees an env.

Two kinds of autoreset meet here:

- vector envs reset *on the next step* (Gymnasium's default, and ``ale_py.AtariVectorEnv``'s): the step
  after an episode end only resets that env and is no transition, so ``Step.valid`` is False there;
- the single env of a tabular agent is reset *on the same step*: every step is a transition, and
  ``next_obs`` is the state the episode ended in, not the new start state.

``AsyncCollector`` runs the same loop in a background thread, acting with a copy of the agent's network
that the learner refreshes, so that acting and learning overlap on two cores.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from zoo.envs.episodes import Episode

Policy = Callable[[np.ndarray], np.ndarray]
"""Maps a batch of observations to a batch of (exploring) actions."""


_ONE_VALID = np.ones(1, dtype=bool)
_ONE_VALID.flags.writeable = False


@dataclass(slots=True)
class Step:
    """One step of every env. Row i is a transition ``(obs, action, reward, next_obs)`` of env i when
    ``valid[i]``; ``terminated`` ends an episode for good, ``truncated`` cuts it (a time limit), so a
    learner bootstraps from ``next_obs`` after a truncation and never after a termination."""

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    valid: np.ndarray
    episodes: tuple[Episode, ...] = ()
    """episodes that ended with this step"""

    def __len__(self) -> int:
        return len(self.actions)


class SingleEnv:
    """One ``gym.Env`` behind the batch interface, reset on the same step (no wasted steps, no wrapper cost)."""

    num_envs = 1
    next_step_autoreset = False

    def __init__(self, env) -> None:
        self.env = env

    def reset(self, seed: int | None = None):
        obs, info = self.env.reset(seed=seed)
        return np.array([obs]), info

    def step(self, actions: np.ndarray):
        """Step; returns ``(next_obs, continue_obs, reward, terminated, truncated)``: the observations as
        arrays of one, the rest as Python scalars."""
        obs, reward, terminated, truncated, _ = self.env.step(actions.tolist()[0])  # a Python int, as envs expect
        next_obs = np.array([obs])
        continue_obs = np.array([self.env.reset()[0]]) if terminated or truncated else next_obs
        return next_obs, continue_obs, float(reward), bool(terminated), bool(truncated)

    def close(self) -> None:
        self.env.close()


class Collector:
    """Steps ``envs`` with ``policy`` forever, yielding one ``Step`` per step of all envs.

    ``envs`` is a Gymnasium vector env with next-step autoreset, ``ale_py.AtariVectorEnv``, or a
    ``SingleEnv``. Seeding happens once, at the first step: ``reset(seed=seed)`` (copy i gets ``seed + i``).
    """

    def __init__(self, envs, policy: Policy, seed: int) -> None:
        self.envs, self.policy, self.seed = envs, policy, seed
        self.num_envs = int(envs.num_envs)
        self._obs: np.ndarray | None = None
        self._prev_done = np.zeros(self.num_envs, dtype=bool)
        self._returns = np.zeros(self.num_envs)
        self._lengths = np.zeros(self.num_envs, dtype=np.int64)
        self._return, self._length = 0.0, 0  # of a SingleEnv

    def __iter__(self) -> Iterator[Step]:
        while True:
            yield self.step()

    def step(self) -> Step:
        """Act in every env once and return what happened."""
        if self._obs is None:
            self._obs, _ = self.envs.reset(seed=self.seed)
        obs = self._obs
        actions = self.policy(obs)
        if isinstance(self.envs, SingleEnv):
            return self._single_step(obs, actions)
        next_obs, rewards, terminated, truncated, _ = self.envs.step(actions)
        valid = ~self._prev_done  # the step after an episode end only reset that env
        self._obs = next_obs
        done = terminated | truncated
        self._prev_done = done
        return Step(obs, actions, rewards, next_obs, terminated, truncated, valid,
                    self._count_episodes(rewards, done, valid, truncated & ~terminated))

    def _count_episodes(self, rewards: np.ndarray, done: np.ndarray, valid: np.ndarray,
                        cut: np.ndarray) -> tuple[Episode, ...]:
        self._returns += np.where(valid, rewards, 0.0)
        self._lengths += valid
        ended = np.flatnonzero(done & valid)
        if len(ended) == 0:
            return ()
        episodes = tuple(Episode(float(self._returns[i]), int(self._lengths[i]), bool(cut[i])) for i in ended)
        self._returns[ended], self._lengths[ended] = 0.0, 0
        return episodes

    def _single_step(self, obs: np.ndarray, actions: np.ndarray) -> Step:
        # The same as above for one env, with Python scalars: tabular agents take ~5 µs a step, and numpy's
        # per-call cost on arrays of one would triple the run.
        next_obs, self._obs, reward, terminated, truncated = self.envs.step(actions)
        self._return += reward
        self._length += 1
        episodes = ()
        if terminated or truncated:
            episodes = (Episode(self._return, self._length, truncated and not terminated),)
            self._return, self._length = 0.0, 0
        return Step(obs, actions, np.array([reward]), next_obs, np.array([terminated]), np.array([truncated]),
                    _ONE_VALID, episodes)

    def close(self) -> None:
        """Close the envs."""
        self.envs.close()


class AsyncCollector:
    """The collector's loop in a background thread: while the learner updates on one core, the actor
    steps the envs with its own copy of the network on the other.

    ``actor`` is the agent's ``make_actor()``: an object with ``act(obs)`` (exploring actions from the
    copy) and ``refresh()`` (copy the learner's latest weights; called by ``refresh()`` here, from the
    learner's thread). At most ``lag`` steps wait in the queue, so the data the learner sees was acted
    by weights at most a few updates old. Results differ from the synchronous collector (the actor's
    weights lag), which is why it is off by default.
    """

    def __init__(self, envs, actor: Any, seed: int, lag: int = 2, actor_threads: int = 1) -> None:
        self.actor = actor
        self._lock = threading.Lock()
        self._inner = Collector(envs, self._act, seed)
        self.num_envs = self._inner.num_envs
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, lag))
        self._stop = threading.Event()
        self._threads = actor_threads
        self._thread = threading.Thread(target=self._run, name="zoo-actor", daemon=True)
        self._started = False

    def _act(self, obs: np.ndarray) -> np.ndarray:
        with self._lock:
            return self.actor.act(obs)

    def _run(self) -> None:
        import torch

        torch.set_num_threads(self._threads)  # per thread: the learner keeps its own count
        try:
            while not self._stop.is_set():
                step = self._inner.step()
                while not self._stop.is_set():
                    try:
                        self._queue.put(step, timeout=0.1)
                        break
                    except queue.Full:
                        continue
        except BaseException as error:  # surface the actor's failure in the learner's thread
            self._queue.put(error)

    def __iter__(self) -> Iterator[Step]:
        if not self._started:
            self._started = True
            self._thread.start()
        while True:
            item = self._queue.get()
            if isinstance(item, BaseException):
                raise item
            yield item

    def refresh(self) -> None:
        """Give the actor the learner's latest weights (between two of its steps)."""
        with self._lock:
            self.actor.refresh()

    def close(self) -> None:
        """Stop the actor thread, then close the envs."""
        self._stop.set()
        if self._started:
            self._thread.join(timeout=30)
        self._inner.close()
