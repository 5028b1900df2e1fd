"""``learning_rate_decay_steps``: Adam's rate falling linearly to ``learning_rate_final``, as RL Zoo's and
CleanRL's linear schedules do. The rate at hand-picked steps, the step Adam takes with it, and a run without it
unchanged."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from zoo.agents.configs import DQNConfig, build_config
from zoo.agents.dqn import DQNAgent
from zoo.errors import ZooError
from zoo.learning.replay import Batch
from zoo.rundir.files import Spaces

SPACES = Spaces({"type": "Box", "shape": [3], "dtype": "float32"}, {"type": "Discrete", "n": 2})


def _batch(seed: int, n: int = 8) -> Batch:
    rng = np.random.default_rng(seed)
    return Batch(rng.normal(size=(n, 3)).astype(np.float32), rng.integers(2, size=n),
                 rng.normal(size=n).astype(np.float32), rng.normal(size=(n, 3)).astype(np.float32),
                 np.zeros(n, np.float32), np.full(n, 0.9, np.float32))


def test_the_rate_at_hand_picked_steps():
    agent = DQNAgent(DQNConfig(hidden="8", learning_rate=1e-3, learning_rate_final=2e-4,
                               learning_rate_decay_steps=1_000), SPACES, seed=0)
    # 1e-3 + (2e-4 - 1e-3) * step / 1000, then 2e-4
    for step, rate in ((0, 1e-3), (250, 8e-4), (500, 6e-4), (1_000, 2e-4), (5_000, 2e-4)):
        agent.steps_done = step
        assert agent.learning_rate() == pytest.approx(rate, rel=1e-12)
    constant = DQNAgent(DQNConfig(hidden="8", learning_rate=1e-3), SPACES, seed=0)
    constant.steps_done = 10**9
    assert constant.learning_rate() == 1e-3  # without decay steps the final rate plays no part


@pytest.mark.parametrize("backward", ["auto", "autograd"])  # the MLP's backward by hand, and autograd's
def test_adams_step_is_taken_at_the_scheduled_rate(backward):
    """Adam's first step moves each weight by lr · g / (|g| + eps): three quarters down the schedule, every
    weight with a gradient moves by the rate left and not by the starting one."""
    config = DQNConfig(hidden="8", learning_rate=1e-3, learning_rate_final=0.0, learning_rate_decay_steps=400,
                       max_grad_norm=0.0, adam_eps=1e-12, loss="mse")
    agent = DQNAgent(config, SPACES, seed=1, backward=backward)
    agent.steps_done = 300  # a quarter of the rate is left: 2.5e-4
    before = [p.detach().clone() for p in agent.q.parameters()]
    agent.update(_batch(2))
    steps = torch.cat([(p.detach() - b).abs().flatten() for p, b in zip(agent.q.parameters(), before)])
    moved = steps[steps > 0]
    assert len(moved) > 0.5 * len(steps)
    torch.testing.assert_close(moved, torch.full_like(moved, 2.5e-4), rtol=1e-3, atol=0)
    assert agent.optimizer.lr == pytest.approx(2.5e-4)


def test_without_a_schedule_training_is_unchanged_bit_for_bit():
    """decay steps 0: the rate is never set, so ten updates give the same weights as an agent whose config
    names no schedule at all, whatever the final rate says."""
    plain = DQNAgent(DQNConfig(hidden="8", learning_rate=5e-3), SPACES, seed=3)
    other = DQNAgent(DQNConfig(hidden="8", learning_rate=5e-3, learning_rate_final=1e-5), SPACES, seed=3)
    scheduled = DQNAgent(DQNConfig(hidden="8", learning_rate=5e-3, learning_rate_final=0.0,
                                   learning_rate_decay_steps=10), SPACES, seed=3)
    for i in range(10):
        for agent in (plain, other, scheduled):
            agent.steps_done = 5 + i  # the scheduled agent's rate: half its start at step 5, 0 from step 10
            agent.update(_batch(10 + i))
    for p, q in zip(plain.q.parameters(), other.q.parameters()):
        assert torch.equal(p, q)
    start = DQNAgent(DQNConfig(hidden="8"), SPACES, seed=3)
    moved = [not torch.equal(p, q) for p, q in zip(plain.q.parameters(), start.q.parameters())]
    assert all(moved)
    # the scheduled agent's rate fell 2.5e-3, 2e-3, ... to 0 at step 10, where it stays
    assert scheduled.optimizer.lr == 0.0
    assert any(not torch.equal(p, q) for p, q in zip(scheduled.q.parameters(), plain.q.parameters()))


def test_a_negative_final_rate_is_refused():
    with pytest.raises(ZooError, match="learning_rate_final"):
        build_config(DQNConfig, {"learning_rate_final": -1e-4})
    with pytest.raises(ZooError, match="learning_rate_decay_steps"):
        build_config(DQNConfig, {"learning_rate_decay_steps": -5})
