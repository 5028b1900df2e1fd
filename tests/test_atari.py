"""Atari: the play pipeline sees exactly what training sees; frame replay rebuilds the same stacks."""

import numpy as np
import pytest

from zoo.envs.atari import frames_of, game_name, make_atari_env, make_atari_vector_env
from zoo.learning.frame_replay import FrameReplayBuffer
from zoo.learning.replay import ReplayBuffer


def test_game_names():
    assert game_name("ALE/Pong-v5") == "pong"
    assert game_name("ALE/SpaceInvaders-v5") == "space_invaders"


@pytest.mark.parametrize("side", [84, 42])
def test_play_pipeline_gives_the_training_pipelines_frames(side):
    # No random no-ops and no sticky actions (the two pipelines draw their repeats from different generators),
    # so both start identically; then the same actions must give the same frames, at DQN's 84 pixels and at
    # another side (screen_size).
    kwargs = {"noop_max": 0, "repeat_action_probability": 0.0, **({"screen_size": side} if side != 84 else {})}
    vec = make_atari_vector_env("ALE/Pong-v5", 1, kwargs)
    env = make_atari_env("ALE/Pong-v5", kwargs, render_mode="rgb_array")
    v_obs, _ = vec.reset(seed=0)
    p_obs, _ = env.reset(seed=0)
    assert frames_of(p_obs).shape == (4, side, side)
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


class Constant:
    """A greedy 'agent' that always presses one action: cheap, and what it plays depends on the env alone."""

    def __init__(self, action: int = 0) -> None:
        self.action = action

    def act(self, obs):
        return np.full(len(obs), self.action)


def _after(envs, seed, steps, actions):
    obs, _ = envs.reset(seed=seed)
    for t in range(steps):
        obs, *_ = envs.step(np.full(envs.num_envs, actions[t]))
    return np.asarray(obs)


def test_noop_starts_are_30_distinct_games_that_no_seed_changes():
    from zoo.envs.atari import noop_start_envs

    envs = noop_start_envs("ALE/Pong-v5")
    try:
        assert envs.num_envs == 30
        actions = np.random.default_rng(0).integers(6, size=40)
        a = _after(envs, 0, 40, actions)
        b = _after(envs, 12345, 40, actions)
    finally:
        envs.close()
    assert len({frames.tobytes() for frames in a}) == 30  # the k = 1..30 starts are 30 different games
    np.testing.assert_array_equal(a, b)  # and each is fixed: the seed changes nothing without sticky actions


def test_sticky_games_differ_by_seed_and_repeat_with_it():
    from zoo.envs.make import make_vec_env

    envs = make_vec_env("ALE/Pong-v5", 2, {"repeat_action_probability": 0.25, "noop_max": 0}, play_pipeline=True)
    try:
        actions = np.random.default_rng(1).integers(6, size=60)
        a, again, other = (_after(envs, seed, 60, actions) for seed in (7, 7, 8))
    finally:
        envs.close()
    np.testing.assert_array_equal(a, again)
    assert not np.array_equal(a[0], other[0])  # same actions and start, another seed: the repeats fell elsewhere
    assert not np.array_equal(a[0], a[1])  # copies seeded 7 and 8 within one vector env differ too


def test_training_pipeline_takes_sticky_actions_too():
    vec = make_atari_vector_env("ALE/Pong-v5", 1, {"noop_max": 0, "repeat_action_probability": 0.0})
    sticky = make_atari_vector_env("ALE/Pong-v5", 1, {"noop_max": 0})  # v5's default, 0.25
    try:
        actions = np.random.default_rng(2).integers(6, size=80)
        assert not np.array_equal(_after(vec, 3, 80, actions), _after(sticky, 3, 80, actions))
    finally:
        vec.close()
        sticky.close()


def test_an_atari_score_has_both_protocols_side_by_side(tmp_path):
    import json

    from huggingface_hub import metadata_load

    from zoo.envs.seeds import stream_seed
    from zoo.errors import ZooError
    from zoo.rundir.card import write_model_card
    from zoo.rundir.files import RunConfig, Spaces, read_results, write_config, write_results
    from zoo.training.scoring import score_run

    config = RunConfig(algo="dqn", env_id="ALE/Pong-v5", seed=3, steps=0, hyperparameters={},
                       spaces=Spaces({"type": "Box", "shape": [4, 84, 84], "dtype": "uint8"},
                                     {"type": "Discrete", "n": 6}))
    results = score_run(Constant(0), config, 4, episode_cap=120)
    sticky, starts = results.protocols["sticky"], results.protocols["noop-starts"]
    assert list(results.protocols) == ["sticky", "noop-starts"]
    assert sticky["env_id"] == "ALE/Pong-v5" and sticky["repeat_action_probability"] == 0.25
    assert sticky["n_episodes"] == 4 and sticky["eval_seed"] == stream_seed("final", 3)
    assert starts["env_id"] == "PongNoFrameskip-v4" and starts["repeat_action_probability"] == 0.0
    assert starts["n_episodes"] == 30 and starts["exact"] and len(starts["returns"]) == 30
    assert starts["episodes_capped"] == 30  # the cap cut every game: counted, not hidden
    # the headline is the sticky protocol's; the exact one carries no interval
    assert results.mean_reward == sticky["mean_reward"] and results.n_episodes == 4
    write_config(tmp_path, config)
    write_results(tmp_path, results)
    assert json.loads((tmp_path / "results.json").read_text())["protocols"]["noop-starts"]["exact"] is True
    assert read_results(tmp_path).protocols == results.protocols
    data = json.loads((tmp_path / "results.json").read_text())
    data["protocols"]["sticky"]["mean_reward"] = "a lot"  # a tampered download: refused by name, not a KeyError
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "results.json").write_text(json.dumps(data))
    with pytest.raises(ZooError, match="protocols should map"):
        read_results(tmp_path / "bad")
    write_model_card(tmp_path)
    card = (tmp_path / "README.md").read_text()
    index = metadata_load(tmp_path / "README.md")["model-index"][0]["results"]
    assert [r["dataset"]["name"] for r in index] == ["ALE/Pong-v5", "PongNoFrameskip-v4"]
    assert "| `noop-starts` | `PongNoFrameskip-v4` | 30 |" in card and "(exact)" in card
    assert "Greedy actions computed in" not in card  # a scripted player has no network, so no precision to name


def test_old_atari_runs_keep_playing_without_sticky_actions():
    import json
    from pathlib import Path

    from zoo.rundir.files import RunConfig

    # the config.json the earlier shipped Pong agent had, written before sticky actions were the default
    data = json.loads((Path(__file__).parent / "data" / "pong-config-format1.json").read_text())
    assert data["format_version"] == 1 and "repeat_action_probability" not in data.get("env_kwargs", {})
    config = RunConfig.from_json(data)
    assert config.env_kwargs["repeat_action_probability"] == 0.0
