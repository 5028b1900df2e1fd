"""zoo.learning.optim: torch's fused Adam made at first use, and a clip with clip_grad_norm_'s gradients bit for bit."""

import subprocess
import sys

import pytest
import torch

from zoo.learning.optim import Adam, clip_grad_norm


def _net_with_grads(seed: int, scale: float):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    for p in net.parameters():
        p.grad = torch.randn_like(p) * scale
    return net


@pytest.mark.parametrize("scale", [0.01, 10.0])  # total norm ~0.09 (within the bound) and ~90 (clipped)
def test_clip_gives_torchs_clipped_gradients_bit_for_bit(scale):
    ours, theirs = _net_with_grads(0, scale), _net_with_grads(0, scale)
    before = [p.grad.clone() for p in ours.parameters()]
    clip_grad_norm(list(ours.parameters()), 1.0)
    torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert torch.equal(p.grad, q.grad)
    norm = torch.nn.utils.get_total_norm([p.grad for p in ours.parameters()])
    if scale > 1:
        assert abs(float(norm) - 1.0) < 1e-4  # scaled down to the bound
    else:
        assert all(torch.equal(p.grad, b) for p, b in zip(ours.parameters(), before))


def test_adam_steps_only_the_parameters_with_a_gradient_and_resumes_from_torchs_state():
    net = _net_with_grads(1, 1.0)
    net[2].bias.grad = None
    start = [p.detach().clone() for p in net.parameters()]
    opt = Adam(net.parameters(), lr=0.1)
    opt.step()
    moved = [not torch.equal(p, s) for p, s in zip(net.parameters(), start)]
    assert moved == [True, True, True, False]
    # Adam's first step moves each coordinate by lr * g / (|g| + eps) ~ lr: worked out, not compared to torch
    assert torch.allclose((start[0] - net[0].weight).abs(), torch.full_like(start[0], 0.1), atol=1e-5)
    state = opt.state_dict()
    twin = Adam(net.parameters(), lr=0.5)
    twin.load_state_dict(state)
    assert twin.lr == 0.1 and float(twin.state_dict()["state"][0]["step"]) == 1.0


def test_reading_the_rate_does_not_build_torchs_optimiser():
    """``lr`` was defined twice and the second (building torch.optim.Adam, so importing torch._dynamo) won."""
    opt = Adam(_net_with_grads(0, 1.0).parameters(), lr=0.25)
    assert opt.lr == 0.25 and opt._torch is None
    opt.set_lr(0.125)
    assert opt.lr == 0.125 and opt._torch is None
    opt.step()
    assert opt.lr == 0.125 and opt._torch.param_groups[0]["lr"] == 0.125


def test_a_state_for_other_parameters_is_refused():
    net = _net_with_grads(0, 1.0)
    opt = Adam(net.parameters(), lr=1e-3)
    opt.step()
    with pytest.raises(ValueError, match="cannot load into one group of 2"):
        Adam(net[2].parameters(), lr=1e-3).load_state_dict(opt.state_dict())


def test_an_agent_that_only_plays_does_not_import_the_compiler():
    """torch.optim imports torch._dynamo (~1-2 s); making and playing an agent must not pay for it."""
    code = ("import sys\nfrom zoo.agents.configs import DQNConfig\nfrom zoo.agents.dqn import DQNAgent\n"
            "from zoo.rundir.files import Spaces\n"
            "agent = DQNAgent(DQNConfig(), Spaces({'type': 'Box', 'shape': [4], 'dtype': 'float32'}, "
            "{'type': 'Discrete', 'n': 2}))\nagent.act([[0.0, 0.1, 0.0, 0.0]])\n"
            "print('torch._dynamo' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False", done.stdout + done.stderr

