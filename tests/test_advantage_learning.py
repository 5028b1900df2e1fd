"""Advantage learning (``advantage_learning``, Bellemare et al. 2016): the target by hand, its fixed point learned."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch

from zoo.learning.targets import advantage_learning_target


def test_advantage_learning_target_by_hand():
    q_target_obs = torch.tensor([[1.0, 3.0, 2.0], [0.5, 0.5, 0.0], [-1.0, -2.0, -4.0]])
    action = torch.tensor([2, 1, 2])
    y = torch.tensor([4.0, 1.0, 0.0])
    # shortfalls 3 - 2 = 1, 0.5 - 0.5 = 0 (a tie with the best is no shortfall), -1 - (-4) = 3
    torch.testing.assert_close(advantage_learning_target(y, q_target_obs, action, 0.5), torch.tensor([3.5, 1.0, -1.5]))
    torch.testing.assert_close(advantage_learning_target(y, q_target_obs, action, 0.0), y)


def test_dqn_with_advantage_learning_learns_its_fixed_point_on_the_trap_mdp(tmp_path):
    """The operator's fixed point, worked out: the best action keeps Q*(s, a*) = V*(s); any other solves
    Q = Q* - α (V* - Q), so Q = V* - (V* - Q*) / (1 - α): at α = 0.5 every action's gap to the best doubles,
    and the greedy policy is the optimal one."""
    from zoo.learning.planning import model_from_P, value_iteration
    from zoo.training.session import TrainSettings, train
    import zoo

    env = gym.make("toy/Trap-v0").unwrapped
    _, exact_q, _ = value_iteration(*model_from_P(env.P, env.observation_space.n, env.action_space.n), 1.0)
    out = train(TrainSettings("dqn", "toy/Trap-v0", out=tmp_path / "run", video=False, tensorboard=False,
                              eval_episodes=20, hyperparameters={"advantage_learning": 0.5}))
    agent = zoo.load(out)
    assert agent.config.advantage_learning == 0.5
    live = np.array([s for s in range(env.observation_space.n) if s not in env._terminal])
    q_star = exact_q[live]
    v_star = q_star.max(axis=1, keepdims=True)
    expected = v_star - (v_star - q_star) / (1 - 0.5)
    q = agent.q_values(live)
    decisive = np.ptp(q_star, axis=1) > 0.5
    np.testing.assert_array_equal(q.argmax(1)[decisive], q_star.argmax(1)[decisive])
    np.testing.assert_allclose(q, expected, atol=0.3)
    assert np.abs(q - q_star).max() > 0.5  # not plain Q*: the gaps did widen
