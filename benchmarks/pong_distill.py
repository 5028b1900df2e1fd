"""Teach a larger network an agent's Q-values: policy distillation into a run directory `--init-from` takes.

Issue 20's fine-tunes of the shipped small-CNN agent all level off at 17.5-17.8 under sticky actions; a larger
network (the Nature CNN) is the lever they left untried, and training one from scratch costs hours of this CPU.
This script gives a new network the teacher's play first:

1. The teacher plays ``ALE/Pong-v5`` (sticky actions 0.25, the training pipeline) ε-greedily on ``--envs`` copies
   seeded from the ``train`` stream; every visited frame stack is kept with the teacher's Q-values for it.
2. The student (the teacher's hyperparameters with ``--cnn``) learns those Q-values: squared error on all actions
   plus, as in Rusu et al. 2016 ("Policy distillation"), the KL divergence from the teacher's softmax(Q/τ) to the
   student's, which weighs the order of the actions (the greedy choice), not only their values. A twentieth of the
   states is held back to report how often the student's greedy action is the teacher's.
3. Both play ``--games`` greedy sticky games on the same ``bench`` seeds (they choose nothing).
4. The student is written as a run directory (config.json, model.safetensors, its record in ``converted_from``):
   ``zoo train dqn ALE/Pong-v5 --init-from OUT --cnn nature ...`` fine-tunes it.

    python benchmarks/pong_distill.py zoo/pretrained/dqn-ALE-Pong-v5 --out /work/pong/distilled-nature
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from zoo.agents.configs import build_config
from zoo.agents.registry import build_agent, get_algorithm, load_run
from zoo.envs.episodes import evaluate
from zoo.envs.make import make_vec_env
from zoo.envs.seeds import stream_seed
from zoo.learning.device import cpu_description
from zoo.rundir.files import RunConfig, save_model, write_config
from zoo.rundir.stats import bootstrap_ci


def collect(teacher, env_id: str, states: int, envs: int, epsilon: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``states`` frame stacks the teacher visits ε-greedily, and its Q-values for each."""
    vec = make_vec_env(env_id, envs, {})
    obs_store = np.empty((states, *teacher.obs_shape), dtype=np.uint8)
    q_store = np.empty((states, teacher.n_actions), dtype=np.float32)
    rng = np.random.default_rng(seed)
    obs, _ = vec.reset(seed=stream_seed("train", seed))
    filled = 0
    try:
        while filled < states:
            q = teacher.q_values(obs)
            take = min(len(obs), states - filled)
            obs_store[filled:filled + take], q_store[filled:filled + take] = obs[:take], q[:take]
            filled += take
            actions = np.where(rng.random(len(q)) < epsilon, rng.integers(teacher.n_actions, size=len(q)),
                               q.argmax(axis=1))
            obs = vec.step(actions)[0]
    finally:
        vec.close()
    return obs_store, q_store


