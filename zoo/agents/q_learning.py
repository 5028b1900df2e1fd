"""Tabular Q-learning: blend each Q(s, a) towards its one-step TD target.

``Q(s, a) <- (1 - α) Q(s, a) + α (r + γ max_a' Q(s', a'))``, with no bootstrap after a termination
(but through a time-limit truncation). α decays linearly to ``alpha_final``, or as 1/n(s, a) per
pair, so that the estimates settle instead of tracking the latest noisy targets.
"""

from __future__ import annotations

import numpy as np

from zoo.agents.configs import QLearningConfig
from zoo.agents.tabular import TabularAgent
from zoo.learning.schedules import linear_schedule
from zoo.learning.targets import td_target
from zoo.rundir.files import Spaces


class QLearningAgent(TabularAgent):
    """Keeps one table Q[s, a]."""

    algo = "q-learning"
    Config = QLearningConfig

    def __init__(self, config: QLearningConfig, spaces: Spaces, seed: int = 0) -> None:
        super().__init__(config, spaces, seed)
        shape = (self.n_states, self.n_actions)
        self.tables = {"q": np.zeros(shape), "visits": np.zeros(shape)}

    def q_values(self, obs) -> np.ndarray:
        return self.tables["q"][obs]

    def alpha(self, obs: int, action: int) -> float:
        """The learning rate for the next update of (obs, action)."""
        c = self.config
        if c.alpha_per_visit:
            return max(c.alpha_final, 1.0 / self.tables["visits"][obs, action])
        return linear_schedule(c.alpha, c.alpha_final, c.alpha_decay_steps, self.steps_done)

    def update(self, obs, action, reward, next_obs, terminated) -> None:
        Q = self.tables["q"]
        target = td_target(reward, Q[next_obs].max(), terminated, self.config.gamma)
        error = target - Q[obs, action]
        self.tables["visits"][obs, action] += 1
        Q[obs, action] += self.alpha(obs, action) * error
        self.last_loss = float(error * error)
        self.steps_done += 1
