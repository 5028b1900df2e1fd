"""Semi-gradient TD(0) value prediction (Sutton & Barto, section 9.3): learn v_π of a fixed policy.

``w <- w + α [r + γ v(s', w) - v(s, w)] ∇v(s, w)``: the target is treated as a constant (no gradient
flows through ``v(s', w)``) and is just ``r`` after a termination. As a loss that is the squared TD
error with a detached target. The course notebook's version — the TD error itself as the "loss", the
gradient through the target and bootstrapping through terminations — diverged to values near 13,000.
"""

from __future__ import annotations

import numpy as np
import torch

from zoo.agents.configs import TD0Config
from zoo.envs.collector import Step
from zoo.errors import ZooError
from zoo.learning.losses import td0_loss
from zoo.learning.networks import detached_copy, load_weights, mlp, network_input, observation_kind, parse_hidden
from zoo.learning.optim import Adam
from zoo.learning.targets import td_target
from zoo.rundir.files import Spaces


class TD0Agent:
    """A value network v(s) learned under a fixed policy; ``act`` follows that policy."""

    algo = "td0"
    Config = TD0Config

    def __init__(self, config: TD0Config, spaces: Spaces, seed: int = 0, device: str = "cpu") -> None:
        obs_desc, act_desc = spaces.observation, spaces.action
        if config.policy != "random":
            raise ZooError(f"policy={config.policy!r}: td0 predicts the value of the random policy (policy=random)")
        self.config, self.device, self.obs_desc = config, torch.device(device), obs_desc
        self.obs_kind, self.obs_dim = observation_kind(obs_desc)
        if self.obs_kind == "atari":
            raise ZooError("td0 here uses an MLP: give it vector or discrete observations (e.g. CartPole-v1)")
        self.n_actions = int(act_desc["n"])
        torch.manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self._play_rng = np.random.default_rng([seed, 1])
        self.value = mlp([self.obs_dim, *parse_hidden(config.hidden), 1]).to(self.device)
        self.optimizer = Adam(self.value.parameters(), lr=config.learning_rate)
        self.steps_done = 0
        self.last_loss = float("nan")

    def obs_tensor(self, obs) -> torch.Tensor:
        return network_input(obs, self.obs_kind, self.obs_dim, self.device)

    @torch.inference_mode()
    def values(self, obs) -> np.ndarray:
        """v(s) for a batch of observations."""
        return self.value(self.obs_tensor(obs)).squeeze(-1).cpu().numpy()

    def act(self, obs, explore: bool = False):
        """An action of the fixed (uniformly random) policy; batched like the other agents. Training
        (``explore``) and evaluation draw from separate generators, so evaluating never changes training."""
        obs = np.asarray(obs)
        batch = obs.shape[0] if obs.ndim > (0 if self.obs_kind == "discrete" else 1) else None
        actions = (self.rng if explore else self._play_rng).integers(self.n_actions, size=batch)
        return int(actions) if batch is None else actions

    def update(self, obs, rewards, next_obs, terminated) -> float:
        """One TD(0) step on a minibatch of transitions: no bootstrap after a termination."""
        v = self.value(self.obs_tensor(obs)).squeeze(-1)
        with torch.no_grad():
            next_v = self.value(self.obs_tensor(next_obs)).squeeze(-1)
            target = td_target(torch.as_tensor(rewards, dtype=torch.float32, device=self.device), next_v,
                               torch.as_tensor(terminated, dtype=torch.float32, device=self.device), self.config.gamma)
        loss = td0_loss(v, target)
        self.optimizer.minimize(loss)
        return loss.item()

    def observe(self, step: Step) -> None:
        """One update on the step's transitions (a minibatch of one per env)."""
        valid = step.valid
        if valid.any():
            self.last_loss = self.update(step.obs[valid], step.rewards[valid], step.next_obs[valid],
                                         step.terminated[valid])
        self.steps_done += len(step)

    def sync(self) -> None:
        """Nothing to bring up to date."""

    def stats(self) -> dict[str, float]:
        return {"loss": self.last_loss, "epsilon": float("nan")}  # the fixed policy does not explore by ε

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Value-network weights for ``model.safetensors``."""
        return detached_copy(self.value.state_dict())

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Load weights saved by ``state_dict``."""
        load_weights(self.value, state, f"td0 value network for {self.obs_desc} observations")
