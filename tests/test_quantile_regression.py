"""QR-DQN (``quantiles``, Dabney et al. 2018): the quantile Huber loss and the target distribution by hand, the
network's quantile head, its learned quantiles on an MDP whose return distribution is known, and a plain DQN
agent as its start."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from zoo.errors import ZooError
from zoo.learning.losses import quantile_huber_loss
from zoo.learning.networks import build_q_network, plain_head_as_quantiles, twin_forward
from zoo.learning.targets import quantile_double_q_target


def test_the_quantile_huber_loss_and_its_gradient_by_hand():
    """N = 2 quantiles at τ = 1/4, 3/4, valued 0 and 1; target samples 0.5 and 3; κ = 1.
    θ_0 = 0: u = 0.5 costs 1/4 · 0.125, u = 3 costs 1/4 · 2.5; the mean over the samples is 0.328125.
    θ_1 = 1: u = -0.5 costs |3/4 - 1| · 0.125, u = 2 costs 3/4 · 1.5; the mean is 0.578125. Summed: 0.90625.
    Gradients: -(1/2)(1/4 · 0.5 + 1/4 · 1) = -0.1875 and -(1/2)(1/4 · (-0.5) + 3/4 · 1) = -0.3125."""
    theta = torch.tensor([[0.0, 1.0]], requires_grad=True)
    target = torch.tensor([[0.5, 3.0]])
    loss = quantile_huber_loss(theta, target)
    loss.backward()
    torch.testing.assert_close(loss, torch.tensor(0.90625))
    torch.testing.assert_close(theta.grad, torch.tensor([[-0.1875, -0.3125]]))
    # the batch mean, and prioritized replay's per-sample weights
    two = torch.tensor([[0.0, 1.0], [0.0, 0.0]])
    targets = torch.tensor([[0.5, 3.0], [0.0, 0.0]])
    torch.testing.assert_close(quantile_huber_loss(two, targets), torch.tensor(0.90625 / 2))
    torch.testing.assert_close(quantile_huber_loss(two, targets, weight=torch.tensor([2.0, 5.0])),
                               torch.tensor(0.90625))


def test_the_target_distribution_by_hand():
    """The online net's means pick a* at s' (Double DQN), the target net's quantiles of a* are carried back."""
    online = torch.tensor([[[0.0, 2.0], [1.0, 2.0]],      # means 1 and 1.5: a* = 1
                           [[5.0, 5.0], [-1.0, 0.0]]])    # means 5 and -0.5: a* = 0
    target = torch.tensor([[[9.0, 9.0], [1.0, 3.0]],
                           [[2.0, 4.0], [7.0, 7.0]]])
    y = quantile_double_q_target(torch.tensor([1.0, 0.5]), online, target, torch.tensor([0.0, 1.0]),
                                 torch.tensor([0.5, 0.9]))
    torch.testing.assert_close(y, torch.tensor([[1.5, 2.5], [0.5, 0.5]]))  # 1 + 0.5 · (1, 3); terminated: r alone
    # a scalar discount, and the target net alone choosing (no Double DQN)
    y = quantile_double_q_target(torch.tensor([0.0, 0.0]), target, target, torch.tensor([0.0, 0.0]), 0.5)
    torch.testing.assert_close(y, torch.tensor([[4.5, 4.5], [3.5, 3.5]]))


@pytest.mark.parametrize("obs_kind, dueling", [("vector", False), ("vector", True), ("atari", True)])
def test_a_plain_agent_spread_into_quantiles_keeps_its_q_values(obs_kind, dueling):
    torch.manual_seed(0)
    dim = 84 if obs_kind == "atari" else 4  # frames' side, or the vector's length
    plain = build_q_network(obs_kind, dim, 6, (16,), dueling, "small")
    qr = build_q_network(obs_kind, dim, 6, (16,), dueling, "small", quantiles=5)
    assert {k: tuple(v.shape) for k, v in qr.state_dict().items() if "body" not in k} == (
        {"value.weight": (5, 256 if obs_kind == "atari" else 16), "value.bias": (5,),
         "advantage.weight": (30, 256 if obs_kind == "atari" else 16), "advantage.bias": (30,)} if dueling else
        {"head.weight": (30, 16), "head.bias": (30,)})
    qr.load_state_dict(plain_head_as_quantiles(plain.state_dict(), 6, 5))
    x = torch.randint(0, 256, (3, 4, 84, 84), dtype=torch.uint8) if obs_kind == "atari" else torch.randn(3, 4)
    with torch.no_grad():
        z = qr.quantile_values(x)
        assert z.shape == (3, 6, 5)
        torch.testing.assert_close(z, plain(x)[:, :, None].expand(3, 6, 5))  # every quantile starts at Q
        torch.testing.assert_close(qr(x), z.mean(dim=2))  # the network's output is the quantiles' mean
    # weights that have their quantiles already come back as they are
    assert all(torch.equal(v, qr.state_dict()[k]) for k, v in plain_head_as_quantiles(qr.state_dict(), 6, 5).items())


