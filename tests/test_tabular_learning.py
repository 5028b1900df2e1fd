"""Every tabular learner finds the optimal policy and the exact values where they are known."""

import json

import gymnasium as gym
import numpy as np
import pytest

import zoo
from zoo.agents.configs import QLearningConfig
from zoo.agents.q_learning import QLearningAgent
from zoo.learning.planning import greedy_policy, model_from_P, value_iteration
from zoo.rundir.files import Spaces
from zoo.training.session import TrainSettings, train

LEARNERS = ["value-iteration", "q-iteration", "q-learning"]
GAMMA = {"toy/Trap-v0": 1.0, "toy/Slippery-v0": 1.0, "toy/Loop-v0": 0.9}


def quick_train(tmp_path, algo, env_id, **kwargs):
    settings = TrainSettings(algo, env_id, out=tmp_path / f"{algo}-{env_id.replace('/', '-')}", video=False,
                             tensorboard=False, eval_every=0, **kwargs)
    out = train(settings)
    return zoo.load(out), json.loads((out / "results.json").read_text())


@pytest.mark.parametrize("env_id", list(GAMMA))
@pytest.mark.parametrize("algo", ["planner"] + LEARNERS)
def test_learns_exact_values_and_optimal_policy_on_toy_mdps(tmp_path, algo, env_id):
    env = gym.make(env_id).unwrapped
    n_states = env.observation_space.n
    _, exact_Q, _ = value_iteration(*model_from_P(env.P, n_states, env.action_space.n), gamma=GAMMA[env_id])
    agent, _ = quick_train(tmp_path, algo, env_id, eval_episodes=20)
    live = [s for s in range(n_states) if s not in env._terminal]  # terminal states have no values to learn
    learned = agent.q_values(np.array(live))
    np.testing.assert_allclose(learned, exact_Q[live], atol=0.05)
    np.testing.assert_array_equal(learned.argmax(1), exact_Q[live].argmax(1))


def exact_success(env_id: str, Q: np.ndarray, horizon: int) -> float:
    """The probability that the greedy policy of ``Q`` reaches the goal within ``horizon`` steps (the env's
    time limit), computed on the env's true model: no sampling error."""
    env = gym.make(env_id).unwrapped
    n_states = env.observation_space.n
    T, R = model_from_P(env.P, n_states, env.action_space.n)
    policy = greedy_policy(Q)
    T_pi, R_pi = np.einsum("sa,sat->st", policy, T)[:, :n_states], (policy * R).sum(axis=1)
    V = np.zeros(n_states)
    for _ in range(horizon):
        V = R_pi + T_pi @ V
    return float(V[0])


@pytest.mark.parametrize("env_id, horizon, algos, at_least", [
    # the best possible within 100 steps is 0.74 (the planner's policy); within 200 steps on 8x8, 0.89
    ("FrozenLake-v1", 100, ["planner"] + LEARNERS, 0.70),
    ("FrozenLake8x8-v1", 200, ["planner", "value-iteration"], 0.84),
])
def test_frozen_lake_greedy_success_exactly_and_over_1000_held_out_episodes(tmp_path, env_id, horizon, algos, at_least):
    for algo in algos:
        agent, results = quick_train(tmp_path, algo, env_id)
        exact = exact_success(env_id, agent.q_values(np.arange(agent.n_states)), horizon)
        assert exact >= at_least, (algo, exact)
        # the reported score is a 1000-episode sample of that probability: within 4 standard errors of it
        assert results["n_episodes"] == 1000
        assert abs(results["mean_reward"] - exact) < 4 * np.sqrt(exact * (1 - exact) / 1000), (algo, results, exact)


def test_q_learning_update_by_hand_and_truncation_still_bootstraps():
    spaces = Spaces({"type": "Discrete", "n": 2}, {"type": "Discrete", "n": 1})
    agent = QLearningAgent(QLearningConfig(gamma=0.5, alpha=0.5, alpha_final=0.5), spaces)
    agent.tables["q"][1, 0] = 4.0
    agent.update(0, 0, 1.0, 1, terminated=False)  # a truncated step: target 1 + 0.5 * 4 = 3
    assert agent.tables["q"][0, 0] == pytest.approx(1.5)
    agent.update(0, 0, 1.0, 1, terminated=True)  # terminated: target 1
    assert agent.tables["q"][0, 0] == pytest.approx(1.25)


def test_same_seed_twice_gives_identical_runs(tmp_path):
    def run(name):
        out = train(TrainSettings("q-learning", "FrozenLake-v1", steps=5_000, seed=7, out=tmp_path / name,
                                  video=False, tensorboard=False, eval_episodes=50))
        rows = [line.split(",")[:6] for line in (out / "metrics.csv").read_text().splitlines()]  # drop timings
        return rows, zoo.load(out).tables["q"], (out / "results.json").read_text().split('"date"')[0]

    first, second = run("a"), run("b")
    assert first[0] == second[0] and len(first[0]) > 10
    np.testing.assert_array_equal(first[1], second[1])
    assert first[2] == second[2]
    other = train(TrainSettings("q-learning", "FrozenLake-v1", steps=5_000, seed=8, out=tmp_path / "c",
                                video=False, tensorboard=False, eval_episodes=50))
    assert not np.array_equal(zoo.load(other).tables["q"], first[1])
