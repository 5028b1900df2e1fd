"""Value iteration on a learned model: explore, count transitions, back up V over all states.

As in the course: steps (random by default) fill a reward table and transition counts; every
``plan_every`` steps, Bellman backups over every state use the estimated probabilities. The agent acts
greedily on ``Q(s, a) = R̂(s, a) + γ Σ T̂(s, a, s') V(s')``.
"""

from __future__ import annotations

import numpy as np

from zoo.agents import learned_model
from zoo.agents.configs import LearnedModelConfig
from zoo.agents.learned_model import LearnedModelAgent
from zoo.learning.planning import q_from_v, value_iteration
from zoo.rundir.files import Spaces

ValueIterationConfig = LearnedModelConfig


class ValueIterationAgent(LearnedModelAgent):
    """Keeps counts, reward sums and a state-value table V."""

    algo = "value-iteration"

    def __init__(self, config: LearnedModelConfig, spaces: Spaces, seed: int = 0) -> None:
        super().__init__(config, spaces, seed)
        self.tables["v"] = np.zeros(self.n_states)

    def q_values(self, obs) -> np.ndarray:
        T, R = learned_model.estimate({k: self.tables[k][obs] for k in ("counts", "reward_sums")})
        return q_from_v(T, R, self.tables["v"], self.config.gamma)

    def plan(self) -> None:
        """Back up V over all states on the current model, warm-started from the last values."""
        T, R = learned_model.estimate(self.tables)
        c = self.config
        V, _, _ = value_iteration(T, R, c.gamma, c.plan_tol, c.plan_max_sweeps, V=self.tables["v"], strict=False)
        self.last_loss = float(np.abs(V - self.tables["v"]).max())  # how much this phase moved V
        self.tables["v"] = V
