"""Experience replay as numpy ring arrays, with n-step returns folded in as transitions arrive.

Transitions come from ``num_envs`` parallel envs at once. With ``n_step > 1`` each env keeps its last
n steps pending; a transition leaves the window as ``(s_t, a_t, Σ γ^i r_{t+i}, s_{t+k}, done, γ^k)``
once n steps are known or its episode ends (``done`` only for a termination, so a time-limit
truncation still bootstraps from the final observation).
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy as np


class Batch(NamedTuple):
    """A sampled minibatch (numpy arrays): bootstrap as ``reward + discount * (1 - done) * V(next_obs)``."""

    obs: np.ndarray
    action: np.ndarray
    reward: np.ndarray
    next_obs: np.ndarray
    done: np.ndarray
    discount: np.ndarray


class ReplayBuffer:
    """Stores whole observations (vectors, one-hot indices): right for CartPole and the toy MDPs."""

    def __init__(self, capacity: int, obs_shape: tuple[int, ...], obs_dtype, num_envs: int, gamma: float,
                 n_step: int = 1) -> None:
        self.capacity, self.gamma, self.n_step = capacity, gamma, n_step
        self.obs = np.zeros((capacity, *obs_shape), dtype=obs_dtype)
        self.next_obs = np.zeros((capacity, *obs_shape), dtype=obs_dtype)
        self.action = np.zeros(capacity, dtype=np.int64)
        self.reward = np.zeros(capacity, dtype=np.float32)
        self.done = np.zeros(capacity, dtype=np.float32)
        self.discount = np.zeros(capacity, dtype=np.float32)
        self.pos, self.size = 0, 0
        self._pending = [deque() for _ in range(num_envs)]

    def __len__(self) -> int:
        return self.size

    def add(self, obs, action, reward, next_obs, terminated, truncated, valid=None) -> None:
        """Add one step of every env; ``valid[i] = False`` skips env i (the reset step of next-step autoreset)."""
        num_envs = len(action)
        valid = np.ones(num_envs, dtype=bool) if valid is None else valid
        if self.n_step == 1:
            idx = np.flatnonzero(valid)
            self._store(obs[idx], action[idx], reward[idx], next_obs[idx], terminated[idx],
                        np.full(len(idx), self.gamma))
            return
        for i in np.flatnonzero(valid):
            window = self._pending[i]
            window.append((obs[i], action[i], reward[i]))
            if terminated[i] or truncated[i]:
                while window:  # the episode ended: every pending step bootstraps from this final obs
                    self._emit(window, next_obs[i], bool(terminated[i]))
            elif len(window) == self.n_step:
                self._emit(window, next_obs[i], False)

    def _emit(self, window: deque, bootstrap_obs, terminated: bool) -> None:
        total = 0.0
        for j, (_, _, r) in enumerate(window):
            total += self.gamma ** j * r
        first_obs, first_action, _ = window.popleft()
        k = len(window) + 1
        self._store(first_obs[None], np.array([first_action]), np.array([total]), bootstrap_obs[None],
                    np.array([terminated]), np.array([self.gamma ** k]))

    def _store(self, obs, action, reward, next_obs, done, discount) -> None:
        n = len(action)
        if n == 0:
            return
        idx = (self.pos + np.arange(n)) % self.capacity
        self.obs[idx], self.next_obs[idx], self.action[idx] = obs, next_obs, action
        self.reward[idx], self.done[idx], self.discount[idx] = reward, done, discount
        self.pos = int((self.pos + n) % self.capacity)
        self.size = min(self.size + n, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator) -> Batch:
        """A uniform minibatch of stored transitions."""
        idx = rng.integers(0, self.size, size=batch_size)
        return Batch(self.obs[idx], self.action[idx], self.reward[idx], self.next_obs[idx], self.done[idx],
                     self.discount[idx])

    # -- saving, for --resume -----------------------------------------------------------------------------
    _ARRAYS = ("obs", "next_obs", "action", "reward", "done", "discount")

    def state_dict(self) -> dict[str, np.ndarray]:
        """The stored transitions (the filled part). The n-step windows still open are not kept: a resumed
        run's envs start new episodes, so those few transitions could never be completed."""
        state = {name: getattr(self, name)[: self.size] for name in self._ARRAYS}
        state["ring"] = np.array([self.pos, self.size], dtype=np.int64)
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore what ``state_dict`` gave into a buffer of the same capacity."""
        size = int(state["ring"][1])
        if size > self.capacity:
            raise ValueError(f"the saved replay holds {size} transitions, more than this buffer's {self.capacity}")
        for name in self._ARRAYS:
            getattr(self, name)[:size] = state[name]
        self.pos, self.size = int(state["ring"][0]), size
        self._pending = [deque() for _ in self._pending]

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        return sum(a.nbytes for a in (self.obs, self.next_obs, self.action, self.reward, self.done, self.discount))
