"""The deep agents' math against numbers worked out by hand, and Baird's counterexample."""

import json

import gymnasium as gym
import numpy as np
import pytest
import torch

import toy_envs  # noqa: F401
from tests.reference import linear_td0_step, n_step_transitions
from zoo.agents.configs import DQNConfig
from zoo.agents.dqn import DQNAgent
from zoo.envs.collector import Step
from zoo.learning.losses import dqn_loss, reinforce_loss, td0_loss
from zoo.learning.networks import dueling_aggregate
from zoo.learning.replay import Batch, ReplayBuffer
from zoo.learning.targets import discounted_returns, double_q_target
from zoo.rundir.files import Spaces


def test_n_step_returns_by_hand_across_an_episode_end():
    # Rewards 1, 2, 3 then the episode terminates; 4 starts the next one. γ = 0.5, n = 3.
    R, k, done = n_step_transitions([1.0, 2.0, 3.0, 4.0], [False, False, True, False], [False] * 4, 0.5, 3)
    np.testing.assert_allclose(R, [1 + 0.5 * 2 + 0.25 * 3, 2 + 0.5 * 3, 3, 4])
    assert k.tolist() == [3, 2, 1, 1] and done.tolist() == [True, True, True, False]
    # A truncation also cuts the window, but the bootstrap stays (done = False).
    R, k, done = n_step_transitions([1.0, 1.0, 1.0], [False] * 3, [False, True, False], 0.5, 3)
    assert R.tolist() == [1.5, 1.0, 1.0] and k.tolist() == [2, 1, 1] and not done.any()


def test_replay_buffer_folds_n_steps_like_the_reference():
    rng = np.random.default_rng(0)
    T, E, n, gamma = 80, 3, 3, 0.9
    rewards = rng.normal(size=(T, E))
    terminated = rng.random((T, E)) < 0.08
    truncated = (rng.random((T, E)) < 0.05) & ~terminated
    obs = np.arange(T)[:, None] * 10 + np.arange(E)  # unique ids: step*10 + env
    buffer = ReplayBuffer(1000, (), np.int64, E, gamma, n)
    for t in range(T):
        buffer.add(obs[t], np.zeros(E, dtype=np.int64), rewards[t], obs[t] + 10_000, terminated[t], truncated[t])
    stored = {int(o): i for i, o in enumerate(buffer.obs[: len(buffer)])}
    checked = 0
    for e in range(E):
        R, k, done = n_step_transitions(rewards[:, e], terminated[:, e], truncated[:, e], gamma, n)
        for t in range(T - n):
            i = stored[int(obs[t, e])]
            assert buffer.reward[i] == pytest.approx(R[t], abs=1e-5)
            assert buffer.done[i] == done[t] and buffer.discount[i] == pytest.approx(gamma ** k[t])
            assert buffer.next_obs[i] == obs[t + k[t] - 1, e] + 10_000  # bootstrap from s_{t+k}
            checked += 1
    assert checked == E * (T - n)


def test_truncated_step_is_stored_as_not_done():
    buffer = ReplayBuffer(10, (), np.int64, 2, 0.9, 1)
    buffer.add(np.array([0, 1]), np.array([0, 0]), np.array([1.0, 1.0]), np.array([2, 3]),
               terminated=np.array([True, False]), truncated=np.array([False, True]))
    assert buffer.done[:2].tolist() == [1.0, 0.0] and buffer.discount[:2] == pytest.approx([0.9, 0.9])


def test_double_q_target_by_hand():
    reward = torch.tensor([1.0, 0.0])
    online = torch.tensor([[1.0, 2.0], [5.0, 3.0]])  # picks action 1, then action 0
    target = torch.tensor([[10.0, 20.0], [30.0, 40.0]])
    y = double_q_target(reward, online, target, torch.tensor([0.0, 0.0]), 0.5)
    assert y.tolist() == [1 + 0.5 * 20, 0 + 0.5 * 30]  # plain DQN would use max: 20 and 40
    y = double_q_target(reward, online, target, torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.25]))
    assert y.tolist() == [1.0, 0.25 * 30]


def test_dueling_aggregation_by_hand():
    q = dueling_aggregate(torch.tensor([[10.0]]), torch.tensor([[1.0, 2.0, 6.0]]))
    assert q.tolist() == [[10 + 1 - 3, 10 + 2 - 3, 10 + 6 - 3]]


