"""Every tabular learner finds the optimal policy and the exact values where they are known."""

import json

import gymnasium as gym
import numpy as np
import pytest

import zoo
from zoo.agents.q_learning import QLearningAgent, QLearningConfig
from zoo.planning import model_from_P, value_iteration
from zoo.train import TrainSettings, train

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


@pytest.mark.parametrize("algo", ["planner"] + LEARNERS)
def test_frozen_lake_greedy_success_at_least_070_over_1000_episodes(tmp_path, algo):
    _, results = quick_train(tmp_path, algo, "FrozenLake-v1")
    assert results["n_episodes"] == 1000
    assert results["mean_reward"] >= 0.70


@pytest.mark.parametrize("algo", ["planner", "value-iteration"])
def test_frozen_lake_8x8_greedy_success_at_least_085(tmp_path, algo):
    _, results = quick_train(tmp_path, algo, "FrozenLake8x8-v1")
    assert results["n_episodes"] == 1000
    assert results["mean_reward"] >= 0.85


def test_q_learning_update_by_hand_and_truncation_still_bootstraps():
    agent = QLearningAgent(QLearningConfig(gamma=0.5, alpha=0.5, alpha_final=0.5), n_states=2, n_actions=1)
    agent.tables["q"][1, 0] = 4.0
    agent.observe(0, 0, 1.0, 1, terminated=False)  # a truncated step: target 1 + 0.5 * 4 = 3
    assert agent.tables["q"][0, 0] == pytest.approx(1.5)
    agent.observe(0, 0, 1.0, 1, terminated=True)  # terminated: target 1
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
