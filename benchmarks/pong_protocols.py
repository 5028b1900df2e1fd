"""Where a Pong agent stands under the two evaluation protocols the Pong issue asks for, before they are
the zoo's own: every noop start of the deterministic pipeline, and ALE v5's sticky actions.

- noop-starts: `zoo play`'s pipeline with ``repeat_action_probability=0`` and exactly k raw NOOP frames
  after the FIRE of the reset, k = 1..30 (AtariPreprocessing's own range), each game played once. The
  game is deterministic, so these 30 games are all there are: their mean is exact, not a sample.
- sticky: the same pipeline with ``repeat_action_probability=0.25`` (ALE v5's default) and up to 30
  random no-ops, over GAMES games on seeds of the `bench` stream (never used to train or pick weights).

Each under fp32 and bf16 inference (bf16 only where the CPU has it natively). Prints the CPU.

    python benchmarks/pong_protocols.py [RUN_DIR_OR_NAME] [--games 100] [--seed 1]
"""

from __future__ import annotations

import argparse

import gymnasium as gym
import numpy as np

import zoo
from zoo.envs.atari import FireOnReset
from zoo.envs.episodes import run_episodes
from zoo.envs.seeds import stream_seed
from zoo.learning.device import cpu_description, native_bf16
from zoo.rundir.stats import bootstrap_ci


class FixedNoops(gym.Wrapper):
    """After the reset (and its FIRE), exactly ``k`` raw NOOP frames: one of the pipeline's 30 starts."""

    def __init__(self, env: gym.Env, k: int) -> None:
        super().__init__(env)
        self.k = k

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        for _ in range(self.k):
            obs, _, _, _, info = self.env.step(0)
        return obs, info


def pong_env(sticky: float, noops: int | None):
    import ale_py
    from gymnasium.wrappers import AtariPreprocessing, FrameStackObservation

    gym.register_envs(ale_py)
    env = FireOnReset(gym.make("ALE/Pong-v5", frameskip=1, repeat_action_probability=sticky,
                               full_action_space=False))
    if noops is not None:
        env = FixedNoops(env, noops)
    env = AtariPreprocessing(env, noop_max=0 if noops is not None else 30, frame_skip=4, screen_size=84,
                             terminal_on_life_loss=False, grayscale_obs=True, scale_obs=False)
    return FrameStackObservation(env, 4, padding_type="zero")


def noop_starts(agent) -> np.ndarray:
    envs = gym.vector.SyncVectorEnv([lambda k=k: pong_env(0.0, k) for k in range(1, 31)],
                                    autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)
    try:
        episodes = run_episodes(agent, envs, 30, seed=0).episodes
    finally:
        envs.close()
    return np.array([e.ret for e in episodes])  # in the order they ended; the set is what counts


def sticky(agent, games: int, seed: int, copies: int = 16) -> np.ndarray:
    envs = gym.vector.SyncVectorEnv([lambda: pong_env(0.25, None)] * min(games, copies),
                                    autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)
    try:
        return run_episodes(agent, envs, games, seed).returns
    finally:
        envs.close()


def describe(returns: np.ndarray, exact: bool) -> str:
    text = f"mean {returns.mean():+.2f}"
    if not exact:
        low, high = bootstrap_ci(returns)
        text += f" ± {returns.std():.2f} (95% CI {low:+.2f} to {high:+.2f})"
    return (text + f", {int((returns < 0).sum())} of {len(returns)} lost, worst {returns.min():+.0f}, "
            f"distinct returns {len(set(returns.tolist()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", nargs="?", default="pong")
    parser.add_argument("--games", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{args.source}; CPU {cpu_description()}; sticky games on env seeds {stream_seed('bench', args.seed)} + i")
    for precision in ("fp32", "bf16") if native_bf16() else ("fp32",):
        agent = zoo.load(args.source)
        agent.bf16 = precision == "bf16"
        starts = noop_starts(agent)
        print(f"- {precision} noop-starts (all 30, exact): {describe(starts, exact=True)}", flush=True)
        games = sticky(agent, args.games, stream_seed("bench", args.seed))
        print(f"- {precision} sticky 0.25 ({args.games} games): {describe(games, exact=False)}", flush=True)


if __name__ == "__main__":
    main()