def test_discounted_returns_by_hand():
    np.testing.assert_allclose(discounted_returns([1.0, 1.0, 1.0], 0.5), [1.75, 1.5, 1.0])
    np.testing.assert_allclose(discounted_returns([1.0, 1.0], 0.5, bootstrap=4.0), [1 + 0.5 + 0.25 * 4, 1 + 0.5 * 4])


def test_dqn_loss_bootstraps_after_truncation_not_after_termination():
    spaces = Spaces({"type": "Discrete", "n": 2}, {"type": "Discrete", "n": 1})
    losses = {}
    for done in (0.0, 1.0):
        agent = DQNAgent(DQNConfig(hidden="", double=False, loss="mse", max_grad_norm=0), spaces)
        with torch.no_grad():  # a linear net over one-hot states: Q(0) = 0, Q(1) = 5
            agent.q.head.weight.copy_(torch.tensor([[0.0, 5.0]]))
            agent.q.head.bias.zero_()
            agent.target.load_state_dict(agent.q.state_dict())
        batch = Batch(np.array([0]), np.array([0]), np.array([1.0], np.float32), np.array([1]),
                      np.array([done], np.float32), np.array([0.9], np.float32))
        losses[done] = agent.update(batch)
    assert losses[0.0] == pytest.approx((1 + 0.9 * 5.0) ** 2)  # truncated: y = r + γ Q(s')
    assert losses[1.0] == pytest.approx(1.0)  # terminated: y = r


def test_dqn_loss_by_hand():
    q = torch.tensor([[1.0, 3.0], [2.0, 0.0]])
    actions, target = torch.tensor([1, 0]), torch.tensor([5.0, 2.5])
    # errors: Q(0,1) - 5 = -2, Q(1,0) - 2.5 = -0.5
    assert dqn_loss(q, actions, target, "mse").item() == pytest.approx((4 + 0.25) / 2)
    # Huber with δ = 1: |e| - 1/2 beyond 1, e²/2 inside
    assert dqn_loss(q, actions, target, "huber").item() == pytest.approx((1.5 + 0.125) / 2)
    q.requires_grad_(True)
    dqn_loss(q, actions, target, "mse").backward()  # d/dQ of mean(e²) = e: only the taken actions get gradient
    assert q.grad.tolist() == [[0.0, -2.0], [-0.5, 0.0]]


def test_reinforce_loss_by_hand():
    logits = torch.zeros(2, 2, requires_grad=True)  # π = (1/2, 1/2) in both states
    actions, returns = torch.tensor([0, 1]), torch.tensor([2.0, 4.0])
    loss = reinforce_loss(logits, actions, returns)
    assert loss.item() == pytest.approx(-(np.log(0.5) * 2 + np.log(0.5) * 4) / 2)
    loss.backward()
    # d(-mean(G log π(a)))/d logit_b = -(G/2) (1[a=b] - π_b): state 0 took a=0 with G=2, state 1 took a=1 with G=4
    np.testing.assert_allclose(logits.grad.numpy(), [[-0.5, 0.5], [1.0, -1.0]], rtol=1e-6)
    # With a baseline the advantage is G - V (V held fixed in the policy part), and V is pulled towards G.
    values = torch.tensor([1.0, 5.0], requires_grad=True)
    loss = reinforce_loss(torch.zeros(2, 2), actions, returns, values)
    advantage = np.array([2.0 - 1.0, 4.0 - 5.0])
    assert loss.item() == pytest.approx(((1 + 1) / 2) - np.log(0.5) * advantage.mean())
    loss.backward()
    assert values.grad.tolist() == pytest.approx([(1 - 2) * 2 / 2, (5 - 4) * 2 / 2])
    # Normalised advantages (2, 4) -> (-1/√2, 1/√2) (std with n-1), and an entropy bonus of log 2 per state.
    normed = reinforce_loss(torch.zeros(2, 2), actions, returns, normalize=True, entropy_coef=0.1)
    assert normed.item() == pytest.approx(-np.log(0.5) * (-1 + 1) / np.sqrt(2) / 2 - 0.1 * np.log(2), abs=1e-6)


def test_td0_loss_gradient_is_the_semi_gradient_update():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    x, x_next = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])
    v, target = x @ w, 1.0 + 0.5 * (x_next @ w)  # v = 1, target = 1 + 0.5 * 2 = 2, δ = 1
    loss = td0_loss(v, target)
    assert loss.item() == pytest.approx(1.0)
    loss.backward()
    # d/dw (v - target)² with the target held fixed = -2 δ x: no gradient through v(s')
    assert w.grad.tolist() == [-2.0, 0.0]