def test_the_two_nets_at_once_give_the_same_quantiles():
    torch.manual_seed(1)
    a, b = (build_q_network("atari", 0, 6, (), True, "small", quantiles=4) for _ in range(2))
    x = torch.randint(0, 256, (2, 4, 84, 84), dtype=torch.uint8)
    with torch.no_grad():
        za, zb = twin_forward(a, b, x, quantiles=True)
        torch.testing.assert_close(za, a.quantile_values(x))
        torch.testing.assert_close(zb, b.quantile_values(x))


def test_qr_dqn_learns_the_quantiles_of_the_slippery_mdp(tmp_path):
    """toy/Slippery-v0 from the centre: each move lands on its target (+1 up, +2 right, +3 down, +4 left) or on
    either neighbour with probability 1/3 each, so the returns (γ = 1, one step) are uniform over three values:
    up {1, 2, 4}, right {1, 2, 3}, down {2, 3, 4}, left {1, 3, 4}. The quantile Huber loss's fixed point for the
    three quantiles at τ = 1/6, 1/2, 5/6 (κ = 1) solves Σ_z p(z) |τ - 1{z < θ}| clamp(z - θ, -1, 1) = 0; for up:
    θ in (1, 2) at τ = 1/6 gives 5/6 (1 - θ) + 1/6 (2 - θ) + 1/6 = 0, θ = 4/3; θ = 2 at τ = 1/2; θ in (3, 4) at
    5/6 gives -1/6 - 1/6 + 5/6 (4 - θ) = 0, θ = 3.6. The others the same way."""
    import zoo
    from zoo.training.session import TrainSettings, train

    expected = np.array([[4 / 3, 2, 3.6], [4 / 3, 2, 8 / 3], [7 / 3, 3, 11 / 3], [1.4, 3, 11 / 3]])
    hp = {"quantiles": 3, "loss": "huber", "hidden": "", "gamma": 1.0, "learning_rate": 0.05,
          "learning_rate_decay_steps": 3000, "learning_rate_final": 0.0, "learning_starts": 100, "batch_size": 256,
          "epsilon_start": 1.0, "epsilon_final": 1.0, "double": False, "n_step": 1, "num_envs": 1}
    out = train(TrainSettings("dqn", "toy/Slippery-v0", steps=3000, out=tmp_path / "run", video=False,
                              tensorboard=False, eval_episodes=20, progress=False, hyperparameters=hp))
    agent = zoo.load(out)
    z = agent.quantile_values(0)
    np.testing.assert_allclose(z, expected, atol=0.2)
    assert agent.act(0) == 2  # down: the best mean, 3
    np.testing.assert_allclose(agent.q_values(0), z.mean(axis=1), rtol=1e-6)


def test_a_plain_dqn_agent_starts_qr_dqn_and_the_card_says_so(tmp_path):
    import zoo
    from zoo.training.session import TrainSettings, train

    source = train(TrainSettings("dqn", "toy/Trap-v0", steps=3000, out=tmp_path / "plain", video=False,
                                 tensorboard=False, eval_episodes=5, progress=False))
    # no update happens (learning_starts beyond the run): the new agent is its start
    out = train(TrainSettings("dqn", "toy/Trap-v0", steps=50, out=tmp_path / "qr", video=False, tensorboard=False,
                              eval_episodes=5, progress=False, init_from=source,
                              hyperparameters={"quantiles": 4, "loss": "huber", "learning_starts": 1000}))
    before, after = zoo.load(source), zoo.load(out)
    states = np.arange(before.obs_dim)
    np.testing.assert_allclose(after.q_values(states), before.q_values(states), rtol=1e-6, atol=1e-6)
    assert after.quantile_values(states).shape == (len(states), before.n_actions, 4)
    config = json.loads((out / "config.json").read_text())
    assert config["hyperparameters"]["quantiles"] == 4
    assert "4 equal quantiles" in config["initialized_from"]["head"]
    assert "4 equal quantiles" in (out / "README.md").read_text()


@pytest.mark.parametrize("extra", [{"advantage_learning": 0.5}, {"loss": "mse"}, {"quantiles": -1}])
def test_qr_dqn_refuses_what_it_does_not_combine_with(extra):
    from zoo.agents.configs import DQNConfig
    from zoo.agents.dqn import DQNAgent
    from zoo.rundir.files import Spaces

    spaces = Spaces({"type": "Box", "shape": [3], "dtype": "float32"}, {"type": "Discrete", "n": 2})
    with pytest.raises(ZooError, match="quantiles"):
        DQNAgent(DQNConfig(**{"quantiles": 8, **extra}), spaces)
