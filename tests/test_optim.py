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


def test_flat_adam_steps_as_torchs_adam_and_keeps_its_state_layout(tmp_path):
    """Adam(flat=True): the parameters become views of one flat tensor (the module still holds them, safetensors
    still saves its weights), the steps are torch's per-parameter fused Adam's, and the state loads both ways."""
    from safetensors.torch import load_file, save_file

    from zoo.learning.networks import detached_copy

    ours, theirs = _net_with_grads(3, 1.0), _net_with_grads(3, 1.0)
    flat_opt, opt = Adam(ours.parameters(), lr=0.01, flat=True), torch.optim.Adam(theirs.parameters(), lr=0.01,
                                                                                 fused=True)
    assert flat_opt.flat.numel() == sum(p.numel() for p in theirs.parameters())
    torch.manual_seed(4)
    for step in range(5):
        grads = [torch.randn_like(p) for p in theirs.parameters()]
        for p, q, g in zip(ours.parameters(), theirs.parameters(), grads):
            p.grad.copy_(g)  # a view of the flat gradient: written in place, as the backward by hand does
            q.grad = g.clone()
        flat_opt.step()
        opt.step()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)
        assert p.data_ptr() != q.data_ptr()
    assert ours[0].weight.data_ptr() == flat_opt.flat.data_ptr()  # the module's weights are the flat tensor
    state = flat_opt.state_dict()
    torch_state = opt.state_dict()
    assert state["param_groups"][0]["params"] == torch_state["param_groups"][0]["params"] == [0, 1, 2, 3]
    for i in range(4):
        assert float(state["state"][i]["step"]) == 5.0
        torch.testing.assert_close(state["state"][i]["exp_avg_sq"], torch_state["state"][i]["exp_avg_sq"])
    twin = _net_with_grads(3, 1.0)
    Adam(twin.parameters(), lr=0.01).load_state_dict(state)  # flat -> per parameter
    back = Adam(_net_with_grads(3, 1.0).parameters(), lr=0.01, flat=True)
    back.load_state_dict(torch_state)  # per parameter -> flat
    torch.testing.assert_close(back.torch_optimizer.state_dict()["state"][0]["exp_avg"],
                               torch.cat([torch_state["state"][i]["exp_avg"].reshape(-1) for i in range(4)]))
    save_file(detached_copy(ours.state_dict()), tmp_path / "w.safetensors")  # views of one tensor: copied first
    assert torch.equal(load_file(tmp_path / "w.safetensors")["0.weight"], ours[0].weight.detach())


def test_flat_adam_minimizes_a_loss_through_autograd_too():
    ours, theirs = _net_with_grads(5, 1.0), _net_with_grads(5, 1.0)
    flat_opt, opt = Adam(ours.parameters(), lr=0.05, flat=True), Adam(theirs.parameters(), lr=0.05)
    x = torch.randn(8, 4)
    for _ in range(3):
        flat_opt.minimize(ours(x).pow(2).mean(), max_grad_norm=0.1)
        opt.minimize(theirs(x).pow(2).mean(), max_grad_norm=0.1)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-7)
    assert ours[0].weight.grad.data_ptr() == flat_opt.flat.grad.data_ptr()  # autograd accumulated into the view


def test_a_state_whose_parameters_took_different_steps_is_refused_by_flat_adam():
    net = _net_with_grads(0, 1.0)
    net[2].bias.grad = None
    opt = Adam(net.parameters(), lr=1e-3)
    opt.step()  # the last bias took no step
    with pytest.raises(ValueError, match="different numbers of steps"):
        Adam(_net_with_grads(0, 1.0).parameters(), lr=1e-3, flat=True).load_state_dict(opt.state_dict())
