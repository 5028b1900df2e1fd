"""Every gradient update the presets use, against this CPU's own peak, measured in the same run.

1. Peak: a large square matmul (fp32; bf16 too where the CPU has it natively), GFLOP/s on the torch threads.
2. Each update (the agent's own ``DQNAgent.update`` on replay batches): the Pong preset's batch-32 dueling Double DQN
   update with the small CNN and the Nature CNN (fp32, fp32 + channels_last, bf16 + channels_last where native), the
   small CNN's with QR-DQN's head and loss (50 and 200 quantiles), the wide CNN's (``--cnn wide``, in the precision
   ``auto`` picks), with ``--screen SIDE ...`` the small CNN's over frames of other sides (``--env-kwarg
   screen_size``; fp32 and, where native, bf16), and the CartPole preset's batch-256 MLP update. ms per update, its
   FLOPs (counted by ``torch.utils.flop_counter.FlopCounterMode``: convolutions and matmuls of forward and backward),
   the achieved GFLOP/s and the fraction of the measured peak of the same precision.
3. Where an update's time goes: the same steps as ``DQNAgent.update`` timed one by one (input conversion,
   the online forward, the no-grad pass of s' through both nets, the backward, clipping + Adam); what the
   stages do not add up to is Python and dispatch between them. The CartPole MLP's update by hand
   (``zoo.learning.mlp_grad``) is split the same way: input, the online forward of [s; s'], the target's
   forward of s' and the target, the loss and backward written out, clip + Adam.

Prints the CPU model and torch's capability string first. Run on an idle machine:

    python benchmarks/update.py [--threads 2] [--repeats 50] [--only CartPole]

The AVX2 code path on an AVX-512 CPU (peak and updates alike held to AVX2; the header names the caps):

    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 python benchmarks/update.py

That is this CPU's cores running AVX2 code, not an AVX2-only CPU: its own figure, named as such.
"""

from __future__ import annotations

import argparse
import os
import time

# torch's OpenMP runtime reads its wait policy once, when torch loads: this script imports torch before zoo, so
# it runs with the policy of its environment, not the PASSIVE one `import zoo` sets (zoo/__init__.py). Unset,
# it is what `zoo train` runs with (it takes zoo's default back, zoo.cores); at batch 32 PASSIVE
# costs 1.7x (BENCHMARKS.md, issue 21): OMP_WAIT_POLICY=PASSIVE measures what a plain `import zoo` script gets.
WAIT_POLICY = os.environ.get("OMP_WAIT_POLICY", "unset (libgomp spins, then sleeps)")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from zoo.agents.configs import DQNConfig
from zoo.agents.dqn import DQNAgent
from zoo.learning.device import cpu_description, native_bf16
from zoo.learning.frame_replay import FrameReplayBuffer
from zoo.learning.losses import dqn_loss, dqn_loss_and_grad
from zoo.learning.mlp_grad import backward_by_hand, forward, forward_kept
from zoo.learning.networks import twin_forward
from zoo.learning.optim import clip_grad_norm
from zoo.learning.replay import ReplayBuffer
from zoo.learning.targets import double_q_target
from zoo.rundir.files import Spaces
from zoo.training.presets import preset

PONG = Spaces({"type": "Box", "shape": [4, 84, 84], "dtype": "uint8"}, {"type": "Discrete", "n": 6})
CARTPOLE = Spaces({"type": "Box", "shape": [4], "dtype": "float32"}, {"type": "Discrete", "n": 2})


def peak_gflops(dtype: torch.dtype, n: int = 2048, repeats: int = 5, rounds: int = 5, warmup_s: float = 0.5) -> float:
    """The best of ``rounds`` rates of ``repeats`` n×n matmuls, after ``warmup_s`` seconds of them.

    A peak is the most the CPU sustains, so the best round counts: three warm-ups and one round of ten once
    gave 131 GFLOP/s on an AMD EPYC (AVX-512) where a second of warm-up and the best round gave 182."""
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    start = time.perf_counter()
    while time.perf_counter() - start < warmup_s:
        a @ b
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            a @ b
        best = max(best, 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9)
    return best


