"""A Gymnasium env defined by its full model ``P``, the base of every toy MDP.

``P[s][a]`` is a list of ``(prob, next_state, reward, terminated)`` tuples, the format of Gymnasium's
FrozenLake, so the same planners work on both. Terminal states keep a self-loop with reward 0 and
``terminated=True``, again as FrozenLake does.
"""

from __future__ import annotations

from typing import Any, Sequence

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from toy_envs.drawing import Edge, draw_mdp

Transition = tuple[float, int, float, bool]


class TabularMDPEnv(gym.Env[int, int]):
    """Steps through a finite MDP given as ``P``; subclasses build ``P`` and say how to draw it."""

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        P: dict[int, dict[int, list[Transition]]],
        start_state: int,
        action_names: Sequence[str],
        positions: list[tuple[float, float]],
        edges: list[Edge],
        render_mode: str | None = None,
        start_probs: np.ndarray | None = None,
    ) -> None:
        n_states, n_actions = len(P), len(action_names)
        for s in range(n_states):
            for a in range(n_actions):
                total = sum(t[0] for t in P[s][a])
                if not np.isclose(total, 1.0):
                    raise ValueError(f"P[{s}][{a}] probabilities sum to {total}, not 1")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode {render_mode!r} is not one of {self.metadata['render_modes']}")
        self.P = P
        self.start_state = start_state
        self._start_cumulative = None if start_probs is None else np.cumsum(start_probs)
        self.action_names = tuple(action_names)
        self.observation_space = spaces.Discrete(n_states)
        self.action_space = spaces.Discrete(n_actions)
        self.render_mode = render_mode
        self._positions = positions
        self._edges = edges
        self._terminal = {s for s in range(n_states) if all(t[3] and t[1] == s for a in P[s] for t in P[s][a])}
        # Cumulative probabilities per (state, action): one searchsorted per step, no Python loop.
        self._cumulative = {(s, a): np.cumsum([t[0] for t in P[s][a]]) for s in P for a in P[s]}
        self.s = start_state
        self._last: tuple[int, int, float] | None = None  # (previous state, action, reward)
        self._return = 0.0
        self._steps = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[int, dict]:
        super().reset(seed=seed)
        self.s = self.start_state
        if self._start_cumulative is not None:
            self.s = int(np.searchsorted(self._start_cumulative, self.np_random.random(), side="right"))
        self._last, self._return, self._steps = None, 0.0, 0
        return int(self.s), {"prob": 1.0}

    def step(self, action: int) -> tuple[int, float, bool, bool, dict]:
        if not self.action_space.contains(action):
            valid = ", ".join(f"{i} ({name})" for i, name in enumerate(self.action_names))
            raise ValueError(f"invalid action {action!r} for {type(self).__name__}; valid actions: {valid}")
        a = int(action)
        transitions = self.P[self.s][a]
        i = int(np.searchsorted(self._cumulative[self.s, a], self.np_random.random(), side="right"))
        prob, next_state, reward, terminated = transitions[min(i, len(transitions) - 1)]
        self._last = (self.s, a, float(reward))
        self.s = next_state
        self._return += reward
        self._steps += 1
        return int(next_state), float(reward), bool(terminated), False, {"prob": float(prob)}

    def render(self) -> str | np.ndarray | None:
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='ansi' or 'rgb_array'")
            return None
        caption = f"step {self._steps}   return {self._return:+g}"
        active = None
        if self._last is not None:
            prev, a, reward = self._last
            caption = f"{self.action_names[a]} -> {self.s}, reward {reward:+g}   return {self._return:+g}"
            active = (prev, self.s)
        if self.render_mode == "ansi":
            lines = [f"state {self.s}" + (" (terminal)" if self.s in self._terminal else "") + f" | {caption}"]
            for e in self._edges:
                mark = "*" if active == (e.src, e.dst) else " "
                lines.append(f" {mark} {e.src} -> {e.dst}: {e.label}")
            return "\n".join(lines) + "\n"
        return draw_mdp(self._positions, self._edges, self._terminal, self.s, active, caption)
