"""The algorithms the zoo can train, which environments each fits, and how to build an agent.

Agent modules import torch; the registry names them by path and imports one only when it is used, so
`zoo list` and `zoo --help` stay fast.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo.agents import configs
from zoo.errors import ZooError

if TYPE_CHECKING:  # numpy and gymnasium load only when an agent is loaded: `zoo --help` needs neither
    from zoo.rundir.files import RunConfig, Spaces


@dataclass(frozen=True)
class Algorithm:
    """An algorithm name, where its agent class lives, and a one-line description for `zoo list`."""

    name: str
    path: str
    """``module:Class`` of the agent"""
    config_class: type
    """its hyperparameters' dataclass (``zoo.agents.configs``, no torch: --help reads its fields)"""
    summary: str
    tabular: bool
    needs_model: bool = False
    """built from the env's model ``P`` (the exact planner)"""

    @property
    def agent_class(self) -> type:
        module, name = self.path.split(":")
        return getattr(importlib.import_module(module), name)


ALGORITHMS: dict[str, Algorithm] = {
    a.name: a
    for a in (
        Algorithm("planner", "zoo.agents.planner:PlannerAgent", configs.PlannerConfig,
                  "exact value iteration on the env's model P", True, needs_model=True),
        Algorithm("value-iteration", "zoo.agents.value_iteration:ValueIterationAgent",
                  configs.LearnedModelConfig, "value iteration on a model learned from steps", True),
        Algorithm("q-iteration", "zoo.agents.q_iteration:QIterationAgent", configs.LearnedModelConfig,
                  "Q-iteration on a model learned from steps", True),
        Algorithm("q-learning", "zoo.agents.q_learning:QLearningAgent", configs.QLearningConfig,
                  "tabular Q-learning with α-blended updates", True),
        Algorithm("reinforce", "zoo.agents.reinforce:ReinforceAgent", configs.ReinforceConfig,
                  "REINFORCE policy gradient with optional baseline", False),
        Algorithm("td0", "zoo.agents.td0:TD0Agent", configs.TD0Config,
                  "semi-gradient TD(0) prediction of the random policy's value", False),
        Algorithm("dqn", "zoo.agents.dqn:DQNAgent", configs.DQNConfig,
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


def build_agent(algorithm: Algorithm, config: Any, spaces: Spaces, seed: int = 0, device: str = "cpu",
                model: dict | None = None):
    """An untrained agent for ``spaces``: tabular agents take no device; the planner takes the env's ``P``."""
    cls = algorithm.agent_class
    if algorithm.needs_model:
        return cls(config, spaces, seed, model=model)
    if algorithm.tabular:
        return cls(config, spaces, seed)
    return cls(config, spaces, seed, device)


def load_run(run_dir: Path, device: str = "cpu", env_id: str | None = None):
    """``(agent, config)``: the agent a run directory describes, with its weights or tables loaded.

    With ``env_id``, check first that the agent fits that env's spaces; a mismatch names both envs.
    """
    from zoo.agents.configs import build_config
    from zoo.envs.make import require_env
    from zoo.rundir.files import check_run_dir, load_model, read_config

    check_run_dir(run_dir)
    config = read_config(run_dir)
    algorithm = get_algorithm(config.algo)
    require_env(config.env_id, config.gym_packages)
    if env_id is not None and env_id != config.env_id:
        _check_env_fits(run_dir, config, env_id)
    agent_config = build_config(algorithm.config_class, config.hyperparameters)
    agent = build_agent(algorithm, agent_config, config.spaces, seed=config.seed, device=device)
    state = load_model(run_dir / "model.safetensors")
    agent.load_state_dict({k: v.numpy() for k, v in state.items()} if algorithm.tabular else state)
    return agent, config


def _check_env_fits(run_dir: Path, config: RunConfig, env_id: str) -> None:
    from zoo.envs.make import make_env
    from zoo.rundir.files import Spaces, space_desc

    env = make_env(env_id)
    wanted = Spaces(space_desc(env.observation_space), space_desc(env.action_space))
    env.close()
    if wanted != config.spaces:
        def show(spaces: Spaces) -> str:
            obs, act = spaces.observation, spaces.action
            o = f"{obs['type']}({obs['n']})" if "n" in obs else f"{obs['type']}{tuple(obs['shape'])} {obs.get('dtype', '')}"
            return f"observations {o.strip()}, {act.get('n', '?')} actions"

        raise ZooError(f"{run_dir} holds a {config.algo} agent trained on {config.env_id} ({show(config.spaces)}), "
                       f"but {env_id} has {show(wanted)}. Use an agent trained on {env_id}.")
