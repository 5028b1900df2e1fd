"""zoo.learning.optim: torch's fused Adam made at first use, the same over one flat tensor (FlatAdam), and a clip with
clip_grad_norm_'s gradients bit for bit."""

import subprocess
import sys

import pytest
import torch

from zoo.learning.optim import Adam, FlatAdam, clip_grad_norm


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


def _twins(lr: float = 0.01):
    """Two equal nets, one under FlatAdam and one under Adam (torch's fused optimiser)."""
    ours, theirs = _net_with_grads(3, 1.0), _net_with_grads(3, 1.0)
    return ours, FlatAdam(ours.parameters(), lr=lr), theirs, Adam(theirs.parameters(), lr=lr)


def _same_gradients(ours, theirs, gen: torch.Generator, scale: float) -> None:
    for p, q in zip(ours.parameters(), theirs.parameters()):
        g = torch.randn(p.shape, generator=gen) * scale
        p.grad.copy_(g)  # in place: FlatAdam's gradients are views of its flat gradient
        q.grad = g.clone()


@pytest.mark.parametrize("max_norm", [0.0, 1e9, 3.0])  # no clip; a bound never reached; one crossed every other step
def test_flat_adam_takes_torchs_adam_steps_bit_for_bit(max_norm):
    ours_net, ours, theirs_net, theirs = _twins()
    assert ours_net[0].weight.data_ptr() == ours.flat.data_ptr()  # the parameters are views of the flat tensor
    gen = torch.Generator().manual_seed(1)
    for k in range(12):
        if k == 6:  # a schedule's new rate
            ours.set_lr(0.003), theirs.set_lr(0.003)
        _same_gradients(ours_net, theirs_net, gen, 10.0 if k % 2 else 0.01)  # total norms ~80 and ~0.08
        ours.apply_gradients(max_norm), theirs.apply_gradients(max_norm)
        for p, q in zip(ours_net.parameters(), theirs_net.parameters()):
            assert torch.equal(p, q) and torch.equal(p.grad, q.grad)
    assert ours.steps == 12 and not torch.equal(ours_net[0].weight, _net_with_grads(3, 1.0)[0].weight)


def test_flat_adams_state_is_torchs_and_loads_both_ways():
    ours_net, ours, theirs_net, theirs = _twins()
    gen = torch.Generator().manual_seed(2)
    for _ in range(3):
        _same_gradients(ours_net, theirs_net, gen, 1.0)
        ours.apply_gradients(), theirs.apply_gradients()
    mine, torchs = ours.state_dict(), theirs.state_dict()
    assert mine["param_groups"] == torchs["param_groups"]
    assert mine["state"].keys() == torchs["state"].keys() == {0, 1, 2, 3}
    for i in mine["state"]:
        assert mine["state"][i].keys() == torchs["state"][i].keys()
        for name, value in mine["state"][i].items():
            assert value.dtype == torchs["state"][i][name].dtype and torch.equal(value, torchs["state"][i][name])
    mine["state"][0]["exp_avg"].add_(1.0)  # a copy: the optimiser's own moments are untouched
    assert torch.equal(ours.state_dict()["state"][0]["exp_avg"], torchs["state"][0]["exp_avg"])
    mine = ours.state_dict()
    # each state loaded into the other optimiser, over a copy of the weights, goes on as the original does
    crossed_flat_net, crossed_torch_net = _net_with_grads(9, 1.0), _net_with_grads(9, 1.0)
    crossed_flat_net.load_state_dict(ours_net.state_dict()), crossed_torch_net.load_state_dict(theirs_net.state_dict())
    crossed_flat = FlatAdam(crossed_flat_net.parameters(), lr=1.0)
    crossed_torch = Adam(crossed_torch_net.parameters(), lr=1.0)
    crossed_flat.load_state_dict(torchs), crossed_torch.load_state_dict(mine)
    assert crossed_flat.lr == crossed_torch.lr == 0.01 and crossed_flat.steps == 3
    for net in (ours_net, theirs_net, crossed_flat_net, crossed_torch_net):
        for p in net.parameters():
            p.grad.fill_(0.5)  # in place: FlatAdam's are views
    for opt in (ours, theirs, crossed_flat, crossed_torch):
        opt.apply_gradients(1.0)
    for nets in zip(ours_net.parameters(), theirs_net.parameters(), crossed_flat_net.parameters(),
                    crossed_torch_net.parameters()):
        assert all(torch.equal(nets[0], other) for other in nets[1:])


def test_flat_adam_refuses_a_rebound_gradient_and_a_state_it_cannot_hold():
    net = _net_with_grads(0, 1.0)
    opt = FlatAdam(net.parameters(), lr=1e-3)
    net[0].weight.grad = torch.ones_like(net[0].weight)  # a new tensor: the flat gradient never sees it
    with pytest.raises(RuntimeError, match="rebound"):
        opt.apply_gradients()
    partial = _net_with_grads(1, 1.0)
    partial[2].bias.grad = None
    torch_adam = Adam(partial.parameters(), lr=0.1)
    torch_adam.step()  # the last bias took no step
    with pytest.raises(ValueError, match="different step counts"):
        FlatAdam(_net_with_grads(1, 1.0).parameters(), lr=0.1).load_state_dict(torch_adam.state_dict())
    with pytest.raises(ValueError, match="cannot load into one group of 2"):
        FlatAdam(net[2].parameters(), lr=1e-3).load_state_dict(torch_adam.state_dict())


def test_an_agent_updating_by_hand_resumes_its_adam_bit_for_bit():
    """The CartPole preset's agent (update by hand, so FlatAdam): ten updates, its training state through safetensors
    into a fresh agent, ten more, against twenty updates in one go."""
    import json

    import numpy as np
    from safetensors.torch import load, save

    from zoo.agents.configs import DQNConfig
    from zoo.agents.dqn import DQNAgent
    from zoo.learning.replay import ReplayBuffer
    from zoo.rundir.files import Spaces
    from zoo.training.presets import preset

    config = DQNConfig(**preset("dqn", "CartPole-v1")["hyperparameters"])
    spaces = Spaces({"type": "Box", "shape": [4], "dtype": "float32"}, {"type": "Discrete", "n": 2})
    rng = np.random.default_rng(0)
    buffer = ReplayBuffer(2_000, (4,), np.float32, 4, 0.99, 3)
    for _ in range(300):
        obs = rng.normal(size=(4, 4)).astype(np.float32)
        buffer.add(obs, rng.integers(2, size=4), rng.normal(size=4), obs + 0.1, rng.random(4) < 0.05,
                   np.zeros(4, bool))
    batches = [buffer.sample(config.batch_size, rng) for _ in range(20)]
    straight, first = DQNAgent(config, spaces, seed=3), DQNAgent(config, spaces, seed=3)
    assert isinstance(straight.optimizer, FlatAdam)
    for b in batches:
        straight.update(b)
    for b in batches[:10]:
        first.update(b)
    tensors, meta = first.training_state()
    weights = load(save(first.state_dict()))  # as model.safetensors and checkpoint.safetensors carry them
    resumed = DQNAgent(config, spaces, seed=99)
    resumed.load_state_dict(weights)
    resumed.load_training_state(load(save(tensors)), json.loads(json.dumps(meta)))
    assert resumed.optimizer.steps == 10
    for b in batches[10:]:
        resumed.update(b)
    for p, q in zip(resumed.q.parameters(), straight.q.parameters()):
        assert torch.equal(p, q)
