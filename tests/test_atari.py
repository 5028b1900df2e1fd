"""Atari: the play pipeline sees exactly what training sees; frame replay rebuilds the same stacks."""

import numpy as np
import pytest

from zoo.envs.atari import frames_of, game_name, make_atari_env, make_atari_vector_env
from zoo.learning.frame_replay import FrameReplayBuffer
from zoo.learning.replay import ReplayBuffer


def test_game_names():
    assert game_name("ALE/Pong-v5") == "pong"
    assert game_name("ALE/SpaceInvaders-v5") == "space_invaders"


def test_play_pipeline_gives_the_training_pipelines_frames():
    # No random no-ops, so both start identically; then the same actions must give the same frames.
    vec = make_atari_vector_env("ALE/Pong-v5", 1, {"noop_max": 0})
    env = make_atari_env("ALE/Pong-v5", {"noop_max": 0}, render_mode="rgb_array")
    v_obs, _ = vec.reset(seed=0)
    p_obs, _ = env.reset(seed=0)
    assert frames_of(p_obs).shape == (4, 84, 84)
    np.testing.assert_array_equal(frames_of(p_obs), v_obs[0])
    assert (v_obs[0, :3] == 0).all() and v_obs[0, 3].any()  # the reset stack is zero-padded
    rng = np.random.default_rng(1)
    v_return = p_return = 0.0
    for _ in range(250):
        action = int(rng.integers(6))
        v_obs, v_r, *_ = vec.step(np.array([action]))
        p_obs, p_r, *_ = env.step(action)
        np.testing.assert_array_equal(frames_of(p_obs), v_obs[0])
        v_return, p_return = v_return + v_r[0], p_return + p_r
    assert v_return == p_return
    assert env.render().shape == (210, 160, 3)  # videos show the full-colour game
    vec.close()
    env.close()


def _stacking_trajectory(T, E, rng):
    """Synthetic stacked observations with the env's zero padding after each reset."""
    frames = rng.integers(1, 255, size=(T + 1, E, 84, 84), dtype=np.uint8)
    terminated = rng.random((T, E)) < 0.06
    truncated = (rng.random((T, E)) < 0.03) & ~terminated
    obs = np.zeros((T + 1, E, 4, 84, 84), dtype=np.uint8)
    next_obs = np.zeros((T, E, 4, 84, 84), dtype=np.uint8)
    stack = np.zeros((E, 4, 84, 84), dtype=np.uint8)
    stack[:, -1] = frames[0]
    for t in range(T):
        obs[t] = stack
        nxt = np.concatenate([stack[:, 1:], frames[t + 1][:, None]], axis=1)
        next_obs[t] = nxt
        done = terminated[t] | truncated[t]
        stack = nxt.copy()
        stack[done] = 0
        stack[done, -1] = frames[t + 1][done]  # a "reset" frame starts the next episode
    return obs, next_obs, terminated, truncated


@pytest.mark.parametrize("n_step", [1, 3])
def test_frame_replay_rebuilds_exactly_the_stacks_a_full_buffer_stores(n_step):
    rng = np.random.default_rng(0)
    T, E = 120, 2
    obs, next_obs, terminated, truncated = _stacking_trajectory(T, E, rng)
    full = ReplayBuffer(1000, (4, 84, 84), np.uint8, E, 0.99, n_step)
    frames = FrameReplayBuffer(1000, E, 0.99, n_step)
    for t in range(T):
        args = (obs[t], rng.integers(6, size=E), rng.normal(size=E), next_obs[t], terminated[t], truncated[t])
        full.add(*args)
        frames.add(*args)
    assert len(full) == len(frames) > 0
    a = full.sample(64, np.random.default_rng(5))
    b = frames.sample(64, np.random.default_rng(5))
    for name in a._fields:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_frame_replay_wraps_around_and_stays_consistent():
    rng = np.random.default_rng(1)
    obs, next_obs, terminated, truncated = _stacking_trajectory(300, 2, rng)
    full = ReplayBuffer(100, (4, 84, 84), np.uint8, 2, 0.99, 3)
    frames = FrameReplayBuffer(100, 2, 0.99, 3)
    for t in range(300):
        args = (obs[t], np.zeros(2, dtype=np.int64), np.ones(2), next_obs[t], terminated[t], truncated[t])
        full.add(*args)
        frames.add(*args)
    a, b = full.sample(100, np.random.default_rng(2)), frames.sample(100, np.random.default_rng(2))
    np.testing.assert_array_equal(a.obs, b.obs)
    np.testing.assert_array_equal(a.next_obs, b.next_obs)


def test_100k_pong_transitions_fit_in_1_gb():
    buffer = FrameReplayBuffer(100_000, 2, 0.99, 3)  # np.zeros reserves lazily: this is the size once full
    assert buffer.nbytes < 1.0e9
    assert buffer.nbytes < ReplayBuffer(1, (4, 84, 84), np.uint8, 2, 0.99).nbytes * 100_000 / 7
