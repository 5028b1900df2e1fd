"""REINFORCE (Williams, 1992): raise the log-probability of each action in proportion to the return
that followed it.

Each update uses one episode from every env, all played by the current policy, so the gradient is
exactly on-policy: ``observe`` gathers each env's steps until that env's episode ends, ignores the env
after that, and updates once every env has finished one. (An env's next batch starts where it stands
then, possibly mid-episode: returns only look forward, so those samples are just as valid.) Options: a
learned state-value baseline (which also stands in for the rewards a time-limit truncation cut off)
and normalising the returns within the batch.
"""

from __future__ import annotations

import numpy as np
import torch

from zoo.agents.configs import ReinforceConfig
from zoo.envs.collector import Step
from zoo.errors import ZooError
from zoo.learning.losses import reinforce_loss
from zoo.learning.networks import detached_copy, load_weights, mlp, network_input, observation_kind, parse_hidden
from zoo.learning.optim import Adam
from zoo.learning.targets import discounted_returns
from zoo.rundir.files import Spaces

Trajectory = tuple[np.ndarray, np.ndarray, np.ndarray, bool, np.ndarray]
"""One env's part of a batch: ``(observations, actions, rewards, truncated, final_observation)``."""


class ReinforceAgent:
    """A softmax policy network (and optionally a value network) trained from whole episodes."""

    algo = "reinforce"
    Config = ReinforceConfig

    def __init__(self, config: ReinforceConfig, spaces: Spaces, seed: int = 0, device: str = "cpu") -> None:
        if config.learning_rate <= 0 or config.num_envs < 1:
            raise ZooError("learning_rate must be positive and num_envs at least 1")
        obs_desc, act_desc = spaces.observation, spaces.action
        self.config, self.device = config, torch.device(device)
        self.obs_desc = obs_desc
        self.obs_kind, self.obs_dim = observation_kind(obs_desc)
        if self.obs_kind == "atari":
            raise ZooError("reinforce here uses an MLP: give it vector or discrete observations (e.g. CartPole-v1)")
        self.n_actions = int(act_desc["n"])
        torch.manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        hidden = parse_hidden(config.hidden)
        self.policy = mlp([self.obs_dim, *hidden, self.n_actions]).to(self.device)
        self.value = mlp([self.obs_dim, *hidden, 1]).to(self.device) if config.baseline else None
        params = list(self.policy.parameters()) + (list(self.value.parameters()) if self.value else [])
        self.optimizer = Adam(params, lr=config.learning_rate)
        self.steps_done, self.updates_done = 0, 0
        self.last_loss = float("nan")
        self._paths: list[tuple[list, list, list]] = []  # per env: observations, actions, rewards so far
        self._finished: dict[int, Trajectory] = {}

    def obs_tensor(self, obs) -> torch.Tensor:
        return network_input(obs, self.obs_kind, self.obs_dim, self.device)

    @torch.inference_mode()
    def action_probabilities(self, obs) -> np.ndarray:
        """π(·|s) for one observation or a batch."""
        obs = np.asarray(obs)
        single = obs.ndim == (0 if self.obs_kind == "discrete" else 1)
        probs = torch.softmax(self.policy(self.obs_tensor(obs[None] if single else obs)), dim=-1).cpu().numpy()
        return probs[0] if single else probs

    def act(self, obs, explore: bool = False):
        """The most likely action, or with ``explore`` a sample from π (batched like DQN's ``act``)."""
        probs = self.action_probabilities(obs)
        if not explore:
            greedy = probs.argmax(axis=-1)
            return int(greedy) if greedy.ndim == 0 else greedy
        cumulative = probs.cumsum(axis=-1)
        u = self.rng.random(cumulative.shape[:-1] + (1,))
        sampled = np.minimum((u > cumulative).sum(axis=-1), self.n_actions - 1)
        return int(sampled) if sampled.ndim == 0 else sampled

    def update(self, episodes: list[Trajectory]) -> float:
        """One policy-gradient step from whole episodes; returns the loss."""
        c = self.config
        obs = self.obs_tensor(np.concatenate([e[0] for e in episodes]))
        actions = torch.as_tensor(np.concatenate([e[1] for e in episodes]), device=self.device)
        returns = []
        for _, _, rewards, truncated, final_obs in episodes:
            bootstrap = 0.0
            if truncated and self.value is not None:  # the time limit cut the episode: V(s_T) stands in
                with torch.no_grad():
                    bootstrap = float(self.value(self.obs_tensor(final_obs[None])))
            returns.append(discounted_returns(rewards, c.gamma, bootstrap))
        G = torch.as_tensor(np.concatenate(returns), dtype=torch.float32, device=self.device)
        values = self.value(obs).squeeze(1) if self.value is not None else None
        loss = reinforce_loss(self.policy(obs), actions, G, values, c.normalize_returns, c.entropy_coef)
        self.optimizer.minimize(loss, c.max_grad_norm)
        self.updates_done += 1
        return loss.item()

    def observe(self, step: Step) -> None:
        """Extend each env's episode; once every env has finished one, update on them all."""
        if not self._paths:
            self._paths = [([], [], []) for _ in range(len(step))]
        done = step.terminated | step.truncated
        for i in np.flatnonzero(step.valid):
            if i in self._finished:
                continue  # this env's episode for the batch is complete: later play is not used
            path = self._paths[i]
            path[0].append(step.obs[i])
            path[1].append(step.actions[i])
            path[2].append(step.rewards[i])
            if done[i]:
                self._finished[i] = (np.array(path[0]), np.array(path[1]), np.array(path[2], dtype=np.float64),
                                     bool(step.truncated[i] and not step.terminated[i]), np.asarray(step.next_obs[i]))
        self.steps_done += len(step)
        if len(self._finished) == len(step):
            self.last_loss = self.update(list(self._finished.values()))  # in the order they finished
            self._paths = [([], [], []) for _ in range(len(step))]
            self._finished = {}

    def sync(self) -> None:
        """Nothing to bring up to date."""

    def stats(self) -> dict[str, float]:
        return {"loss": self.last_loss, "epsilon": float("nan")}  # π explores by sampling, not by ε

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Policy (and baseline) weights for ``model.safetensors``."""
        state = {f"policy.{k}": v for k, v in detached_copy(self.policy.state_dict()).items()}
        if self.value is not None:
            state.update({f"value.{k}": v for k, v in detached_copy(self.value.state_dict()).items()})
        return state

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Load weights saved by ``state_dict``."""
        what = f"reinforce policy for {self.obs_desc} observations and {self.n_actions} actions"
        load_weights(self.policy, {k[7:]: v for k, v in state.items() if k.startswith("policy.")}, what)
        if self.value is not None:
            load_weights(self.value, {k[6:]: v for k, v in state.items() if k.startswith("value.")}, what)
