"""The three-state trap: a greedy step now leads to a large penalty later."""

from __future__ import annotations

from toy_envs.drawing import Edge
from toy_envs.tabular_mdp import TabularMDPEnv

RIGHT, DOWN = 0, 1


class TrapEnv(TabularMDPEnv):
    """
    ## Description
    From the start state the agent either goes right, collecting a small reward and ending the episode,
    or goes down for a larger reward into a state whose only exit carries a large penalty. A greedy
    one-step learner falls into the trap; a Bellman backup does not. With γ=1 and the default rewards
    V(0)=1, Q(0, right)=1, Q(0, down)=−18.

    ## Action Space
    `Discrete(2)`: 0 = right, 1 = down. In state 2 both actions lead to the penalty.

    ## Observation Space
    `Discrete(4)`: the state index. 1 and 3 are terminal.

    ## Starting State
    Always state 0.

    ## Rewards
    right from 0: `right_reward` (+1); down from 0: `down_reward` (+2); any action from 2:
    `trap_reward` (−20).

    ## Episode End
    Terminated on reaching state 1 or state 3; episodes last one or two steps.

    ## Arguments
    `gym.make("toy/Trap-v0", right_reward=1.0, down_reward=2.0, trap_reward=-20.0, render_mode=None)`
    """

    def __init__(
        self,
        right_reward: float = 1.0,
        down_reward: float = 2.0,
        trap_reward: float = -20.0,
        render_mode: str | None = None,
    ) -> None:
        P = {
            0: {RIGHT: [(1.0, 1, right_reward, True)], DOWN: [(1.0, 2, down_reward, False)]},
            1: {RIGHT: [(1.0, 1, 0.0, True)], DOWN: [(1.0, 1, 0.0, True)]},
            2: {RIGHT: [(1.0, 3, trap_reward, True)], DOWN: [(1.0, 3, trap_reward, True)]},
            3: {RIGHT: [(1.0, 3, 0.0, True)], DOWN: [(1.0, 3, 0.0, True)]},
        }
        edges = [
            Edge(0, 1, f"right {right_reward:+g}"),
            Edge(0, 2, f"down {down_reward:+g}"),
            Edge(2, 3, f"any {trap_reward:+g}"),
        ]
        positions = [(0.2, 0.15), (0.85, 0.15), (0.2, 0.95), (0.85, 0.95)]
        super().__init__(P, 0, ("right", "down"), positions, edges, render_mode)
