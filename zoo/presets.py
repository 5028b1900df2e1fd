"""Tuned hyperparameters per (algorithm, environment): plain data, shown by `zoo list`.

``steps`` is the training budget in environment steps; ``hyperparameters`` override the algorithm's
config defaults. Without a preset, the defaults and ``DEFAULT_STEPS`` apply.
"""

from __future__ import annotations

from typing import Any

DEFAULT_STEPS = 20_000

PRESETS: dict[tuple[str, str], dict[str, Any]] = {
    # The exact planner needs no experience.
    **{("planner", env): {"steps": 0, "hyperparameters": {"gamma": 1.0}} for env in ("toy/Trap-v0", "toy/Slippery-v0")},
    ("planner", "toy/Loop-v0"): {"steps": 0, "hyperparameters": {"gamma": 0.9}},
    ("planner", "FrozenLake-v1"): {"steps": 0, "hyperparameters": {"gamma": 0.99}},
    ("planner", "FrozenLake8x8-v1"): {"steps": 0, "hyperparameters": {"gamma": 0.999}},
    # Learned models: random steps fill the counts, as in the course.
    **{
        (algo, "toy/Trap-v0"): {"steps": 2_000, "hyperparameters": {"gamma": 1.0}}
        for algo in ("value-iteration", "q-iteration")
    },
    **{
        (algo, "toy/Slippery-v0"): {"steps": 20_000, "hyperparameters": {"gamma": 1.0}}
        for algo in ("value-iteration", "q-iteration")
    },
    **{
        (algo, "toy/Loop-v0"): {"steps": 1_000, "hyperparameters": {"gamma": 0.9}}
        for algo in ("value-iteration", "q-iteration")
    },
    **{
        (algo, "FrozenLake-v1"): {"steps": 50_000, "hyperparameters": {"gamma": 0.99}}
        for algo in ("value-iteration", "q-iteration")
    },
    **{
        (algo, "FrozenLake8x8-v1"): {"steps": 200_000, "hyperparameters": {"gamma": 0.99, "plan_every": 1_000}}
        for algo in ("value-iteration", "q-iteration")
    },
    # Q-learning: α decays so that the estimates settle on the exact values.
    ("q-learning", "toy/Trap-v0"): {"steps": 5_000, "hyperparameters": {
        "gamma": 1.0, "alpha": 0.5, "alpha_final": 0.01, "alpha_decay_steps": 4_000,
        "epsilon_start": 1.0, "epsilon_final": 0.2, "epsilon_decay_steps": 2_000}},
    # Slippery's rewards are noisy: per-visit α = 1/n averages every target instead of tracking the last.
    ("q-learning", "toy/Slippery-v0"): {"steps": 20_000, "hyperparameters": {
        "gamma": 1.0, "alpha_per_visit": True, "alpha_final": 0.0,
        "epsilon_start": 1.0, "epsilon_final": 1.0, "epsilon_decay_steps": 1}},
    ("q-learning", "toy/Loop-v0"): {"steps": 2_000, "hyperparameters": {
        "gamma": 0.9, "alpha": 0.5, "alpha_final": 0.5, "alpha_decay_steps": 1}},
    ("q-learning", "FrozenLake-v1"): {"steps": 200_000, "hyperparameters": {
        "gamma": 0.99, "alpha": 0.1, "alpha_final": 0.005, "alpha_decay_steps": 200_000,
        "epsilon_start": 1.0, "epsilon_final": 0.1, "epsilon_decay_steps": 100_000}},
}


def preset(algo: str, env_id: str) -> dict[str, Any]:
    """The preset for (algo, env_id), or an empty one."""
    return PRESETS.get((algo, env_id), {})
