"""Exact value iteration on the environment's own model ``P`` (no experience needed).

The reference every learner is checked against: it reproduces the toy MDPs' values worked out by hand
and gives the best achievable policy on FrozenLake.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zoo.agents.tabular import TabularAgent
from zoo.errors import ZooError
from zoo.planning import model_from_P, value_iteration


@dataclass(frozen=True)
class PlannerConfig:
    """Hyperparameters of exact value iteration."""

    gamma: float = 0.99
    """discount factor γ in [0, 1]"""
    tol: float = 1e-10
    """stop when no state value changes by more than this"""


class PlannerAgent(TabularAgent):
    """Value iteration on ``env.unwrapped.P``; acts greedily on the resulting Q table."""

    algo = "planner"
    Config = PlannerConfig

    def __init__(self, config: PlannerConfig, n_states: int, n_actions: int, seed: int = 0) -> None:
        super().__init__(config, n_states, n_actions, seed)
        self.tables = {"q": np.zeros((n_states, n_actions))}

    def q_values(self, obs) -> np.ndarray:
        return self.tables["q"][obs]

    def epsilon(self) -> float:
        return 0.0

    def prepare(self, env) -> None:
        P = getattr(env.unwrapped, "P", None)
        if P is None:
            raise ZooError(f"{env.spec.id if env.spec else env} exposes no model P; the planner needs one. "
                           "Use value-iteration, q-iteration or q-learning, which learn from experience.")
        T, R = model_from_P(P, self.n_states, self.n_actions)
        try:
            V, Q, sweeps = value_iteration(T, R, self.config.gamma, tol=self.config.tol)
        except ValueError as error:
            raise ZooError(str(error)) from error
        self.tables["q"] = Q
        self.last_loss = 0.0

    def observe(self, obs, action, reward, next_obs, terminated) -> None:
        self.steps_done += 1  # the exact model is known: experience adds nothing
