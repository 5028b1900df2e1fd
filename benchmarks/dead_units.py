"""How many ReLU units of a Pong DQN still fire: the check that found the first Pong preset's network dead.

Plays 400 random-action steps through the play pipeline, feeds the observations to the run's latest
weights (checkpoint.safetensors, else model.safetensors) and prints, per layer, how many units are
active on at least one observation, and how much the Q values vary across the observations. A network
whose units have died answers nearly the same Q values everywhere and stops learning.

Run: python benchmarks/dead_units.py RUN_DIR   (a finished run, or the .RUN.tmp-PID folder of one in progress)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

from zoo.agents.configs import build_config
from zoo.agents.registry import build_agent, get_algorithm
from zoo.envs.atari import make_atari_env, screen
from zoo.rundir.files import Spaces, load_model
from zoo.training.presets import preset


def main(run_dir: Path) -> None:
    torch.set_num_threads(1)  # leave the other core to a training run
    env_kwargs = {}
    if (run_dir / "config.json").exists():
        config = json.loads((run_dir / "config.json").read_text())
        hyper, env_kwargs = config["hyperparameters"], config.get("env_kwargs", {})
    else:  # a run in progress writes config.json at the end: assume the preset
        hyper = preset("dqn", "ALE/Pong-v5")["hyperparameters"]
    algorithm = get_algorithm("dqn")
    side = screen(env_kwargs)
    spaces = Spaces({"type": "Box", "shape": [4, side, side], "dtype": "uint8"}, {"type": "Discrete", "n": 6})
    agent = build_agent(algorithm, build_config(algorithm.config_class, hyper), spaces)
    if (run_dir / "checkpoint.safetensors").exists():
        tensors = load_model(run_dir / "checkpoint.safetensors")
        agent.load_state_dict({k[len("online."):]: v for k, v in tensors.items() if k.startswith("online.")})
        print(f"{run_dir}: latest weights (checkpoint at step {json.loads((run_dir / 'checkpoint.json').read_text())['steps_done']:,})")
    else:
        agent.load_state_dict(load_model(run_dir / "model.safetensors"))
        print(f"{run_dir}: best weights (model.safetensors)")
    env = make_atari_env("ALE/Pong-v5", {"screen_size": side})
    obs, _ = env.reset(seed=1)
    rng, frames = np.random.default_rng(0), []
    for _ in range(400):
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(6)))
        frames.append(np.asarray(obs))
    x = agent.obs_tensor(np.stack(frames))
    with torch.no_grad():
        h = x
        for i, layer in enumerate([*agent.q.body.conv, *agent.q.body.fc]):
            h = layer(h)
            if isinstance(layer, torch.nn.ReLU):
                per_unit = h.flatten(2).amax(dim=(0, 2)) if h.dim() == 4 else h.amax(dim=0)
                print(f"  ReLU after layer {i}: {int((per_unit > 0).sum())} of {per_unit.numel()} units active")
        q = agent.q(x)
    print(f"  Q: mean {q.mean():.3f}, std across observations {q.std(dim=0).mean():.4f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
