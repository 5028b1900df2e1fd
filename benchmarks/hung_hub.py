"""How long zoo waits on a Hub that accepts connections and never answers (issue 23), against a refused one.

Pushes a toy agent to the local Hub stand-in (tests/hub_server.py), pulls it into a temporary HF_HOME, then
times `zoo play` of the cached repo and `zoo pull` of an uncached one with HF_ENDPOINT pointing at a hung
socket, at the default bounds and with HF_HUB_ETAG_TIMEOUT=2, and at a closed port.

    python benchmarks/hung_hub.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hub_server import GOOD_TOKEN, HubStandIn, HungHub  # noqa: E402
from zoo.learning.device import cpu_description  # noqa: E402
from zoo.training.session import TrainSettings, train  # noqa: E402


def zoo(args, endpoint, home, **env) -> tuple[float, int, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    environment.update({"HF_ENDPOINT": endpoint, "HF_HOME": home, "HF_TOKEN": GOOD_TOKEN,
                        "HF_HUB_DISABLE_TELEMETRY": "1", **env})
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "zoo.cli", *args], capture_output=True, text=True, env=environment)
    return time.perf_counter() - start, done.returncode, (done.stderr.strip().splitlines() or [""])[-1]


def main() -> None:
    print(f"CPU: {cpu_description()}\n")
    with tempfile.TemporaryDirectory() as tmp:
        run = train(TrainSettings("planner", "toy/Trap-v0", out=Path(tmp) / "run", eval_episodes=5, tensorboard=False))
        server, hung = HubStandIn().start(), HungHub()
        home = str(Path(tmp) / "hf")
        assert zoo(["push", str(run), "bench/cached"], server.url, home)[1] == 0
        assert zoo(["pull", "bench/cached"], server.url, home)[1] == 0
        print("| command | Hub | exit | seconds | last line |\n|---|---|---:|---:|---|")
        for label, args, endpoint, env in [
                ("play cached repo", ["play", "bench/cached", "--episodes", "1"], hung.url, {}),
                ("pull uncached repo", ["pull", "bench/never"], hung.url, {}),
                ("play cached repo, HF_HUB_ETAG_TIMEOUT=2", ["play", "bench/cached", "--episodes", "1"], hung.url,
                 {"HF_HUB_ETAG_TIMEOUT": "2"}),
                ("pull uncached repo, HF_HUB_ETAG_TIMEOUT=2", ["pull", "bench/never"], hung.url,
                 {"HF_HUB_ETAG_TIMEOUT": "2"}),
                ("play cached repo", ["play", "bench/cached", "--episodes", "1"], "http://127.0.0.1:9", {}),
                ("play cached repo", ["play", "bench/cached", "--episodes", "1"], server.url, {})]:
            kind = "hung" if endpoint == hung.url else "refused" if endpoint.endswith(":9") else "answering"
            seconds, rc, last = zoo(args, endpoint, home, **env)
            print(f"| {label} | {kind} | {rc} | {seconds:.1f} | {last[:110]} |", flush=True)
        hung.stop()
        server.stop()


if __name__ == "__main__":
    main()
