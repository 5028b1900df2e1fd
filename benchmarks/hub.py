"""Hub figures: checkpoint sizes of a toy, a CartPole and a Pong agent, and the time to load and play
each from the Hugging Face cache (offline), through the real client and the local Hub stand-in.

Run: python benchmarks/hub.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hub_server import GOOD_TOKEN, HubStandIn  # noqa: E402
from zoo.training.session import TrainSettings, train  # noqa: E402

AGENTS = [  # (name, algo, env, steps, hyperparameters)
    ("toy", "planner", "toy/Trap-v0", 0, {}),
    ("cartpole", "dqn", "CartPole-v1", 20_000, {}),
    ("pong", "dqn", "ALE/Pong-v5", 300, {"learning_starts": 100, "buffer_size": 2_000, "batch_size": 8}),
]


def main() -> None:
    server = HubStandIn().start()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
        env.update({"HF_ENDPOINT": server.url, "HF_HOME": f"{tmp}/hf", "HF_TOKEN": GOOD_TOKEN,
                    "SDL_VIDEODRIVER": "dummy"})
        print("| agent | model.safetensors | pushed files | `zoo play --episodes 1` from cache (offline) | "
              "first `hub.load` (imports included) | second `hub.load` |\n|---|---|---|---|---|---|")
        for name, algo, env_id, steps, hyper in AGENTS:
            run = train(TrainSettings(algo, env_id, steps=steps, out=Path(tmp) / name, hyperparameters=hyper,
                                      eval_episodes=1 if "Pong" in env_id else 20, eval_every=0, tensorboard=False))
            repo = f"bench/{name}"
            subprocess.run([sys.executable, "-m", "zoo.cli", "push", str(run), repo], env=env, check=True,
                           capture_output=True)
            subprocess.run([sys.executable, "-m", "zoo.cli", "pull", repo], env=env, check=True, capture_output=True)
            code = ("import time, hub; t = time.perf_counter(); hub.load('%s'); t1 = time.perf_counter(); "
                    "hub.load('%s'); print(t1 - t, time.perf_counter() - t1)" % (repo, repo))
            out = subprocess.run([sys.executable, "-c", code], env={**env, "HF_HUB_OFFLINE": "1"}, check=True,
                                 capture_output=True, text=True).stdout.strip().splitlines()[-1]
            load, again = map(float, out.split())
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "zoo.cli", "play", repo, "--episodes", "1"],
                           env={**env, "HF_HUB_OFFLINE": "1"}, check=True, capture_output=True)
            played = time.perf_counter() - start
            size = (run / "model.safetensors").stat().st_size
            pushed = sum(len(v) for v in server.repos[repo].files("main").values())
            print(f"| {name} ({algo}, {env_id}) | {size / 1024:,.1f} KiB | {pushed / 1024:,.0f} KiB | "
                  f"{played:.1f} s | {load:.2f} s | {again * 1e3:.0f} ms |", flush=True)
    server.stop()


if __name__ == "__main__":
    main()
