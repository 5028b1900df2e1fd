"""Pong speed and memory: the figures of the deep-agents issue, printed as Markdown.

1. ``AtariVectorEnv`` raw throughput, 2 envs on 2 threads, random actions (agent steps/s);
2. the whole DQN training loop with the Pong preset (acting, replay, updates), agent steps/s after
   learning starts;
3. ms per batch-32 update (frames converted, dueling, Double DQN) for the Nature CNN and the 2013 one
   the Pong preset uses: fp32, fp32 + channels_last, bf16 autocast + channels_last;
4. resident memory of a replay buffer holding 100k Pong transitions.

With ``--envs-vs-updates`` it prints only the loop of the preset (2 envs, one update per 2 agent steps)
next to Tianshou's ratio (8 envs, one update per 8 agent steps), alternated twice in one process.

With ``--loop-stages`` it prints only where the preset's own sequential loop spends its time once learning
runs (issue 21, goal 4): acting (the agent's ε-greedy forward), the env step, the replay's add and sample,
the update, and the rest (the collector's and the loop's Python), each as ms per vector step and share.
``--device cuda`` times the loop on a GPU (each stage waits for the GPU's queue before its clock stops, so the
GPU's work lands in the stage that launched it); ``--set NAME=VALUE ...`` changes the preset's hyperparameters,
e.g. the GPU recipe of benchmarks/pong_gpu.sh: ``--set num_envs=16 batch_size=64 gradient_steps=4``;
``--screen SIDE`` runs it over frames of that side (``--env-kwarg screen_size``) instead of 84.

Run: python benchmarks/pong.py [--envs-vs-updates | --loop-stages [--device cuda] [--screen SIDE]
                               [--set NAME=VALUE ...]]
"""

from __future__ import annotations

import os
import platform
import time

# torch's OpenMP runtime reads its wait policy once, when torch loads: this script imports torch before zoo, so
# it runs with the policy of its environment, not the PASSIVE one `import zoo` sets (zoo/__init__.py). Unset,
# it is what `zoo train` runs with (it takes zoo's default back, zoo.cores); at batch 32 PASSIVE
# costs 1.7x (BENCHMARKS.md, issue 21): OMP_WAIT_POLICY=PASSIVE measures what a plain `import zoo` script gets.
WAIT_POLICY = os.environ.get("OMP_WAIT_POLICY", "unset (libgomp spins, then sleeps)")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from zoo.agents.configs import DQNConfig, build_config
from zoo.agents.dqn import DQNAgent
from zoo.envs.atari import make_atari_vector_env
from zoo.envs.collector import AsyncCollector, Collector
from zoo.learning.frame_replay import FrameReplayBuffer
from zoo.rundir.files import Spaces
from zoo.training.presets import preset

SPACES = Spaces({"type": "Box", "shape": [4, 84, 84], "dtype": "uint8"}, {"type": "Discrete", "n": 6})


