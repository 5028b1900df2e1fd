"""Q-iteration on a learned model: like value iteration, but the table it backs up is Q(s, a).

``Q(s, a) <- R̂(s, a) + γ Σ T̂(s, a, s') max_a' Q(s', a')``, with the model counted from experience.
Acting needs no model lookup: the greedy action is ``argmax_a Q(s, a)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zoo.agents import learned_model
from zoo.agents.tabular import TabularAgent
from zoo.planning import q_from_v


@dataclass(frozen=True)
class QIterationConfig:
    """Hyperparameters of Q-iteration on a learned model."""

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
    """a planning phase stops when no Q value changes by more than this"""
    plan_max_sweeps: int = 1000
    """most Bellman sweeps in one planning phase"""


class QIterationAgent(TabularAgent):
    """Keeps counts, reward sums and an action-value table Q."""

    algo = "q-iteration"
    Config = QIterationConfig

    def __init__(self, config: QIterationConfig, n_states: int, n_actions: int, seed: int = 0) -> None:
        super().__init__(config, n_states, n_actions, seed)
        self.tables = {**learned_model.empty_tables(n_states, n_actions), "q": np.zeros((n_states, n_actions))}

    def q_values(self, obs) -> np.ndarray:
        return self.tables["q"][obs]

    def observe(self, obs, action, reward, next_obs, terminated) -> None:
        learned_model.record(self.tables, obs, action, reward, next_obs, terminated)
        self.steps_done += 1
        if self.steps_done % self.config.plan_every == 0:
            self.plan()

    def plan(self) -> None:
        """Sweep ``Q <- R̂ + γ T̂ max Q`` over all (state, action) pairs until it settles."""
        T, R = learned_model.estimate(self.tables)
        c, Q = self.config, self.tables["q"]
        start = Q
        for _ in range(c.plan_max_sweeps):
            new_Q = q_from_v(T, R, Q.max(axis=1), c.gamma)
            delta = np.abs(new_Q - Q).max(initial=0.0)
            Q = new_Q
            if delta < c.plan_tol:
                break
        self.last_loss = float(np.abs(Q - start).max(initial=0.0))
        self.tables["q"] = Q

    def finish(self) -> None:
        self.plan()
