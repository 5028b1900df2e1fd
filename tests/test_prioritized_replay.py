"""Prioritized replay (Schaul et al., 2016) against numbers worked out by hand: the sum tree, the sampling
proportions, the importance-sampling weights, the weighted loss, the TD errors handed back, and learning."""

import json

import gymnasium as gym
import numpy as np
import pytest
import torch

import toy_envs  # noqa: F401
from zoo.agents.configs import DQNConfig
from zoo.agents.dqn import DQNAgent
from zoo.learning.frame_replay import FrameReplayBuffer
from zoo.learning.losses import dqn_loss, dqn_loss_and_grad
from zoo.learning.priority import SumTree
from zoo.learning.replay import PRIORITY_EPS, ReplayBuffer
from zoo.rundir.files import Spaces


def test_sum_tree_sums_and_finds_by_hand():
    tree = SumTree(5)  # 8 leaves, the last three never used
    tree.set(np.arange(5), np.array([1.0, 2.0, 3.0, 4.0, 0.0]))
    assert tree.total == 10.0 and tree.get([2, 4]).tolist() == [3.0, 0.0]
    # slot i covers [sum before it, sum through it): [0, 1), [1, 3), [3, 6), [6, 10); slot 4 holds nothing
    values = [0.0, 0.99, 1.0, 2.99, 3.0, 5.99, 6.0, 9.99]
    assert tree.find(np.array(values)).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    # at or past the total (rounding) it stays on the last slot with a priority, never an empty one
    assert tree.find(np.array([10.0, 12.0])).tolist() == [3, 3]
    tree.set(np.array([1, 1]), np.array([0.0, 0.0]))  # a slot twice in one call
    assert tree.total == 8.0 and tree.find(np.array([0.5, 1.5, 3.9, 4.0])).tolist() == [0, 2, 2, 3]
    tree.set(np.array([3]), np.array([0.5]))  # one slot: the walk up
    assert tree.total == 4.5 and tree.find(np.array([4.2])).tolist() == [3]
    inner = np.arange(1, tree.leaves)
    np.testing.assert_array_equal(tree.tree[inner], tree.tree[2 * inner] + tree.tree[2 * inner + 1])


def test_sum_tree_refuses_what_would_corrupt_it():
    tree = SumTree(3)
    with pytest.raises(ValueError, match="no slot has a priority"):
        tree.find(np.array([0.0]))
    with pytest.raises(IndexError):
        tree.set(np.array([3]), np.array([1.0]))
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite and not negative"):
            tree.set(np.array([0]), np.array([bad]))
    assert tree.total == 0.0


def test_stratified_sampling_draws_in_proportion_to_priority():
    tree = SumTree(3)
    tree.set(np.arange(3), np.array([1.0, 0.0, 3.0]))
    rng = np.random.default_rng(0)
    # eight strata of width 0.5: the first two fall in slot 0's [0, 1), the other six in slot 2's [1, 4), so every
    # minibatch holds exactly the proportions 1 : 0 : 3, not only on average
    for _ in range(50):
        assert np.bincount(tree.sample(8, rng), minlength=3).tolist() == [2, 0, 6]
    # uneven strata: the frequencies converge to 1/4, 0, 3/4
    counts = np.bincount(np.concatenate([tree.sample(7, rng) for _ in range(3000)]), minlength=3) / 21000
    np.testing.assert_allclose(counts, [0.25, 0.0, 0.75], atol=0.01)


def _buffer(alpha: float) -> ReplayBuffer:
    buffer = ReplayBuffer(4, (1,), np.float32, 1, 0.9, 1, priority_alpha=alpha)
    for t in range(3):
        buffer.add(np.array([[t]], np.float32), np.array([t % 2]), np.array([1.0]), np.array([[t + 1]], np.float32),
                   np.array([False]), np.array([False]))
    return buffer


def test_priorities_weights_and_new_transitions_by_hand():
    buffer = _buffer(alpha=0.5)
    # every new transition gets the largest priority seen, 1 at first: p^α = 1 each
    assert buffer.priorities.get(np.arange(3)).tolist() == [1.0, 1.0, 1.0]
    buffer.update_priorities(np.array([0, 1, 2]), np.array([3.0, -0.0, -8.0]))
    p = np.array([3.0, 0.0, 8.0]) + PRIORITY_EPS
    np.testing.assert_allclose(buffer.priorities.get(np.arange(3)), np.sqrt(p))
    assert buffer.max_priority == pytest.approx(8.0 + PRIORITY_EPS)
    batch = buffer.sample(64, np.random.default_rng(1), beta=1.0)
    probability = np.sqrt(p) / np.sqrt(p).sum()  # P(i) = p_i^α / Σ p^α
    weight = (3 * probability[batch.index]) ** -1.0  # (N P(i))^-β, N = 3 stored
    np.testing.assert_allclose(batch.weight, weight / weight.max(), rtol=1e-6)
    assert batch.index.max() <= 2  # slot 3 was never written: no priority, never drawn
    np.testing.assert_array_equal(batch.obs[:, 0], batch.index)  # the rows are the slots drawn
    half = buffer.sample(64, np.random.default_rng(1), beta=0.5)
    np.testing.assert_allclose(half.weight, np.sqrt(weight) / np.sqrt(weight).max(), rtol=1e-6)
    buffer.add(np.array([[3.0]], np.float32), np.array([0]), np.array([0.0]), np.array([[4.0]], np.float32),
               np.array([False]), np.array([False]))
    assert buffer.priorities.get([3])[0] == pytest.approx(np.sqrt(8.0 + PRIORITY_EPS))
    with pytest.raises(ValueError, match="diverged"):
        buffer.update_priorities(np.array([0]), np.array([np.nan]))


