"""The deep agents' optimiser and gradient clipping, on torch's public API.

``Adam`` is ``torch.optim.Adam(fused=True)`` (one kernel for all parameters of a dtype) built at its first
step, not when an agent is made: every ``torch.optim`` optimiser imports ``torch._dynamo`` on construction
(0.76-0.87 s on an Intel Xeon, 2.2 s on an AMD EPYC with AVX2), which a command that only plays or evaluates
an agent never needs to pay. Until issue 21 this module called the private kernel ``torch._fused_adam_``
itself to avoid that import in training too; the public optimiser costs 0.08 ms more per step of the Pong
small CNN (0.35 vs 0.27 ms) and 0.02 ms per CartPole step (BENCHMARKS.md). Checkpoints of either load into
the other: the state-dict layout is torch's.

With ``flat=True`` the parameters become views of one flat tensor and their gradients views of one flat
gradient, and torch's fused Adam steps that one tensor: the same arithmetic element by element, at 38 instead
of 60 µs per step of CartPole's six tensors (issue 21, BENCHMARKS.md). ``state_dict`` still gives (and
``load_state_dict`` takes) torch's layout of one state per parameter, so checkpoints load either way.

``clip_grad_norm`` gives ``torch.nn.utils.clip_grad_norm_``'s gradients bit for bit, but skips the rescale
(a multiply of every gradient by exactly 1.0) when the norm is within the bound, half of the clip's time.
"""

from __future__ import annotations

from typing import Any, Iterable

import torch


class Adam:
    """``torch.optim.Adam(fused=True)`` without weight decay or AMSGrad, made at first use; with ``flat`` over the
    parameters made views of one flat tensor (which then always have a gradient, zeroed by ``zero_grad``)."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, flat: bool = False) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("Adam got no parameters")
        self._settings = {"lr": float(lr), "betas": (float(betas[0]), float(betas[1])), "eps": float(eps)}
        self._torch: torch.optim.Optimizer | None = None
        self.flat = flatten_parameters(self.params) if flat else None

    @property
    def torch_optimizer(self) -> "torch.optim.Optimizer":
        if self._torch is None:
            from torch.optim import Adam as TorchAdam  # imports torch._dynamo: only when an agent learns

            self._torch = TorchAdam(self.params if self.flat is None else [self.flat], **self._settings, fused=True)
        return self._torch

    def zero_grad(self) -> None:
        if self.flat is not None:
            self.flat.grad.zero_()  # in place: the parameters' gradients are views of it
            return
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """One Adam step on the parameters that have a gradient."""
        self.torch_optimizer.step()

    def apply_gradients(self, max_grad_norm: float = 0.0) -> None:
        """Clip the gradients the parameters hold to ``max_grad_norm`` (when > 0), then one Adam step."""
        if max_grad_norm > 0:
            clip_grad_norm(self.params, max_grad_norm)
        self.step()

    def minimize(self, loss: torch.Tensor, max_grad_norm: float = 0.0) -> None:
        """One gradient step down ``loss``: fresh gradients, clipped to ``max_grad_norm`` (when > 0), then Adam."""
        self.zero_grad()
        loss.backward()
        self.apply_gradients(max_grad_norm)

    def state_dict(self) -> dict[str, Any]:
        """torch's ``Adam.state_dict``: one state per parameter (with ``flat``, split out of the flat one)."""
        state = self.torch_optimizer.state_dict()
        if self.flat is None:
            return state
        group = {**state["param_groups"][0], "params": list(range(len(self.params)))}
        flat_state = state["state"].get(0)
        per_param = {}
        if flat_state is not None:
            pieces = {name: _split(value, self.params) for name, value in flat_state.items() if name != "step"}
            per_param = {i: {"step": flat_state["step"].clone(), **{name: pieces[name][i] for name in pieces}}
                         for i in range(len(self.params))}
        return {"state": per_param, "param_groups": [group]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state saved by ``state_dict`` (or by ``torch.optim.Adam``) for the same parameters."""
        groups = state_dict["param_groups"]
        if len(groups) != 1 or len(groups[0]["params"]) != len(self.params):
            raise ValueError(f"an optimiser state for {sum(len(g['params']) for g in groups)} parameters in "
                             f"{len(groups)} groups cannot load into one group of {len(self.params)}")
        group = groups[0]
        if group.get("amsgrad") or group.get("weight_decay") or group.get("maximize"):
            raise ValueError("this Adam has no AMSGrad, weight decay or maximize: the state needs torch.optim.Adam")
        if self.flat is not None:
            state_dict = self._flat_state(state_dict)
        self.torch_optimizer.load_state_dict(state_dict)

    def _flat_state(self, state_dict: dict[str, Any]) -> dict[str, Any]:
        """A per-parameter state joined into the state of the one flat tensor."""
        group = {**state_dict["param_groups"][0], "params": [0]}
        states = [state_dict["state"].get(i) for i in state_dict["param_groups"][0]["params"]]
        if all(s is None for s in states):
            return {"state": {}, "param_groups": [group]}
        if any(s is None for s in states) or len({float(s["step"]) for s in states}) != 1:
            raise ValueError("a state where the parameters took different numbers of steps cannot load into one "
                             "flat Adam: load it into Adam(flat=False)")
        names = [name for name in states[0] if name != "step"]
        joined = {name: torch.cat([s[name].reshape(-1) for s in states]) for name in names}
        return {"state": {0: {"step": states[0]["step"], **joined}}, "param_groups": [group]}

    @property
    def lr(self) -> float:
        return float(self.torch_optimizer.param_groups[0]["lr"])


def flatten_parameters(params: list[torch.Tensor]) -> torch.nn.Parameter:
    """Make every tensor of ``params`` a view of one new flat Parameter, and its ``.grad`` a view of that one's
    zeroed gradient; returns the flat Parameter. In place: modules holding ``params`` see the same values."""
    first = params[0]
    if any(p.dtype != first.dtype or p.device != first.device or not p.is_contiguous() for p in params):
        raise ValueError("flat parameters must share one dtype and device and be contiguous")
    flat = torch.nn.Parameter(torch.cat([p.detach().reshape(-1) for p in params]))
    flat.grad = torch.zeros_like(flat)
    offset = 0
    for p in params:
        n = p.numel()
        p.data = flat.data[offset:offset + n].view_as(p)
        p.grad = flat.grad[offset:offset + n].view_as(p)
        offset += n
    return flat


def _split(flat: torch.Tensor, params: list[torch.Tensor]) -> list[torch.Tensor]:
    """Copies of the pieces of ``flat`` shaped as ``params``."""
    pieces, offset = [], 0
    for p in params:
        pieces.append(flat[offset:offset + p.numel()].reshape(p.shape).clone())
        offset += p.numel()
    return pieces


def clip_grad_norm(params: list[torch.Tensor], max_norm: float) -> None:
    """Scale the gradients so their total 2-norm is at most ``max_norm``, as ``clip_grad_norm_`` does."""
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    total = torch.nn.utils.get_total_norm(grads, foreach=True)
    # clip_grad_norm_ multiplies by min(max_norm / (total + 1e-6), 1): within the bound that is exactly 1.0
    if float(total) + 1e-6 > max_norm:
        torch.nn.utils.clip_grads_with_norm_(params, max_norm, total, foreach=True)
