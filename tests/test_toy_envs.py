"""The toy MDPs: registration, Gymnasium's checker, the model P, arguments, rendering, bad actions."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import toy_envs


@pytest.mark.parametrize("env_id", toy_envs.ENV_IDS)
def test_passes_gymnasium_env_checker_with_render_modes(env_id):
    env = gym.make(env_id, render_mode="rgb_array")
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("error")  # a checker warning fails the test
        check_env(env.unwrapped, skip_render_check=False)


def test_module_prefix_imports_the_plugin_itself():
    import subprocess
    import sys

    code = "import gymnasium as gym; e = gym.make('toy_envs:toy/Slippery-v0'); print(e.unwrapped.P[0][2])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[(0.3333333333333333, 3, 3.0, True), (0.33333333333333337, 2, 2.0, True), " \
                          "(0.33333333333333337, 4, 4.0, True)]"


def test_trap_model_matches_the_course():
    P = gym.make("toy/Trap-v0").unwrapped.P
    assert P[0][0] == [(1.0, 1, 1.0, True)]
    assert P[0][1] == [(1.0, 2, 2.0, False)]
    assert P[2][0] == P[2][1] == [(1.0, 3, -20.0, True)]


def test_trap_episode_down_falls_into_the_trap():
    env = gym.make("toy/Trap-v0")
    assert env.reset(seed=0)[0] == 0
    assert env.step(1)[:3] == (2, 2.0, False)
    assert env.step(0)[:3] == (3, -20.0, True)


def test_constructor_arguments_change_the_numbers():
    assert gym.make("toy/Trap-v0", trap_reward=-5.0).unwrapped.P[2][0] == [(1.0, 3, -5.0, True)]
    slip = gym.make("toy/Slippery-v0", p=0.8).unwrapped.P[0][1]
    assert [(round(p, 6), s) for p, s, *_ in slip] == [(0.8, 2), (0.1, 1), (0.1, 3)]
    loop = gym.make("toy/Loop-v0", max_episode_steps=7, rewards=(3.0, 4.0))
    loop.reset(seed=0)
    steps = [loop.step(0) for _ in range(7)]
    assert [r for _, r, *_ in steps] == [3.0, 4.0] * 3 + [3.0]
    assert not any(s[2] for s in steps) and steps[-1][3] and not any(s[3] for s in steps[:-1])


def test_slippery_outcome_frequencies_follow_p():
    env = gym.make("toy/Slippery-v0")
    env.reset(seed=0)
    counts = np.zeros(5)
    for _ in range(6000):
        obs, *_ = env.step(2)  # down: intended target 3, slips to 2 or 4
        counts[obs] += 1
        env.reset()
    assert counts[1] == 0 and counts[0] == 0
    np.testing.assert_allclose(counts[2:] / 6000, [1 / 3] * 3, atol=0.02)


def test_same_seed_same_trajectory_randomness_only_from_np_random():
    def run(seed):
        env = gym.make("toy/Slippery-v0")
        env.reset(seed=seed)
        out = []
        for _ in range(50):
            out.append(env.step(0)[0])
            env.reset()
        return out

    assert run(3) == run(3)
    assert run(3) != run(4)


@pytest.mark.parametrize("env_id, bad", [("toy/Trap-v0", 2), ("toy/Slippery-v0", -1), ("toy/Loop-v0", 1)])
def test_invalid_action_names_the_valid_ones(env_id, bad):
    env = gym.make(env_id)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"valid actions: 0 \(") as info:
        env.step(bad)
    assert str(bad) in str(info.value)


def test_rgb_array_highlights_the_current_state():
    env = gym.make("toy/Trap-v0", render_mode="rgb_array")
    env.reset(seed=0)
    start = env.render()
    env.step(1)
    after_down = env.render()
    assert start.shape == (240, 320, 3) and start.dtype == np.uint8
    assert not np.array_equal(start, after_down)
    # The highlight colour fills the current node: state 0 at the start, state 2 after "down".
    highlight = np.array([255, 205, 110])
    assert (start == highlight).all(-1)[:120].sum() > 300 and (start == highlight).all(-1)[120:].sum() == 0
    assert (after_down == highlight).all(-1)[120:].sum() > 300


def test_ansi_render_marks_the_last_transition():
    env = gym.make("toy/Trap-v0", render_mode="ansi")
    env.reset(seed=0)
    env.step(1)
    text = env.render()
    assert text.startswith("state 2 | down -> 2, reward +2")
    assert " * 0 -> 2: down +2" in text
