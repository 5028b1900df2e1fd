"""A Pong agent over N held-out games in two pipelines: `zoo play`'s, and the plain Gymnasium one users of
other libraries build (PongNoFrameskip-v4 + AtariPreprocessing(noop_max=30) + FrameStackObservation(4): no
FIRE on reset, the stack padded by repeating the first frame instead of zeros).

Seeds come from the `bench` stream (zoo.envs.seeds) of a seed given here (default 1): never used to train an
agent nor to choose its kept weights. Prints each pipeline's mean with its 95% bootstrap interval, std,
games won and the worst game.

Run: python benchmarks/pong_eval.py [RUN_DIR_OR_NAME] [--games 30] [--seed 1]   (default: the shipped agent)
"""

from __future__ import annotations

import argparse

import gymnasium as gym
import numpy as np

import zoo
from zoo.envs.episodes import evaluate, run_episodes
from zoo.envs.seeds import stream_seed
from zoo.learning.device import cpu_description
from zoo.rundir.stats import bootstrap_ci


def plain_gymnasium_env():
    """The pipeline a user of another library builds by hand."""
    import ale_py
    from gymnasium.wrappers import AtariPreprocessing, FrameStackObservation

    gym.register_envs(ale_py)
    env = AtariPreprocessing(gym.make("PongNoFrameskip-v4"), noop_max=30)
    return FrameStackObservation(env, 4)


def plain_gymnasium_returns(agent, games: int, seed: int, num_envs: int = 8) -> np.ndarray:
    envs = gym.vector.SyncVectorEnv([plain_gymnasium_env] * min(games, num_envs),
                                    autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)
    try:
        return run_episodes(agent, envs, games, seed).returns
    finally:
        envs.close()


def describe(returns: np.ndarray) -> str:
    low, high = bootstrap_ci(returns)
    return (f"{returns.mean():+.2f} ± {returns.std():.2f} (95% CI {low:+.2f} to {high:+.2f}), "
            f"{int((returns > 0).sum())}/{len(returns)} won, worst {returns.min():+.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", nargs="?", default="pong")
    parser.add_argument("--games", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    agent = zoo.load(args.source)
    seed = stream_seed("bench", args.seed)
    print(f"{args.source}: {args.games} greedy games per pipeline, env seeds {seed} + i; CPU {cpu_description()}")
    play = evaluate(agent, "ALE/Pong-v5", {}, args.games, seed, play_pipeline=True).returns
    print(f"- zoo play pipeline: {describe(play)}", flush=True)
    plain = plain_gymnasium_returns(agent, args.games, seed)
    print(f"- plain Gymnasium pipeline (PongNoFrameskip-v4 + AtariPreprocessing + FrameStackObservation): "
          f"{describe(plain)}")
    print(f"returns, zoo play: {play.astype(int).tolist()}\nreturns, plain Gymnasium: {plain.astype(int).tolist()}")


if __name__ == "__main__":
    main()