def raw_env_throughput(steps: int = 20_000) -> float:
    envs = make_atari_vector_env("ALE/Pong-v5", 2, {})
    envs.reset(seed=0)
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(steps // 2):
        envs.step(rng.integers(6, size=2))
    envs.close()
    return steps / (time.perf_counter() - start)


def update_ms(precision: str, channels_last: bool, cnn: str = "nature", repeats: int = 30) -> float:
    """ms per agent.update of a batch of 32 (input conversion included), dueling head, Double DQN: the agent and
    batches of benchmarks/update.py, which also sets these against the CPU's peak."""
    from update import ms_per_update, pong_agent  # benchmarks/ is this script's folder, first on sys.path

    agent, batches = pong_agent(cnn, precision, channels_last)
    return ms_per_update(agent, batches, repeats)


def training_loop_throughput(steps: int = 6_000, learning_starts: int = 2_000, async_acting: bool = False) -> float:
    """Agent steps/s of the Pong preset's collector + agent once updates run (the first ``learning_starts``
    steps excluded); with ``async_acting`` the envs step in a background thread."""
    hyper = dict(preset("dqn", "ALE/Pong-v5")["hyperparameters"], learning_starts=learning_starts, buffer_size=20_000)
    agent = DQNAgent(DQNConfig(**hyper), SPACES)
    envs = make_atari_vector_env("ALE/Pong-v5", agent.config.num_envs, {})
    if async_acting:
        collector = AsyncCollector(envs, agent.make_actor(), seed=0)
    else:
        collector = Collector(envs, lambda obs: agent.act(obs, explore=True), seed=0)
    started = None
    for step in collector:
        agent.observe(step)
        if async_acting:
            collector.refresh()
        if started is None and agent.steps_done >= learning_starts:
            started, at = time.perf_counter(), agent.steps_done
        if agent.steps_done >= steps:
            break
    seconds = time.perf_counter() - started
    collector.close()
    return (agent.steps_done - at) / seconds


def loop_stages(steps: int = 8_000, learning_starts: int = 2_000, device: str = "cpu",
                overrides: dict | None = None, side: int = 84) -> None:
    """The preset's sequential loop with each stage timed (wrapped, not changed): ms per vector step.
    ``overrides`` replace preset hyperparameters; on a GPU each stage's clock stops after the GPU's queue drains.
    ``side``: frames of that side (``--env-kwarg screen_size``) instead of 84."""
    from zoo.learning.device import cpu_description

    hyper = dict(preset("dqn", "ALE/Pong-v5")["hyperparameters"], learning_starts=learning_starts, buffer_size=20_000)
    hyper.update(overrides or {})
    num_envs = int(hyper["num_envs"])
    if steps <= learning_starts + num_envs:  # the clock starts at learning_starts: it needs a vector step after it
        raise SystemExit(f"--steps {steps:,}: the loop is timed only once learning starts, after {learning_starts:,} "
                         f"agent steps; give --steps above {learning_starts + num_envs:,} (the default is 8,000)")
    spaces = Spaces({**SPACES.observation, "shape": [4, side, side]}, SPACES.action)
    agent = DQNAgent(DQNConfig(**hyper), spaces, device=device)
    envs = make_atari_vector_env("ALE/Pong-v5", agent.config.num_envs, {"screen_size": side})
    spent = {"acting": 0.0, "env step": 0.0, "replay add": 0.0, "replay sample": 0.0, "update": 0.0}
    timing = [False]
    drain = torch.cuda.synchronize if agent.device.type == "cuda" else (lambda: None)

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            if not timing[0]:
                return fn(*args, **kwargs)
            drain()
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                drain()
                spent[name] += time.perf_counter() - start
        return wrapper

    envs.step = timed("env step", envs.step)
    agent.update = timed("update", agent.update)
    agent.buffer = agent.make_buffer(agent.config.num_envs)
    agent.buffer.add = timed("replay add", agent.buffer.add)
    agent.buffer.sample = timed("replay sample", agent.buffer.sample)
    act = timed("acting", lambda obs: agent.act(obs, explore=True))
    collector = Collector(envs, act, seed=0)
    vector_steps, started = 0, None
    for step in collector:
        agent.observe(step)
        if started is None and agent.steps_done >= learning_starts:
            started, timing[0] = time.perf_counter(), True
        elif started is not None:
            vector_steps += 1
        if agent.steps_done >= steps:
            break
    drain()
    total = time.perf_counter() - started
    collector.close()
    c = agent.config
    gpu = f"; GPU {torch.cuda.get_device_name(agent.device)}" if agent.device.type == "cuda" else ""
    print(f"CPU: {cpu_description()}; torch {torch.__version__} capability {torch.backends.cpu.get_cpu_capability()}"
          f"{gpu}, precision {'bf16' if agent.bf16 else 'fp32'}, {torch.get_num_threads()} torch threads, OpenMP wait "
          f"policy: {WAIT_POLICY}\n")
    updates_per_step = c.gradient_steps / c.train_freq
    print(f"Pong loop, sequential, {side}×{side} frames, {c.num_envs} envs, {updates_per_step:g} update(s) of "
          f"{c.batch_size} per vector step"
          f"{' (overrides: ' + ', '.join(f'{k}={v}' for k, v in overrides.items()) + ')' if overrides else ''}: "
          f"{vector_steps * c.num_envs / total:,.1f} agent steps/s, {vector_steps * updates_per_step / total:,.1f} "
          f"updates/s\n")
    print("| stage | ms per vector step | share of the loop |\n|---|---:|---:|")
    spent["rest (collector, loop)"] = total - sum(spent.values())
    for name, seconds in spent.items():
        print(f"| {name} | {seconds / vector_steps * 1e3:.2f} | {seconds / total:.0%} |")


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def replay_rss_mb(transitions: int = 100_000) -> tuple[float, float]:
    """Resident memory added by a full 100k-transition replay (run first, in a fresh process)."""
    before = _rss_mb()
    buffer = FrameReplayBuffer(transitions, 2, 0.99, 3)
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, size=(64, 2, 4, 84, 84), dtype=np.uint8)
    no = np.zeros(2, dtype=bool)
    for t in range(transitions // 2 + 100):  # fill it completely (and wrap a little)
        buffer.add(frames[t % 64], rng.integers(6, size=2), np.zeros(2), frames[(t + 1) % 64], no, no)
    after = _rss_mb()
    return after - before, buffer.nbytes / 2**20


def envs_vs_updates() -> None:
    """Agent steps/s and updates/s of the preset's loop and of the 8-env variant, measured in turn."""
    from zoo import presets
    from zoo.learning.device import cpu_description

    base = presets.PRESETS[("dqn", "ALE/Pong-v5")]
    eight = dict(base, hyperparameters={**base["hyperparameters"], "num_envs": 8, "buffer_size": 100_000,
                                        "target_update_interval": 500, "epsilon_decay_steps": 200_000})
    print(f"CPU: {cpu_description()}")
    try:
        for _ in range(2):
            for variant, steps, starts, per_update in [(base, 6_000, 2_000, 2), (eight, 16_000, 8_000, 8)]:
                presets.PRESETS[("dqn", "ALE/Pong-v5")] = variant
                speed = training_loop_throughput(steps, starts)
                envs = variant["hyperparameters"]["num_envs"]
                print(f"{envs} envs, one update per {per_update} agent steps: {speed:,.1f} agent steps/s = "
                      f"{speed / per_update:,.1f} updates/s", flush=True)
    finally:
        presets.PRESETS[("dqn", "ALE/Pong-v5")] = base


def main() -> None:
    import sys

    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    if "--envs-vs-updates" in sys.argv[1:]:
        envs_vs_updates()
        return
    if "--loop-stages" in sys.argv[1:]:
        args = sys.argv[1:]
        device = args[args.index("--device") + 1] if "--device" in args else "cpu"
        overrides = {}
        if "--set" in args:
            for pair in args[args.index("--set") + 1:]:
                if pair.startswith("--"):
                    break
                name, value = pair.split("=", 1)
                overrides[name] = value
        overrides = {k: getattr(build_config(DQNConfig, overrides), k) for k in overrides}  # typed and checked
        steps = int(args[args.index("--steps") + 1]) if "--steps" in args else 8_000
        side = int(args[args.index("--screen") + 1]) if "--screen" in args else 84
        loop_stages(steps, device=device, overrides=overrides, side=side)
        return
    from zoo.learning.device import native_bf16

    rss, declared = replay_rss_mb()
    print(f"machine: {platform.machine()}, CPU capability {torch.backends.cpu.get_cpu_capability()}, native bf16: "
          f"{native_bf16()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}\n")
    print(f"AtariVectorEnv raw, 2 envs / 2 threads, random actions: {raw_env_throughput():,.0f} agent steps/s")
    for cnn in ("nature", "small"):
        for precision, cl, name in [("fp32", False, "fp32"), ("fp32", True, "fp32 + channels_last"),
                                    ("bf16", True, "bf16 autocast + channels_last")]:
            print(f"batch-32 dueling {cnn} CNN update, {name}: {update_ms(precision, cl, cnn):.1f} ms", flush=True)
    hyper = preset("dqn", "ALE/Pong-v5")["hyperparameters"]
    loop = (f"DQN training loop (Pong preset: {hyper['cnn']} CNN, {hyper['num_envs']} envs, one batch-{hyper['batch_size']} "
            f"update per {hyper['num_envs'] * hyper['train_freq']} agent steps)")
    # acting and learning one after the other, then overlapped (--async-acting), alternated twice so that
    # a drift of the machine's speed shows up as disagreement between the two pairs
    for _ in range(2):
        for async_acting, how in [(False, "sequential"), (True, "async acting")]:
            print(f"{loop}, {how}: {training_loop_throughput(async_acting=async_acting):,.0f} agent steps/s", flush=True)
    print(f"replay with 100k Pong transitions: {rss:,.0f} MiB resident growth ({declared:,.0f} MiB of arrays)")


if __name__ == "__main__":
    main()
