"""Tabular Q-learning: blend each Q(s, a) towards its one-step TD target.

``Q(s, a) <- (1 - α) Q(s, a) + α (r + γ max_a' Q(s', a'))``, with no bootstrap after a termination
(but through a time-limit truncation). α decays linearly to ``alpha_final``, or as 1/n(s, a) per
pair, so that the estimates settle instead of tracking the latest noisy targets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zoo.agents.contract import Spaces
from zoo.agents.tabular import TabularAgent
from zoo.learning.schedules import linear_schedule
from zoo.learning.targets import td_target


@dataclass(frozen=True)
class QLearningConfig:
    """Hyperparameters of tabular Q-learning."""

    gamma: float = 0.9
    """discount factor γ in [0, 1]"""
    alpha: float = 0.2
    """learning rate α at the start, in (0, 1]"""
    alpha_final: float = 0.2
    """learning rate after alpha_decay_steps (equal to alpha: constant, as in the course)"""
    alpha_decay_steps: int = 1
    """steps over which α decays linearly"""
    alpha_per_visit: bool = False
    """use α = max(alpha_final, 1/n(s, a)) instead: the sample mean of each pair's targets"""
    epsilon_start: float = 1.0
    """exploration rate at the start"""
    epsilon_final: float = 0.05
    """exploration rate after epsilon_decay_steps"""
    epsilon_decay_steps: int = 10_000
    """steps over which ε decays linearly"""


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
