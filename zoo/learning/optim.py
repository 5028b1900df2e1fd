"""The deep agents' optimiser and gradient clipping, on torch's public API.

``Adam`` is ``torch.optim.Adam(fused=True)`` (one kernel for all parameters of a dtype) built at its first
step, not when an agent is made: every ``torch.optim`` optimiser imports ``torch._dynamo`` on construction
(0.76-0.87 s on an Intel Xeon, 2.2 s on an AMD EPYC with AVX2), which a command that only plays or evaluates
an agent never needs to pay. Until issue 21 this module called the private kernel ``torch._fused_adam_``
itself to avoid that import in training too; the public optimiser costs 0.08 ms more per step of the Pong
small CNN (0.35 vs 0.27 ms) and 0.02 ms per CartPole step (BENCHMARKS.md). Checkpoints of either load into
the other: the state-dict layout is torch's.

``clip_grad_norm`` gives ``torch.nn.utils.clip_grad_norm_``'s gradients bit for bit, but skips the rescale
(a multiply of every gradient by exactly 1.0) when the norm is within the bound, half of the clip's time.
"""

from __future__ import annotations

from typing import Any, Iterable

import torch


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
        groups = state_dict["param_groups"]
        if len(groups) != 1 or len(groups[0]["params"]) != len(self.params):
            raise ValueError(f"an optimiser state for {sum(len(g['params']) for g in groups)} parameters in "
                             f"{len(groups)} groups cannot load into one group of {len(self.params)}")
        group = groups[0]
        if group.get("amsgrad") or group.get("weight_decay") or group.get("maximize"):
            raise ValueError("this Adam has no AMSGrad, weight decay or maximize: the state needs torch.optim.Adam")
        self.torch_optimizer.load_state_dict(state_dict)


def clip_grad_norm(params: list[torch.Tensor], max_norm: float) -> None:
    """Scale the gradients so their total 2-norm is at most ``max_norm``, as ``clip_grad_norm_`` does."""
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    total = torch.nn.utils.get_total_norm(grads, foreach=True)
    # clip_grad_norm_ multiplies by min(max_norm / (total + 1e-6), 1): within the bound that is exactly 1.0
    if float(total) + 1e-6 > max_norm:
        torch.nn.utils.clip_grads_with_norm_(params, max_norm, total, foreach=True)
