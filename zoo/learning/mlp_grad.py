"""A ReLU-MLP Q-network's forward and backward written out by hand: the small networks' update without autograd.

CartPole's batch-256 update of a 128×128 MLP spends as much time between its kernels as in them: its five
256×128×128 matmuls take ~0.45 ms on one core at the core's peak, and autograd's bookkeeping, the s' forwards
and the optimiser most of the rest (issue 21, BENCHMARKS.md). Here the same sums run as plain tensor ops under
``no_grad``:

- one forward of ``[s; s']`` through the online net, keeping each layer's output: its first rows are the
  forward of s with the activations the backward needs, its last rows the online net's values of s' that
  Double DQN's target picks with (no graph, so the s' rows cost no backward);
- the backward of the TD loss through the kept activations, each gradient written in place into ``.grad``.

The gradients are autograd's, op for op: the CartPole preset's whole training ended with autograd's weights bit
for bit on the AMD EPYC of issue 21 (benchmarks/cartpole_backward.py); the tests hold the two to fp32 rounding,
since another CPU's matmul kernels may pick another summation order for 512 rows than for 256, and a dueling head
differs from autograd in the order of the mean over actions. Only for ``QNetwork``s whose body is ``mlp`` + ReLU
(or nothing) in fp32.
"""

from __future__ import annotations

import torch
from torch import nn

from zoo.learning.networks import QNetwork


def relu_mlp_linears(net: nn.Module) -> list[nn.Linear] | None:
    """The hidden Linear layers of a QNetwork whose body is Linear, ReLU, ..., Linear, ReLU (``build_q_network``'s
    MLP) or Identity, in order; None for any other network (a CNN, another activation)."""
    if not isinstance(net, QNetwork):
        return None
    body = net.body
    if isinstance(body, nn.Identity):
        return []
    if not (isinstance(body, nn.Sequential) and len(body) == 2 and isinstance(body[0], nn.Sequential)
            and isinstance(body[1], nn.ReLU)):
        return None
    layers = list(body[0]) + [body[1]]
    linears = layers[0::2]
    if not (all(isinstance(m, nn.Linear) for m in linears) and all(isinstance(m, nn.ReLU) for m in layers[1::2])
            and len(layers) == 2 * len(linears)):
        return None
    return linears


def forward_kept(net: QNetwork, linears: list[nn.Linear], x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """``net(x)`` and the activations ``[x, relu(layer 1), ..., relu(layer k)]`` the backward needs."""
    kept = [x]
    h = x
    for layer in linears:
        h = torch.addmm(layer.bias, h, layer.weight.t()).relu_()
        kept.append(h)
    return net.q_from_features(h), kept


def forward(net: QNetwork, linears: list[nn.Linear], x: torch.Tensor) -> torch.Tensor:
    """``net(x)`` without the modules' calls (``linears`` from ``relu_mlp_linears(net)``)."""
    for layer in linears:
        x = torch.addmm(layer.bias, x, layer.weight.t()).relu_()
    return net.q_from_features(x)


def backward_by_hand(net: QNetwork, linears: list[nn.Linear], kept: list[torch.Tensor], dq: torch.Tensor) -> None:
    """Write the gradient of a loss whose gradient by ``Q(s)`` is ``dq`` ([n, actions]) into each parameter's
    ``.grad``, made where missing. ``kept`` are ``forward_kept``'s activations; only their first n rows are used."""
    n = dq.shape[0]
    h = kept[-1][:n]
    if net.dueling:
        dv = dq.sum(dim=1, keepdim=True)  # Q = V + A - mean_a A: V gets every action's gradient,
        da = dq - dq.mean(dim=1, keepdim=True)  # A its own less their mean
        _linear_grads(net.value, dv, h)
        _linear_grads(net.advantage, da, h)
        dh = da @ net.advantage.weight + dv @ net.value.weight if linears else None
    else:
        _linear_grads(net.head, dq, h)
        dh = dq @ net.head.weight if linears else None
    for i in range(len(linears) - 1, -1, -1):
        # relu's gradient: through where the unit fired, zero where it did not (its output is ≥ 0, so sign() is
        # the mask as a float: a fifth of the time of a bool mask's compare and cast)
        dz = dh.mul_(kept[i + 1][:n].sign())
        _linear_grads(linears[i], dz, kept[i][:n])
        if i:
            dh = dz @ linears[i].weight


def _linear_grads(layer: nn.Linear, dz: torch.Tensor, inputs: torch.Tensor) -> None:
    """``y = inputs @ W.T + b``'s gradients by W and b for the output gradient ``dz``, into their ``.grad``."""
    for p in (layer.weight, layer.bias):
        if p.grad is None:
            p.grad = torch.empty_like(p)
    torch.mm(dz.t(), inputs, out=layer.weight.grad)
    torch.sum(dz, dim=0, out=layer.bias.grad)
