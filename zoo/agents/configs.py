"""The algorithms' hyperparameters as frozen dataclasses, and building one from defaults, a preset and
command-line overrides, with checks.

Each field carries its one-line doc in its metadata (``hp``), which `zoo train ALGO --help` shows; this
module imports neither torch nor numpy, so building the command line costs nothing.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from zoo.errors import ZooError

# Ranges by field name, shared by every algorithm's config: (low, high, low inclusive).
_RANGES: dict[str, tuple[float, float, bool]] = {
    "gamma": (0.0, 1.0, True),
    "alpha": (0.0, 1.0, False),
    "alpha_final": (0.0, 1.0, True),
    "epsilon_start": (0.0, 1.0, True),
    "epsilon_final": (0.0, 1.0, True),
    "tol": (0.0, float("inf"), False),
    "priority_alpha": (0.0, 1.0, True),
    "priority_beta": (0.0, 1.0, True),
    "advantage_learning": (0.0, 1.0, True),
    "anchor_weight": (0.0, 1e6, True),
    "anchor_margin": (0.0, 1e6, True),
    "learning_rate_final": (0.0, 1.0, True),
    "plan_tol": (0.0, float("inf"), False),
}
_AT_LEAST_ONE = ("plan_every", "plan_max_sweeps")
# Upper bounds, so that a typo or a hostile config.json fails here with a message instead of exhausting
# memory later (a 10^14-transition replay, a 10^11-unit layer).
_AT_MOST: dict[str, int] = {
    "buffer_size": 10_000_000, "batch_size": 65_536, "num_envs": 256, "n_step": 1_000, "gradient_steps": 10_000,
    "augment_shift": 16, "quantiles": 1_000,
    "plan_max_sweeps": 1_000_000,
}
MAX_LAYER, MAX_LAYERS = 16_384, 16


def hp(default: Any, doc: str) -> Any:
    """A hyperparameter: its default and the one line `zoo train ALGO --help` shows for it."""
    return dataclasses.field(default=default, metadata={"doc": doc})


def doc(f: dataclasses.Field) -> str:
    """The help line of a config field."""
    return f.metadata.get("doc", "")


@dataclasses.dataclass(frozen=True)
class PlannerConfig:
    """Hyperparameters of exact value iteration."""

    gamma: float = hp(0.99, "discount factor γ in [0, 1]")
    tol: float = hp(1e-10, "stop when no state value changes by more than this")


@dataclasses.dataclass(frozen=True)
class LearnedModelConfig:
    """Hyperparameters of planning on a learned model (value iteration and Q-iteration alike)."""

    gamma: float = hp(0.9, "discount factor γ in [0, 1]")
    epsilon_start: float = hp(1.0, "exploration rate at the start (1 = random steps, as in the course)")
    epsilon_final: float = hp(1.0, "exploration rate after epsilon_decay_steps")
    epsilon_decay_steps: int = hp(1, "steps over which ε decays linearly")
    plan_every: int = hp(100, "environment steps between planning phases")
    plan_tol: float = hp(1e-6, "a planning phase stops when no value changes by more than this")
    plan_max_sweeps: int = hp(1000, "most Bellman sweeps in one planning phase")


@dataclasses.dataclass(frozen=True)
class QLearningConfig:
    """Hyperparameters of tabular Q-learning."""

    gamma: float = hp(0.9, "discount factor γ in [0, 1]")
    alpha: float = hp(0.2, "learning rate α at the start, in (0, 1]")
    alpha_final: float = hp(0.2, "learning rate after alpha_decay_steps (equal to alpha: constant, as in the course)")
    alpha_decay_steps: int = hp(1, "steps over which α decays linearly")
    alpha_per_visit: bool = hp(False,
                              "use α = max(alpha_final, 1/n(s, a)) instead: the sample mean of each pair's targets")
    epsilon_start: float = hp(1.0, "exploration rate at the start")
    epsilon_final: float = hp(0.05, "exploration rate after epsilon_decay_steps")
    epsilon_decay_steps: int = hp(10_000, "steps over which ε decays linearly")


@dataclasses.dataclass(frozen=True)
class DQNConfig:
    """Hyperparameters of DQN and its extensions."""

    gamma: float = hp(0.99, "discount factor γ in [0, 1]")
    learning_rate: float = hp(1e-3, "Adam learning rate")
    learning_rate_final: float = hp(0.0, "with learning_rate_decay_steps: the rate it falls to, linearly")
    learning_rate_decay_steps: int = hp(0, "environment steps over which the learning rate falls linearly from "
                                           "learning_rate to learning_rate_final, then stays (0: it stays at "
                                           "learning_rate; RL Zoo's and CleanRL's linear schedule)")
    adam_eps: float = hp(1e-8,
                        "Adam's ε: larger values (Rainbow's 1.5e-4) damp steps of parameters whose gradients are tiny")
    buffer_size: int = hp(50_000, "replay capacity in transitions")
    batch_size: int = hp(64, "transitions per gradient step")
    learning_starts: int = hp(1_000, "environment steps of random-ish play before the first update")
    train_freq: int = hp(1, "vector steps (one step of every env) between gradient phases")
    gradient_steps: int = hp(1, "gradient steps per phase")
    target_update_interval: int = hp(500, "environment steps (all envs together) between target-network updates, "
                                          "counted as Stable-Baselines3 and RL Zoo count them")
    tau: float = hp(1.0, "target update weight: 1 copies the online net (hard sync), < 1 is a Polyak average")
    epsilon_start: float = hp(1.0, "exploration rate at the start")
    epsilon_final: float = hp(0.05, "exploration rate at the end of the decay")
    epsilon_decay_steps: int = hp(10_000, "environment steps of the decay (linear), or its time constant (exponential)")
    epsilon_schedule: str = hp("linear", "linear or exponential")
    loss: str = hp("huber", "huber or mse")
    max_grad_norm: float = hp(10.0, "clip the gradient norm to this (0: no clipping)")
    double: bool = hp(True, "Double DQN: the online net picks the next action, the target net values it")
    dueling: bool = hp(False, "dueling head: Q = V + A - mean(A)")
    n_step: int = hp(1, "steps summed before bootstrapping (n-step returns)")
    priority_alpha: float = hp(0.0, "prioritized replay (Schaul et al. 2016): draw transitions in proportion to "
                                    "|TD error|^α; 0 draws uniformly (Rainbow: 0.5)")
    priority_beta: float = hp(0.4, "prioritized replay's importance-sampling exponent β at the start; it rises "
                                   "linearly to 1 over priority_beta_steps")
    priority_beta_steps: int = hp(1_000_000, "environment steps over which β rises to 1")
    advantage_learning: float = hp(0.0, "advantage learning's α (Bellemare et al. 2016): each target lowered by α "
                                        "times its action's shortfall from the best one (target net), which widens "
                                        "the gaps between actions' values; 0 is the plain Bellman target (paper: 0.9)")
    quantiles: int = hp(0, "QR-DQN (Dabney et al. 2018): learn this many quantiles of the return per action with "
                           "the quantile Huber loss and act on their mean; with --init-from a plain DQN agent, each "
                           "of its Q-values starts every quantile. 0 learns the mean alone (paper and SB3-contrib: "
                           "200)")
    anchor_weight: float = hp(0.0, "with --init-from: the loss adds this times the mean squared difference between "
                                   "the online net's Q-values on the sampled states and the starting agent's, so a "
                                   "fine-tune stays near the agent it started from (kickstarting, Schmitt et al. "
                                   "2018, with the start as teacher); 0 is plain DQN")
    anchor_margin: float = hp(0.0, "with anchor_weight: hold only the starting agent's greedy choice instead of all "
                                   "its Q-values. The term becomes DQfD's large-margin loss (Hester et al. 2018) with "
                                   "the start as demonstrator: the mean over sampled states of max_a [Q(s, a) + m if "
                                   "a is not the start's greedy action] - Q(s, start's action), 0 once that action "
                                   "leads every other by m; 0 keeps the squared difference (DQfD: 0.8)")
    anchor_decay_steps: int = hp(0, "environment steps over which anchor_weight falls linearly to 0 (0: it stays)")
    augment_shift: int = hp(0, "Atari: train on frame stacks shifted by up to this many pixels each way, edge "
                               "padded (DrQ's random shift: 4); 0 trains on the frames as they are")
    hidden: str = hp("256,256", "hidden layer sizes of the MLP, comma-separated (unused by the Atari CNN)")
    cnn: str = hp("nature",
                 "CNN for Atari frames: nature (Mnih et al. 2015), small (Mnih et al. 2013, a third of the compute) "
                 "or wide (small at twice its width; --init-from a small-CNN agent widens it, its play kept)")
    num_envs: int = hp(1, "parallel environments collecting experience")
    precision: str = hp("auto",
                       "fp32, bf16 (autocast) or auto: bf16 for the CNN where the CPU has native bf16 "
                       "(AVX512-BF16/AMX), else fp32")


@dataclasses.dataclass(frozen=True)
class ReinforceConfig:
    """Hyperparameters of REINFORCE."""

    gamma: float = hp(0.99, "discount factor γ in [0, 1]")
    learning_rate: float = hp(0.01, "Adam learning rate of the policy (and the baseline)")
    hidden: str = hp("64", "hidden layer sizes of the policy and baseline MLPs, comma-separated")
    num_envs: int = hp(8, "parallel envs; each update uses one finished episode from every env")
    baseline: bool = hp(True, "subtract a learned V(s) from the returns")
    normalize_returns: bool = hp(True, "scale the (baseline-subtracted) returns to mean 0, std 1 within each update")
    entropy_coef: float = hp(0.0, "weight of an entropy bonus (0: none)")
    max_grad_norm: float = hp(0.0, "clip the gradient norm to this (0: no clipping)")


@dataclasses.dataclass(frozen=True)
class TD0Config:
    """Hyperparameters of semi-gradient TD(0) prediction."""

    gamma: float = hp(0.95, "discount factor γ in [0, 1]")
    learning_rate: float = hp(1e-3, "Adam learning rate")
    hidden: str = hp("64,64", "hidden layer sizes of the value MLP, comma-separated")
    num_envs: int = hp(8, "parallel envs; each step's transitions form one minibatch")
    policy: str = hp("random", "the policy whose value is predicted: random (uniform over actions)")


def build_config(config_class: type, overrides: dict[str, Any]) -> Any:
    """``config_class(**overrides)`` after checking names, types and ranges; errors are ZooErrors."""
    fields = {f.name: f for f in dataclasses.fields(config_class)}
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise ZooError(f"unknown hyperparameter(s) {', '.join(unknown)}; this algorithm has: {', '.join(fields)}")
    values = {}
    for name, value in overrides.items():
        default = fields[name].default
        try:
            values[name] = _coerce(value, type(default))
        except (TypeError, ValueError):
            raise ZooError(f"hyperparameter {name}={value!r} is not a {type(default).__name__}") from None
    config = config_class(**values)
    check_ranges(config)
    return config


def check_ranges(config: Any) -> None:
    """Raise ZooError for a value outside its valid range (γ outside [0, 1], negative step counts, ...)."""
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ZooError(f"{f.name}={value} must be a finite number")
        if f.name in _AT_MOST and value > _AT_MOST[f.name]:
            raise ZooError(f"{f.name}={value:,} is larger than this zoo allows ({_AT_MOST[f.name]:,})")
        if f.name == "hidden":
            _check_hidden(value)
        if f.name in _RANGES:
            low, high, inclusive = _RANGES[f.name]
            if not ((low <= value if inclusive else low < value) and value <= high):
                bracket = "[" if inclusive else "("
                raise ZooError(f"{f.name}={value} is outside its valid range {bracket}{low:g}, {high:g}]")
        elif f.name.endswith("_steps") and value < 0:
            raise ZooError(f"{f.name}={value} must not be negative")
        elif f.name in _AT_LEAST_ONE and value < 1:
            raise ZooError(f"{f.name}={value} must be at least 1")


def _check_hidden(text: str) -> None:
    try:
        sizes = [int(x) for x in str(text).split(",") if x.strip()]
    except ValueError:
        raise ZooError(f"hidden={text!r}: give layer sizes like 256,256") from None
    if any(n < 1 for n in sizes):
        raise ZooError(f"hidden={text!r}: give layer sizes like 256,256")
    if len(sizes) > MAX_LAYERS or any(n > MAX_LAYER for n in sizes):
        raise ZooError(f"hidden={text!r}: at most {MAX_LAYERS} layers of at most {MAX_LAYER:,} units")


def _coerce(value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, str):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        return bool(value)
    if kind is int and isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    if kind is int and isinstance(value, str):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(value)
        return int(number) if number.is_integer() else int(value)
    if kind is int and isinstance(value, bool):
        raise ValueError(value)
    if kind in (int, float) and not isinstance(value, (int, float, str)):
        raise TypeError(value)  # a list or an object from a hostile config.json
    if kind is str and not isinstance(value, (str, int, float)):
        raise TypeError(value)
    return kind(value)
