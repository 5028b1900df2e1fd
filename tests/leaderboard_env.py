"""The Open RL Leaderboard's Atari evaluation stack, rebuilt on Gymnasium for tests (its about page lists it):
NoFrameskip-v4, no-op reset (up to 30), max-and-skip 4, episodic life, fire reset, clipped reward, 84×84
resize, grayscale, a stack of 4 frames. The first four are the usual "Atari wrappers" of the field, written
here from their description."""

from __future__ import annotations

import gymnasium as gym
import numpy as np


class NoopReset(gym.Wrapper):
    def __init__(self, env, noop_max: int = 30) -> None:
        super().__init__(env)
        self.noop_max = noop_max

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        for _ in range(int(self.np_random.integers(1, self.noop_max + 1))):
            obs, _, terminated, truncated, info = self.env.step(0)
            if terminated or truncated:
                obs, info = self.env.reset()
        return obs, info


class MaxAndSkip(gym.Wrapper):
    def __init__(self, env, skip: int = 4) -> None:
        super().__init__(env)
        self.skip = skip

    def step(self, action):
        total, frames = 0.0, []
        for _ in range(self.skip):
            obs, reward, terminated, truncated, info = self.env.step(action)
            frames.append(obs)
            total += float(reward)
            if terminated or truncated:
                break
        return np.max(np.stack(frames[-2:]), axis=0), total, terminated, truncated, info


class EpisodicLife(gym.Wrapper):
    def __init__(self, env) -> None:
        super().__init__(env)
        self.lives, self.real_done = 0, True

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.real_done = terminated or truncated
        lives = self.env.unwrapped.ale.lives()
        if 0 < lives < self.lives:
            terminated = True
        self.lives = lives
        return obs, reward, terminated, truncated, info

    def reset(self, **kwargs):
        if self.real_done:
            obs, info = self.env.reset(**kwargs)
        else:
            obs, _, _, _, info = self.env.step(0)
        self.lives = self.env.unwrapped.ale.lives()
        return obs, info


class FireReset(gym.Wrapper):
    def reset(self, **kwargs):
        self.env.reset(**kwargs)
        obs, _, terminated, truncated, info = self.env.step(1)
        if terminated or truncated:
            self.env.reset(**kwargs)
        obs, _, terminated, truncated, info = self.env.step(2)
        if terminated or truncated:
            obs, info = self.env.reset(**kwargs)
        return obs, info


def leaderboard_atari_env(env_id: str = "PongNoFrameskip-v4"):
    import ale_py

    gym.register_envs(ale_py)
    env = gym.make(env_id)
    env = MaxAndSkip(NoopReset(env, 30), 4)
    env = EpisodicLife(env)
    if "FIRE" in env.unwrapped.get_action_meanings():
        env = FireReset(env)
    env = gym.wrappers.TransformReward(env, np.sign)
    env = gym.wrappers.ResizeObservation(env, (84, 84))
    env = gym.wrappers.GrayscaleObservation(env)
    return gym.wrappers.FrameStackObservation(env, 4)
