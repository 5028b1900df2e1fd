"""Issue 21's levers on the Pong small-CNN update (and the CartPole MLP's), each against the agent as it is,
interleaved in one run so the CPU's drift between runs (±10-15% here) cancels.

- threads: 1 torch thread against 2 (the update alone; the env then has no core of its own);
- torch.compile of both networks (inductor's CPU backend; default and max-autotune-no-cudagraphs modes);
- channels_last for the weights only, the frames left NCHW (oneDNN reorders them inside the conv);
- the clip: torch.nn.utils.clip_grad_norm_ against zoo.learning.optim.clip_grad_norm (which skips the
  ×1.0 rescale within the bound);
- Adam's step over the small CNN's parameters: torch.optim.Adam fused (what the agents use), foreach, and
  the raw fused kernel the agents called before issue 21 (``torch._fused_adam_``, private; measured here
  only, for the before/after).

    python benchmarks/update_levers.py [--rounds 3] [--repeats 40]

Prints medians over rounds of ms per update (or per step), with the CPU named.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from update import cartpole_agent, ms_per_update, pong_agent
from zoo.learning.device import cpu_description
from zoo.learning.optim import clip_grad_norm


def timed(fn, repeats: int) -> float:
    for _ in range(5):
        fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats * 1e3


def update_cases(compile_modes: list[str]):
    def threads(n, precision, cl):
        def make():
            torch.set_num_threads(n)
            return pong_agent("small", precision, cl)
        return make

    def weights_only_cl(precision):
        def make():
            torch.set_num_threads(2)
            agent, batches = pong_agent("small", precision, True)
            agent.channels_last = False  # frames stay NCHW
            return agent, batches
        return make

    def compiled(precision, cl, mode):
        def make():
            torch.set_num_threads(2)
            agent, batches = pong_agent("small", precision, cl)
            agent.q = torch.compile(agent.q, mode=None if mode == "default" else mode)
            agent.target = torch.compile(agent.target, mode=None if mode == "default" else mode)
            for b in batches[:3]:  # compile outside the timing
                agent.update(b)
            return agent, batches
        return make

    cases = [("fp32 + channels_last, 2 threads (the agent)", threads(2, "fp32", True)),
             ("fp32 + channels_last, 1 thread", threads(1, "fp32", True)),
             ("fp32 NCHW, 2 threads", threads(2, "fp32", False)),
             ("fp32, channels_last weights, NCHW frames", weights_only_cl("fp32")),
             ("bf16 + channels_last, 2 threads (the agent where native)", threads(2, "bf16", True)),
             ("bf16 + channels_last, 1 thread", threads(1, "bf16", True)),
             ("bf16, channels_last weights, NCHW frames", weights_only_cl("bf16"))]
    for mode in compile_modes:
        cases.append((f"fp32 + channels_last, torch.compile {mode}", compiled("fp32", True, mode)))
    cases.append(("fp32 NCHW, torch.compile default", compiled("fp32", False, "default")))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    print(f"CPU: {cpu_description()}; torch {torch.__version__}, capability {torch.backends.cpu.get_cpu_capability()}\n")
    cases = update_cases(["default", "max-autotune-no-cudagraphs"])
    built = []
    for name, make in cases:
        built.append((name, *make()))
    results: dict[str, list[float]] = {name: [] for name, _, _ in built}
    for _ in range(args.rounds):
        for name, agent, batches in built:
            torch.set_num_threads(1 if "1 thread" in name else 2)
            results[name].append(ms_per_update(agent, batches, args.repeats))
    print("| Pong small-CNN update, batch 32 | ms (median of rounds) | rounds |")
    print("|---|---:|---|")
    for name, times in results.items():
        print(f"| {name} | {np.median(times):.2f} | {' / '.join(f'{t:.2f}' for t in times)} |")

    torch.set_num_threads(2)
    agent, batches = pong_agent("small", "fp32", True)
    cart, cart_batches = cartpole_agent()
    rows = []
    for label, net in (("Pong small CNN", agent.q), ("CartPole MLP", cart.q)):
        params = list(net.parameters())
        for p in params:
            p.grad = torch.randn_like(p) * 1e-3  # within the bound of 10, as late in training
        rows.append((f"{label}: clip, torch.nn.utils.clip_grad_norm_",
                     timed(lambda: torch.nn.utils.clip_grad_norm_(params, 10.0), 300)))
        rows.append((f"{label}: clip, zoo clip_grad_norm", timed(lambda: clip_grad_norm(params, 10.0), 300)))
        for kind in ("fused", "foreach"):
            opt = torch.optim.Adam(params, lr=1e-4, **{kind: True})
            rows.append((f"{label}: torch.optim.Adam({kind}=True).step", timed(opt.step, 300)))
        state = [{"step": torch.zeros(()), "m": torch.zeros_like(p), "v": torch.zeros_like(p)} for p in params]

        def private_kernel():
            steps = [s["step"] for s in state]
            torch._foreach_add_(steps, 1)
            torch._fused_adam_(params, [p.grad for p in params], [s["m"] for s in state], [s["v"] for s in state], [],
                               steps, amsgrad=False, lr=1e-4, beta1=0.9, beta2=0.999, weight_decay=0.0, eps=1.5e-4,
                               maximize=False)
        rows.append((f"{label}: torch._fused_adam_ called directly (before issue 21)", timed(private_kernel, 300)))
    print("\n| step | ms |\n|---|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:.3f} |")
    torch.set_num_threads(1)
    print(f"\nCartPole MLP update, 1 thread (the agent's count for small networks): "
          f"{ms_per_update(cart, cart_batches, 200):.3f} ms")


if __name__ == "__main__":
    main()
