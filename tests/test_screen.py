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


@pytest.mark.parametrize("cnn, side", [("small", 4), ("nature", 35)])
def test_frames_too_small_for_the_network_are_refused_when_it_is_built(cnn, side):
    with pytest.raises(ValueError, match="frames are too small"):
        build_q_network("atari", side, 6, (), True, cnn)


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


def test_a_run_of_42_pixel_frames_trains_loads_and_its_cards_code_gives_its_q_values(tmp_path):
    import json

    import zoo
    from zoo.rundir.card import standalone_snippet
    from zoo.rundir.files import read_config
    from zoo.training.session import TrainSettings, train

    hyper = {"cnn": "small", "dueling": True, "learning_starts": 16, "batch_size": 8, "buffer_size": 1000,
             "precision": "fp32"}
    out = train(TrainSettings("dqn", "ALE/Pong-v5", out=tmp_path / "run", hyperparameters=hyper, steps=40,
                              env_kwargs={"screen_size": 42}, video=False, tensorboard=False, eval_episodes=1,
                              eval_protocol="sticky", eval_every=0, progress=False))
    config = json.loads((out / "config.json").read_text())
    assert config["preprocessing"]["screen"] == [42, 42]
    assert config["spaces"]["observation"]["shape"] == [4, 42, 42]
    agent = zoo.load(out)
    assert agent.q.body.fc[0].in_features == 32 * 3 * 3
    obs = np.random.default_rng(0).integers(0, 255, size=(3, 4, 42, 42), dtype=np.uint8)
    code = standalone_snippet(read_config(out)).replace('hf_hub_download("REPO_ID", "model.safetensors")',
                                                        repr(str(out / "model.safetensors")))
    assert "torch.zeros(1, 4, 42, 42" in code
    scope = {"OBS": obs}
    exec(code + "\nQ = net(torch.from_numpy(OBS)).detach().numpy()\n", scope)  # noqa: S102 - the card's own code
    np.testing.assert_allclose(scope["Q"], agent.q_values(obs), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("steps", [1_000, 2_000, 2_002])
def test_the_loop_stages_benchmark_refuses_a_run_that_ends_before_its_clock_starts(steps):
    """benchmarks/pong.py --loop-stages times the loop from learning_starts on: a --steps at or below it had
    nothing to time and failed with a TypeError; it now says what to give."""
    from benchmarks.pong import loop_stages

    with pytest.raises(SystemExit, match=r"--steps .*: the loop is timed only once learning starts.*above 2,002"):
        loop_stages(steps, learning_starts=2_000, side=64)
