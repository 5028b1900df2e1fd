"""Two states that hand the agent back and forth forever: values only exist thanks to discounting."""

from __future__ import annotations

from toy_envs.drawing import Edge
from toy_envs.tabular_mdp import TabularMDPEnv


class LoopEnv(TabularMDPEnv):
    """
    ## Description
    State 0 always moves to state 1 and state 1 always moves back to 0. Nothing terminates, so
    undiscounted values are infinite; with γ=0.9, V(0) = (1 + 0.9·2)/(1 − 0.81) ≈ 14.737 and
    V(1) = (2 + 0.9·1)/0.19 ≈ 15.263.

    ## Action Space
    `Discrete(1)`: 0 = go (the only action).

    ## Observation Space
    `Discrete(2)`.

    ## Starting State
    Always state 0.

    ## Rewards
    0 → 1 gives `rewards[0]` (+1); 1 → 0 gives `rewards[1]` (+2).

    ## Episode End
    Never terminated; truncated by the time limit (`max_episode_steps`, 100 by default). Learners must
    bootstrap through that truncation.

    ## Arguments
    `gym.make("toy/Loop-v0", rewards=(1, 2), max_episode_steps=100, render_mode=None)`
    """

    def __init__(self, rewards: tuple[float, float] = (1.0, 2.0), render_mode: str | None = None) -> None:
        P = {0: {0: [(1.0, 1, float(rewards[0]), False)]}, 1: {0: [(1.0, 0, float(rewards[1]), False)]}}
        edges = [Edge(0, 1, f"{rewards[0]:+g}"), Edge(1, 0, f"{rewards[1]:+g}")]
        super().__init__(P, 0, ("go",), [(0.15, 0.5), (0.85, 0.5)], edges, render_mode)
