"""Q-iteration on a learned model: like value iteration, but the table it backs up is Q(s, a).

``Q(s, a) <- R̂(s, a) + γ Σ T̂(s, a, s') max_a' Q(s', a')``, with the model counted from experience.
Acting needs no model lookup: the greedy action is ``argmax_a Q(s, a)``.
"""

from __future__ import annotations

import numpy as np

from zoo.agents import learned_model
from zoo.agents.configs import LearnedModelConfig
from zoo.agents.learned_model import LearnedModelAgent
from zoo.learning.planning import q_from_v
from zoo.rundir.files import Spaces

QIterationConfig = LearnedModelConfig


class QIterationAgent(LearnedModelAgent):
    """Keeps counts, reward sums and an action-value table Q."""

    algo = "q-iteration"

    def __init__(self, config: LearnedModelConfig, spaces: Spaces, seed: int = 0) -> None:
        super().__init__(config, spaces, seed)
        self.tables["q"] = np.zeros((self.n_states, self.n_actions))

    def q_values(self, obs) -> np.ndarray:
        return self.tables["q"][obs]

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
