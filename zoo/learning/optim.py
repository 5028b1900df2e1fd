"""Adam on torch's fused kernel, without ``torch.optim``.

Every ``torch.optim`` optimiser imports ``torch._dynamo`` (the compiler) on construction: 2.2-2.4 s on an
AMD EPYC (AVX2), as long as importing torch itself, and 7% of a whole `zoo train dqn CartPole-v1`
command (BENCHMARKS.md). Nothing here compiles, so this class calls the kernel
``torch.optim.Adam(fused=True)`` calls (``torch._fused_adam_``), with the same state (``step``,
``exp_avg``, ``exp_avg_sq``) and the same ``state_dict`` format: its updates are bit for bit those of
``torch.optim.Adam(..., fused=True)`` (tests/test_optim.py), and checkpoints written by either load into
the other. The kernel is in every torch the project allows (>= 2.6); tests/test_optim.py fails first if a
new torch drops it.
"""

from __future__ import annotations

from typing import Any, Iterable

import torch


class Adam:
    """Adam without weight decay or AMSGrad: ``zero_grad``, ``step``, ``state_dict``, ``load_state_dict``."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("Adam got no parameters")
        self.lr, self.betas, self.eps = float(lr), (float(betas[0]), float(betas[1])), float(eps)
        self.state: dict[int, dict[str, torch.Tensor]] = {}

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """One Adam step on the parameters that have a gradient."""
        groups: dict[tuple[torch.device, torch.dtype], list[int]] = {}
        for i, p in enumerate(self.params):
            if p.grad is not None:
                groups.setdefault((p.device, p.dtype), []).append(i)
        for indices in groups.values():
            states = [self._state(i) for i in indices]
            steps = [s["step"] for s in states]
            torch._foreach_add_(steps, 1)
            torch._fused_adam_([self.params[i] for i in indices], [self.params[i].grad for i in indices],
                               [s["exp_avg"] for s in states], [s["exp_avg_sq"] for s in states], [], steps,
                               amsgrad=False, lr=self.lr, beta1=self.betas[0], beta2=self.betas[1],
                               weight_decay=0.0, eps=self.eps, maximize=False)

    def _state(self, i: int) -> dict[str, torch.Tensor]:
        if i not in self.state:
            p = self.params[i]
            # as torch.optim.Adam(fused=True) makes it: a float32 step counter on the parameter's device
            self.state[i] = {"step": torch.zeros((), dtype=torch.float32, device=p.device),
                             "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                             "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)}
        return self.state[i]

    def state_dict(self) -> dict[str, Any]:
        """``torch.optim.Adam(fused=True).state_dict()``'s layout: ``state`` by parameter index, one group."""
        group = {"lr": self.lr, "betas": self.betas, "eps": self.eps, "weight_decay": 0.0, "amsgrad": False,
                 "maximize": False, "foreach": None, "capturable": False, "differentiable": False, "fused": True,
                 "decoupled_weight_decay": False, "params": list(range(len(self.params)))}
        return {"state": {i: dict(s) for i, s in sorted(self.state.items())}, "param_groups": [group]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load what ``state_dict`` (or ``torch.optim.Adam``'s) gave, for the same parameters."""
        groups = state_dict["param_groups"]
        if len(groups) != 1 or len(groups[0]["params"]) != len(self.params):
            raise ValueError(f"an optimiser state for {sum(len(g['params']) for g in groups)} parameters in "
                             f"{len(groups)} groups cannot load into one group of {len(self.params)}")
        group = groups[0]
        if group.get("amsgrad") or group.get("weight_decay") or group.get("maximize"):
            raise ValueError("this Adam has no AMSGrad, weight decay or maximize: the state needs torch.optim.Adam")
        self.lr, self.betas, self.eps = float(group["lr"]), tuple(float(b) for b in group["betas"]), float(group["eps"])
        self.state = {}
        for key, saved in state_dict["state"].items():
            i = group["params"].index(int(key))
            p = self.params[i]
            self.state[i] = {"step": torch.as_tensor(saved["step"], dtype=torch.float32).to(p.device).reshape(()),
                             "exp_avg": saved["exp_avg"].to(device=p.device, dtype=p.dtype).clone(),
                             "exp_avg_sq": saved["exp_avg_sq"].to(device=p.device, dtype=p.dtype).clone()}
