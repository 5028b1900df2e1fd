"""Exact dynamic programming on a finite MDP, vectorised over states and actions with numpy.

A model is a pair ``(T, R)``: ``T[s, a, s']`` is the probability of moving from s to s' under a, with
one extra column ``s' = n_states`` for "the episode terminated" (whose value is always 0), and
``R[s, a]`` is the expected immediate reward. Both the env's own ``P`` and a model learned from
counts (``zoo.agents.learned_model``) take this form, so the same backups serve both.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

Model = tuple[np.ndarray, np.ndarray]


def model_from_P(P: Mapping[int, Mapping[int, Sequence[tuple]]], n_states: int, n_actions: int) -> Model:
    """Turn Gymnasium's ``P[s][a] = [(prob, next_state, reward, terminated), ...]`` into ``(T, R)``."""
    T = np.zeros((n_states, n_actions, n_states + 1))
    R = np.zeros((n_states, n_actions))
    for s in range(n_states):
        for a in range(n_actions):
            for prob, next_state, reward, terminated in P[s][a]:
                # Entries may repeat the same next state (FrozenLake's corners do): accumulate.
                T[s, a, n_states if terminated else next_state] += prob
                R[s, a] += prob * reward
    return T, R


def q_from_v(T: np.ndarray, R: np.ndarray, V: np.ndarray, gamma: float) -> np.ndarray:
    """One Bellman backup: ``Q[s, a] = R[s, a] + gamma * sum_s' T[s, a, s'] V[s']`` (V of "terminated" = 0)."""
    return R + gamma * (T @ np.append(V, 0.0))


def value_iteration(
    T: np.ndarray, R: np.ndarray, gamma: float, tol: float = 1e-10, max_iterations: int = 100_000,
    V: np.ndarray | None = None, strict: bool = True,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Iterate ``V <- max_a Q(V)`` until the largest change is below ``tol``; return ``(V, Q, sweeps)``.

    Starts from ``V`` when given. With ``strict``, raises ValueError when the values have not converged
    after ``max_iterations`` sweeps (γ=1 on an MDP whose episodes need not end); otherwise returns the
    values reached.
    """
    V = np.zeros(T.shape[0]) if V is None else V.copy()
    for sweep in range(1, max_iterations + 1):
        Q = q_from_v(T, R, V, gamma)
        new_V = Q.max(axis=1)
        delta = np.abs(new_V - V).max(initial=0.0)
        V = new_V
        if delta < tol or (not strict and sweep == max_iterations):
            return V, Q, sweep
    raise ValueError(
        f"value iteration did not converge in {max_iterations} sweeps with gamma={gamma}; "
        "use gamma < 1 for an MDP whose episodes need not end"
    )


def policy_evaluation(T: np.ndarray, R: np.ndarray, policy: np.ndarray, gamma: float) -> np.ndarray:
    """Exact value of a stochastic ``policy[s, a]`` by solving ``(I - gamma * T_pi) V = R_pi``."""
    n_states = T.shape[0]
    T_pi = np.einsum("sa,sat->st", policy, T)[:, :n_states]
    R_pi = (policy * R).sum(axis=1)
    try:
        return np.linalg.solve(np.eye(n_states) - gamma * T_pi, R_pi)
    except np.linalg.LinAlgError as error:
        raise ValueError(f"the policy's value is not finite with gamma={gamma}: its episodes need not end") from error


def greedy_policy(Q: np.ndarray) -> np.ndarray:
    """The deterministic policy ``policy[s, a] = 1`` for the first maximising action of each state."""
    policy = np.zeros_like(Q)
    policy[np.arange(Q.shape[0]), Q.argmax(axis=1)] = 1.0
    return policy
