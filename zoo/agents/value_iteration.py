"""Value iteration on a learned model: explore, count transitions, back up V over all states.

As in the course: steps (random by default) fill a reward table and transition counts; every
``plan_every`` steps, Bellman backups over every state use the estimated probabilities. The agent acts
greedily on ``Q(s, a) = R̂(s, a) + γ Σ T̂(s, a, s') V(s')``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zoo.agents import learned_model
from zoo.agents.tabular import TabularAgent
from zoo.planning import q_from_v, value_iteration


@dataclass(frozen=True)
class ValueIterationConfig:
    """Hyperparameters of value iteration on a learned model."""

    gamma: float = 0.9
    """discount factor γ in [0, 1]"""
    epsilon_start: float = 1.0
    """exploration rate at the start (1 = random steps, as in the course)"""
    epsilon_final: float = 1.0
    """exploration rate after epsilon_decay_steps"""
    epsilon_decay_steps: int = 1
    """steps over which ε decays linearly"""
    plan_every: int = 100
    """environment steps between planning phases"""
    plan_tol: float = 1e-6
    """a planning phase stops when no value changes by more than this"""
    plan_max_sweeps: int = 1000
    """most Bellman sweeps in one planning phase"""


class ValueIterationAgent(TabularAgent):
    """Keeps counts, reward sums and a state-value table V."""

    algo = "value-iteration"
    Config = ValueIterationConfig

    def __init__(self, config: ValueIterationConfig, n_states: int, n_actions: int, seed: int = 0) -> None:
        super().__init__(config, n_states, n_actions, seed)
        self.tables = {**learned_model.empty_tables(n_states, n_actions), "v": np.zeros(n_states)}

    def q_values(self, obs) -> np.ndarray:
        T, R = learned_model.estimate({k: self.tables[k][obs] for k in ("counts", "reward_sums")})
        return q_from_v(T, R, self.tables["v"], self.config.gamma)

    def observe(self, obs, action, reward, next_obs, terminated) -> None:
        learned_model.record(self.tables, obs, action, reward, next_obs, terminated)
        self.steps_done += 1
        if self.steps_done % self.config.plan_every == 0:
            self.plan()

    def plan(self) -> None:
        """Back up V over all states on the current model, warm-started from the last values."""
        T, R = learned_model.estimate(self.tables)
        c = self.config
        V, _, sweeps = value_iteration(T, R, c.gamma, c.plan_tol, c.plan_max_sweeps, V=self.tables["v"], strict=False)
        self.last_loss = float(np.abs(V - self.tables["v"]).max())  # how much this phase moved V
        self.tables["v"] = V

    def finish(self) -> None:
        self.plan()
