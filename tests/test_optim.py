"""zoo.learning.optim.Adam: torch.optim.Adam(fused=True)'s updates bit for bit, its state format, without torch._dynamo."""

import subprocess
import sys

import pytest
import torch

from zoo.learning.optim import Adam


def _nets(seed=0):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    twin = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    twin.load_state_dict(net.state_dict())
    return net, twin


def _step(net, optimizer, x, skip_last_bias=False):
    optimizer.zero_grad()
    loss = net(x).pow(2).mean()
    loss.backward()
    if skip_last_bias:
        net[2].bias.grad = None  # a parameter without a gradient this step is left alone, as torch does
    optimizer.step()


def test_updates_are_torch_fused_adams_bit_for_bit():
    ours, theirs = _nets()
    a = Adam(ours.parameters(), lr=3e-3, eps=1.5e-4)
    b = torch.optim.Adam(theirs.parameters(), lr=3e-3, eps=1.5e-4, fused=True)
    gen = torch.Generator().manual_seed(1)
    for k in range(7):
        x = torch.randn(32, 4, generator=gen)
        _step(ours, a, x, skip_last_bias=k < 2)
        _step(theirs, b, x, skip_last_bias=k < 2)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert torch.equal(p, q)
    assert not torch.equal(ours[0].weight, _nets()[0][0].weight)  # it did move
    assert float(a.state[3]["step"]) == 5.0 and float(a.state[0]["step"]) == 7.0


def test_state_dicts_load_both_ways_and_continue_identically():
    ours, theirs = _nets()
    a = Adam(ours.parameters(), lr=1e-2)
    b = torch.optim.Adam(theirs.parameters(), lr=1e-2, fused=True)
    x = torch.randn(8, 4)
    for _ in range(3):
        _step(ours, a, x)
        _step(theirs, b, x)
    ours_state, theirs_state = a.state_dict(), b.state_dict()
    assert ours_state["param_groups"][0].keys() == theirs_state["param_groups"][0].keys()
    assert {k: sorted(v) for k, v in ours_state["state"].items()} == {k: sorted(v) for k, v in theirs_state["state"].items()}
    # a checkpoint of either kind resumes in the other
    a2, b2 = Adam(ours.parameters(), lr=0.5), torch.optim.Adam(theirs.parameters(), lr=0.5, fused=True)
    a2.load_state_dict(theirs_state)
    b2.load_state_dict(ours_state)
    assert a2.lr == 1e-2
    y = torch.randn(8, 4)
    _step(ours, a2, y)
    _step(theirs, b2, y)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert torch.equal(p, q)


def test_a_state_for_other_parameters_is_refused():
    net, _ = _nets()
    state = Adam(net.parameters(), lr=1e-3).state_dict()
    with pytest.raises(ValueError, match="cannot load into one group of 2"):
        Adam(net[2].parameters(), lr=1e-3).load_state_dict(state)


def test_training_a_deep_agent_does_not_import_the_compiler(tmp_path):
    """torch.optim imports torch._dynamo, 2+ s of every training command; our agents must not need it."""
    code = ("import sys\nfrom zoo.cli import main\n"
            "main(['train', 'dqn', 'CartPole-v1', '--steps', '600', '--learning-starts', '256', '--no-video', "
            "'--eval-episodes', '2', '--out', sys.argv[1]])\n"
            "print('torch._dynamo' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, "run"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False", done.stdout + done.stderr

