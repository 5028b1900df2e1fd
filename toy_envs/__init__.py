"""Small MDPs with their full model, registered with Gymnasium on import.

>>> import gymnasium as gym, toy_envs
>>> env = gym.make("toy/Trap-v0")
>>> env.unwrapped.P[0][1]
[(1.0, 2, 2.0, False)]

``gym.make("toy_envs:toy/Trap-v0")`` imports this package itself.
"""

from gymnasium.envs.registration import register, registry

from toy_envs.baird import BairdEnv
from toy_envs.loop import LoopEnv
from toy_envs.slippery import SlipperyEnv
from toy_envs.tabular_mdp import TabularMDPEnv
from toy_envs.trap import TrapEnv

__all__ = ["TabularMDPEnv", "TrapEnv", "SlipperyEnv", "LoopEnv", "BairdEnv", "ENV_IDS"]

ENV_IDS = ("toy/Trap-v0", "toy/Slippery-v0", "toy/Loop-v0", "toy/Baird-v0")

_ENTRY_POINTS = {
    "toy/Trap-v0": ("toy_envs.trap:TrapEnv", None),
    "toy/Slippery-v0": ("toy_envs.slippery:SlipperyEnv", None),
    "toy/Loop-v0": ("toy_envs.loop:LoopEnv", 100),
    "toy/Baird-v0": ("toy_envs.baird:BairdEnv", 1000),
}

for _env_id, (_entry_point, _limit) in _ENTRY_POINTS.items():
    if _env_id not in registry:  # importing twice (e.g. via "toy_envs:...") must not warn
        register(id=_env_id, entry_point=_entry_point, max_episode_steps=_limit)
