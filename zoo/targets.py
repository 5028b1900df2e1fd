"""Targets for value learning as pure functions, each tested against numbers worked out by hand."""

from __future__ import annotations

import numpy as np


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


def n_step_transitions(rewards, terminated, truncated, gamma: float, n: int):
    """Fold a single env's trajectory into n-step transitions, cut at episode ends.

    For each step t, returns ``(R_t, k_t, done_t)``: ``R_t = Σ_{i<k} γ^i r_{t+i}`` over the
    ``k_t ≤ n`` steps up to and including an episode end, ``done_t`` whether a *termination* lies
    in them (then no bootstrap); the bootstrap state is ``s_{t+k}`` with discount ``γ^k``. The last
    steps of an unfinished trajectory use fewer than n steps only if the data runs out.
    """
    T = len(rewards)
    R, k, done = np.zeros(T), np.zeros(T, dtype=np.int64), np.zeros(T, dtype=bool)
    for t in range(T):
        total, discount = 0.0, 1.0
        for i in range(t, min(t + n, T)):
            total += discount * rewards[i]
            discount *= gamma
            k[t] = i - t + 1
            if terminated[i] or truncated[i]:
                done[t] = bool(terminated[i])
                break
        R[t] = total
    return R, k, done


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
