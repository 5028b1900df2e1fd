"""A Pong agent under the zoo's two evaluation protocols (``zoo.training.scoring``: `sticky`, ALE v5's sticky
actions over N games; `noop-starts`, every start of the deterministic game, exact) in fp32 and, where the CPU
has it natively, bf16 inference; and in the plain Gymnasium pipeline users of other libraries build
(PongNoFrameskip-v4 + AtariPreprocessing(noop_max=30) + FrameStackObservation(4): no FIRE on reset, the stack
padded by repeating the first frame instead of zeros, no sticky actions).

The same code path as `zoo eval --protocol both`, on seeds of the `bench` stream (zoo.envs.seeds) of a seed
given here (default 1): never used to train an agent nor to choose its kept weights. Prints the CPU.

Run: python benchmarks/pong_eval.py [RUN_DIR_OR_NAME] [--games 100] [--seed 1] [--plain 30]
"""

from __future__ import annotations

import argparse

import gymnasium as gym
import numpy as np

from zoo.agents.registry import load_run
from zoo.envs.episodes import run_episodes
from zoo.envs.seeds import stream_seed
from zoo.learning.device import cpu_description, native_bf16
from zoo.rundir.files import describe_protocol
from zoo.rundir.stats import bootstrap_ci
from zoo.training.scoring import score_run


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
            f"{int((returns > 0).sum())}/{len(returns)} won, worst {returns.min():+.0f}, "
            f"distinct returns {len(set(returns.tolist()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", nargs="?", default="pong")
    parser.add_argument("--games", type=int, default=100, help="sticky games per precision (default: 100)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plain", type=int, default=0, metavar="GAMES",
                        help="also play GAMES games in the plain Gymnasium pipeline (fp32; default: 0)")
    args = parser.parse_args()
    import zoo

    agent, config = load_run(zoo.resolve(args.source))
    seed = stream_seed("bench", args.seed)
    print(f"{args.source}; CPU {cpu_description()}; sticky games on env seeds {seed} + i")
    for precision in ("fp32", "bf16") if native_bf16() else ("fp32",):
        agent.bf16 = precision == "bf16"
        results = score_run(agent, config, args.games, seed)
        for name, figures in results.protocols.items():
            print(f"- {precision} {name}: {describe_protocol(figures)}; returns {[int(r) for r in figures['returns']]}",
                  flush=True)
    if args.plain:
        agent.bf16 = False
        plain = plain_gymnasium_returns(agent, args.plain, seed)
        print(f"- fp32 plain Gymnasium pipeline (PongNoFrameskip-v4 + AtariPreprocessing + FrameStackObservation): "
              f"{describe(plain)}")


if __name__ == "__main__":
    main()
