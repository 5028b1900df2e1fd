"""The deep agents' optimiser and gradient clipping, on torch's public API.

``Adam`` is ``torch.optim.Adam(fused=True)`` (one kernel for all parameters of a dtype) built at its first
step, not when an agent is made: every ``torch.optim`` optimiser imports ``torch._dynamo`` on construction
(0.76-0.87 s on an Intel Xeon, 2.2 s on an AMD EPYC with AVX2), which a command that only plays or evaluates
an agent never needs to pay. Until issue 21 this module called the private kernel ``torch._fused_adam_``
itself to avoid that import in training too; the public optimiser costs 0.08 ms more per step of the Pong
small CNN (0.35 vs 0.27 ms) and 0.02 ms per CartPole step (BENCHMARKS.md). Checkpoints of either load into
the other: the state-dict layout is torch's.

``FlatAdam`` is the same kernel over parameters laid out in one tensor, for the updates that write their gradients
by hand (the fp32 MLPs'): one norm and one kernel call per step, without the optimiser object's bookkeeping.

``clip_grad_norm`` gives ``torch.nn.utils.clip_grad_norm_``'s gradients bit for bit, but skips the rescale
(a multiply of every gradient by exactly 1.0) when the norm is within the bound, half of the clip's time.
"""

from __future__ import annotations

from typing import Any, Iterable

import torch
from torch.optim.adam import adam  # Adam's functional form: imported with torch; no optimiser object, no torch._dynamo