def test_polyak_and_hard_target_updates_by_hand():
    spaces = Spaces({"type": "Discrete", "n": 2}, {"type": "Discrete", "n": 1})
    for tau, expected in ((0.25, 0.25 * 4.0 + 0.75 * 2.0), (1.0, 4.0)):
        agent = DQNAgent(DQNConfig(hidden="", tau=tau), spaces)
        with torch.no_grad():
            agent.target.head.weight.fill_(2.0)
            agent.q.head.weight.fill_(4.0)
        agent.update_target()
        assert agent.target.head.weight.tolist() == [[expected, expected]]


def test_the_target_follows_every_target_update_interval_env_steps_as_sb3_counts():
    # 3 envs, one update per vector step from the first, target_update_interval 7 env steps: SB3 syncs when
    # the env-step count passes a multiple of 7, after that step's update: at 9 (past 7), 15 (past 14), 21, ...
    spaces = Spaces({"type": "Discrete", "n": 2}, {"type": "Discrete", "n": 2})
    agent = DQNAgent(DQNConfig(hidden="", learning_starts=0, batch_size=1, target_update_interval=7,
                               learning_rate=0.1), spaces)
    synced_at = []
    for _ in range(8):
        obs = np.array([0, 1, 0])
        agent.observe(Step(obs, np.array([0, 1, 1]), np.ones(3, dtype=np.float32), np.array([1, 0, 1]),
                           np.zeros(3, dtype=bool), np.zeros(3, dtype=bool), np.ones(3, dtype=bool)))
        if all(torch.equal(a, b) for a, b in zip(agent.q.parameters(), agent.target.parameters())):
            synced_at.append(agent.steps_done)
    assert agent.updates_done == 8  # the online net moved at every vector step
    assert synced_at == [9, 15, 21]


def test_a_version_1_run_directory_counts_its_target_interval_in_env_steps(tmp_path):
    # version 1 counted gradient steps: 32 of them, made 32 at a time every 32 vector steps of 8 envs, are 256
    # env steps; the first shipped Pong agent (version 1: 1,000 updates, one per vector step of 2 envs) reads 2,000
    from pathlib import Path

    from zoo.rundir.files import FORMAT_VERSION, read_config

    old = json.loads((Path(__file__).parent / "data" / "pong-config-format1.json").read_text())
    assert old["format_version"] == 1 and old["hyperparameters"]["target_update_interval"] == 1000
    (tmp_path / "pong").mkdir()
    (tmp_path / "pong" / "config.json").write_text(json.dumps(old))
    assert read_config(tmp_path / "pong").hyperparameters["target_update_interval"] == 2000
    (tmp_path / "config.json").write_text(json.dumps({**old, "hyperparameters": {
        **old["hyperparameters"], "target_update_interval": 32, "train_freq": 32, "num_envs": 8,
        "gradient_steps": 32}}))
    config = read_config(tmp_path)
    assert config.hyperparameters["target_update_interval"] == 256 and config.format_version == FORMAT_VERSION


def _baird(mode: str, steps: int = 5000, seed: int = 0) -> list[float]:
    env = gym.make("toy/Baird-v0")
    x = env.unwrapped.features
    rng = np.random.default_rng(seed)
    w = np.array([1, 1, 1, 1, 1, 1, 10, 1.0])
    obs, _ = env.reset(seed=seed)
    norms = []
    for _ in range(steps):
        if mode == "target":
            action, rho = 1, 1.0  # always solid, states from the target policy
        else:
            action = 0 if rng.random() < 6 / 7 else 1  # behaviour: 6/7 dashed
            rho = (7.0 if action == 1 else 0.0) if mode == "off-policy" else 1.0
        next_obs, reward, terminated, truncated, _ = env.step(action)
        w = linear_td0_step(w, x[obs], reward, x[next_obs], gamma=0.99, alpha=0.01, rho=rho, terminated=terminated)
        obs = env.reset()[0] if terminated or truncated else next_obs
        norms.append(float(np.linalg.norm(w)))
    return norms


