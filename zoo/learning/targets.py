"""Targets for value learning as pure functions, each tested against numbers worked out by hand."""

from __future__ import annotations

import numpy as np
import torch


def td_target(reward, next_value, terminated, gamma: float):
    """``r + gamma * V(s')``, with no bootstrap after a termination.

    A time-limit truncation is *not* a termination: pass ``terminated=False`` there, so the target
    still bootstraps from the state the episode was cut off in. Works on scalars, numpy arrays and
    torch tensors alike.
    """
    return reward + gamma * next_value * (1 - terminated)


def double_q_target(reward, next_q_online, next_q_target, terminated, discount):
    """Double DQN (van Hasselt et al., 2016): the online net picks ``a* = argmax Q_online(s')``, the
    target net values it: ``r + discount * Q_target(s', a*)``, no bootstrap after a termination.

    ``next_q_*`` are ``[batch, n_actions]`` torch tensors; ``discount`` may be a per-sample γ^k tensor.
    """
    best = next_q_online.argmax(dim=1, keepdim=True)
    return td_target(reward, next_q_target.gather(1, best).squeeze(1), terminated, discount)


def quantile_double_q_target(reward, next_quantiles_online, next_quantiles_target, terminated, discount):
    """QR-DQN's target distribution (Dabney et al. 2018) with Double DQN's choice: the online net picks ``a* =
    argmax`` of the mean of its quantiles at s', and each of the target net's quantiles of ``a*`` is carried back,
    ``r + discount * θ_j(s', a*)``, with no bootstrap after a termination. Without Double DQN pass the target net's
    quantiles twice.

    ``next_quantiles_*`` are ``[batch, n_actions, N]`` torch tensors; ``reward``, ``terminated`` and a per-sample
    ``discount`` are ``[batch]``; the result is ``[batch, N]``.
    """
    best = next_quantiles_online.mean(dim=2).argmax(dim=1)
    chosen = next_quantiles_target[torch.arange(len(best), device=best.device), best]
    column = (lambda x: x[:, None] if isinstance(x, torch.Tensor) and x.dim() == 1 else x)
    return td_target(column(reward), chosen, column(terminated), column(discount))


def advantage_learning_target(target, q_target_obs, action, alpha: float):
    """Advantage learning (Baird 1999; Bellemare et al. 2016, "Increasing the action gap"): the Bellman target
    ``target`` of ``(s, a)`` lowered by ``alpha`` times how far ``a`` falls short of the best action in ``s``,
    ``y - alpha * (max_b Q(s, b) - Q(s, a))``, both valued by the target net (``q_target_obs``, ``[batch,
    n_actions]``). The greedy action's target is unchanged, so a greedy policy keeps its choices and its values;
    the other actions settle lower, which widens the gap a rounding or a pixel must cross to flip the choice.
    """
    gap = q_target_obs.max(dim=1).values - q_target_obs.gather(1, action[:, None]).squeeze(1)
    return target - alpha * gap


def discounted_returns(rewards, gamma: float, bootstrap: float = 0.0) -> np.ndarray:
    """``G_t = r_t + γ G_{t+1}`` backwards over one episode, with ``G_T = bootstrap``.

    ``bootstrap`` is 0 after a termination; after a time-limit truncation a learned ``V(s_T)``
    stands in for the rewards the limit cut off.
    """
    out = np.zeros(len(rewards))
    running = bootstrap
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running
        out[t] = running
    return out
