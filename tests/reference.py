"""Slow, obviously correct reference implementations that the fast library code is checked against."""

from __future__ import annotations

import numpy as np

from zoo.learning.targets import td_target


def n_step_transitions(rewards, terminated, truncated, gamma: float, n: int):
    """Fold a single env's trajectory into n-step transitions, cut at episode ends.

    For each step t, returns ``(R_t, k_t, done_t)``: ``R_t = Σ_{i<k} γ^i r_{t+i}`` over the ``k_t ≤ n``
    steps up to and including an episode end, ``done_t`` whether a *termination* lies in them (then no
    bootstrap); the bootstrap state is ``s_{t+k}`` with discount ``γ^k``.
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


def linear_td0_step(w: np.ndarray, x: np.ndarray, reward: float, x_next: np.ndarray, gamma: float, alpha: float,
                    rho: float = 1.0, terminated: bool = False) -> np.ndarray:
    """One semi-gradient TD(0) update of linear weights ``w`` (v = w·x), weighted by the importance
    ratio ``rho = π(a|s) / b(a|s)`` when learning off-policy (Baird's counterexample)."""
    delta = td_target(reward, w @ x_next, terminated, gamma) - w @ x
    return w + alpha * rho * delta * x