def test_baird_off_policy_semi_gradient_td_diverges_on_policy_stays_bounded():
    off = _baird("off-policy")
    assert off[-1] > 1e4 and off[-1] > 10 * off[2000]  # still growing
    for mode in ("target", "behaviour"):
        on = _baird(mode)
        assert max(on) < 20 and on[-1] <= on[0] + 1e-9


def test_baird_features_match_the_book():
    x = gym.make("toy/Baird-v0").unwrapped.features
    w = np.arange(1.0, 9.0)
    assert (x @ w).tolist() == [2 * i + 8 for i in range(1, 7)] + [7 + 16]


@pytest.mark.parametrize("cnn", ["nature", "small"])
def test_frames_are_scaled_once_whether_the_cnn_gets_uint8_or_network_input(cnn):
    from zoo.learning.networks import build_q_network, network_input

    torch.manual_seed(0)
    net = build_q_network("atari", 0, 6, (), dueling=True, cnn=cnn)
    frames = np.random.default_rng(0).integers(0, 256, size=(3, 4, 84, 84), dtype=np.uint8)
    x = network_input(frames, "atari", 0, torch.device("cpu"))
    assert x.dtype == torch.float32 and float(x.max()) <= 1.0
    torch.testing.assert_close(x, torch.as_tensor(frames).float() / 255.0, rtol=0, atol=0)
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(torch.as_tensor(frames)))


def test_small_cnn_is_the_2013_dqn_and_fits_the_hub_size_budget():
    from zoo.learning.networks import SmallCNN, build_q_network

    body = SmallCNN()
    assert body.conv(torch.zeros(1, 4, 84, 84)).shape == (1, 32 * 9 * 9)
    net = build_q_network("atari", 0, 6, (), dueling=True, cnn="small")
    params = sum(p.numel() for p in net.parameters())
    # conv 4->16 8x8, 16->32 4x4, fc 2592->256, value 256->1, advantage 256->6, all with biases
    assert params == (4 * 16 * 64 + 16) + (16 * 32 * 16 + 32) + (2592 * 256 + 256) + (256 + 1) + (256 * 6 + 6)
    assert params * 4 < 8 * 2**20  # model.safetensors in fp32 stays under the 8 MB budget of a shipped agent


@pytest.mark.parametrize("cnn", ["nature", "small"])
@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
@pytest.mark.parametrize("bf16", [False, True])
def test_twin_forward_gives_both_networks_outputs_bit_for_bit(cnn, layout, bf16):
    """Issue 21's fused s' pass (one conv over both nets' filters, then grouped) changes no number."""
    import copy

    from zoo.learning.networks import build_q_network, twin_forward

    torch.manual_seed(1)
    online = build_q_network("atari", 0, 6, (), dueling=True, cnn=cnn)
    target = copy.deepcopy(online)
    with torch.no_grad():
        for p in target.parameters():
            p.add_(torch.randn_like(p) * 0.05)  # a target some updates behind: different weights
    x = torch.rand(5, 4, 84, 84)
    if layout == "channels_last":
        online, target = online.to(memory_format=torch.channels_last), target.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        a, b = twin_forward(online, target, x)
        assert torch.equal(a, online(x)) and torch.equal(b, target(x))
        assert not torch.equal(a, b)


def test_twin_forward_of_mlps_is_the_two_forwards():
    from zoo.learning.networks import build_q_network, twin_forward

    torch.manual_seed(2)
    a, b = (build_q_network("vector", 4, 2, (8, 8), dueling=False) for _ in range(2))
    x = torch.randn(3, 4)
    with torch.no_grad():
        qa, qb = twin_forward(a, b, x)
    assert torch.equal(qa, a(x)) and torch.equal(qb, b(x))


@pytest.mark.parametrize("bf16", [False, True])
def test_channels_last_frames_hold_the_plain_conversions_values(bf16):
    """The frames are laid out NHWC while uint8 (a stack of the frames on a last axis): every pixel lands where the
    NCHW conversion's channels_last copy puts it, with the same value, for any batch size and on a non-contiguous
    batch too."""
    from zoo.learning.networks import network_input

    rng = np.random.default_rng(3)
    dtype = torch.bfloat16 if bf16 else torch.float32
    cpu = torch.device("cpu")
    for frames in (rng.integers(0, 256, (5, 4, 84, 84), dtype=np.uint8),
                   rng.integers(0, 256, (1, 4, 84, 84), dtype=np.uint8),
                   rng.integers(0, 256, (6, 4, 84, 84), dtype=np.uint8)[::2]):
        x = network_input(frames, "atari", 0, cpu, channels_last=True, bf16=bf16)
        want = (torch.as_tensor(np.ascontiguousarray(frames)).float() / 255.0).to(dtype)
        assert x.dtype == dtype and x.shape == want.shape
        assert x.is_contiguous(memory_format=torch.channels_last)
        assert torch.equal(x, want)
        # the memory itself is NHWC: pixel (n, c, h, w) at n*H*W*C + h*W*C + w*C + c
        flat = x.permute(0, 2, 3, 1).reshape(-1)
        assert torch.equal(flat, want.permute(0, 2, 3, 1).reshape(-1))
        assert x.data_ptr() == x.permute(0, 2, 3, 1).data_ptr() and x.permute(0, 2, 3, 1).is_contiguous()


