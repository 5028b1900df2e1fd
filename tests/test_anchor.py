"""``anchor_weight``: a fine-tune held near the agent it started from (kickstarting with the start as teacher).
The loss term and its gradient by hand, its schedule, what a resume keeps, and its effect on learning."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from zoo.agents.configs import DQNConfig
from zoo.agents.dqn import DQNAgent
from zoo.learning.replay import Batch
from zoo.rundir.files import Spaces

SPACES = Spaces({"type": "Box", "shape": [3], "dtype": "float32"}, {"type": "Discrete", "n": 2})


def _batch(rng, n=8) -> Batch:
    obs = rng.normal(size=(n, 3)).astype(np.float32)
    return Batch(obs, rng.integers(2, size=n), rng.normal(size=n).astype(np.float32),
                 rng.normal(size=(n, 3)).astype(np.float32), (rng.random(n) < 0.2).astype(np.float32),
                 np.full(n, 0.9, np.float32))


def _nudged(agent: DQNAgent, scale: float = 0.3) -> None:
    """Move the online net away from its start (the anchor), as a fine-tune's first updates do."""
    with torch.no_grad():
        for p in agent.q.parameters():
            p.add_(torch.randn_like(p) * scale)


def test_the_anchor_term_and_its_gradient_by_hand():
    """One update's loss is DQN's plus w · mean over samples and actions of (Q(s, a) − Q_start(s, a))², and
    Adam's first step moves every weight by lr · g / (|g| + eps) of that loss's gradient g."""
    from zoo.learning.losses import dqn_loss
    from zoo.learning.targets import double_q_target

    torch.manual_seed(0)
    config = DQNConfig(hidden="8", anchor_weight=2.5, max_grad_norm=0.0, learning_rate=1e-3, loss="mse")
    agent = DQNAgent(config, SPACES, seed=1)
    agent.load_state_dict(agent.state_dict())  # a fine-tune's start: the anchor is these weights
    _nudged(agent)
    batch = _batch(np.random.default_rng(2))
    start = {k: v.clone() for k, v in agent.anchor.state_dict().items()}
    before = {k: v.detach().clone() for k, v in agent.q.named_parameters()}

    # by hand, on copies: the same networks, the loss written out, its gradient from autograd
    import copy

    q, target, anchor = copy.deepcopy(agent.q), copy.deepcopy(agent.target), copy.deepcopy(agent.anchor)
    obs, next_obs = torch.as_tensor(batch.obs), torch.as_tensor(batch.next_obs)
    with torch.no_grad():
        y = double_q_target(torch.as_tensor(batch.reward), q(next_obs), target(next_obs),
                            torch.as_tensor(batch.done), torch.as_tensor(batch.discount))
        q_start = anchor(obs)
    q_obs = q(obs)
    diff = q_obs - q_start
    expected = dqn_loss(q_obs, torch.as_tensor(batch.action), y, "mse") + 2.5 * (diff ** 2).sum() / diff.numel()
    expected.backward()

    loss = agent.update(batch)
    assert loss == pytest.approx(expected.item(), rel=1e-5)
    assert (diff.abs() > 0.05).any()  # the term was not zero: the nudge moved the Q-values
    for name, p in agent.q.named_parameters():
        g = dict(q.named_parameters())[name].grad
        step = p.detach() - before[name]
        torch.testing.assert_close(step, -1e-3 * g / (g.abs() + config.adam_eps), rtol=1e-4, atol=1e-8)
    for k, v in agent.anchor.state_dict().items():  # the anchor does not learn
        torch.testing.assert_close(v, start[k], rtol=0, atol=0)


def test_without_an_anchor_weight_the_update_is_plain_dqn():
    plain = DQNAgent(DQNConfig(hidden="8"), SPACES, seed=3)
    assert plain.anchor is None
    anchored = DQNAgent(DQNConfig(hidden="8", anchor_weight=1.0, anchor_decay_steps=100), SPACES, seed=3)
    anchored.load_state_dict(plain.state_dict())
    anchored.steps_done = 100  # the weight has decayed to 0: the same step as plain DQN
    batch = _batch(np.random.default_rng(4))
    assert anchored.anchor_weight() == 0.0
    assert anchored.update(batch) == pytest.approx(plain.update(batch), rel=1e-6)
    for a, b in zip(anchored.q.parameters(), plain.q.parameters()):
        torch.testing.assert_close(a, b)


