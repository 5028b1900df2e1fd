"""The algorithms the zoo can train, which environments each fits, and how to build an agent.

Agent modules import torch; the registry names them by path and imports one only when it is used, so
`zoo list` and `zoo --help` stay fast.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zoo.errors import ZooError

if TYPE_CHECKING:
    from zoo.agents.contract import Spaces


@dataclass(frozen=True)
class Algorithm:
    """An algorithm name, where its agent class lives, and a one-line description for `zoo list`."""

    name: str
    path: str
    """``module:Class`` of the agent"""
    config_path: str
    """``module:Class`` of its config dataclass (read without importing, for --help)"""
    summary: str
    tabular: bool
    needs_model: bool = False
    """built from the env's model ``P`` (the exact planner)"""

    @property
    def agent_class(self) -> type:
        module, name = self.path.split(":")
        return getattr(importlib.import_module(module), name)

    @property
    def config_class(self) -> type:
        module, name = self.config_path.split(":")
        return getattr(importlib.import_module(module), name)


ALGORITHMS: dict[str, Algorithm] = {
    a.name: a
    for a in (
        Algorithm("planner", "zoo.agents.planner:PlannerAgent", "zoo.agents.planner:PlannerConfig",
                  "exact value iteration on the env's model P", True, needs_model=True),
        Algorithm("value-iteration", "zoo.agents.value_iteration:ValueIterationAgent",
                  "zoo.agents.learned_model:LearnedModelConfig", "value iteration on a model learned from steps", True),
        Algorithm("q-iteration", "zoo.agents.q_iteration:QIterationAgent", "zoo.agents.learned_model:LearnedModelConfig",
                  "Q-iteration on a model learned from steps", True),
        Algorithm("q-learning", "zoo.agents.q_learning:QLearningAgent", "zoo.agents.q_learning:QLearningConfig",
                  "tabular Q-learning with α-blended updates", True),
        Algorithm("reinforce", "zoo.agents.reinforce:ReinforceAgent", "zoo.agents.reinforce:ReinforceConfig",
                  "REINFORCE policy gradient with optional baseline", False),
        Algorithm("td0", "zoo.agents.td0:TD0Agent", "zoo.agents.td0:TD0Config",
                  "semi-gradient TD(0) prediction of the random policy's value", False),
        Algorithm("dqn", "zoo.agents.dqn:DQNAgent", "zoo.agents.dqn:DQNConfig",
                  "DQN with Double, Dueling, n-step, Polyak/hard targets (MLP, Nature or 2013 CNN)", False),
    )
}


def get_algorithm(name: str) -> Algorithm:
    """The algorithm called ``name``, or a ZooError listing the known ones."""
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise ZooError(f"unknown algorithm {name!r}; choose one of: {', '.join(ALGORITHMS)}") from None


def check_fits(algorithm: Algorithm, env, env_id: str) -> None:
    """Raise ZooError when ``algorithm`` cannot work on ``env``'s spaces (or lacks the model it needs)."""
    import gymnasium as gym

    obs_space, act_space = env.observation_space, env.action_space
    if algorithm.tabular and not (isinstance(obs_space, gym.spaces.Discrete) and isinstance(act_space, gym.spaces.Discrete)):
        raise ZooError(
            f"{algorithm.name} is tabular and needs discrete observations and actions, but {env_id} has "
            f"observations {describe(obs_space)} and actions {describe(act_space)}. "
            "Use a deep agent (`zoo list`) for this env."
        )
    if not algorithm.tabular and not isinstance(act_space, gym.spaces.Discrete):
        raise ZooError(f"{algorithm.name} needs discrete actions, but {env_id} has actions {describe(act_space)}")
    if algorithm.needs_model and getattr(env.unwrapped, "P", None) is None:
        raise ZooError(f"{env_id} exposes no model P; the {algorithm.name} needs one. "
                       "Use value-iteration, q-iteration or q-learning, which learn from experience.")


def describe(space) -> str:
    """A short name for a space: ``Discrete(4)`` or ``Box(shape=(4,))``."""
    n = getattr(space, "n", None)
    if type(space).__name__ == "Discrete":
        return f"Discrete({n})"
    return f"{type(space).__name__}(shape={space.shape})"


def space_desc(space) -> dict[str, Any]:
    """A JSON description of a space for config.json; agents are rebuilt from it."""
    if type(space).__name__ == "Discrete":
        return {"type": "Discrete", "n": int(space.n)}
    return {"type": type(space).__name__, "shape": list(space.shape or ()), "dtype": str(space.dtype)}


def build_agent(algorithm: Algorithm, config: Any, spaces: "Spaces", seed: int = 0, device: str = "cpu",
                model: dict | None = None):
    """An untrained agent for ``spaces``: tabular agents take no device; the planner takes the env's ``P``."""
    cls = algorithm.agent_class
    if algorithm.needs_model:
        return cls(config, spaces, seed, model=model)
    if algorithm.tabular:
        return cls(config, spaces, seed)
    return cls(config, spaces, seed, device)