def test_a_uniform_buffer_is_unchanged_and_a_saved_prioritized_one_comes_back():
    uniform = _buffer(alpha=0.0)
    batch = uniform.sample(5, np.random.default_rng(2))
    expected = np.random.default_rng(2).integers(0, 3, size=5)  # the draw it always made
    assert uniform.priorities is None and batch.index is None and batch.weight is None
    np.testing.assert_array_equal(batch.obs[:, 0], expected)
    buffer = _buffer(alpha=0.6)
    buffer.update_priorities(np.array([0, 2]), np.array([0.5, 2.0]))
    restored = ReplayBuffer(4, (1,), np.float32, 1, 0.9, 1, priority_alpha=0.6)
    restored.load_state_dict(buffer.state_dict())
    np.testing.assert_array_equal(restored.priorities.get(np.arange(4)), buffer.priorities.get(np.arange(4)))
    assert restored.max_priority == buffer.max_priority == 2.0 + PRIORITY_EPS
    # a replay saved by a uniform buffer: every transition starts at priority 1, as new ones do
    restored = ReplayBuffer(4, (1,), np.float32, 1, 0.9, 1, priority_alpha=0.6)
    restored.load_state_dict(uniform.state_dict())
    assert restored.priorities.get(np.arange(3)).tolist() == [1.0, 1.0, 1.0] and restored.priorities.total == 3.0


def test_frame_replay_samples_stacks_with_their_slots_and_weights():
    buffer = FrameReplayBuffer(50, 2, 0.99, 3, priority_alpha=0.5)
    rng = np.random.default_rng(3)
    obs = rng.integers(0, 255, size=(2, 4, 84, 84), dtype=np.uint8)
    for _ in range(20):
        next_obs = np.concatenate([obs[:, 1:], rng.integers(0, 255, size=(2, 1, 84, 84), dtype=np.uint8)], axis=1)
        buffer.add(obs, rng.integers(6, size=2), rng.normal(size=2), next_obs, np.zeros(2, bool), np.zeros(2, bool))
        obs = next_obs
    batch = buffer.sample(16, rng, beta=0.4)
    assert batch.obs.shape == (16, 4, 84, 84) and batch.index.shape == batch.weight.shape == (16,)
    np.testing.assert_array_equal(batch.obs, buffer.stacks(buffer.obs[batch.index]))


def test_weighted_dqn_loss_by_hand():
    q = torch.tensor([[1.0, 0.0], [0.0, 3.0]])
    actions, target, weight = torch.tensor([0, 1]), torch.tensor([0.0, 0.0]), torch.tensor([1.0, 0.5])
    # errors 1 and 3: Huber 0.5 and 2.5, squared 1 and 9; weighted means (0.5 + 1.25) / 2 and (1 + 4.5) / 2
    assert dqn_loss(q, actions, target, "huber", weight).item() == pytest.approx(0.875)
    assert dqn_loss(q, actions, target, "mse", weight).item() == pytest.approx(2.75)
    loss, grad = dqn_loss_and_grad(q, actions, target, "huber", weight)
    # Huber's gradient clamp(e, ±1) / n times the weight: 1 / 2 and 1 / 2 * 0.5
    assert loss.item() == pytest.approx(0.875) and grad.tolist() == [[0.5, 0.0], [0.0, 0.25]]
    for kind in ("mse", "huber"):  # and autograd's, on random numbers
        torch.manual_seed(0)
        q, target, weight = torch.randn(37, 3, requires_grad=True), torch.randn(37) * 2, torch.rand(37)
        actions = torch.randint(3, (37,))
        dqn_loss(q, actions, target, kind, weight).backward()
        loss, grad = dqn_loss_and_grad(q.detach(), actions, target, kind, weight)
        torch.testing.assert_close(loss, dqn_loss(q, actions, target, kind, weight).detach())
        torch.testing.assert_close(grad, q.grad)