def pong_agent(cnn: str, precision: str, channels_last: bool, quantiles: int = 0,
               side: int = 84) -> tuple[DQNAgent, list]:
    hyper = dict(preset("dqn", "ALE/Pong-v5")["hyperparameters"], cnn=cnn, precision=precision, quantiles=quantiles)
    spaces = Spaces({**PONG.observation, "shape": [4, side, side]}, PONG.action)
    agent = DQNAgent(DQNConfig(**hyper), spaces)
    if channels_last != agent.channels_last:  # override the agent's own choice for the comparison
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        agent.q, agent.target = agent.q.to(memory_format=fmt), agent.target.to(memory_format=fmt)
        agent.channels_last = channels_last
    rng = np.random.default_rng(0)
    buffer = FrameReplayBuffer(4_000, 2, 0.99, 3, side=side)
    for _ in range(1_000):
        frames = rng.integers(0, 255, size=(2, 4, side, side), dtype=np.uint8)
        buffer.add(frames, rng.integers(6, size=2), rng.normal(size=2), frames, np.zeros(2, bool), np.zeros(2, bool))
    return agent, [buffer.sample(32, rng) for _ in range(80)]


def cartpole_agent(precision: str = "fp32", backward: str = "auto") -> tuple[DQNAgent, list]:
    hyper = dict(preset("dqn", "CartPole-v1")["hyperparameters"], precision=precision)
    agent = DQNAgent(DQNConfig(**hyper), CARTPOLE, backward=backward)
    rng = np.random.default_rng(0)
    buffer = ReplayBuffer(10_000, (4,), np.float32, 8, 0.99, 3)
    for _ in range(1_000):
        obs = rng.normal(size=(8, 4)).astype(np.float32)
        buffer.add(obs, rng.integers(2, size=8), np.ones(8), obs, rng.random(8) < 0.02, np.zeros(8, bool))
    return agent, [buffer.sample(256, rng) for _ in range(80)]


def update_flops(agent: DQNAgent, batch) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        agent.update(batch)
    return float(counter.get_total_flops())


def ms_per_update(agent: DQNAgent, batches: list, repeats: int) -> float:
    for b in batches[:10]:
        agent.update(b)
    times = []
    for b in (batches[10:] * (repeats // len(batches[10:]) + 1))[:repeats]:
        start = time.perf_counter()
        agent.update(b)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3)


def stages(agent: DQNAgent, batches: list, repeats: int) -> dict[str, float]:
    """``DQNAgent.update``'s steps (Double DQN, as the presets use), each timed: median ms per stage."""
    if agent._mlp_linears is not None:
        return stages_by_hand(agent, batches, repeats)
    c, tick = agent.config, time.perf_counter
    rows: dict[str, list[float]] = {k: [] for k in ("input", "online forward", "target forwards", "backward",
                                                     "clip + Adam", "total")}
    for k in range(repeats + 10):
        batch = batches[k % len(batches)]
        t0 = tick()
        obs, next_obs = agent.obs_tensor(batch.obs), agent.obs_tensor(batch.next_obs)
        action, reward = torch.as_tensor(batch.action), torch.as_tensor(batch.reward)
        done, discount = torch.as_tensor(batch.done), torch.as_tensor(batch.discount)
        t1 = tick()
        q_obs = agent._forward(agent.q, obs)
        t2 = tick()
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=agent.bf16):
            next_online, next_target = twin_forward(agent.q, agent.target, next_obs)
            y = double_q_target(reward, next_online.float(), next_target.float(), done, discount)
        t3 = tick()
        loss = dqn_loss(q_obs, action, y, c.loss)
        agent.optimizer.zero_grad()
        loss.backward()
        t4 = tick()
        clip_grad_norm(agent.optimizer.params, c.max_grad_norm)
        agent.optimizer.step()
        loss.item()
        t5 = tick()
        if k >= 10:
            for name, dt in zip(rows, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - t0)):
                rows[name].append(dt * 1e3)
    return {name: float(np.median(v)) for name, v in rows.items()}


