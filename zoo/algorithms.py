"""The algorithms the zoo can train, and which environments each fits."""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym

from zoo.agents.dqn import DQNAgent
from zoo.agents.planner import PlannerAgent
from zoo.agents.q_iteration import QIterationAgent
from zoo.agents.q_learning import QLearningAgent
from zoo.agents.reinforce import ReinforceAgent
from zoo.agents.td0 import TD0Agent
from zoo.agents.value_iteration import ValueIterationAgent
from zoo.errors import ZooError


@dataclass(frozen=True)
class Algorithm:
    """An algorithm name, its agent class, and a one-line description for `zoo list`."""

    name: str
    agent_class: type
    summary: str
    tabular: bool


ALGORITHMS: dict[str, Algorithm] = {
    a.name: a
    for a in (
        Algorithm("planner", PlannerAgent, "exact value iteration on the env's model P", True),
        Algorithm("value-iteration", ValueIterationAgent, "value iteration on a model learned from steps", True),
        Algorithm("q-iteration", QIterationAgent, "Q-iteration on a model learned from steps", True),
        Algorithm("q-learning", QLearningAgent, "tabular Q-learning with α-blended updates", True),
        Algorithm("reinforce", ReinforceAgent, "REINFORCE policy gradient with optional baseline", False),
        Algorithm("td0", TD0Agent, "semi-gradient TD(0) prediction of the random policy's value", False),
        Algorithm("dqn", DQNAgent, "DQN with Double, Dueling, n-step, Polyak/hard targets (MLP or Nature CNN)", False),
    )
}


def get_algorithm(name: str) -> Algorithm:
    """The algorithm called ``name``, or a ZooError listing the known ones."""
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise ZooError(f"unknown algorithm {name!r}; choose one of: {', '.join(ALGORITHMS)}") from None


def check_fits(algorithm: Algorithm, env: gym.Env, env_id: str) -> None:
    """Raise ZooError when ``algorithm`` cannot work on ``env``'s spaces."""
    obs_space, act_space = env.observation_space, env.action_space
    if algorithm.tabular and not (isinstance(obs_space, gym.spaces.Discrete) and isinstance(act_space, gym.spaces.Discrete)):
        raise ZooError(
            f"{algorithm.name} is tabular and needs discrete observations and actions, but {env_id} has "
            f"observations {describe(obs_space)} and actions {describe(act_space)}. "
            "Use a deep agent (`zoo list`) for this env."
        )
    if not algorithm.tabular and not isinstance(act_space, gym.spaces.Discrete):
        raise ZooError(f"{algorithm.name} needs discrete actions, but {env_id} has actions {describe(act_space)}")


def describe(space: gym.Space) -> str:
    """A short name for a space: ``Discrete(4)`` or ``Box(shape=(4,))``."""
    if isinstance(space, gym.spaces.Discrete):
        return f"Discrete({space.n})"
    return f"{type(space).__name__}(shape={space.shape})"


def space_desc(space: gym.Space) -> dict:
    """A JSON description of a space for config.json; agents are rebuilt from it."""
    if isinstance(space, gym.spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n)}
    return {"type": type(space).__name__, "shape": list(space.shape or ()), "dtype": str(space.dtype)}


def build_agent(algorithm: Algorithm, config, obs_desc: dict, act_desc: dict, seed: int = 0, device: str = "cpu"):
    """An untrained agent for spaces described as in config.json (``{"type": "Discrete", "n": 16}``).

    Tabular agents take the numbers of states and actions; deep agents the descriptions and a device.
    """
    if algorithm.tabular:
        return algorithm.agent_class(config, int(obs_desc["n"]), int(act_desc["n"]), seed)
    return algorithm.agent_class(config, obs_desc, act_desc, seed, device)
