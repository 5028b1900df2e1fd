"""Tuned hyperparameters per (algorithm, environment): plain data, shown by `zoo list`.

``steps`` is the training budget in environment steps; ``hyperparameters`` override the algorithm's
config defaults. Without a preset, the defaults and ``DEFAULT_STEPS`` apply.
"""

from __future__ import annotations

from typing import Any

DEFAULT_STEPS = 20_000

# Envs the zoo has agents and presets for; any other registered Gymnasium env id may still be tried.
KNOWN_ENVS = {
    "toy/Trap-v0": "three-state trap (exact values known)",
    "toy/Slippery-v0": "four-outcome slippery move (exact values known)",
    "toy/Loop-v0": "two-state loop, truncated by a time limit",
    "toy/Baird-v0": "Baird's counterexample; every true value is 0 (td0 learns them on-policy; "
                    "python benchmarks/baird.py shows off-policy TD diverge)",
    "FrozenLake-v1": "4x4 slippery lake: the best policy succeeds 0.74 of the time within 100 steps",
    "FrozenLake8x8-v1": "8x8 slippery lake: the best policy succeeds 0.89 of the time within 200 steps",
    "CartPole-v1": "balance a pole for 500 steps (solved: greedy mean ≥ 475)",
    "ALE/Pong-v5": "Atari Pong from pixels with ALE v5's sticky actions (0.25), DQN preprocessing (zoo.envs.atari)",
}

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


# Deep agents on the toy MDPs: one-hot states into a small MLP, a few thousand steps.
_TOY_DQN = {"hidden": "64", "num_envs": 4, "learning_rate": 3e-3, "buffer_size": 10_000, "batch_size": 64,
            "learning_starts": 200, "train_freq": 1, "target_update_interval": 100, "epsilon_decay_steps": 2_000,
            "epsilon_final": 0.1, "loss": "mse", "double": True}
PRESETS.update({
    ("dqn", "toy/Trap-v0"): {"steps": 4_000, "hyperparameters": {**_TOY_DQN, "gamma": 1.0}},
    ("dqn", "toy/Slippery-v0"): {"steps": 6_000, "hyperparameters": {**_TOY_DQN, "gamma": 1.0, "epsilon_final": 0.5}},
    ("dqn", "toy/Loop-v0"): {"steps": 6_000, "hyperparameters": {**_TOY_DQN, "gamma": 0.9}},
    # RL Zoo's tuned CartPole DQN, made cheaper: 8 vector envs, n-step 3 and Double DQN let it do a quarter of
    # the gradient steps (32 per 256 env steps, batch 256); the target syncs once per training phase (256 env steps).
    # It stops once a periodic 10-episode evaluation is perfect (500): solved, usually at 20-30k steps.
    ("dqn", "CartPole-v1"): {"steps": 50_000, "stop_at": 500, "hyperparameters": {
        "gamma": 0.99, "learning_rate": 2.3e-3, "batch_size": 256, "buffer_size": 100_000, "learning_starts": 1_000,
        "num_envs": 8, "train_freq": 32, "gradient_steps": 32, "target_update_interval": 256,
        "epsilon_start": 1.0, "epsilon_final": 0.04, "epsilon_decay_steps": 8_000, "hidden": "128,128",
        "n_step": 3, "double": True, "loss": "huber", "max_grad_norm": 10.0}},
    ("reinforce", "toy/Trap-v0"): {"steps": 3_000, "hyperparameters": {"gamma": 1.0}},
    ("reinforce", "toy/Slippery-v0"): {"steps": 6_000, "hyperparameters": {"gamma": 1.0}},
    ("td0", "CartPole-v1"): {"steps": 40_000, "hyperparameters": {"gamma": 0.95, "learning_rate": 1e-3, "num_envs": 8}},
    ("reinforce", "CartPole-v1"): {"steps": 200_000, "hyperparameters": {
        "gamma": 0.99, "learning_rate": 0.01, "hidden": "64", "num_envs": 8, "baseline": True,
        "normalize_returns": True}},
    # Pong: ALE/Pong-v5 with its sticky actions (0.25; --env-kwarg repeat_action_probability=0 for the
    # deterministic game), DQN preprocessing (zoo.envs.atari); scored at the end under both protocols
    # (zoo.training.scoring): 100 held-out sticky games and the 30 noop starts of the deterministic game.
    # Tuned for a 2-core CPU, where the gradient update is the cost (~25 ms on an AVX2 EPYC): the 2013 DQN's
    # small CNN (a third of the Nature CNN's compute), one batch-32 update per 2 agent steps, Adam at 1e-4
    # with Rainbow's ε of 1.5e-4 (at 2.5e-4 and ε 1e-8 the ReLUs died), exploration to 0.01 over 50k agent
    # steps, 3-step Double Dueling targets. Tianshou's recipe (8 envs, one update per 8 agent steps) was
    # tried and did worse here (one run each, BENCHMARKS.md): both run ~25 updates/s on 2 AVX2 cores, and
    # after 60k updates it scored -20 where this preset had -11 (10-game periodic evaluations). Four envs with one
    # update per vector step (Nature DQN's ratio) against this preset, 30 minutes from scratch on one Xeon, three
    # seeds held out: +10.6, -2.8 and -0.3 points (BENCHMARKS.md, 2026-12-05): no change without more seeds.
    # Lapan's γ 0.98, two seeds from scratch, 30 minutes on a Zen 4: +11.65 and -13.97 held out (the preset's
    # seeds: -4.9 to +6.0), 25 points apart: not shown to help (BENCHMARKS.md, 2026-12-07).
    ("dqn", "ALE/Pong-v5"): {"steps": 2_000_000, "eval_episodes": 100, "eval_every": 50_000, "hyperparameters": {
        "gamma": 0.99, "learning_rate": 1e-4, "adam_eps": 1.5e-4, "buffer_size": 50_000, "batch_size": 32,
        "learning_starts": 10_000, "num_envs": 2, "train_freq": 1, "gradient_steps": 1, "target_update_interval": 2_000,
        "epsilon_start": 1.0, "epsilon_final": 0.01, "epsilon_decay_steps": 50_000, "n_step": 3, "double": True,
        "dueling": True, "cnn": "small", "loss": "huber", "max_grad_norm": 10.0, "precision": "auto"}},
})


def preset(algo: str, env_id: str) -> dict[str, Any]:
    """The preset for (algo, env_id), or an empty one."""
    return PRESETS.get((algo, env_id), {})
