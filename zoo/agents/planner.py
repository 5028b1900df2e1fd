"""Exact value iteration on the environment's own model ``P`` (no experience needed).

The reference every learner is checked against: it reproduces the toy MDPs' values worked out by hand
and gives the best achievable policy on FrozenLake.
"""

from __future__ import annotations

import numpy as np

from zoo.agents.configs import PlannerConfig
from zoo.agents.tabular import TabularAgent
from zoo.errors import ZooError
from zoo.learning.planning import model_from_P, value_iteration
from zoo.rundir.files import Spaces


class PlannerAgent(TabularAgent):
    """Value iteration on the env's model ``P``; acts greedily on the resulting Q table."""

    algo = "planner"
    Config = PlannerConfig

    def __init__(self, config: PlannerConfig, spaces: Spaces, seed: int = 0, model: dict | None = None) -> None:
        """``model`` is the env's ``P``; without it (an agent about to load its tables) Q starts at zero."""
        super().__init__(config, spaces, seed)
        self.tables = {"q": np.zeros((self.n_states, self.n_actions))}
        if model is not None:
            self.tables["q"] = self.plan(model)
            self.last_loss = 0.0

    def plan(self, P: dict) -> np.ndarray:
        """Q of the optimal policy on ``P``, by value iteration."""
        T, R = model_from_P(P, self.n_states, self.n_actions)
        try:
            _, Q, _ = value_iteration(T, R, self.config.gamma, tol=self.config.tol)
        except ValueError as error:
            raise ZooError(str(error)) from error
        return Q

    def q_values(self, obs) -> np.ndarray:
        return self.tables["q"][obs]

    def epsilon(self) -> float:
        return 0.0

    def update(self, obs, action, reward, next_obs, terminated) -> None:
        self.steps_done += 1  # the exact model is known: experience adds nothing
