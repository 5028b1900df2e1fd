"""What every tabular agent shares: a Q estimate per (state, action), ε-greedy acting, tables as state."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zoo.errors import ZooError
from zoo.schedules import linear_schedule


@dataclass(frozen=True)
class Exploration:
    """ε-greedy exploration, decayed linearly from ``epsilon_start`` to ``epsilon_final``."""

    epsilon_start: float = 1.0
    epsilon_final: float = 0.05
    epsilon_decay_steps: int = 10_000


class TabularAgent:
    """Base of the tabular agents: subclasses fill ``self.tables`` and define ``q_values``."""

    algo = ""
    tabular = True
    tables: dict[str, np.ndarray]

    def __init__(self, config, n_states: int, n_actions: int, seed: int = 0) -> None:
        self.config = config
        self.n_states, self.n_actions = n_states, n_actions
        self.rng = np.random.default_rng(seed)
        self.steps_done = 0
        self.last_loss = float("nan")  # a per-algorithm training signal for metrics.csv

    def q_values(self, obs) -> np.ndarray:
        """Q estimates for one state (shape ``[n_actions]``) or a batch of states (``[n, n_actions]``)."""
        raise NotImplementedError

    def epsilon(self) -> float:
        """The current exploration rate."""
        c = self.config
        return linear_schedule(c.epsilon_start, c.epsilon_final, c.epsilon_decay_steps, self.steps_done)

    def act(self, obs, explore: bool = False):
        """Greedy action (first best on ties); with ``explore``, ε-greedy with random tie-breaking."""
        if not explore:
            return self.q_values(obs).argmax(axis=-1)
        if self.rng.random() < self.epsilon():
            return int(self.rng.integers(self.n_actions))
        q = self.q_values(obs)
        best = np.flatnonzero(q == q.max())
        return int(best[0] if len(best) == 1 else best[self.rng.integers(len(best))])

    def learn(self, run) -> None:
        """One env, ε-greedy steps, one ``observe`` per transition, until ``run.total_steps``."""
        env = run.make_env()
        env.action_space.seed(run.seed)
        self.prepare(env)
        obs, _ = env.reset(seed=run.seed)
        episode_return, episode_length = 0.0, 0
        while self.steps_done < run.total_steps and not run.stop_requested:
            action = self.act(obs, explore=True)
            next_obs, reward, terminated, truncated, _ = env.step(action)
            # Truncation (a time limit) is not termination: the agent still bootstraps from next_obs.
            self.observe(obs, action, float(reward), next_obs, terminated)
            episode_return += float(reward)
            episode_length += 1
            if terminated or truncated:
                run.episode(self, episode_return, episode_length)
                obs, _ = env.reset()
                episode_return, episode_length = 0.0, 0
            else:
                obs = next_obs
            run.after_step(self)
        env.close()

    def prepare(self, env) -> None:
        """Called once with the training env before the first step (the exact planner reads ``P`` here)."""

    def observe(self, obs: int, action: int, reward: float, next_obs: int, terminated: bool) -> None:
        """Learn from one transition; ``terminated`` is False for a time-limit truncation."""
        raise NotImplementedError

    def finish(self) -> None:
        """Called once after the last training step (model-based agents plan one last time)."""

    def state_dict(self) -> dict[str, np.ndarray]:
        """The agent's tables, for ``model.safetensors``."""
        return {name: table.copy() for name, table in self.tables.items()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore tables saved by ``state_dict``; names and shapes must match."""
        if set(state) != set(self.tables):
            raise ZooError(f"checkpoint holds tables {sorted(state)}, but {self.algo} needs {sorted(self.tables)}")
        for name, table in state.items():
            if table.shape != self.tables[name].shape:
                raise ZooError(
                    f"checkpoint table {name!r} has shape {tuple(table.shape)}, but this env needs "
                    f"{self.tables[name].shape}: was the checkpoint trained on another environment?"
                )
            self.tables[name] = np.asarray(table, dtype=self.tables[name].dtype).copy()
