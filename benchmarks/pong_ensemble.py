"""Do several Pong agents' mistakes cancel? The greedy action of the mean of their Q-values, under sticky actions,
beside each agent alone on the same games (issue 20's lever, measured in its tenth session).

The ninth session found the agents conceding points in rare long rallies, each the same wrong move on the same ball
path. Fine-tunes from one line (ft-C ... ft-G) may or may not share those mistakes: if the mean of their Q-values
plays clearly better than any one of them, the ensemble's policy is worth distilling into one network; if it plays
like them, their errors are shared and more fine-tunes of this line are not the lever.

Seeds: the `select` stream of a seed no run trains with (default 31, index 100, as the eighth session's weight
average was judged): this chooses, it does not score. Each agent and the ensemble play the same games.

    python benchmarks/pong_ensemble.py RUN_DIR RUN_DIR ... [--games 40] [--seed 31] [--index 100] [--precision bf16]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from pong_eval import describe  # mean ± std, 95% CI, games won, worst, distinct returns
from zoo.agents.registry import load_run
from zoo.envs.atari import STICKY
from zoo.envs.episodes import evaluate
from zoo.envs.seeds import stream_seed
from zoo.learning.device import cpu_description, native_bf16


class MeanQ:
    """Greedy on the mean of several DQN agents' Q-values (same env, same actions)."""

    def __init__(self, agents) -> None:
        self.agents = agents

    def q_values(self, obs) -> np.ndarray:
        return np.mean([a.q_values(obs) for a in self.agents], axis=0)

    def act(self, obs):
        greedy = self.q_values(obs).argmax(axis=-1)
        return int(greedy) if greedy.ndim == 0 else greedy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--games", type=int, default=40)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--index", type=int, default=100)
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="bf16" if native_bf16() else "fp32")
    parser.add_argument("--no-singles", action="store_true", help="play only the ensemble")
    args = parser.parse_args()
    import zoo

    loaded = [load_run(zoo.resolve(r)) for r in args.runs]
    agents = [a for a, _ in loaded]
    config = loaded[0][1]
    if any(c.env_id != config.env_id or c.spaces != config.spaces for _, c in loaded):
        raise SystemExit("the runs must share one env and its spaces")
    for a in agents:
        a.bf16 = args.precision == "bf16"
    seed = stream_seed("select", args.seed, args.index)
    kwargs = {**config.env_kwargs, "repeat_action_probability": STICKY}
    print(f"CPU {cpu_description()}; {args.precision}; {args.games} sticky games on env seeds {seed} + i", flush=True)
    players = ([] if args.no_singles else list(zip(args.runs, agents))) + [(f"mean Q of {len(agents)}", MeanQ(agents))]
    for name, player in players:
        start = time.perf_counter()
        played = evaluate(player, config.env_id, kwargs, args.games, seed, play_pipeline=True)
        conceded = int((21 - played.returns).sum())
        print(f"- {name}: {describe(played.returns)}, points conceded {conceded} ({time.perf_counter() - start:.0f} s); "
              f"returns {sorted(int(r) for r in played.returns)}", flush=True)


if __name__ == "__main__":
    main()
