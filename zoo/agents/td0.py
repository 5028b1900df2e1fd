"""Semi-gradient TD(0) value prediction (Sutton & Barto, section 9.3): learn v_π of a fixed policy.

``w <- w + α [r + γ v(s', w) - v(s, w)] ∇v(s, w)``: the target is treated as a constant (no gradient
flows through ``v(s', w)``) and is just ``r`` after a termination. As a loss that is the squared TD
error with a detached target. The course notebook's version — the TD error itself as the "loss", the
gradient through the target and bootstrapping through terminations — diverged to values near 13,000.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from zoo.agents.dqn import load_weights, observation_kind, parse_hidden
from zoo.errors import ZooError
from zoo.networks import mlp, network_input
from zoo.targets import td_target


def linear_td0_step(w: np.ndarray, x: np.ndarray, reward: float, x_next: np.ndarray, gamma: float, alpha: float,
                    rho: float = 1.0, terminated: bool = False) -> np.ndarray:
    """One semi-gradient TD(0) update of linear weights ``w`` (v = w·x), weighted by the importance
    ratio ``rho = π(a|s) / b(a|s)`` when learning off-policy."""
    delta = td_target(reward, w @ x_next, terminated, gamma) - w @ x
    return w + alpha * rho * delta * x


@dataclass(frozen=True)
class TD0Config:
    """Hyperparameters of semi-gradient TD(0) prediction."""

    gamma: float = 0.95
    """discount factor γ in [0, 1]"""
    learning_rate: float = 1e-3
    """Adam learning rate"""
    hidden: str = "64,64"
    """hidden layer sizes of the value MLP, comma-separated"""
    num_envs: int = 8
    """parallel envs; each step's transitions form one minibatch"""
    policy: str = "random"
    """the policy whose value is predicted: random (uniform over actions)"""


class TD0Agent:
    """A value network v(s) learned under a fixed policy; ``act`` follows that policy."""

    algo = "td0"
    Config = TD0Config
    tabular = False

    def __init__(self, config: TD0Config, obs_desc: dict, act_desc: dict, seed: int = 0, device: str = "cpu") -> None:
        if config.policy != "random":
            raise ZooError(f"policy={config.policy!r}: td0 predicts the value of the random policy (policy=random)")
        self.config, self.device, self.obs_desc = config, torch.device(device), obs_desc
        self.obs_kind, self.obs_dim = observation_kind(obs_desc)
        if self.obs_kind == "atari":
            raise ZooError("td0 here uses an MLP: give it vector or discrete observations (e.g. CartPole-v1)")
        self.n_actions = int(act_desc["n"])
        torch.manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.value = mlp([self.obs_dim, *parse_hidden(config.hidden), 1]).to(self.device)
        self.optimizer = torch.optim.Adam(self.value.parameters(), lr=config.learning_rate)
        self.steps_done = 0
        self.last_loss = float("nan")

    def obs_tensor(self, obs) -> torch.Tensor:
        return network_input(obs, self.obs_kind, self.obs_dim, self.device)

    @torch.inference_mode()
    def values(self, obs) -> np.ndarray:
        """v(s) for a batch of observations."""
        return self.value(self.obs_tensor(obs)).squeeze(-1).cpu().numpy()

    def act(self, obs, explore: bool = False):
        """An action of the fixed (uniformly random) policy; batched like the other agents."""
        obs = np.asarray(obs)
        batch = obs.shape[0] if obs.ndim > (0 if self.obs_kind == "discrete" else 1) else None
        actions = self.rng.integers(self.n_actions, size=batch)
        return int(actions) if batch is None else actions

    def epsilon(self) -> float:
        return float("nan")

    def finish(self) -> None:
        pass

    def update(self, obs, rewards, next_obs, terminated) -> float:
        """Squared TD error with a detached target, no bootstrap after termination."""
        v = self.value(self.obs_tensor(obs)).squeeze(-1)
        with torch.no_grad():
            next_v = self.value(self.obs_tensor(next_obs)).squeeze(-1)
            target = td_target(torch.as_tensor(rewards, dtype=torch.float32, device=self.device), next_v,
                               torch.as_tensor(terminated, dtype=torch.float32, device=self.device), self.config.gamma)
        loss = F.mse_loss(v, target)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def learn(self, run) -> None:
        """Follow the policy in ``num_envs`` envs; one TD(0) minibatch update per vector step."""
        c = self.config
        envs = run.make_envs(c.num_envs)
        obs, _ = envs.reset(seed=run.seed)
        prev_done = np.zeros(c.num_envs, dtype=bool)
        while self.steps_done < run.total_steps and not run.stop_requested:
            actions = self.act(obs)
            next_obs, rewards, terminated, truncated, _ = envs.step(actions)
            valid = ~prev_done
            if valid.any():
                self.last_loss = self.update(obs[valid], rewards[valid], next_obs[valid], terminated[valid])
            done = terminated | truncated
            run.record_step(rewards, done, valid, self)
            prev_done, obs = done, next_obs
            self.steps_done += c.num_envs
            run.after_step(self)
        envs.close()

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Value-network weights for ``model.safetensors``."""
        return {k: v.detach().cpu().contiguous() for k, v in self.value.state_dict().items()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Load weights saved by ``state_dict``."""
        load_weights(self.value, state, f"td0 value network for {self.obs_desc} observations")
