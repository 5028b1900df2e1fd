"""How much a Pong agent's greedy action depends on the exact pixels: the frame stacks it meets, shifted by a pixel or
more (``zoo.learning.augment``, DrQ's edge-padded random shift), against the same stacks as they are.

An agent that has learned where the ball and paddles are should mostly keep its action when the whole picture moves
by one pixel (the paddles and the ball keep their relations; only the walls' margins change). One that has learned
its training frames pixel by pixel will not. The states come from the agent's own greedy play under sticky actions
on `bench` seeds (zoo.envs.seeds: never used to train or choose weights).

    python benchmarks/pong_shift.py RUN_DIR [RUN_DIR ...] [--steps 600] [--pads 1 2 4]
"""

from __future__ import annotations

import argparse

import numpy as np

from zoo.agents.registry import load_run
from zoo.envs.atari import STICKY
from zoo.envs.make import make_vec_env
from zoo.envs.seeds import stream_seed
from zoo.learning.augment import random_shift
from zoo.learning.device import cpu_description


def visited_states(agent, config, steps: int, seed: int, num_envs: int = 4, every: int = 3) -> np.ndarray:
    """Frame stacks of the agent's greedy play: every ``every``-th vector step of ``steps``."""
    envs = make_vec_env(config.env_id, num_envs, {**config.env_kwargs, "repeat_action_probability": STICKY})
    try:
        obs, _ = envs.reset(seed=seed)
        kept = []
        for t in range(steps):
            obs, *_ = envs.step(np.asarray(agent.act(obs)))
            if t % every == 0:
                kept.append(obs.copy())
    finally:
        envs.close()
    return np.concatenate(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--steps", type=int, default=600, help="vector steps of play (4 envs) to take states from")
    parser.add_argument("--pads", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--seed", type=int, default=1, help="bench stream of this seed (default 1)")
    args = parser.parse_args()
    import zoo

    seed = stream_seed("bench", args.seed)
    print(f"CPU {cpu_description()}; states from greedy sticky play on env seeds {seed} + i; actions in each "
          "agent's own precision")
    for run in args.runs:
        agent, config = load_run(zoo.resolve(run))
        states = visited_states(agent, config, args.steps, seed)
        q = agent.q_values(states)
        top2 = np.sort(q, axis=1)[:, -2:]
        line = (f"- {run}: {len(states)} states, mean Q {q.mean():+.3f}, mean gap between the best two actions "
                f"{(top2[:, 1] - top2[:, 0]).mean():.3f}")
        rng = np.random.default_rng(0)
        for pad in args.pads:
            moved = agent.q_values(random_shift(states, pad, rng))
            line += (f"; shifted up to {pad} px: mean |ΔQ| {np.abs(moved - q).mean():.3f}, "
                     f"same action {(moved.argmax(1) == q.argmax(1)).mean():.0%}")
        print(line, flush=True)


if __name__ == "__main__":
    main()
