"""REINFORCE (Williams, 1992): raise the log-probability of each action in proportion to the return
that followed it.

Each update uses one complete episode from every env, all played by the current policy, so the
gradient is exactly on-policy. Options: a learned state-value baseline (which also stands in for the
rewards a time-limit truncation cut off) and normalising the returns within the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from zoo.agents.dqn import load_weights, observation_kind, parse_hidden
from zoo.errors import ZooError
from zoo.networks import mlp, network_input
from zoo.targets import discounted_returns


@dataclass(frozen=True)
class ReinforceConfig:
    """Hyperparameters of REINFORCE."""

    gamma: float = 0.99
    """discount factor γ in [0, 1]"""
    learning_rate: float = 0.01
    """Adam learning rate of the policy (and the baseline)"""
    hidden: str = "64"
    """hidden layer sizes of the policy and baseline MLPs, comma-separated"""
    num_envs: int = 8
    """parallel envs; each update uses one finished episode from every env"""
    baseline: bool = True
    """subtract a learned V(s) from the returns"""
    normalize_returns: bool = True
    """scale the (baseline-subtracted) returns to mean 0, std 1 within each update"""
    entropy_coef: float = 0.0
    """weight of an entropy bonus (0: none)"""
    max_grad_norm: float = 0.0
    """clip the gradient norm to this (0: no clipping)"""


class ReinforceAgent:
    """A softmax policy network (and optionally a value network) trained from whole episodes."""

    algo = "reinforce"
    Config = ReinforceConfig
    tabular = False

    def __init__(self, config: ReinforceConfig, obs_desc: dict, act_desc: dict, seed: int = 0,
                 device: str = "cpu") -> None:
        if config.learning_rate <= 0 or config.num_envs < 1:
            raise ZooError("learning_rate must be positive and num_envs at least 1")
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
        self.optimizer = torch.optim.Adam(params, lr=config.learning_rate)
        self.steps_done, self.updates_done = 0, 0
        self.last_loss = float("nan")

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

    def epsilon(self) -> float:
        return float("nan")  # a stochastic policy explores by sampling, not by ε

    def finish(self) -> None:
        pass

    def update(self, episodes: list[tuple[np.ndarray, np.ndarray, np.ndarray, bool, np.ndarray]]) -> float:
        """One policy-gradient step from whole episodes ``(obs, actions, rewards, truncated, final_obs)``."""
        c = self.config
        obs = self.obs_tensor(np.concatenate([e[0] for e in episodes]))
        actions = torch.as_tensor(np.concatenate([e[1] for e in episodes]), device=self.device)
        returns = []
        for ep_obs, _, rewards, truncated, final_obs in episodes:
            bootstrap = 0.0
            if truncated and self.value is not None:  # the time limit cut the episode: V(s_T) stands in
                with torch.no_grad():
                    bootstrap = float(self.value(self.obs_tensor(final_obs[None])))
            returns.append(discounted_returns(rewards, c.gamma, bootstrap))
        G = torch.as_tensor(np.concatenate(returns), dtype=torch.float32, device=self.device)
        logits = self.policy(obs)
        log_probs = torch.log_softmax(logits, dim=-1)
        taken = log_probs.gather(1, actions[:, None]).squeeze(1)
        loss = torch.zeros((), device=self.device)
        advantage = G
        if self.value is not None:
            v = self.value(obs).squeeze(1)
            loss = loss + F.mse_loss(v, G)
            advantage = G - v.detach()
        if c.normalize_returns and len(advantage) > 1:
            advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8)
        loss = loss - (taken * advantage).mean()
        if c.entropy_coef:
            loss = loss - c.entropy_coef * -(log_probs.exp() * log_probs).sum(-1).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if c.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_([p for g in self.optimizer.param_groups for p in g["params"]], c.max_grad_norm)
        self.optimizer.step()
        self.updates_done += 1
        return loss.item()

    def learn(self, run) -> None:
        """Play one episode in every env with the current policy, update, repeat until ``run.total_steps``."""
        c = self.config
        envs = run.make_envs(c.num_envs)
        obs, _ = envs.reset(seed=run.seed)
        prev_done = np.zeros(c.num_envs, dtype=bool)
        while self.steps_done < run.total_steps and not run.stop_requested:
            trajectories = [([], [], []) for _ in range(c.num_envs)]
            finished: dict[int, tuple] = {}
            while len(finished) < c.num_envs and not run.stop_requested:
                actions = self.act(obs, explore=True)
                next_obs, rewards, terminated, truncated, _ = envs.step(actions)
                valid = ~prev_done
                done = terminated | truncated
                for i in np.flatnonzero(valid):
                    if i in finished:
                        continue  # this env's episode for the batch is complete: later play is not used
                    trajectories[i][0].append(obs[i])
                    trajectories[i][1].append(actions[i])
                    trajectories[i][2].append(rewards[i])
                    if done[i]:
                        finished[i] = (np.array(trajectories[i][0]), np.array(trajectories[i][1]),
                                       np.array(trajectories[i][2], dtype=np.float64), bool(truncated[i] and not terminated[i]),
                                       np.asarray(next_obs[i]))
                run.record_step(rewards, done, valid, self)
                prev_done, obs = done, next_obs
                self.steps_done += c.num_envs
                run.after_step(self)
            if len(finished) == c.num_envs:
                self.last_loss = self.update(list(finished.values()))
        envs.close()

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Policy (and baseline) weights for ``model.safetensors``."""
        state = {f"policy.{k}": v.detach().cpu().contiguous() for k, v in self.policy.state_dict().items()}
        if self.value is not None:
            state.update({f"value.{k}": v.detach().cpu().contiguous() for k, v in self.value.state_dict().items()})
        return state

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Load weights saved by ``state_dict``."""
        what = f"reinforce policy for {self.obs_desc} observations and {self.n_actions} actions"
        load_weights(self.policy, {k[7:]: v for k, v in state.items() if k.startswith("policy.")}, what)
        if self.value is not None:
            load_weights(self.value, {k[6:]: v for k, v in state.items() if k.startswith("value.")}, what)
