"""A model of a finite MDP estimated from experience: transition counts and reward sums.

The course's agents keep a reward table and a transition-count table filled by random steps; here the
counts go into the ``(T, R)`` form of ``zoo.learning.planning`` (with a column for "terminated"), so the same
Bellman backups run on the learned model as on the exact one.
"""

from __future__ import annotations

import numpy as np

from zoo.agents.configs import LearnedModelConfig
from zoo.agents.tabular import TabularAgent
from zoo.rundir.files import Spaces


def empty_tables(n_states: int, n_actions: int) -> dict[str, np.ndarray]:
    """Zeroed ``counts[s, a, s']`` (last column: terminated) and ``reward_sums[s, a]``."""
    return {
        "counts": np.zeros((n_states, n_actions, n_states + 1)),
        "reward_sums": np.zeros((n_states, n_actions)),
    }


def record(tables: dict[str, np.ndarray], obs: int, action: int, reward: float, next_obs: int, terminated: bool) -> None:
    """Count one transition."""
    n_states = tables["counts"].shape[0]
    tables["counts"][obs, action, n_states if terminated else next_obs] += 1
    tables["reward_sums"][obs, action] += reward


def estimate(tables: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood ``(T, R)``; an untried (state, action) has no successors and reward 0."""
    visits = tables["counts"].sum(axis=-1)  # also works on the rows of one state
    safe = np.maximum(visits, 1.0)
    return tables["counts"] / safe[..., None], tables["reward_sums"] / safe


class LearnedModelAgent(TabularAgent):
    """Counts every transition and plans on the estimated model every ``plan_every`` steps."""

    Config = LearnedModelConfig

    def __init__(self, config: LearnedModelConfig, spaces: Spaces, seed: int = 0) -> None:
        super().__init__(config, spaces, seed)
        self.tables = empty_tables(self.n_states, self.n_actions)

    def update(self, obs, action, reward, next_obs, terminated) -> None:
        record(self.tables, obs, action, reward, next_obs, terminated)
        self.steps_done += 1
        if self.steps_done % self.config.plan_every == 0:
            self.plan()

    def plan(self) -> None:
        """Bellman backups over all states on the current estimate of the model."""
        raise NotImplementedError

    def sync(self) -> None:
        """Plan once more on everything counted so far."""
        self.plan()