def test_the_anchor_weight_falls_linearly_to_zero():
    agent = DQNAgent(DQNConfig(hidden="8", anchor_weight=4.0, anchor_decay_steps=1000), SPACES)
    weights = []
    for steps in (0, 250, 500, 1000, 5000):
        agent.steps_done = steps
        weights.append(agent.anchor_weight())
    assert weights == [4.0, 3.0, 2.0, 0.0, 0.0]
    agent = DQNAgent(DQNConfig(hidden="8", anchor_weight=4.0), SPACES)
    agent.steps_done = 10**6
    assert agent.anchor_weight() == 4.0  # no decay asked: it stays


def test_a_resume_keeps_the_anchor_not_the_weights_it_resumes_from():
    config = DQNConfig(hidden="8", anchor_weight=1.0)
    agent = DQNAgent(config, SPACES, seed=5)
    agent.load_state_dict(agent.state_dict())
    start = {k: v.clone() for k, v in agent.anchor.state_dict().items()}
    _nudged(agent)
    weights, (tensors, meta) = agent.state_dict(), agent.training_state()
    resumed = DQNAgent(config, SPACES, seed=6)
    resumed.load_state_dict(weights)  # as `--resume` does: the run's latest weights, then its training state
    resumed.load_training_state(tensors, meta)
    for k, v in resumed.anchor.state_dict().items():
        torch.testing.assert_close(v, start[k], rtol=0, atol=0)
    assert not torch.equal(resumed.anchor.state_dict()["head.weight"], resumed.q.state_dict()["head.weight"])


def test_the_anchor_holds_the_q_values_near_the_start():
    """Twenty updates at a high learning rate on random transitions: with a strong anchor the Q-values stay
    several times nearer the starting agent's than without one."""
    rng = np.random.default_rng(7)
    batches = [_batch(rng, 32) for _ in range(20)]
    probe = torch.as_tensor(rng.normal(size=(256, 3)).astype(np.float32))
    drift = {}
    for weight in (0.0, 50.0):
        agent = DQNAgent(DQNConfig(hidden="16", anchor_weight=weight, learning_rate=0.03), SPACES, seed=8)
        with torch.no_grad():
            start = agent.q(probe).clone()
        for batch in batches:
            agent.update(batch)
        with torch.no_grad():
            drift[weight] = (agent.q(probe) - start).abs().mean().item()
    assert drift[50.0] < drift[0.0] / 3, drift


def test_an_anchor_needs_a_start(tmp_path, capsys, monkeypatch):
    from zoo.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["train", "dqn", "CartPole-v1", "--anchor-weight", "1", "--steps", "100", "--no-video"]) == 2
    err = capsys.readouterr().err
    assert "--init-from" in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
    assert main(["train", "dqn", "CartPole-v1", "--anchor-weight", "-1", "--steps", "100", "--no-video"]) == 2
    assert "anchor_weight=-1.0 is outside its valid range" in capsys.readouterr().err


def test_the_large_margin_loss_by_hand():
    """DQfD's term on two states, the start's action 0 in both, margin 0.8: max(1.0, 0.5 + 0.8, 0.2 + 0.8) − 1.0
    = 0.3 and max(0.0, 0.3 + 0.8, 0.1 + 0.8) − 0.0 = 1.1, mean 0.7; the gradient raises the start's action and
    lowers the one rival that wins the max in each row, by 1/2 (the mean over two rows)."""
    from zoo.learning.losses import large_margin_loss

    q = torch.tensor([[1.0, 0.5, 0.2], [0.0, 0.3, 0.1]], requires_grad=True)
    expert = torch.tensor([0, 0])
    loss = large_margin_loss(q, expert, 0.8)
    loss.backward()
    assert loss.item() == pytest.approx(0.7)
    torch.testing.assert_close(q.grad, torch.tensor([[-0.5, 0.5, 0.0], [-0.5, 0.5, 0.0]]))
    # a lead of 0.5 clears a margin of 0.2: the first row adds nothing and pulls on nothing
    q.grad = None
    loss = large_margin_loss(q, expert, 0.2)
    loss.backward()
    assert loss.item() == pytest.approx((0.0 + 0.5) / 2)
    torch.testing.assert_close(q.grad, torch.tensor([[0.0, 0.0, 0.0], [-0.5, 0.5, 0.0]]))