def test_bf16_frames_are_what_autocast_makes_of_fp32_frames():
    """network_input(bf16=True) skips the fp32 copy; the frames the first convolution sees are the same bits."""
    from zoo.learning.networks import network_input

    frames = np.tile(np.arange(256, dtype=np.uint8), 4 * 84 * 84 // 256 + 1)[: 4 * 84 * 84].reshape(1, 4, 84, 84)
    frames = np.concatenate([frames, frames[:, ::-1]])  # every value 0..255, in both orders
    cpu = torch.device("cpu")
    fp32 = network_input(frames, "atari", 0, cpu, channels_last=True)
    bf16 = network_input(frames, "atari", 0, cpu, channels_last=True, bf16=True)
    assert bf16.dtype == torch.bfloat16 and bf16.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(bf16, fp32.to(torch.bfloat16))
    assert torch.equal(torch.unique(bf16.float() * 255).round(), torch.arange(256.0))


def test_auto_precision_leaves_bf16_where_onednn_is_capped_below_its_instructions(monkeypatch):
    """``ONEDNN_MAX_CPU_ISA=AVX2`` makes oneDNN emulate bf16 even on a CPU that has it (how BENCHMARKS.md runs the
    AVX2 path on an AVX-512 CPU): ``auto`` must then pick fp32. A cap that keeps bf16, or none, changes nothing."""
    from zoo.learning.device import native_bf16

    monkeypatch.delenv("DNNL_MAX_CPU_ISA", raising=False)
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    hardware = native_bf16()
    spaces = Spaces({"type": "Box", "shape": [4, 84, 84], "dtype": "uint8"}, {"type": "Discrete", "n": 6})
    for name, cap, want in (("ONEDNN_MAX_CPU_ISA", "AVX2", False), ("DNNL_MAX_CPU_ISA", "avx512_core", False),
                            ("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_BF16", hardware),
                            ("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_AMX", hardware), ("ONEDNN_MAX_CPU_ISA", "ALL", hardware)):
        monkeypatch.setenv(name, cap)
        assert native_bf16() is want, cap
        agent = DQNAgent(DQNConfig(cnn="small", hidden="", precision="auto", buffer_size=100), spaces)
        assert agent.bf16 is want, cap
        monkeypatch.delenv(name)


@pytest.mark.parametrize("channels_last", [False, True])
def test_frames_are_scaled_with_the_plain_values_and_never_in_the_callers_array(channels_last):
    """uint8 frames become the bits of converting and then dividing, for a single stack and a batch, fp32 and bf16;
    float frames are scaled into a copy, never in place in the caller's array (which the tensor may share)."""
    from zoo.learning.networks import network_input

    cpu = torch.device("cpu")
    rng = np.random.default_rng(4)
    for shape in ((4, 84, 84), (3, 4, 84, 84)):
        frames = rng.integers(0, 256, shape, dtype=np.uint8)
        for dtype in (torch.float32, torch.bfloat16):
            x = network_input(frames, "atari", 0, cpu, channels_last=channels_last, bf16=dtype == torch.bfloat16)
            want = torch.as_tensor(frames).to(dtype).div_(255.0)
            assert x.dtype == dtype and torch.equal(x, want)
    floats = rng.integers(0, 256, (2, 4, 84, 84)).astype(np.float32)
    kept = floats.copy()
    x = network_input(floats, "atari", 0, cpu, channels_last=channels_last)
    assert torch.allclose(x, torch.as_tensor(kept) / 255.0) and np.array_equal(floats, kept)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_the_agents_update_is_the_plain_double_dqn_step(precision):
    """DQNAgent.update (channels_last, twin s' pass, bf16 frames) against the textbook steps written out on
    a copy of its networks in NCHW fp32 frames: the same loss and, after one Adam step, the same weights."""
    import copy

    from zoo.learning.frame_replay import FrameReplayBuffer
    from zoo.learning.optim import clip_grad_norm

    spaces = Spaces({"type": "Box", "shape": [4, 84, 84], "dtype": "uint8"}, {"type": "Discrete", "n": 6})
    # Adam's first step moves a weight by lr·g/(|g| + eps): with the default eps 1e-8 a near-zero gradient's
    # last-bit rounding moves it by up to lr·δg/eps, and on an AVX2 EPYC the layouts' 3e-9 gradient difference
    # became 1.3e-5 in a weight. eps 1e-3 keeps the step's comparison a check of the gradients, not of rounding.
    agent = DQNAgent(DQNConfig(hidden="", cnn="small", dueling=True, double=True, precision=precision,
                               learning_rate=1e-3, max_grad_norm=10.0, adam_eps=1e-3), spaces, seed=3)
    assert agent.channels_last and agent.bf16 == (precision == "bf16")
    rng = np.random.default_rng(3)
    buffer = FrameReplayBuffer(200, 1, 0.99, 3)
    for _ in range(60):
        frames = rng.integers(0, 255, size=(1, 4, 84, 84), dtype=np.uint8)
        buffer.add(frames, rng.integers(6, size=1), rng.normal(size=1), frames, rng.random(1) < 0.1, np.zeros(1, bool))
    batch = buffer.sample(16, rng)
    q, target = copy.deepcopy(agent.q).to(memory_format=torch.contiguous_format), copy.deepcopy(agent.target)
    target = target.to(memory_format=torch.contiguous_format)
    opt = torch.optim.Adam(q.parameters(), lr=1e-3, eps=agent.config.adam_eps)
    bf16 = precision == "bf16"

    def fwd(net, frames):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            return net(torch.as_tensor(frames).float() / 255.0).float()

    q_obs = fwd(q, batch.obs)
    with torch.no_grad():
        y = double_q_target(torch.as_tensor(batch.reward), fwd(q, batch.next_obs), fwd(target, batch.next_obs),
                            torch.as_tensor(batch.done), torch.as_tensor(batch.discount))
    loss = dqn_loss(q_obs, torch.as_tensor(batch.action), y, agent.config.loss)
    loss.backward()
    clip_grad_norm(list(q.parameters()), 10.0)
    opt.step()
    agent_loss = agent.update(batch)
    tol = dict(rtol=2e-2, atol=1e-3) if bf16 else dict(rtol=1e-4, atol=1e-6)  # only the layout's summation order differs
    torch.testing.assert_close(torch.tensor(agent_loss), loss.detach(), **tol)
    for (name, ours), theirs in zip(agent.q.named_parameters(), q.parameters()):
        torch.testing.assert_close(ours.grad, theirs.grad, **tol, msg=lambda m: f"{name}'s gradient: {m}")
        torch.testing.assert_close(ours, theirs, **tol, msg=lambda m: f"{name}: {m}")


def test_dqn_loss_and_grad_by_hand():
    from zoo.learning.losses import dqn_loss_and_grad

    q = torch.tensor([[1.0, 3.0], [2.0, 0.0]])
    actions, target = torch.tensor([1, 0]), torch.tensor([5.0, 2.5])
    # errors -2 and -0.5, as above: squared error's gradient 2e / n = e, Huber's clamp(e, ±1) / n
    loss, grad = dqn_loss_and_grad(q, actions, target, "mse")
    assert loss.item() == pytest.approx((4 + 0.25) / 2) and grad.tolist() == [[0.0, -2.0], [-0.5, 0.0]]
    loss, grad = dqn_loss_and_grad(q, actions, target, "huber")
    assert loss.item() == pytest.approx((1.5 + 0.125) / 2) and grad.tolist() == [[0.0, -0.5], [-0.25, 0.0]]
    for kind in ("mse", "huber"):  # and autograd's, on random numbers
        torch.manual_seed(0)
        q, target = torch.randn(37, 3, requires_grad=True), torch.randn(37) * 2
        actions = torch.randint(3, (37,))
        dqn_loss(q, actions, target, kind).backward()
        loss, grad = dqn_loss_and_grad(q.detach(), actions, target, kind)
        torch.testing.assert_close(loss, dqn_loss(q, actions, target, kind).detach())
        torch.testing.assert_close(grad, q.grad)


def test_only_plain_relu_mlps_get_the_backward_by_hand():
    from zoo.learning.mlp_grad import relu_mlp_linears
    from zoo.learning.networks import QNetwork, build_q_network

    mlp = build_q_network("vector", 4, 2, (16, 8), dueling=True)
    assert [(m.in_features, m.out_features) for m in relu_mlp_linears(mlp)] == [(4, 16), (16, 8)]
    assert relu_mlp_linears(build_q_network("vector", 4, 2, (), dueling=False)) == []
    assert relu_mlp_linears(build_q_network("atari", 0, 6, (), dueling=True, cnn="small")) is None
    tanh = QNetwork(torch.nn.Sequential(torch.nn.Sequential(torch.nn.Linear(4, 8)), torch.nn.Tanh()), 8, 2)
    assert relu_mlp_linears(tanh) is None
    spaces = Spaces({"type": "Box", "shape": [4], "dtype": "float32"}, {"type": "Discrete", "n": 2})
    assert DQNAgent(DQNConfig(), spaces)._mlp_linears is not None
    assert DQNAgent(DQNConfig(precision="bf16"), spaces)._mlp_linears is None  # bf16 autocast: autograd
    assert DQNAgent(DQNConfig(), spaces, backward="autograd")._mlp_linears is None


def _replay(obs_space: dict, n_actions: int, rng) -> ReplayBuffer:
    discrete = obs_space["type"] == "Discrete"
    buffer = ReplayBuffer(2_000, () if discrete else tuple(obs_space["shape"]), np.int64 if discrete else np.float32,
                          4, 0.99, 3)
    for _ in range(300):
        if discrete:
            obs, next_obs = rng.integers(obs_space["n"], size=4), rng.integers(obs_space["n"], size=4)
        else:
            obs = rng.normal(size=(4, *obs_space["shape"])).astype(np.float32)
            next_obs = obs + rng.normal(scale=0.1, size=obs.shape).astype(np.float32)
        buffer.add(obs, rng.integers(n_actions, size=4), rng.normal(size=4), next_obs, rng.random(4) < 0.05,
                   np.zeros(4, bool))
    return buffer


@pytest.mark.parametrize("settings", [
    {},  # the CartPole preset below
    {"dueling": True},
    {"loss": "mse", "max_grad_norm": 0.5},  # clipped at every step
    {"hidden": "64", "double": False},
    {"hidden": "", "batch_size": 100},
    {"obs": "discrete", "hidden": "64", "max_grad_norm": 0.0},
    {"advantage_learning": 0.9, "dueling": True},  # the target net on s and s' in one forward
    {"advantage_learning": 0.5, "double": False},
])
def test_the_mlp_update_by_hand_is_autograds(settings):
    """DQNAgent's update for an fp32 MLP (forward of [s; s'], backward written out) against the same agent
    with autograd, over 30 updates: the same losses and weights to fp32 rounding (on the AMD EPYC of issue 21 the
    CartPole preset's are equal bit for bit; other CPUs' matmul kernels may sum in another order)."""
    from zoo.training.presets import preset

    settings = dict(settings)
    obs_space = ({"type": "Discrete", "n": 7} if settings.pop("obs", "vector") == "discrete"
                 else {"type": "Box", "shape": [4], "dtype": "float32"})
    config = DQNConfig(**{**preset("dqn", "CartPole-v1")["hyperparameters"], **settings})
    spaces = Spaces(obs_space, {"type": "Discrete", "n": 3})
    by_hand, reference = DQNAgent(config, spaces, seed=5), DQNAgent(config, spaces, seed=5, backward="autograd")
    assert by_hand._mlp_linears is not None and reference._mlp_linears is None
    buffer = _replay(obs_space, 3, np.random.default_rng(5))
    rng = np.random.default_rng(6)
    for k in range(30):
        batch = buffer.sample(config.batch_size, rng)
        if k % 10 == 9:
            by_hand.update_target(), reference.update_target()
        assert by_hand.update(batch) == pytest.approx(reference.update(batch), rel=1e-5, abs=1e-7)
    for (name, ours), theirs in zip(by_hand.q.named_parameters(), reference.q.parameters()):
        assert not torch.equal(ours, DQNAgent(config, spaces, seed=5).q.get_parameter(name))  # it learned
        torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6, msg=name)