@pytest.mark.parametrize("backward, quantiles", [("auto", 0), ("autograd", 0), ("auto", 4)])
def test_an_update_hands_each_sampled_transitions_td_error_back(backward, quantiles):
    """QR-DQN (``quantiles``) too: its TD error is that of the quantiles' means, which are the network's output."""
    spaces = Spaces({"type": "Box", "shape": [4], "dtype": "float32"}, {"type": "Discrete", "n": 3})
    config = DQNConfig(hidden="32", batch_size=16, n_step=1, priority_alpha=0.7, priority_beta=0.4,
                       priority_beta_steps=1000, learning_starts=10_000, quantiles=quantiles)
    agent = DQNAgent(config, spaces, seed=1, backward=backward)
    assert (agent._mlp_linears is not None) == (backward == "auto" and not quantiles)
    rng = np.random.default_rng(4)
    agent.buffer = agent.make_buffer(2)
    for _ in range(40):
        obs = rng.normal(size=(2, 4)).astype(np.float32)
        agent.buffer.add(obs, rng.integers(3, size=2), rng.normal(size=2), obs + 0.1, rng.random(2) < 0.1,
                         np.zeros(2, bool))
    agent.steps_done = 500
    assert agent.priority_beta() == pytest.approx(0.7)  # 0.4 + (1 - 0.4) * 500 / 1000
    batch = agent.buffer.sample(16, rng, agent.priority_beta())
    with torch.no_grad():  # the TD errors of the weights before the step, Double DQN's target
        q = agent.q(torch.as_tensor(batch.obs)).gather(1, torch.as_tensor(batch.action)[:, None]).squeeze(1)
        nxt = torch.as_tensor(batch.next_obs)
        best = agent.q(nxt).argmax(1, keepdim=True)
        y = torch.as_tensor(batch.reward) + torch.as_tensor(batch.discount) * (1 - torch.as_tensor(batch.done)) * \
            agent.target(nxt).gather(1, best).squeeze(1)
        td = (q - y).numpy()
    before = [p.detach().clone() for p in agent.q.parameters()]
    agent.update(batch)
    np.testing.assert_allclose(agent.buffer.priorities.get(batch.index), (np.abs(td) + PRIORITY_EPS) ** 0.7,
                               rtol=1e-5)
    assert not all(torch.equal(a, b) for a, b in zip(before, agent.q.parameters()))


def test_dqn_with_prioritized_replay_learns_the_trap_mdps_values(tmp_path):
    from zoo.learning.planning import model_from_P, value_iteration
    from zoo.training.session import TrainSettings, train
    import zoo

    env = gym.make("toy/Trap-v0").unwrapped
    _, exact_q, _ = value_iteration(*model_from_P(env.P, env.observation_space.n, env.action_space.n), 1.0)
    out = train(TrainSettings("dqn", "toy/Trap-v0", out=tmp_path / "run", video=False, tensorboard=False,
                              eval_episodes=20, hyperparameters={"priority_alpha": 0.6, "priority_beta_steps": 3000}))
    agent = zoo.load(out)
    assert agent.config.priority_alpha == 0.6
    live = np.array([s for s in range(env.observation_space.n) if s not in env._terminal])
    q = agent.q_values(live)
    decisive = np.ptp(exact_q[live], axis=1) > 0.5
    np.testing.assert_array_equal(q.argmax(1)[decisive], exact_q[live].argmax(1)[decisive])
    np.testing.assert_allclose(q, exact_q[live], atol=0.3)


def test_a_prioritized_run_resumes_with_its_priorities(tmp_path):
    from safetensors.numpy import load_file
    from zoo.training.session import TrainSettings, resume_settings, train

    hyper = {"learning_starts": 300, "buffer_size": 5000, "num_envs": 2, "priority_alpha": 0.6}
    out = train(TrainSettings("dqn", "CartPole-v1", out=tmp_path / "run", steps=1_000, seed=1, hyperparameters=hyper,
                              eval_episodes=3, eval_every=0, video=False, tensorboard=False))
    saved = load_file(out / "replay.safetensors")
    priority = saved["priority"]
    assert len(priority) == len(saved["action"]) > 900  # n-step windows still open and reset steps hold no transition
    # the drawn transitions got their TD errors' priorities, the rest still hold the largest seen
    assert 0 < (priority < priority.max()).sum() < len(priority) and saved["max_priority"][0] > 0
    before = json.loads((out / "checkpoint.json").read_text())
    train(resume_settings(out, steps=1_200, eval_episodes=3, eval_every=0, video=False, tensorboard=False))
    after = json.loads((out / "checkpoint.json").read_text())
    # the replay came back (priorities and all), so learning went on at once: 100 vector steps, 3 phases of 32
    assert after["updates_done"] - before["updates_done"] == 3 * 32
    assert len(load_file(out / "replay.safetensors")["priority"]) > len(priority) + 150