def stages_by_hand(agent: DQNAgent, batches: list, repeats: int) -> dict[str, float]:
    """The stages of the update an fp32 MLP gets (``DQNAgent._update_by_hand``): input; the online forward of
    [s; s'] (both halves: s' for Double DQN's pick); the target forward of s' and the target; the loss and the
    backward written out; clip + Adam."""
    c, tick, n = agent.config, time.perf_counter, len(batches[0].action)
    rows: dict[str, list[float]] = {k: [] for k in ("input", "online forward", "target forwards", "backward",
                                                     "clip + Adam", "total")}
    for k in range(repeats + 10):
        batch = batches[k % len(batches)]
        t0 = tick()
        both = agent.obs_tensor(np.concatenate([batch.obs, batch.next_obs]))
        action, reward = torch.as_tensor(batch.action), torch.as_tensor(batch.reward)
        done, discount = torch.as_tensor(batch.done), torch.as_tensor(batch.discount)
        t1 = tick()
        with torch.no_grad():
            q_both, kept = forward_kept(agent.q, agent._mlp_linears, both)
            t2 = tick()
            y = double_q_target(reward, q_both[n:], forward(agent.target, agent._target_linears, both[n:]), done,
                                discount)
            t3 = tick()
            loss, dq = dqn_loss_and_grad(q_both[:n], action, y, c.loss)
            backward_by_hand(agent.q, agent._mlp_linears, kept, dq)
            t4 = tick()
        agent.optimizer.apply_gradients(c.max_grad_norm)
        loss.item()
        t5 = tick()
        if k >= 10:
            for name, dt in zip(rows, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - t0)):
                rows[name].append(dt * 1e3)
    return {name: float(np.median(v)) for name, v in rows.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--only", default="", help="time only the updates whose name has this text (e.g. CartPole)")
    parser.add_argument("--screen", type=int, nargs="*", default=[], metavar="SIDE",
                        help="also the small CNN's update over frames of these sides (--env-kwarg screen_size; "
                        "the preset's frames are 84×84), fp32 and, where the CPU has it natively, bf16")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    bf16 = native_bf16()
    print(f"CPU: {cpu_description()}; torch {torch.__version__}, capability "
          f"{torch.backends.cpu.get_cpu_capability()}, {args.threads} threads, native bf16: {bf16}, "
          f"OpenMP wait policy: {WAIT_POLICY}")
    caps = [f"{k}={os.environ[k]}" for k in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA",
                                             "MKL_ENABLE_INSTRUCTIONS") if os.environ.get(k)]
    print(f"instruction-set caps: {' '.join(caps)}\n" if caps else "instruction-set caps: none\n")
    peaks = {"fp32": peak_gflops(torch.float32)}
    if bf16:
        peaks["bf16"] = peak_gflops(torch.bfloat16)
    print("Peak (2048² matmul): " + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in peaks.items()) + "\n")
    cases = []
    for cnn in ("small", "nature"):
        cases += [(f"Pong {cnn} CNN, fp32", lambda cnn=cnn: pong_agent(cnn, "fp32", False), "fp32"),
                  (f"Pong {cnn} CNN, fp32 + channels_last", lambda cnn=cnn: pong_agent(cnn, "fp32", True), "fp32")]
        if bf16:
            cases.append((f"Pong {cnn} CNN, bf16 + channels_last", lambda cnn=cnn: pong_agent(cnn, "bf16", True),
                          "bf16"))
    # QR-DQN's head and loss on the small CNN, in the precision `auto` picks here (no stage split: the stages
    # below are plain DQN's)
    auto = "bf16" if bf16 else "fp32"
    for n in (50, 200):
        cases.append((f"Pong small CNN, {auto} + channels_last, QR-DQN {n} quantiles",
                      lambda n=n: pong_agent("small", auto, True, quantiles=n), auto))
    cases.append((f"Pong wide CNN (--cnn wide), {auto} + channels_last", lambda: pong_agent("wide", auto, True), auto))
    for side in args.screen:  # each precision this CPU has, so that `auto`'s pick is measured at every side
        for precision in ("fp32", "bf16") if bf16 else ("fp32",):
            cases.append((f"Pong small CNN, {precision} + channels_last, {side}×{side} frames",
                          lambda side=side, p=precision: pong_agent("small", p, True, side=side), precision))
    cases.append(("CartPole MLP 128,128, batch 256, fp32, autograd (the agent's update before issue 21's eighth "
                  "session)", lambda: cartpole_agent(backward="autograd"), "fp32"))
    cases.append(("CartPole MLP 128,128, batch 256, fp32, backward by hand (the agent's update)",
                  cartpole_agent, "fp32"))
    cases = [c for c in cases if args.only in c[0]]
    print("| update | ms | GFLOP per update | GFLOP/s | of peak | input | online fwd | target fwds | backward "
          "| clip + Adam | rest (Python, dispatch) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, make, precision in cases:
        agent, batches = make()
        flops = update_flops(agent, batches[0])
        ms = ms_per_update(agent, batches, args.repeats)
        rate = flops / ms / 1e6
        row = f"| {name} | {ms:.2f} | {flops / 1e9:.3f} | {rate:.0f} | {rate / peaks[precision]:.0%} | "
        if agent.config.quantiles:
            print(row + "— | — | — | — | — | — |", flush=True)
            continue
        split = stages(agent, batches, args.repeats)
        rest = split["total"] - sum(v for k, v in split.items() if k != "total")
        print(row + f"{split['input']:.2f} | {split['online forward']:.2f} | {split['target forwards']:.2f} | "
              f"{split['backward']:.2f} | {split['clip + Adam']:.2f} | {rest:.2f} |", flush=True)


if __name__ == "__main__":
    main()
