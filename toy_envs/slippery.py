"""A one-step slippery choice between four rewarding targets, FrozenLake's slip in miniature."""

from __future__ import annotations

from typing import Sequence

from toy_envs.drawing import Edge
from toy_envs.tabular_mdp import TabularMDPEnv

ACTION_NAMES = ("up", "right", "down", "left")


class SlipperyEnv(TabularMDPEnv):
    """
    ## Description
    A centre state 0 surrounded by four terminal targets: 1 above, 2 to the right, 3 below, 4 to the
    left. A move reaches its intended target with probability `p`, and slips to either neighbour of it
    (to the left or right of the move) with probability (1−p)/2 each. With γ=1, p=1/3 and the default
    rewards, Q(0,·) = (7/3, 2, 3, 8/3) and V(0)=3: the best move is down, not left towards the largest
    reward.

    ## Action Space
    `Discrete(4)`: 0 = up, 1 = right, 2 = down, 3 = left.

    ## Observation Space
    `Discrete(5)`: 0 is the centre, 1..4 are the terminal targets.

    ## Starting State
    Always state 0.

    ## Rewards
    Reaching target k gives `rewards[k-1]`: by default +1 up, +2 right, +3 down, +4 left.

    ## Episode End
    Terminated after the first move.

    ## Arguments
    `gym.make("toy/Slippery-v0", p=1/3, rewards=(1, 2, 3, 4), render_mode=None)`
    """

    def __init__(
        self, p: float = 1 / 3, rewards: Sequence[float] = (1.0, 2.0, 3.0, 4.0), render_mode: str | None = None
    ) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must be a probability in [0, 1], got {p}")
        if len(rewards) != 4:
            raise ValueError(f"rewards must give one reward per target (4 values), got {len(rewards)}")
        self.p = p
        slip = (1.0 - p) / 2
        P: dict = {0: {}}
        for a in range(4):
            outcomes = [(a, p), ((a - 1) % 4, slip), ((a + 1) % 4, slip)]
            P[0][a] = [(prob, d + 1, float(rewards[d]), True) for d, prob in outcomes if prob > 0]
        for target in range(1, 5):
            P[target] = {a: [(1.0, target, 0.0, True)] for a in range(4)}
        edges = [Edge(0, k + 1, f"{rewards[k]:+g}") for k in range(4)]
        positions = [(0.5, 0.5), (0.5, 0.0), (0.9, 0.5), (0.5, 1.0), (0.1, 0.5)]
        super().__init__(P, 0, ACTION_NAMES, positions, edges, render_mode)
