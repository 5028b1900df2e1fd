"""Experience replay as numpy ring arrays, with n-step returns folded in as transitions arrive.

Transitions come from ``num_envs`` parallel envs at once. With ``n_step > 1`` each env keeps its last
n steps pending; a transition leaves the window as ``(s_t, a_t, Σ γ^i r_{t+i}, s_{t+k}, done, γ^k)``
once n steps are known or its episode ends (``done`` only for a termination, so a time-limit
truncation still bootstraps from the final observation).

With ``priority_alpha > 0`` the buffer is prioritized (Schaul et al., 2016, proportional variant): a
transition is drawn with probability ``P(i) = p_i^α / Σ_j p_j^α`` (``zoo.learning.priority.SumTree``), where
``p_i`` is its last ``|TD error|`` (plus 1e-6, so none starves) and a new transition gets the largest ``p``
seen so far, to be replayed at least once soon. The minibatch carries the slots drawn (``index``: the agent
hands their new TD errors back through ``update_priorities``) and importance-sampling weights
``w_i = (N · P(i))^-β``, divided by the largest in the minibatch, that undo the bias of the skewed sampling
as β reaches 1.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy as np

from zoo.learning.priority import SumTree


PRIORITY_EPS = 1e-6
"""added to every |TD error| before it becomes a priority, so that every transition keeps a chance to be drawn"""


class Batch(NamedTuple):
    """A sampled minibatch (numpy arrays): bootstrap as ``reward + discount * (1 - done) * V(next_obs)``.
    From a prioritized buffer also the slots drawn and the importance-sampling weights of the loss."""

    obs: np.ndarray
    action: np.ndarray
    reward: np.ndarray
    next_obs: np.ndarray
    done: np.ndarray
    discount: np.ndarray
    index: np.ndarray | None = None
    weight: np.ndarray | None = None


class ReplayBuffer:
    """Stores whole observations (vectors, one-hot indices): right for CartPole and the toy MDPs."""

    def __init__(self, capacity: int, obs_shape: tuple[int, ...], obs_dtype, num_envs: int, gamma: float,
                 n_step: int = 1, priority_alpha: float = 0.0) -> None:
        self.capacity, self.gamma, self.n_step = capacity, gamma, n_step
        self.priority_alpha = priority_alpha
        self.priorities = SumTree(capacity) if priority_alpha > 0 else None
        self.max_priority = 1.0  # the largest p (before the exponent α) seen: what a new transition gets
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
        if self.priorities is not None:
            self.priorities.set(idx, np.full(n, self.max_priority ** self.priority_alpha))
        self.pos = int((self.pos + n) % self.capacity)
        self.size = min(self.size + n, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator, beta: float = 1.0) -> Batch:
        """A minibatch of stored transitions: uniform, or from a prioritized buffer in proportion to priority,
        with importance-sampling weights of exponent ``beta``."""
        if self.priorities is None:
            idx = rng.integers(0, self.size, size=batch_size)
            weight = None
        else:
            idx = self.priorities.sample(batch_size, rng)
            probability = self.priorities.get(idx) / self.priorities.total
            weight = (self.size * probability) ** -beta
            weight = (weight / weight.max()).astype(np.float32)
        return Batch(self.obs[idx], self.action[idx], self.reward[idx], self.next_obs[idx], self.done[idx],
                     self.discount[idx], idx if weight is not None else None, weight)

    def update_priorities(self, index: np.ndarray, td_error: np.ndarray) -> None:
        """Set the priorities of the slots ``index`` (a prioritized minibatch's) from their new TD errors."""
        if self.priorities is None:
            return
        p = np.abs(np.asarray(td_error, dtype=np.float64)) + PRIORITY_EPS
        if not np.all(np.isfinite(p)):
            raise ValueError("a TD error is not finite: the Q-network diverged")
        self.max_priority = max(self.max_priority, float(p.max()))
        self.priorities.set(index, p ** self.priority_alpha)

    # -- saving, for --resume -----------------------------------------------------------------------------
    _ARRAYS = ("obs", "next_obs", "action", "reward", "done", "discount")

    def state_dict(self) -> dict[str, np.ndarray]:
        """The stored transitions (the filled part). The n-step windows still open are not kept: a resumed
        run's envs start new episodes, so those few transitions could never be completed."""
        state = {name: getattr(self, name)[: self.size] for name in self._ARRAYS}
        state["ring"] = np.array([self.pos, self.size], dtype=np.int64)
        if self.priorities is not None:
            state["priority"] = self.priorities.get(np.arange(self.size))
            state["max_priority"] = np.array([self.max_priority])
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
        if self.priorities is not None:  # a replay saved without priorities: all start equal, as new ones would
            saved = "priority" in state
            self.max_priority = float(state["max_priority"][0]) if saved else 1.0
            self.priorities.set(np.arange(size), state["priority"] if saved
                                else np.full(size, self.max_priority ** self.priority_alpha))

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        tree = self.priorities.tree.nbytes if self.priorities is not None else 0
        return tree + sum(a.nbytes for a in (self.obs, self.next_obs, self.action, self.reward, self.done,
                                             self.discount))
