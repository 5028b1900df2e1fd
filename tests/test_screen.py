"""Atari frames at another side than DQN's 84 (the ``screen_size`` env kwarg): the env, the replay, the network,
the noop-starts protocol and the card's snippet all follow it, and a bad side is refused before anything runs."""

import numpy as np
import pytest
import torch

from zoo.envs.atari import noop_start_envs, preprocessing
from zoo.envs.make import make_env
from zoo.errors import ZooError
from zoo.learning.frame_replay import FrameReplayBuffer
from zoo.learning.networks import build_q_network, observation_kind


@pytest.mark.parametrize("side", [35, 169, 42.0, "42", True])
def test_a_side_the_networks_cannot_take_is_refused(side):
    with pytest.raises(ZooError, match=r"screen_size=.*from 36 to 168 \(standard: 84\)"):
        make_env("ALE/Pong-v5", {"screen_size": side})


def test_the_side_reaches_the_frames_and_the_config():
    env = make_env("ALE/Pong-v5", {"screen_size": 52})
    try:
        assert env.observation_space.shape == (4, 52, 52)
        assert np.asarray(env.reset(seed=0)[0]).shape == (4, 52, 52)
    finally:
        env.close()
    assert preprocessing({"screen_size": 52})["screen"] == [52, 52]
    assert preprocessing({})["screen"] == [84, 84]


@pytest.mark.parametrize("cnn, side, flat", [("small", 84, 32 * 9 * 9), ("small", 42, 32 * 3 * 3),
                                             ("wide", 64, 64 * 6 * 6), ("nature", 84, 64 * 7 * 7),
                                             ("nature", 36, 64 * 1 * 1)])
def test_the_network_sizes_itself_to_the_frames(cnn, side, flat):
    kind, dim = observation_kind({"type": "Box", "shape": [4, side, side], "dtype": "uint8"})
    assert (kind, dim) == ("atari", side)
    net = build_q_network(kind, dim, 6, (), True, cnn)
    assert net.body.fc[0].in_features == flat  # (side - 8) // 4 + 1, then (· - 4) // 2 + 1 (then - 2: Nature)
    assert net(torch.zeros(3, 4, side, side, dtype=torch.uint8)).shape == (3, 6)


def test_frame_replay_rebuilds_stacks_of_its_side():
    rng = np.random.default_rng(0)
    buffer = FrameReplayBuffer(100, 1, 0.99, 1, side=42)
    stack = np.zeros((1, 4, 42, 42), dtype=np.uint8)
    stack[0, -1] = rng.integers(1, 255, size=(42, 42))
    for _ in range(6):
        nxt = np.concatenate([stack[:, 1:], rng.integers(1, 255, size=(1, 1, 42, 42), dtype=np.uint8)], axis=1)
        buffer.add(stack, np.zeros(1, int), np.zeros(1), nxt, np.zeros(1, bool), np.zeros(1, bool))
        stack = nxt
    batch = buffer.sample(4, rng)
    assert batch.obs.shape == (4, 4, 42, 42)


def test_noop_starts_play_frames_of_the_runs_side():
    envs = noop_start_envs("ALE/Pong-v5", screen_size=42)
    try:
        obs, _ = envs.reset(seed=0)
    finally:
        envs.close()
    assert np.asarray(obs).shape == (30, 4, 42, 42)