def distill(student, obs: np.ndarray, q: np.ndarray, updates: int, batch: int, lr: float, tau: float,
            kl_weight: float, seed: int) -> list[dict]:
    """Adam on the student's Q-network; returns a log line every tenth of the run (loss, held-out agreement)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(obs))
    held, train = order[:len(obs) // 20], order[len(obs) // 20:]
    optimizer = torch.optim.Adam(student.q.parameters(), lr=lr)
    log, start = [], time.perf_counter()
    for step in range(1, updates + 1):
        idx = np.sort(rng.choice(train, batch, replace=False))
        x, target = student.obs_tensor(obs[idx]), torch.as_tensor(q[idx])
        out = student._forward(student.q, x)
        loss = F.mse_loss(out, target)
        if kl_weight:
            loss = loss + kl_weight * F.kl_div(F.log_softmax(out / tau, 1), F.log_softmax(target / tau, 1),
                                               log_target=True, reduction="batchmean")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % max(1, updates // 10) == 0 or step == updates:
            agree, err = agreement(student, obs[held], q[held])
            log.append({"update": step, "loss": float(loss.detach()), "held_out_same_action": agree,
                        "held_out_q_mae": err, "seconds": round(time.perf_counter() - start, 1)})
            print(json.dumps(log[-1]), flush=True)
    return log


def agreement(student, obs: np.ndarray, q: np.ndarray, chunk: int = 512) -> tuple[float, float]:
    """The share of states where the student's greedy action is the teacher's, and the mean |ΔQ|."""
    same, err = 0, 0.0
    for i in range(0, len(obs), chunk):
        mine = student.q_values(obs[i:i + chunk])
        same += int((mine.argmax(1) == q[i:i + chunk].argmax(1)).sum())
        err += float(np.abs(mine - q[i:i + chunk]).sum())
    return same / len(obs), err / q.size


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("teacher", type=Path, help="the teacher's run directory")
    p.add_argument("--out", type=Path, required=True, help="the student's new run directory")
    p.add_argument("--cnn", default="nature", help="the student's CNN (zoo.learning.networks.CNNS)")
    p.add_argument("--states", type=int, default=150_000, help="frame stacks to collect (28 kB each)")
    p.add_argument("--envs", type=int, default=8)
    p.add_argument("--epsilon", type=float, default=0.05, help="the teacher's exploration while collecting")
    p.add_argument("--updates", type=int, default=30_000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=2.5e-4)
    p.add_argument("--tau", type=float, default=0.01, help="softmax temperature of the KL term")
    p.add_argument("--kl-weight", type=float, default=0.01, help="0: squared error only")
    p.add_argument("--games", type=int, default=30, help="greedy sticky games for teacher and student (bench seeds)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.out.exists():
        sys.exit(f"{args.out} exists; give a new --out")
    torch.manual_seed(args.seed)

    teacher, config = load_run(args.teacher)
    hyper = dict(config.hyperparameters, cnn=args.cnn)
    algorithm = get_algorithm(config.algo)
    student = build_agent(algorithm, build_config(algorithm.config_class, hyper), config.spaces, seed=args.seed)
    print(f"CPU: {cpu_description()}; teacher {args.teacher} ({config.hyperparameters.get('cnn')}), student {args.cnn}",
          flush=True)

    t = time.perf_counter()
    obs, q = collect(teacher, config.env_id, args.states, args.envs, args.epsilon, args.seed)
    collect_s = time.perf_counter() - t
    print(f"collected {len(obs):,} states in {collect_s:.0f} s", flush=True)
    log = distill(student, obs, q, args.updates, args.batch, args.lr, args.tau, args.kl_weight, args.seed)
    del obs, q

    games = {}
    seed = stream_seed("bench", args.seed, 7)
    for name, agent in (("teacher", teacher), ("student", student)):
        played = evaluate(agent, config.env_id, config.env_kwargs, args.games, seed)
        r = played.returns
        games[name] = {"seed": seed, "games": len(r), "mean": round(float(r.mean()), 3),
                       "std": round(float(r.std(ddof=1)), 3), "ci95": [round(v, 2) for v in bootstrap_ci(r)],
                       "lost": int((r < 0).sum()), "worst": float(r.min()), "returns": r.tolist()}
        print(f"{name}: {args.games} sticky games (bench seeds {seed} + i): {json.dumps(games[name])}", flush=True)

    args.out.mkdir(parents=True)
    save_model(args.out / "model.safetensors", student.state_dict(), config.algo)
    record = {"format": "distilled", "source": str(args.teacher), "file": "model.safetensors",
              "how": f"the teacher's Q-values on {args.states:,} states of its ε {args.epsilon} sticky play, "
                     f"{args.updates:,} Adam updates of batch {args.batch} (lr {args.lr}), squared error + "
                     f"{args.kl_weight} × KL(τ {args.tau}) (benchmarks/pong_distill.py)",
              "collect_seconds": round(collect_s, 1), "log": log, "games": games, "cpu": cpu_description()}
    write_config(args.out, RunConfig(algo=config.algo, env_id=config.env_id, seed=args.seed, steps=0,
                                     spaces=config.spaces, hyperparameters=hyper, env_kwargs=config.env_kwargs,
                                     preprocessing=config.preprocessing,
                                     command="python " + " ".join(shlex.quote(a) for a in sys.argv),
                                     converted_from=record))
    print(f"wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
