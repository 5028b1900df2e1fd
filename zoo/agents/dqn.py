"""DQN (Mnih et al., 2015) with the extensions that matter: Double DQN, dueling heads, n-step returns.

Read top to bottom: the config, then the agent: acting, observing a step (into replay, then updates when
due), one gradient update, the target network, its state. Steps come from a vector of envs through the
collector; the replay buffer folds n-step returns in as they arrive. A time-limit truncation bootstraps
from the final observation; a termination does not.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from zoo.agents.configs import DQNConfig
from zoo.envs.collector import Step
from zoo.errors import ZooError
from zoo.learning.augment import random_shift
from zoo.learning.device import native_bf16
from zoo.learning.losses import dqn_loss, dqn_loss_and_grad, large_margin_loss, quantile_huber_loss
from zoo.learning.mlp_grad import backward_by_hand, forward, forward_kept, relu_mlp_linears
from zoo.learning.networks import (
    CNNS,
    build_q_network,
    detached_copy,
    load_weights,
    network_input,
    observation_kind,
    parse_hidden,
    twin_forward,
)
from zoo.learning.optim import Adam, FlatAdam
from zoo.learning.replay import ReplayBuffer
from zoo.learning.schedules import exponential_schedule, linear_schedule
from zoo.learning.targets import advantage_learning_target, double_q_target, quantile_double_q_target, td_target
from zoo.rundir.files import Spaces


def _check(config: DQNConfig) -> None:
    if config.epsilon_schedule not in ("linear", "exponential"):
        raise ZooError(f"epsilon_schedule={config.epsilon_schedule!r}: choose linear or exponential")
    if config.loss not in ("huber", "mse"):
        raise ZooError(f"loss={config.loss!r}: choose huber or mse")
    if config.cnn not in CNNS:
        raise ZooError(f"cnn={config.cnn!r}: choose {' or '.join(CNNS)}")
    if config.precision not in ("auto", "fp32", "bf16"):
        raise ZooError(f"precision={config.precision!r}: choose auto, fp32 or bf16")
    for name in ("learning_rate", "adam_eps"):
        if getattr(config, name) <= 0:
            raise ZooError(f"{name}={getattr(config, name)} must be positive")
    for name in ("buffer_size", "batch_size", "train_freq", "gradient_steps", "target_update_interval", "n_step",
                 "num_envs"):
        if getattr(config, name) < 1:
            raise ZooError(f"{name}={getattr(config, name)} must be at least 1")
    if not 0 < config.tau <= 1:
        raise ZooError(f"tau={config.tau} is outside its valid range (0, 1]")
    if config.augment_shift < 0:
        raise ZooError(f"augment_shift={config.augment_shift} must be 0 (off) or a number of pixels")
    if config.quantiles < 0:
        raise ZooError(f"quantiles={config.quantiles} must be 0 (plain DQN) or a number of quantiles")
    if config.quantiles:
        for name in ("advantage_learning", "anchor_weight"):
            if getattr(config, name):
                raise ZooError(f"{name}={getattr(config, name)} shapes the Q-value target of plain DQN; with "
                               f"quantiles={config.quantiles} (QR-DQN) leave it at 0, or set quantiles=0")
        if config.loss != "huber":
            raise ZooError(f"loss={config.loss!r}: QR-DQN (quantiles={config.quantiles}) learns with the quantile "
                           "Huber loss; leave loss at huber, or set quantiles=0")
    try:
        parse_hidden(config.hidden)
    except ValueError:
        raise ZooError(f"hidden={config.hidden!r}: give layer sizes like 256,256") from None


class DQNAgent:
    """Online and target Q-networks, an Adam optimiser, ε-greedy acting on batches of observations."""

    algo = "dqn"
    Config = DQNConfig

    def __init__(self, config: DQNConfig, spaces: Spaces, seed: int = 0, device: str = "cpu", *,
                 backward: str = "auto") -> None:
        """``backward="autograd"`` keeps autograd even where the update's backward is written out (see below):
        for the tests and benchmarks that compare the two."""
        _check(config)
        if backward not in ("auto", "autograd"):
            raise ValueError(f"backward must be auto or autograd, not {backward!r}")
        obs_desc, act_desc = spaces.observation, spaces.action
        if act_desc["type"] != "Discrete":
            raise ZooError(f"dqn needs a discrete action space, not {act_desc['type']}")
        self.config, self.device = config, torch.device(device)
        self.obs_desc, self.act_desc = obs_desc, act_desc
        self.obs_kind, self.obs_dim = observation_kind(obs_desc)
        self.n_actions = int(act_desc["n"])
        if config.augment_shift and self.obs_kind != "atari":
            raise ZooError(f"augment_shift={config.augment_shift} shifts Atari frames; these observations are "
                           f"{obs_desc.get('type')} {obs_desc.get('shape', '')}: leave augment_shift at 0")
        torch.manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.q = build_q_network("atari" if self.obs_kind == "atari" else "vector", self.obs_dim, self.n_actions,
                                 parse_hidden(config.hidden), config.dueling, config.cnn,
                                 config.quantiles).to(self.device)
        cpu_cnn = self.obs_kind == "atari" and self.device.type == "cpu"
        # bf16 autocast pays only with native bf16: on a CPU with AVX-512/AMX the Nature CNN update was measured
        # at 22 ms in fp32 and 11 ms in bf16 + channels_last, but on an AVX2-only CPU (AMD EPYC, this project's
        # machine in one session) bf16 is emulated and took 570 ms against 50 ms in fp32 (BENCHMARKS.md).
        # Small MLPs gain nothing either way, so "auto" only considers the CNN.
        self.bf16 = config.precision == "bf16" or (config.precision == "auto" and cpu_cnn and native_bf16())
        # channels_last pays everywhere it was measured, fp32 CPUs too: the Pong small-CNN update took 8.5 against
        # 10.4 ms in NCHW on an Intel Xeon, 7.4 against 8.6 on an AMD Zen 5, 30.0 against 31.4 on an AVX2 EPYC
        # (issue 21, BENCHMARKS.md); the backward's convolutions gain more than the frames' copy costs
        self.channels_last = self.obs_kind == "atari"
        if self.channels_last:
            self.q = self.q.to(memory_format=torch.channels_last)
        self.target = copy.deepcopy(self.q).requires_grad_(False)
        # the starting agent's network, frozen, when the loss holds the online net near it (anchor_weight)
        self.anchor = copy.deepcopy(self.q).requires_grad_(False) if config.anchor_weight else None
        # An fp32 MLP on the CPU learns without autograd: its backward written out (zoo.learning.mlp_grad).
        # CartPole's preset update, issue 21: 0.96 against 1.13 ms on one core of an AMD EPYC (Zen 4), and the
        # preset's training ends with the same weights bit for bit there (benchmarks/cartpole_backward.py).
        by_hand = (backward == "auto" and self.device.type == "cpu" and not self.bf16 and self.obs_kind != "atari"
                   and not config.anchor_weight and not config.quantiles)  # the anchor's and QR's: autograd's
        self._mlp_linears = relu_mlp_linears(self.q) if by_hand else None
        self._target_linears = relu_mlp_linears(self.target) if by_hand else None
        # Fused Adam: one kernel for all parameters instead of a loop of small ops (1.7 vs 2.0 ms per update
        # of a small MLP on this CPU, where per-op overhead dominates), built at the first update. The update by
        # hand writes every gradient in place, so its Adam runs over the parameters laid out in one tensor instead
        # (FlatAdam: 1.46 -> 1.28 ms per CartPole update on one AVX2 core, issue 21).
        adam = FlatAdam if self._mlp_linears is not None else Adam
        self.optimizer = adam(self.q.parameters(), lr=config.learning_rate, eps=config.adam_eps)
        self.steps_done = 0
        self.updates_done = 0
        self.last_loss = float("nan")
        self.buffer: ReplayBuffer | None = None  # made at the first observed step: playing needs none
        self._vector_steps = 0
        self._target_period = 0  # steps_done // target_update_interval at the last target update
        self._learn_from = config.learning_starts

    # -- acting ---------------------------------------------------------------------------------------
    def obs_tensor(self, obs) -> torch.Tensor:
        """Observations as the network's input: one-hot for discrete states, uint8 frames for Atari."""
        return network_input(obs, self.obs_kind, self.obs_dim, self.device, self.channels_last, self.bf16)

    def _forward(self, net, x: torch.Tensor) -> torch.Tensor:
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            return net(x).float()

    @torch.inference_mode()
    def q_values(self, obs) -> np.ndarray:
        """Q estimates: ``[n_actions]`` for one observation, ``[n, n_actions]`` for a batch."""
        return self._on_obs(self.q, obs)

    def _on_obs(self, net, obs) -> np.ndarray:
        """``net`` (a network or one of its methods) on one observation or a batch, as numpy, without the batch
        axis for one."""
        obs = np.asarray(obs)
        single = obs.ndim == (0 if self.obs_kind == "discrete" else len(self.obs_shape))
        out = self._forward(net, self.obs_tensor(obs[None] if single else obs)).cpu().numpy()
        return out[0] if single else out

    @property
    def obs_shape(self) -> tuple[int, ...]:
        return () if self.obs_kind == "discrete" else tuple(self.obs_desc["shape"])

    def epsilon(self) -> float:
        """The current exploration rate."""
        c = self.config
        if c.epsilon_schedule == "exponential":
            return exponential_schedule(c.epsilon_start, c.epsilon_final, c.epsilon_decay_steps, self.steps_done)
        return linear_schedule(c.epsilon_start, c.epsilon_final, c.epsilon_decay_steps, self.steps_done)

    def act(self, obs, explore: bool = False):
        """Greedy actions (an int for one observation, an array for a batch); ε-greedy with ``explore``."""
        q = self.q_values(obs)
        greedy = q.argmax(axis=-1)
        if not explore:
            return int(greedy) if greedy.ndim == 0 else greedy
        if greedy.ndim == 0:
            return int(self.rng.integers(self.n_actions)) if self.rng.random() < self.epsilon() else int(greedy)
        explore_mask = self.rng.random(len(greedy)) < self.epsilon()
        return np.where(explore_mask, self.rng.integers(self.n_actions, size=len(greedy)), greedy)

    # -- learning -------------------------------------------------------------------------------------
    def update(self, batch) -> float:
        """One gradient step on a replay minibatch; returns the loss. A prioritized minibatch (one with
        ``index`` and ``weight``) weighs each sample's loss and hands its new TD error back to the buffer."""
        if self.config.learning_rate_decay_steps:
            self.optimizer.set_lr(self.learning_rate())
        if self._mlp_linears is not None:
            return self._update_by_hand(batch)
        c = self.config
        if c.augment_shift:  # DrQ: s and s' each shifted at their own offsets (zoo.learning.augment)
            batch = batch._replace(obs=random_shift(batch.obs, c.augment_shift, self.rng),
                                   next_obs=random_shift(batch.next_obs, c.augment_shift, self.rng))
        obs, next_obs = self.obs_tensor(batch.obs), self.obs_tensor(batch.next_obs)
        action = torch.as_tensor(batch.action, device=self.device)
        reward = torch.as_tensor(batch.reward, device=self.device)
        done = torch.as_tensor(batch.done, device=self.device)
        discount = torch.as_tensor(batch.discount, device=self.device)
        weight = None if batch.weight is None else torch.as_tensor(batch.weight, device=self.device)
        if c.quantiles:
            return self._update_quantiles(batch, obs, next_obs, action, reward, done, discount, weight)
        # s' goes through the nets without a graph: one [s; s'] pass would save an op or two but backpropagate
        # through twice the rows (3.3 vs 4.4 ms per CartPole update on one AVX2 core, benchmarks/mlp_update.py).
        q_obs = self._forward(self.q, obs)
        with torch.no_grad():
            if c.double:  # s' through both nets at once: the same numbers, fewer kernels (twin_forward)
                with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
                    next_online, next_target = twin_forward(self.q, self.target, next_obs)
                y = double_q_target(reward, next_online.float(), next_target.float(), done, discount)
            else:
                y = td_target(reward, self._forward(self.target, next_obs).max(dim=1).values, done, discount)
            if c.advantage_learning:
                y = advantage_learning_target(y, self._forward(self.target, obs), action, c.advantage_learning)
        loss = dqn_loss(q_obs, action, y, c.loss, weight)
        anchor_weight = self.anchor_weight()
        if anchor_weight:
            with torch.no_grad():
                q_anchor = self._forward(self.anchor, obs)
            if c.anchor_margin:  # the start's greedy choice alone, by a margin (DQfD)
                term = large_margin_loss(q_obs, q_anchor.argmax(dim=1), c.anchor_margin)
            else:  # all of the start's Q-values
                term = (q_obs - q_anchor).pow(2).mean()
            loss = loss + anchor_weight * term
        if batch.index is not None:
            self._reprioritize(batch.index, q_obs.detach(), action, y)
        self.optimizer.minimize(loss, c.max_grad_norm)
        self.updates_done += 1
        return loss.item()

    def _update_quantiles(self, batch, obs, next_obs, action, reward, done, discount, weight) -> float:
        """``update`` for QR-DQN: the taken actions' quantiles at s moved towards the target distribution
        (``quantile_double_q_target``) by the quantile Huber loss."""
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            theta = self.q.quantile_values(obs)
            with torch.no_grad():
                if self.config.double:
                    next_online, next_target = twin_forward(self.q, self.target, next_obs, quantiles=True)
                else:
                    next_online = next_target = self.target.quantile_values(next_obs)
        theta = theta.float()
        with torch.no_grad():
            y = quantile_double_q_target(reward, next_online.float(), next_target.float(), done, discount)
        taken = theta[torch.arange(len(action), device=self.device), action]
        loss = quantile_huber_loss(taken, y, weight=weight)
        if batch.index is not None:  # the priority of a transition: the TD error of the quantiles' means
            self._reprioritize(batch.index, theta.detach().mean(dim=2), action, y.mean(dim=1))
        self.optimizer.minimize(loss, self.config.max_grad_norm)
        self.updates_done += 1
        return loss.item()

    @torch.inference_mode()
    def quantile_values(self, obs) -> np.ndarray:
        """QR-DQN's quantiles of the return, ``[n_actions, N]`` for one observation, ``[n, n_actions, N]`` for a
        batch (an agent with ``quantiles`` only)."""
        if not self.config.quantiles:
            raise ZooError("this agent learns Q-values, not quantiles (quantiles=0): use q_values")
        return self._on_obs(self.q.quantile_values, obs)

    def _update_by_hand(self, batch) -> float:
        """``update`` for an fp32 ReLU MLP on the CPU: the same step, with s and s' in one forward through the
        online net (no graph) and the backward written out (``zoo.learning.mlp_grad``)."""
        c = self.config
        n = len(batch.action)
        both = self.obs_tensor(np.concatenate([batch.obs, batch.next_obs]))
        action = torch.as_tensor(batch.action)
        reward, done = torch.as_tensor(batch.reward), torch.as_tensor(batch.done)
        discount = torch.as_tensor(batch.discount)
        weight = None if batch.weight is None else torch.as_tensor(batch.weight)
        with torch.no_grad():
            q_both, kept = forward_kept(self.q, self._mlp_linears, both)
            if c.advantage_learning:  # the target net on s too, in the same forward
                target_both = forward(self.target, self._target_linears, both)
                next_target = target_both[n:]
            else:
                next_target = forward(self.target, self._target_linears, both[n:])
            if c.double:
                y = double_q_target(reward, q_both[n:], next_target, done, discount)
            else:
                y = td_target(reward, next_target.max(dim=1).values, done, discount)
            if c.advantage_learning:
                y = advantage_learning_target(y, target_both[:n], action, c.advantage_learning)
            if batch.index is not None:
                self._reprioritize(batch.index, q_both[:n], action, y)
            loss, dq = dqn_loss_and_grad(q_both[:n], action, y, c.loss, weight)
            backward_by_hand(self.q, self._mlp_linears, kept, dq)
        self.optimizer.apply_gradients(c.max_grad_norm)
        self.updates_done += 1
        return loss.item()

    def learning_rate(self) -> float:
        """Adam's rate now: ``learning_rate``, falling linearly to ``learning_rate_final`` over
        ``learning_rate_decay_steps`` environment steps when that is set."""
        c = self.config
        if not c.learning_rate_decay_steps:
            return c.learning_rate
        return linear_schedule(c.learning_rate, c.learning_rate_final, c.learning_rate_decay_steps, self.steps_done)

    def anchor_weight(self) -> float:
        """The anchor term's weight now: ``anchor_weight``, falling linearly to 0 over ``anchor_decay_steps``."""
        c = self.config
        if not c.anchor_weight or not c.anchor_decay_steps:
            return c.anchor_weight
        return linear_schedule(c.anchor_weight, 0.0, c.anchor_decay_steps, self.steps_done)

    def _reprioritize(self, index, q: torch.Tensor, action: torch.Tensor, y: torch.Tensor) -> None:
        """Prioritized replay: the sampled transitions' new priorities in this agent's buffer, from their TD
        errors before this step."""
        td = q.gather(1, action[:, None]).squeeze(1) - y
        self.buffer.update_priorities(index, td.float().cpu().numpy())

    def priority_beta(self) -> float:
        """Prioritized replay's importance-sampling exponent now: from ``priority_beta`` up to 1, linearly."""
        c = self.config
        return linear_schedule(c.priority_beta, 1.0, c.priority_beta_steps, self.steps_done)

    @torch.no_grad()
    def update_target(self) -> None:
        """Hard copy (τ=1) or Polyak average ``θ' <- τ θ + (1 - τ) θ'``."""
        tau = self.config.tau
        for target, online in zip(self.target.parameters(), self.q.parameters()):
            target.lerp_(online, tau) if tau < 1 else target.copy_(online)

    def make_buffer(self, num_envs: int) -> ReplayBuffer:
        """Replay sized by the config; Atari frames go to a buffer that stores each frame once."""
        c = self.config
        if self.obs_kind == "atari":
            from zoo.learning.frame_replay import FrameReplayBuffer

            return FrameReplayBuffer(c.buffer_size, num_envs, c.gamma, c.n_step, c.priority_alpha, side=self.obs_dim)
        dtype = np.int64 if self.obs_kind == "discrete" else np.float32
        return ReplayBuffer(c.buffer_size, self.obs_shape, dtype, num_envs, c.gamma, c.n_step, c.priority_alpha)

    def observe(self, step: Step) -> None:
        """Store the step's transitions; every ``train_freq`` steps past ``learning_starts``, learn from replay."""
        c = self.config
        if self.buffer is None:
            self.buffer = self.make_buffer(len(step))
        self.buffer.add(step.obs, step.actions, step.rewards, step.next_obs, step.terminated, step.truncated, step.valid)
        self.steps_done += len(step)
        self._vector_steps += 1
        if (self.steps_done >= self._learn_from and self._vector_steps % c.train_freq == 0
                and len(self.buffer) >= c.batch_size):
            for _ in range(c.gradient_steps):
                self.last_loss = self.update(self.buffer.sample(c.batch_size, self.rng, self.priority_beta()))
        # the target follows every target_update_interval env steps, as SB3 counts, after that step's updates
        # (before the first update the online net has not moved, and a sync changes nothing)
        period = self.steps_done // c.target_update_interval
        if period > self._target_period:
            self._target_period = period
            self.update_target()

    def sync(self) -> None:
        """Nothing to bring up to date: the online network is the agent."""

    def stats(self) -> dict[str, float]:
        return {"loss": self.last_loss, "epsilon": self.epsilon()}

    def make_actor(self) -> "DQNActor":
        """A copy of the online network that acts while this agent learns (``AsyncCollector``)."""
        return DQNActor(self)

    # -- state ----------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, torch.Tensor]:
        """The online network's weights, for ``model.safetensors``."""
        return detached_copy(self.q.state_dict())

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Load weights saved by ``state_dict``; a network of another shape raises ZooError."""
        load_weights(self.q, state, f"dqn for {self.obs_desc} observations and {self.n_actions} actions")
        self.target.load_state_dict(self.q.state_dict())
        if self.anchor is not None:  # the weights a run starts from are its anchor (a resume restores its own)
            self.anchor.load_state_dict(self.q.state_dict())

    def training_state(self) -> tuple[dict[str, torch.Tensor], dict]:
        """Everything ``--resume`` needs beyond the weights: target net, optimiser, counters, RNGs."""
        tensors = {f"target.{k}": v.detach().cpu().contiguous() for k, v in self.target.state_dict().items()}
        if self.anchor is not None:
            tensors.update({f"anchor.{k}": v.detach().cpu().contiguous() for k, v in self.anchor.state_dict().items()})
        optim = self.optimizer.state_dict()
        for i, state in optim["state"].items():
            for name, value in state.items():
                tensors[f"optim.{i}.{name}"] = value.detach().cpu().contiguous().reshape(value.shape)
        meta = {"steps_done": self.steps_done, "updates_done": self.updates_done, "vector_steps": self._vector_steps,
                "param_groups": optim["param_groups"], "rng": self.rng.bit_generator.state,
                "optim_state_keys": {str(i): sorted(s) for i, s in optim["state"].items()}}
        tensors["torch_rng"] = torch.get_rng_state()
        return tensors, meta

    def load_training_state(self, tensors: dict[str, torch.Tensor], meta: dict) -> None:
        """Restore what ``training_state`` saved."""
        self.target.load_state_dict({k[len("target."):]: v for k, v in tensors.items() if k.startswith("target.")})
        if self.anchor is not None:
            self.anchor.load_state_dict({k[len("anchor."):]: v for k, v in tensors.items() if k.startswith("anchor.")})
        state = {int(i): {name: tensors[f"optim.{i}.{name}"].to(self.device) for name in names}
                 for i, names in meta["optim_state_keys"].items()}
        self.optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
        self.steps_done, self.updates_done = meta["steps_done"], meta["updates_done"]
        self.rng.bit_generator.state = meta["rng"]
        torch.set_rng_state(tensors["torch_rng"])
        self._vector_steps = meta.get("vector_steps", 0)
        self._target_period = self.steps_done // self.config.target_update_interval
        # without a saved replay (the run was killed), refill it as at the start before learning from it again
        self._learn_from = self.steps_done + min(self.config.learning_starts, self.config.buffer_size)

    def replay_state(self) -> dict[str, np.ndarray] | None:
        """The replay buffer's transitions, for a resume that learns from the same memory."""
        return self.buffer.state_dict() if self.buffer is not None else None

    def load_replay_state(self, state: dict[str, np.ndarray]) -> None:
        num_envs = self.config.num_envs
        self.buffer = self.make_buffer(num_envs)
        self.buffer.load_state_dict(state)
        self._learn_from = self.config.learning_starts  # a full memory: learn as if never interrupted


class DQNActor:
    """A frozen copy of a DQN agent's online network that acts ε-greedily with the agent's current ε.

    ``AsyncCollector`` acts with it in its own thread while the agent updates the original; ``refresh``
    copies the original's latest weights in.
    """

    def __init__(self, agent: DQNAgent) -> None:
        self.agent = agent
        self.q = copy.deepcopy(agent.q).requires_grad_(False)
        self.rng = np.random.default_rng(agent.rng.integers(2**63))

    @torch.inference_mode()
    def act(self, obs: np.ndarray) -> np.ndarray:
        greedy = self.agent._forward(self.q, self.agent.obs_tensor(obs)).argmax(dim=-1).cpu().numpy()
        explore = self.rng.random(len(greedy)) < self.agent.epsilon()
        return np.where(explore, self.rng.integers(self.agent.n_actions, size=len(greedy)), greedy)

    def refresh(self) -> None:
        self.q.load_state_dict(self.agent.q.state_dict())