class Adam:
    """``torch.optim.Adam(fused=True)`` without weight decay or AMSGrad, made at first use."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("Adam got no parameters")
        self._settings = {"lr": float(lr), "betas": (float(betas[0]), float(betas[1])), "eps": float(eps)}
        self._torch: torch.optim.Optimizer | None = None

    @property
    def torch_optimizer(self) -> "torch.optim.Optimizer":
        if self._torch is None:
            from torch.optim import Adam as TorchAdam  # imports torch._dynamo: only when an agent learns

            self._torch = TorchAdam(self.params, **self._settings, fused=True)
        return self._torch

    @property
    def lr(self) -> float:
        """The rate the next step takes: a loaded state's own once one is loaded (its optimiser is then built)."""
        if self._torch is not None:
            return float(self._torch.param_groups[0]["lr"])
        return self._settings["lr"]

    def set_lr(self, lr: float) -> None:
        """The rate the next steps take (a schedule's value); the moments Adam keeps are untouched."""
        self._settings["lr"] = float(lr)
        if self._torch is not None:
            for group in self._torch.param_groups:
                group["lr"] = float(lr)

    def zero_grad(self) -> None:
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
        return self.torch_optimizer.state_dict()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state saved by ``state_dict`` (or by ``torch.optim.Adam``) for the same parameters."""
        _check_group(state_dict, len(self.params))
        self.torch_optimizer.load_state_dict(state_dict)


# torch.optim.Adam's group, as its state_dict writes it (torch 2.13, fused=True): FlatAdam's states load into it
_TORCH_GROUP = {"weight_decay": 0, "amsgrad": False, "maximize": False, "foreach": None, "capturable": False,
                "differentiable": False, "fused": True, "decoupled_weight_decay": False}


class FlatAdam:
    """Adam (``torch.optim.Adam``'s rule, no weight decay or AMSGrad) over parameters laid out in one flat tensor,
    their gradients in another, for an update that writes every gradient itself each step (the fp32 MLP's
    backward by hand, ``zoo.learning.mlp_grad``).

    Each parameter (and its ``.grad``) becomes a view of the flat tensor (of the flat gradient), so the clip's norm
    is one reduction and the step one call of torch's fused kernel through its functional form, where
    ``torch.optim.Adam(fused=True)`` spends 0.14 ms per step in Python around its 0.02 ms kernel for CartPole's
    six tensors (issue 21, one core of an AVX2 AMD EPYC, BENCHMARKS.md). Nothing may rebind a parameter's
    ``.data`` or ``.grad`` afterwards (``apply_gradients`` checks). ``state_dict`` is torch's layout, and loads
    into ``Adam`` as torch's loads into this; it holds copies, not views."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("Adam got no parameters")
        first = self.params[0]
        if any(p.dtype != first.dtype or p.device != first.device for p in self.params):
            raise ValueError("FlatAdam lays its parameters out in one tensor: they need one dtype and device")
        self.lr, self.betas, self.eps = float(lr), (float(betas[0]), float(betas[1])), float(eps)
        n = sum(p.numel() for p in self.params)
        self.flat = torch.empty(n, dtype=first.dtype, device=first.device)
        self.grad = torch.zeros_like(self.flat)
        self.exp_avg, self.exp_avg_sq = torch.zeros_like(self.flat), torch.zeros_like(self.flat)
        self._step = torch.zeros((), dtype=torch.float32)  # torch's fused kernel counts in an fp32 tensor
        self._slices, offset = [], 0
        with torch.no_grad():
            for p in self.params:
                k = p.numel()
                self._slices.append(slice(offset, offset + k))
                view = self.flat[offset:offset + k].view_as(p)
                view.copy_(p)
                p.data = view
                p.grad = self.grad[offset:offset + k].view_as(p)
                offset += k
        self._grads = [p.grad for p in self.params]
        self._pointers = [p.data_ptr() for p in self.params]

    def set_lr(self, lr: float) -> None:
        """The rate the next steps take (a schedule's value); the moments are untouched."""
        self.lr = float(lr)

    def zero_grad(self) -> None:
        self.grad.zero_()

    def apply_gradients(self, max_grad_norm: float = 0.0) -> None:
        """Clip the gradients to total 2-norm ``max_grad_norm`` (when > 0) as ``clip_grad_norm`` does, then one
        Adam step with what the parameters' ``.grad`` hold."""
        if any(p.grad is not g for p, g in zip(self.params, self._grads)) or \
                any(p.data_ptr() != ptr for p, ptr in zip(self.params, self._pointers)):
            raise RuntimeError("a parameter's .data or .grad was rebound after FlatAdam laid them out: its gradient "
                               "would not reach the step (write gradients in place into .grad)")
        # One norm over the flat gradient tells whether the clip can act. Near or over the bound clip_grad_norm
        # decides and scales with its own sums (per tensor, then over those), so a clipped step is the one Adam
        # would take; the two norms differ by a few units in the last place, far inside the 1e-4 margin.
        if max_grad_norm > 0 and float(torch.linalg.vector_norm(self.grad)) + 1e-6 > max_grad_norm * (1 - 1e-4):
            clip_grad_norm(self.params, max_grad_norm)
        self.step()

    @torch.no_grad()
    def step(self) -> None:
        """One Adam step with torch's fused kernel over the flat tensor (``torch.optim.adam.adam``, the public
        functional form of ``torch.optim.Adam``): the same arithmetic as ``Adam``'s, element for element."""
        beta1, beta2 = self.betas
        adam([self.flat], [self.grad], [self.exp_avg], [self.exp_avg_sq], [], [self._step], foreach=False,
             capturable=False, differentiable=False, fused=True, amsgrad=False, beta1=beta1, beta2=beta2,
             lr=self.lr, weight_decay=0.0, eps=self.eps, maximize=False)

    @property
    def steps(self) -> int:
        """Adam steps taken (the bias corrections' t)."""
        return int(self._step)

    def state_dict(self) -> dict[str, Any]:
        """``torch.optim.Adam``'s layout: per parameter ``step``, ``exp_avg``, ``exp_avg_sq`` (copies)."""
        state = {}
        if self.steps:
            state = {i: {"step": self._step.clone(), "exp_avg": self.exp_avg[s].view_as(p).clone(),
                         "exp_avg_sq": self.exp_avg_sq[s].view_as(p).clone()}
                     for i, (p, s) in enumerate(zip(self.params, self._slices))}
        group = {"lr": self.lr, "betas": self.betas, "eps": self.eps, **_TORCH_GROUP,
                 "params": list(range(len(self.params)))}
        return {"state": state, "param_groups": [group]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state written by ``state_dict`` (or by ``torch.optim.Adam``) for the same parameters, its rate,
        betas and ε included, as torch's optimisers do."""
        group = _check_group(state_dict, len(self.params))
        state = state_dict["state"]
        steps = {float(state[i]["step"]) for i in range(len(self.params)) if i in state}
        if len(steps) > 1 or (steps and len(state) != len(self.params)):
            raise ValueError("this optimiser state has parameters at different step counts (some took no step): "
                             "FlatAdam steps all of them together; load it into Adam instead")
        for i, p in enumerate(self.params):
            if i in state and tuple(state[i]["exp_avg"].shape) != tuple(p.shape):
                raise ValueError(f"an optimiser state for a parameter of shape {tuple(state[i]['exp_avg'].shape)} "
                                 f"cannot load into one of {tuple(p.shape)}")
        with torch.no_grad():
            for i, s in enumerate(self._slices):
                for name, buffer in (("exp_avg", self.exp_avg), ("exp_avg_sq", self.exp_avg_sq)):
                    buffer[s].copy_(state[i][name].reshape(-1) if i in state else torch.zeros(()))
        self._step.fill_(steps.pop() if steps else 0.0)
        self.lr, self.eps = float(group["lr"]), float(group["eps"])
        self.betas = (float(group["betas"][0]), float(group["betas"][1]))


def _check_group(state_dict: dict[str, Any], n_params: int) -> dict[str, Any]:
    """The one parameter group of an Adam state for ``n_params`` parameters, without the options we lack."""
    groups = state_dict["param_groups"]
    if len(groups) != 1 or len(groups[0]["params"]) != n_params:
        raise ValueError(f"an optimiser state for {sum(len(g['params']) for g in groups)} parameters in "
                         f"{len(groups)} groups cannot load into one group of {n_params}")
    group = groups[0]
    if group.get("amsgrad") or group.get("weight_decay") or group.get("maximize"):
        raise ValueError("this Adam has no AMSGrad, weight decay or maximize: the state needs torch.optim.Adam")
    return group


def clip_grad_norm(params: list[torch.Tensor], max_norm: float) -> None:
    """Scale the gradients so their total 2-norm is at most ``max_norm``, as ``clip_grad_norm_`` does."""
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    total = torch.nn.utils.get_total_norm(grads, foreach=True)
    # clip_grad_norm_ multiplies by min(max_norm / (total + 1e-6), 1): within the bound that is exactly 1.0
    if float(total) + 1e-6 > max_norm:
        torch.nn.utils.clip_grads_with_norm_(params, max_norm, total, foreach=True)
