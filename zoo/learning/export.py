"""A DQN agent's greedy policy as TorchScript, for the Open RL Leaderboard (`zoo export`).

The leaderboard scans the Hub for repos tagged ``reinforcement-learning`` and with the env id, holding an
``agent.pt`` it loads with ``torch.jit.load`` and calls on a batch of observations as the env gives them
(uint8 frame stacks ``[n, 4, 84, 84]`` for Atari, float vectors otherwise), expecting a batch of actions.
This is the one file the project writes that is not safetensors: TorchScript carries the network's code
with its weights. It is written only on request, never read by zoo itself (a pulled repo is loaded from
model.safetensors), and the card says it is there.
"""

from __future__ import annotations

import torch
from torch import nn

from zoo.errors import ZooError

LEADERBOARD_FILE = "agent.pt"


class GreedyPolicy(nn.Module):
    """``observations -> argmax_a Q(observations, a)``; vector observations are cast to float32 first."""

    def __init__(self, q: nn.Module, frames: bool) -> None:
        super().__init__()
        self.q, self.frames = q, frames

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        x = observations if self.frames else observations.float()
        return self.q(x).argmax(dim=-1)


def greedy_torchscript(agent) -> torch.jit.ScriptModule:
    """Trace the agent's online Q-network (fp32, on the CPU) behind an argmax."""
    import copy

    if getattr(agent, "algo", None) != "dqn" or agent.obs_kind == "discrete":
        raise ZooError("the leaderboard export takes a dqn agent with vector or Atari frame observations (its "
                       "network maps observations to Q-values); tabular agents and one-hot states have no such net")
    q = copy.deepcopy(agent.q).float().to("cpu", memory_format=torch.contiguous_format).eval()
    frames = agent.obs_kind == "atari"
    shape = (2, *agent.obs_shape)
    example = torch.zeros(shape, dtype=torch.uint8) if frames else torch.zeros(shape, dtype=torch.float32)
    import warnings

    with torch.no_grad(), warnings.catch_warnings():
        # torch 2.13 deprecates TorchScript for torch.export; the leaderboard loads agent.pt with torch.jit.load
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.jit.trace(GreedyPolicy(q, frames), example, check_trace=False)
