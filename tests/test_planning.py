"""Exact values of the toy MDPs (worked out by hand in each env's docstring, toy_envs/*.py), and the pure math behind
every learner."""

import gymnasium as gym
import numpy as np
import pytest

import toy_envs  # noqa: F401
from zoo.learning.planning import greedy_policy, model_from_P, policy_evaluation, q_from_v, value_iteration
from zoo.learning.schedules import exponential_schedule, linear_schedule
from zoo.learning.targets import td_target


def model(env_id, **kwargs):
    env = gym.make(env_id, **kwargs).unwrapped
    return model_from_P(env.P, env.observation_space.n, env.action_space.n)


def test_trap_values_and_the_four_course_policies():
    T, R = model("toy/Trap-v0")
    V, Q, _ = value_iteration(T, R, gamma=1.0)
    assert V[0] == 1.0 and Q[0].tolist() == [1.0, -18.0]
    for p_right, expected in [(1.0, 1.0), (0.0, -18.0), (0.5, -8.5), (0.1, -16.1)]:
        policy = np.tile([p_right, 1 - p_right], (4, 1))
        assert policy_evaluation(T, R, policy, gamma=1.0)[0] == pytest.approx(expected)


def test_slippery_q_values_with_exact_thirds():
    T, R = model("toy/Slippery-v0")
    V, Q, _ = value_iteration(T, R, gamma=1.0)
    np.testing.assert_allclose(Q[0], [7 / 3, 2, 3, 8 / 3])
    assert V[0] == pytest.approx(3.0)
    # The course rounds every probability to 0.33 (they sum to 0.99) and gets 2.97. With probabilities that
    # sum to 1, "down" is worth 3 p + 3 (1 - p) = 3 whatever p is; the others move with p (worked by hand
    # for p = 0.8: up 0.8·1 + 0.1·(4 + 2), right 0.8·2 + 0.1·(1 + 3), left 0.8·4 + 0.1·(3 + 1)).
    env = gym.make("toy/Slippery-v0", p=0.8).unwrapped
    _, Q, _ = value_iteration(*model_from_P(env.P, 5, 4), gamma=1.0)
    np.testing.assert_allclose(Q[0], [1.4, 2.0, 3.0, 3.6])


def test_loop_values_with_discount():
    T, R = model("toy/Loop-v0")
    V, _, _ = value_iteration(T, R, gamma=0.9)
    np.testing.assert_allclose(V, [2.8 / 0.19, 2.9 / 0.19], atol=1e-8)


def test_loop_without_discount_has_no_finite_value():
    T, R = model("toy/Loop-v0")
    with pytest.raises(ValueError, match="gamma < 1"):
        value_iteration(T, R, gamma=1.0, max_iterations=500)
    with pytest.raises(ValueError, match="not finite"):
        policy_evaluation(T, R, np.ones((2, 1)), gamma=1.0)


def test_model_from_P_merges_repeated_outcomes_and_routes_terminations():
    env = gym.make("FrozenLake-v1").unwrapped
    T, R = model_from_P(env.P, 16, 4)
    np.testing.assert_allclose(T.sum(axis=2), 1.0)
    # From the corner 0, "left" slips to 0 (twice: left and up) or down to 4.
    assert T[0, 0, 0] == pytest.approx(2 / 3) and T[0, 0, 4] == pytest.approx(1 / 3)
    # Reaching the goal (15) terminates: that probability goes to the "terminated" column 16.
    assert T[14, 2, 16] == pytest.approx(1 / 3) and R[14, 2] == pytest.approx(1 / 3)


def test_q_from_v_by_hand():
    # One state, two actions; action 1 stays with prob 0.5 or terminates.
    T = np.array([[[1.0, 0.0], [0.5, 0.5]]])
    R = np.array([[1.0, 2.0]])
    np.testing.assert_allclose(q_from_v(T, R, np.array([10.0]), gamma=0.5), [[6.0, 4.5]])


def test_greedy_policy_takes_the_first_best_action():
    np.testing.assert_array_equal(greedy_policy(np.array([[1.0, 3.0, 3.0]])), [[0.0, 1.0, 0.0]])


def test_td_target_bootstraps_through_truncation_not_termination():
    assert td_target(1.0, 10.0, terminated=False, gamma=0.9) == pytest.approx(10.0)
    assert td_target(1.0, 10.0, terminated=True, gamma=0.9) == 1.0
    batch = td_target(np.array([1.0, 2.0]), np.array([4.0, 4.0]), np.array([0.0, 1.0]), 0.5)
    np.testing.assert_allclose(batch, [3.0, 2.0])


def test_schedules_by_hand():
    assert linear_schedule(1.0, 0.1, 100, 0) == 1.0
    assert linear_schedule(1.0, 0.1, 100, 50) == pytest.approx(0.55)
    assert linear_schedule(1.0, 0.1, 100, 1000) == pytest.approx(0.1)
    assert exponential_schedule(1.0, 0.0, 10.0, 10) == pytest.approx(np.exp(-1))


def test_learned_model_estimate_by_hand():
    from zoo.agents.learned_model import empty_tables, estimate, record

    tables = empty_tables(n_states=2, n_actions=2)
    # from state 0 with action 1: to state 1 twice (rewards 1 and 3), terminated once (reward -2)
    record(tables, 0, 1, 1.0, 1, terminated=False)
    record(tables, 0, 1, 3.0, 1, terminated=False)
    record(tables, 0, 1, -2.0, 0, terminated=True)  # a termination counts in the "terminated" column, not s'=0
    T, R = estimate(tables)
    np.testing.assert_allclose(T[0, 1], [0.0, 2 / 3, 1 / 3])
    assert R[0, 1] == pytest.approx((1 + 3 - 2) / 3)
    # an untried pair has no successors and reward 0: its backup is 0, not a division by zero
    assert T[1, 0].tolist() == [0.0, 0.0, 0.0] and R[1, 0] == 0.0
    # and the backup on that model: Q(0, 1) = R + γ (2/3 V(1) + 1/3 · 0)
    assert q_from_v(T, R, np.array([0.0, 6.0]), 0.5)[0, 1] == pytest.approx(2 / 3 + 0.5 * (2 / 3) * 6.0)
