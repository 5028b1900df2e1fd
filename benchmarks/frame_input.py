"""The Pong update's input stage alone: a replay batch of 32 uint8 frame stacks made into the network's channels_last
float input, three ways, interleaved over rounds in rotating order so the host's drift cancels (issue 21, fourteenth session).

- the agent (``network_input``): the four frames stacked along a last axis as uint8, converted, divided in place;
- one kernel: the uint8 stack divided by 255 straight into a float tensor (``torch.div(..., out=)``);
- strided: the NCHW uint8 batch's NHWC view divided into a contiguous float tensor (no uint8 stack).

All three give the same bits (checked here before timing).

    python benchmarks/frame_input.py [--rounds 21] [--repeats 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from zoo.learning.device import cpu_description
from zoo.learning.networks import network_input


def agent_path(frames: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    return network_input(frames, "atari", 0, torch.device("cpu"), True, dtype == torch.bfloat16)


def one_kernel(frames: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    nhwc = torch.stack(torch.as_tensor(frames).unbind(1), dim=-1)
    return torch.div(nhwc, 255.0, out=torch.empty(nhwc.shape, dtype=dtype)).permute(0, 3, 1, 2)


def strided(frames: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    view = torch.as_tensor(frames).permute(0, 2, 3, 1)
    return torch.div(view, 255.0, out=torch.empty(view.shape, dtype=dtype)).permute(0, 3, 1, 2)


def timed(fn, frames, dtype, repeats: int) -> float:
    for _ in range(10):
        fn(frames, dtype)
    start = time.perf_counter()
    for _ in range(repeats):
        fn(frames, dtype)
    return (time.perf_counter() - start) / repeats * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"CPU: {cpu_description()}; torch {torch.__version__}, capability {torch.backends.cpu.get_cpu_capability()}, "
          f"{args.threads} threads\n")
    frames = np.random.default_rng(0).integers(0, 256, (32, 4, 84, 84), dtype=np.uint8)
    ways = {"the agent (stack, convert, divide in place)": agent_path, "one kernel (stack, then torch.div into float)":
            one_kernel, "strided (torch.div of the NHWC view into float)": strided}
    print("| input stage, batch 32 | dtype | ms (median of rounds) | median paired difference to the agent | "
          "rounds faster than the agent |")
    print("|---|---|---:|---:|---:|")
    for dtype in (torch.float32, torch.bfloat16):
        want = agent_path(frames, dtype)
        for fn in ways.values():
            x = fn(frames, dtype)
            assert torch.equal(x, want) and x.is_contiguous(memory_format=torch.channels_last)
        times = {name: [] for name in ways}
        names = list(ways)
        for r in range(args.rounds):  # each way first in a third of the rounds: the first one timed runs slower here
            for name in names[r % len(names):] + names[:r % len(names)]:
                times[name].append(timed(ways[name], frames, dtype, args.repeats))
        base = np.array(times[next(iter(ways))])
        for name, t in times.items():
            d = np.array(t) - base
            print(f"| {name} | {str(dtype).removeprefix('torch.')} | {np.median(t):.3f} | {np.median(d):+.3f} | "
                  f"{(d < 0).sum()} of {args.rounds} |")


if __name__ == "__main__":
    main()
