"""DrQ's random shift of Atari frame stacks (zoo.learning.augment) and DQN's update with it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from zoo.agents.configs import DQNConfig
from zoo.agents.dqn import DQNAgent
from zoo.errors import ZooError
from zoo.learning.augment import random_shift, shift_offsets, shifted
from zoo.learning.frame_replay import FrameReplayBuffer
from zoo.rundir.files import Spaces

ATARI = Spaces({"type": "Box", "shape": [4, 84, 84], "dtype": "uint8"}, {"type": "Discrete", "n": 6})


def test_a_shift_by_hand():
    """A 3x3 frame padded by 1: offset (0, 0) moves the content one pixel down and right, the edge repeated;
    offset (pad, pad) is no shift; (2, 1) moves it one up."""
    frame = np.arange(9, dtype=np.uint8).reshape(1, 1, 3, 3)
    two = np.concatenate([frame, frame + 10])
    out = shifted(two, 1, np.array([0, 1]), np.array([0, 1]))
    assert out[0, 0].tolist() == [[0, 0, 1], [0, 0, 1], [3, 3, 4]]
    assert out[1, 0].tolist() == (frame[0, 0] + 10).tolist()
    assert shifted(frame, 1, np.array([2]), np.array([1]))[0, 0].tolist() == [[3, 4, 5], [6, 7, 8], [6, 7, 8]]
    assert out.dtype == np.uint8 and out.flags["C_CONTIGUOUS"]


def test_every_frame_of_a_stack_moves_together_and_each_stack_on_its_own():
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, size=(64, 4, 84, 84), dtype=np.uint8)
    out = random_shift(frames, 4, np.random.default_rng(1))
    dy, dx = shift_offsets(64, 4, np.random.default_rng(1))
    assert 0 <= dy.min() and dy.max() <= 8 and len(set(zip(dy.tolist(), dx.tolist()))) > 20
    for i in range(64):  # the interior of each frame is its source moved by (4 - dy, 4 - dx), all four frames alike
        sy, sx = 4 - dy[i], 4 - dx[i]
        inner = out[i, :, 4:80, 4:80]
        assert np.array_equal(inner, frames[i, :, 4 - sy:80 - sy, 4 - sx:80 - sx])
    assert np.array_equal(random_shift(frames, 4, np.random.default_rng(1)), out)  # seeded: repeatable
    assert np.array_equal(random_shift(frames, 0, np.random.default_rng(1)), frames)


def _batch(seed: int):
    rng = np.random.default_rng(seed)
    buffer = FrameReplayBuffer(200, 1, 0.99, 3)
    for _ in range(60):
        frames = rng.integers(0, 255, size=(1, 4, 84, 84), dtype=np.uint8)
        buffer.add(frames, rng.integers(6, size=1), rng.normal(size=1), frames, rng.random(1) < 0.1, np.zeros(1, bool))
    return buffer.sample(16, rng)


def test_the_update_learns_from_shifted_frames():
    """With augment_shift the update sees the shifted stacks the agent's own generator draws: the same step as
    an agent without augmentation handed those shifted stacks."""
    batch = _batch(3)
    shifting = DQNAgent(DQNConfig(cnn="small", dueling=True, augment_shift=4, precision="fp32"), ATARI, seed=5)
    plain = DQNAgent(DQNConfig(cnn="small", dueling=True, precision="fp32"), ATARI, seed=5)
    rng = np.random.default_rng()
    rng.bit_generator.state = shifting.rng.bit_generator.state
    moved = batch._replace(obs=random_shift(batch.obs, 4, rng), next_obs=random_shift(batch.next_obs, 4, rng))
    assert not np.array_equal(moved.obs, batch.obs)
    loss_shift, loss_moved = shifting.update(batch), plain.update(moved)
    assert loss_shift == pytest.approx(loss_moved, rel=1e-6)
    for a, b in zip(shifting.q.parameters(), plain.q.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)
    unshifted = DQNAgent(DQNConfig(cnn="small", dueling=True, precision="fp32"), ATARI, seed=5)
    assert unshifted.update(batch) != pytest.approx(loss_shift, rel=1e-6)


def test_augment_shift_is_for_atari_frames_only():
    cartpole = Spaces({"type": "Box", "shape": [4], "dtype": "float32"}, {"type": "Discrete", "n": 2})
    with pytest.raises(ZooError, match="augment_shift=4 shifts Atari frames"):
        DQNAgent(DQNConfig(augment_shift=4), cartpole)
    with pytest.raises(ZooError, match="augment_shift=-1"):
        DQNAgent(DQNConfig(augment_shift=-1), ATARI)
