"""Baird's counterexample (Sutton & Barto, 2nd ed., figure 11.1): off-policy semi-gradient TD diverges."""

from __future__ import annotations

import numpy as np

from toy_envs.drawing import Edge
from toy_envs.tabular_mdp import TabularMDPEnv

DASHED, SOLID = 0, 1


def baird_features() -> np.ndarray:
    """The 7×8 feature matrix: v(s_i) = 2·w_i + w_8 for the six upper states, w_7 + 2·w_8 for the seventh."""
    x = np.zeros((7, 8))
    for i in range(6):
        x[i, i], x[i, 7] = 2.0, 1.0
    x[6, 6], x[6, 7] = 1.0, 2.0
    return x


class BairdEnv(TabularMDPEnv):
    """
    ## Description
    Seven states and two actions with reward 0 everywhere, so every true value is 0. The "dashed"
    action moves to one of the six upper states uniformly; the "solid" action moves to the seventh.
    With the linear features ``features`` (8 weights for 7 states, so v = 0 is representable exactly),
    off-policy semi-gradient TD(0) — behaviour 6/7 dashed, target always solid — drives the weights to
    infinity, while on-policy updates stay bounded.

    ## Action Space
    `Discrete(2)`: 0 = dashed, 1 = solid.

    ## Observation Space
    `Discrete(7)`: 0..5 are the upper states, 6 the lower one. `env.unwrapped.features[s]` is the
    feature vector of state s.

    ## Starting State
    Uniform over the seven states.

    ## Rewards
    Always 0.

    ## Episode End
    Never terminates; truncated by the time limit (1000 steps by default).

    ## Arguments
    `gym.make("toy/Baird-v0", render_mode=None)`
    """

    def __init__(self, render_mode: str | None = None) -> None:
        P = {s: {DASHED: [(1 / 6, j, 0.0, False) for j in range(6)], SOLID: [(1.0, 6, 0.0, False)]} for s in range(7)}
        edges = [Edge(i, 6, "") for i in range(6)] + [Edge(6, 0, "dashed: to 0..5")]
        positions = [(i / 5, 0.0) for i in range(6)] + [(0.5, 1.0)]
        super().__init__(P, 0, ("dashed", "solid"), positions, edges, render_mode, start_probs=np.full(7, 1 / 7))
        self.features = baird_features()
