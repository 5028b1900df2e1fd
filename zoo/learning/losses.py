"""The losses of the deep agents as pure functions of tensors, each tested on numbers worked out by hand.

An agent's ``update`` is then: forward pass, one of these, an optimiser step. Targets (what a Q or V
value should move towards) are in ``zoo.learning.targets``; these functions take them as given.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def dqn_loss(q: torch.Tensor, actions: torch.Tensor, target: torch.Tensor, kind: str = "huber",
             weight: torch.Tensor | None = None) -> torch.Tensor:
    """Mean Huber (``kind="huber"``, δ = 1) or squared error between ``Q(s, a)`` of the actions taken
    (``q`` is ``[batch, n_actions]``, ``actions`` ``[batch]``) and a fixed ``target`` ``[batch]``; with
    ``weight`` ``[batch]`` (prioritized replay's importance sampling) the mean of each sample's loss times its
    weight."""
    taken = q.gather(1, actions[:, None]).squeeze(1)
    target = target.detach()
    loss = F.smooth_l1_loss if kind == "huber" else F.mse_loss
    if weight is None:
        return loss(taken, target)
    return (loss(taken, target, reduction="none") * weight).mean()


def quantile_huber_loss(quantiles: torch.Tensor, target: torch.Tensor, kappa: float = 1.0,
                        weight: torch.Tensor | None = None) -> torch.Tensor:
    """QR-DQN's quantile Huber loss (Dabney et al. 2018, eq. 10): ``quantiles`` ``[batch, N]`` are the online net's
    quantiles of the actions taken, at the midpoints ``τ_i = (2i + 1) / 2N``; ``target`` ``[batch, M]`` the target
    distribution's samples (held fixed). Each pair ``u = target_j - quantiles_i`` costs ``|τ_i - 1{u < 0}|`` times
    Huber's ``L_κ(u) / κ``; summed over the N quantiles, averaged over the M samples and the batch (or weighed per
    sample by ``weight``, prioritized replay's importance sampling). Below the quantile a sample pulls it down with
    weight ``1 - τ``, above it up with ``τ``: the fixed point of ``θ_i`` is τ_i's quantile (for κ → 0)."""
    n = quantiles.shape[1]
    tau = (torch.arange(n, device=quantiles.device, dtype=quantiles.dtype) + 0.5) / n
    u = target.detach()[:, None, :] - quantiles[:, :, None]
    size = u.abs()
    huber = torch.where(size <= kappa, 0.5 * u * u, kappa * (size - 0.5 * kappa))
    per_sample = ((tau[:, None] - (u.detach() < 0).to(u.dtype)).abs() * huber / kappa).mean(dim=2).sum(dim=1)
    return per_sample.mean() if weight is None else (per_sample * weight).mean()


def large_margin_loss(q: torch.Tensor, expert_action: torch.Tensor, margin: float) -> torch.Tensor:
    """DQfD's large-margin classification loss (Hester et al. 2018, eq. 2): the mean over samples of
    ``max_a [Q(s, a) + margin · (a ≠ a_E)] − Q(s, a_E)``, for ``q`` ``[batch, n_actions]`` and the demonstrator's
    action ``expert_action`` ``[batch]``. It is 0 where ``a_E`` leads every other action by at least ``margin``,
    and otherwise pushes ``Q(s, a_E)`` up and the best rival down, leaving all other values alone."""
    expert = expert_action[:, None]
    bonus = torch.full_like(q, margin).scatter_(1, expert, 0.0)
    return ((q + bonus).max(dim=1).values - q.gather(1, expert).squeeze(1)).mean()


def reinforce_loss(logits: torch.Tensor, actions: torch.Tensor, returns: torch.Tensor,
                   values: torch.Tensor | None = None, normalize: bool = False,
                   entropy_coef: float = 0.0) -> torch.Tensor:
    """The REINFORCE loss of a batch of (state, action, return) samples.

    Policy part: ``-mean(log π(a|s) · A)`` with advantage ``A = G - V(s)`` (``V`` detached here) or
    ``A = G`` without a baseline; with ``normalize`` the advantages are scaled to mean 0, std 1 first.
    Baseline part: ``mean((V(s) - G)²)`` when ``values`` are given. Minus ``entropy_coef`` times the mean
    entropy of π, which rewards keeping the policy stochastic.
    """
    log_probs = torch.log_softmax(logits, dim=-1)
    taken = log_probs.gather(1, actions[:, None]).squeeze(1)
    loss = torch.zeros((), device=logits.device)
    advantage = returns
    if values is not None:
        loss = loss + F.mse_loss(values, returns)
        advantage = returns - values.detach()
    if normalize and len(advantage) > 1:
        advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8)
    loss = loss - (taken * advantage).mean()
    if entropy_coef:
        entropy = -(log_probs.exp() * log_probs).sum(-1).mean()
        loss = loss - entropy_coef * entropy
    return loss


def td0_loss(v: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Semi-gradient TD(0): the squared TD error ``mean((r + γ v(s') - v(s))²)`` with the target held
    fixed, so its gradient is ``-δ ∇v(s)``, the update of Sutton & Barto's section 9.3."""
    return F.mse_loss(v, target.detach())


def dqn_loss_and_grad(q: torch.Tensor, actions: torch.Tensor, target: torch.Tensor, kind: str = "huber",
                      weight: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``dqn_loss`` and its gradient by ``q`` ([batch, n_actions]: zero but at the actions taken), worked out
    instead of backpropagated, for updates written by hand (``zoo.learning.mlp_grad``). Huber (δ = 1):
    ``d`` inside ±1, else ``sign(d)``, over the batch; squared error: ``2 d`` over the batch; each times its
    ``weight`` where given."""
    idx = actions[:, None]
    taken = q.gather(1, idx)
    d = taken - target[:, None]
    n = d.shape[0]
    if kind == "huber":
        loss = F.smooth_l1_loss(taken, target[:, None], reduction="mean" if weight is None else "none")
        grad = d.clamp_(-1.0, 1.0).mul_(1.0 / n)
    else:
        loss = F.mse_loss(taken, target[:, None], reduction="mean" if weight is None else "none")
        grad = d.mul_(2.0 / n)
    if weight is not None:
        loss = (loss[:, 0] * weight).mean()
        grad.mul_(weight[:, None])
    return loss, torch.zeros_like(q).scatter_(1, idx, grad)
