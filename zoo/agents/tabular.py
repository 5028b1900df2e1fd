"""What every tabular agent shares: a Q estimate per (state, action), ε-greedy acting, tables as state.

A subclass fills ``self.tables`` and defines ``q_values`` and ``update``, its learning rule for one
transition; ``observe`` feeds it the collector's steps one transition at a time, in order.
"""

from __future__ import annotations

import numpy as np

from zoo.envs.collector import Step
from zoo.errors import ZooError
from zoo.learning.schedules import linear_schedule
from zoo.rundir.files import Spaces


class TabularAgent:
    """Base of the tabular agents: subclasses fill ``self.tables`` and define ``q_values`` and ``update``."""

    algo = ""
    tables: dict[str, np.ndarray]

    def __init__(self, config, spaces: Spaces, seed: int = 0) -> None:
        self.config = config
        self.n_states, self.n_actions = int(spaces.observation["n"]), int(spaces.action["n"])
        self.rng = np.random.default_rng(seed)
        self.steps_done = 0
        self.last_loss = float("nan")  # a per-algorithm training signal for metrics.csv

    def q_values(self, obs) -> np.ndarray:
        """Q estimates for one state (shape ``[n_actions]``) or a batch of states (``[n, n_actions]``)."""
        raise NotImplementedError

    def epsilon(self) -> float:
        """The current exploration rate."""
        c = self.config
        return linear_schedule(c.epsilon_start, c.epsilon_final, c.epsilon_decay_steps, self.steps_done)

    def act(self, obs, explore: bool = False):
        """Greedy actions (first best on ties) for a state or a batch; with ``explore``, ε-greedy with
        random tie-breaking."""
        if not explore:
            return self.q_values(obs).argmax(axis=-1)
        if isinstance(obs, np.ndarray) and obs.ndim:
            return np.array([self._explore(s) for s in obs.tolist()])
        return self._explore(int(obs))

    def _explore(self, state: int) -> int:
        if self.rng.random() < self.epsilon():
            return int(self.rng.integers(self.n_actions))
        q = self.q_values(state)
        best = np.flatnonzero(q == q.max())
        return int(best[0] if len(best) == 1 else best[self.rng.integers(len(best))])

    def observe(self, step: Step) -> None:
        """Learn from each transition of the step, in order."""
        rows = zip(step.obs.tolist(), step.actions.tolist(), step.rewards.tolist(), step.next_obs.tolist(),
                   step.terminated.tolist(), step.valid.tolist())
        for obs, action, reward, next_obs, terminated, valid in rows:
            if valid:  # truncation (a time limit) is not termination: the agent still bootstraps from next_obs
                self.update(obs, action, reward, next_obs, terminated)

    def update(self, obs: int, action: int, reward: float, next_obs: int, terminated: bool) -> None:
        """Learn from one transition and count it; ``terminated`` is False for a time-limit truncation."""
        raise NotImplementedError

    def sync(self) -> None:
        """Bring derived values up to date before evaluation or saving (model-based agents plan)."""

    def stats(self) -> dict[str, float]:
        return {"loss": self.last_loss, "epsilon": self.epsilon()}

    def state_dict(self) -> dict[str, np.ndarray]:
        """The agent's tables, for ``model.safetensors``."""
        return {name: table.copy() for name, table in self.tables.items()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore tables saved by ``state_dict``; names and shapes must match."""
        state = {name: np.asarray(table) for name, table in state.items()}
        if set(state) != set(self.tables):
            raise ZooError(f"checkpoint holds tables {sorted(state)}, but {self.algo} needs {sorted(self.tables)}")
        for name, table in state.items():
            if table.shape != self.tables[name].shape:
                raise ZooError(
                    f"checkpoint table {name!r} has shape {tuple(table.shape)}, but this env needs "
                    f"{self.tables[name].shape}: was the checkpoint trained on another environment?"
                )
            self.tables[name] = np.asarray(table, dtype=self.tables[name].dtype).copy()
