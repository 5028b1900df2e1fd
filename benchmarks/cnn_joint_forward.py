"""Issue 21's next lever for the Pong CNN, sized before it is built: how much a forward of [s; s'] at batch 64 (one
call per layer) and an update that backpropagates only through its first 32 rows could save.

Times, with 2 torch threads, for the small CNN in channels_last, fp32 and bf16 autocast (medians of 7 rounds):
fwd64 (one no-grad forward at batch 64), fwd32x2 (two at batch 32), twin_s (s' through the online and target nets in
one pass, as the agent does), grad32 (forward with a graph + backward at batch 32), now (the agent's update without
input, loss and Adam: online forward with graph, twin s' pass, backward), joint_graph (the online forward of [s; s']
with autograd's graph, which then backpropagates through all 64 rows, and the target's forward of s').
A backward written out for the CNN would cost ~ fwd64 + target forward at 32 + (grad32 - forward at 32).

    python benchmarks/cnn_joint_forward.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch

from zoo.learning.device import cpu_description
from zoo.learning.networks import build_q_network, network_input, twin_forward


def timed(fn, reps: int = 60) -> float:
    """Median over 7 rounds of ms per call, after 5 warm-up calls."""
    for _ in range(5):
        fn()
    out = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        out.append((time.perf_counter() - t0) / reps * 1e3)
    return round(statistics.median(out), 3)


def main() -> None:
    torch.set_num_threads(2)
    print(f"CPU: {cpu_description()}; torch {torch.__version__}, capability {torch.backends.cpu.get_cpu_capability()}")
    cpu = torch.device("cpu")
    for bf16 in (False, True):
        q = build_q_network("atari", 0, 6, (), True, "small").to(memory_format=torch.channels_last)
        t = build_q_network("atari", 0, 6, (), True, "small").to(memory_format=torch.channels_last)
        t.requires_grad_(False)
        frames = np.random.default_rng(0).integers(0, 255, size=(64, 4, 84, 84), dtype=np.uint8)
        x64 = network_input(frames, "atari", 0, cpu, True, bf16)
        x32a = network_input(frames[:32], "atari", 0, cpu, True, bf16)
        x32b = network_input(frames[32:], "atari", 0, cpu, True, bf16)

        def autocast():
            return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)

        def fwd64():
            with torch.no_grad(), autocast():
                q(x64)

        def fwd32x2():
            with torch.no_grad(), autocast():
                q(x32a)
                q(x32b)

        def twin():
            with torch.no_grad(), autocast():
                twin_forward(q, t, x32b)

        def grad32():
            with autocast():
                out = q(x32a)
            out.float().sum().backward()

        def now():  # online forward at 32 with a graph, the twin s' pass, the backward
            with autocast():
                out = q(x32a)
            with torch.no_grad(), autocast():
                twin_forward(q, t, x32b)
            out.float().sum().backward()

        def joint_graph():  # online forward of [s; s'] with a graph (backward through all 64 rows), target at 32
            with autocast():
                out = q(x64)
            with torch.no_grad(), autocast():
                t(x32b)
            out[:32].float().sum().backward()

        print("bf16" if bf16 else "fp32", {name: timed(fn) for name, fn in (
            ("fwd64", fwd64), ("fwd32x2", fwd32x2), ("twin_s", twin), ("grad32", grad32), ("now", now),
            ("joint_graph", joint_graph))})


if __name__ == "__main__":
    main()