def test_with_a_margin_the_update_adds_the_large_margin_term():
    """The agent's loss is DQN's plus w · the large-margin loss towards the start's greedy actions."""
    import copy

    from zoo.learning.losses import dqn_loss, large_margin_loss
    from zoo.learning.targets import double_q_target

    torch.manual_seed(0)
    agent = DQNAgent(DQNConfig(hidden="8", anchor_weight=2.5, anchor_margin=0.4, loss="mse"), SPACES, seed=1)
    agent.load_state_dict(agent.state_dict())
    _nudged(agent)
    batch = _batch(np.random.default_rng(2))
    q, target, anchor = copy.deepcopy(agent.q), copy.deepcopy(agent.target), copy.deepcopy(agent.anchor)
    obs, next_obs = torch.as_tensor(batch.obs), torch.as_tensor(batch.next_obs)
    with torch.no_grad():
        y = double_q_target(torch.as_tensor(batch.reward), q(next_obs), target(next_obs),
                            torch.as_tensor(batch.done), torch.as_tensor(batch.discount))
        q_obs, start_action = q(obs), anchor(obs).argmax(dim=1)
        term = large_margin_loss(q_obs, start_action, 0.4)
    assert term.item() > 0.01  # the nudge left some states short of the margin: the term is not zero
    expected = dqn_loss(q_obs, torch.as_tensor(batch.action), y, "mse") + 2.5 * term
    assert agent.update(batch) == pytest.approx(expected.item(), rel=1e-5)


def test_a_margin_anchor_keeps_the_start_s_choices_but_not_its_values():
    """Forty updates at a high learning rate on random transitions whose rewards favour no action. Without an
    anchor most greedy choices on probe states drift from the start's; the margin anchor keeps nearly all of them
    while the values themselves move (it asks only for a lead, and widens it), where the squared anchor pins them."""
    rng = np.random.default_rng(7)
    batches = [_batch(rng, 32) for _ in range(40)]
    probe = torch.as_tensor(rng.normal(size=(512, 3)).astype(np.float32))
    kept, drift = {}, {}
    for name, extra in (("plain", {}), ("margin", {"anchor_weight": 20.0, "anchor_margin": 0.5}),
                        ("squared", {"anchor_weight": 20.0})):
        agent = DQNAgent(DQNConfig(hidden="16", learning_rate=0.03, **extra), SPACES, seed=8)
        with torch.no_grad():
            start = agent.q(probe).clone()
        for batch in batches:
            agent.update(batch)
        with torch.no_grad():
            now = agent.q(probe)
        kept[name] = (now.argmax(1) == start.argmax(1)).float().mean().item()
        drift[name] = (now - start).abs().mean().item()
    # seen: kept 0.35 / 0.93 / 0.98 and drift 0.25 / 0.65 / 0.02 (plain / margin / squared)
    assert kept["margin"] > 0.85 and kept["plain"] < 0.6, kept  # room for another CPU's rounding
    assert drift["margin"] > 10 * drift["squared"], drift


def test_a_margin_needs_an_anchor_weight(tmp_path, capsys, monkeypatch):
    from zoo.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["train", "dqn", "CartPole-v1", "--anchor-margin", "0.5", "--steps", "100", "--no-video"]) == 2
    err = capsys.readouterr().err
    assert "--anchor-weight" in err and "Traceback" not in err
