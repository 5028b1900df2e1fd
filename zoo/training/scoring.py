"""The one path every published score takes: greedy episodes of the kept weights on the held-out seeds.

Training's final evaluation, `zoo eval` and `zoo convert` all call ``score_run``, so results.json means
the same thing whoever wrote it: the env seeds come from the `final` stream (``zoo.envs.seeds``), never
used to train the agent nor to choose which weights to keep, and the episodes run through the pipeline
`zoo play` uses, so a user can reproduce the figure by watching.

An Atari agent is scored under two protocols, side by side (``PROTOCOLS``):

- ``sticky``: ALE v5's sticky actions (``repeat_action_probability=0.25``, Machado et al. 2018) and up to 30
  random no-ops, over ``episodes`` games (at least 100 for a published score) on `final` seeds: every game is
  new, so mean ± std and a bootstrap 95% CI mean what they say. This is ``ALE/Pong-v5`` as the field reads it.
- ``noop-starts``: the deterministic game (``NoFrameskip-v4``'s, no sticky actions) after exactly k = 1..30
  NOOP frames, each played once. A greedy agent has no other games there (a seed changes nothing but the
  noop count), so their mean is **exact**, with games lost and the worst game; no interval.

Each figure records where the actions were computed (fp32 or bf16, the CPU): a deterministic game's
outcome can flip with the last bits of a Q-value.
"""

from __future__ import annotations

from typing import Any, Sequence

from zoo.envs.episodes import Episodes, evaluate, noop_starts
from zoo.envs.make import EPISODE_CAP
from zoo.envs.seeds import stream_seed
from zoo.rundir.files import Results, RunConfig

PROTOCOLS = ("sticky", "noop-starts")
"""Atari's evaluation protocols, the first the headline figure (results.json's mean_reward)."""
STICKY_GAMES = 100
"""The fewest sticky games a published Atari score may rest on."""


def score_run(agent, config: RunConfig, episodes: int, seed: int | None = None, progress: bool | None = None,
              protocols: Sequence[str] = PROTOCOLS, episode_cap: int = EPISODE_CAP) -> Results:
    """``episodes`` greedy episodes of ``agent`` on ``config``'s env; ``seed`` None: the run's held-out seeds.
    An Atari run is scored under each of ``protocols`` (``PROTOCOLS``); ``episodes`` is the sticky games.
    ``episode_cap``: steps after which an episode is cut (counted in results.json)."""
    chosen = seed is not None
    if seed is None:
        seed = stream_seed("final", config.seed)
    inference = inference_of(agent)
    if not config.env_id.startswith("ALE/"):
        result = evaluate(agent, config.env_id, config.env_kwargs, episodes, seed, play_pipeline=True,
                          progress=progress, episode_cap=episode_cap)
        return Results.of(result.returns, config.env_id, seed, protocol(episodes, seed, config, chosen),
                          capped=result.capped, inference=inference)
    unknown = sorted(set(protocols) - set(PROTOCOLS))
    if unknown or not protocols:
        raise ValueError(f"unknown protocol {unknown or protocols}: choose from {PROTOCOLS}")
    measured: dict[str, tuple[Episodes, dict[str, Any]]] = {}
    for name in (p for p in PROTOCOLS if p in protocols):
        if name == "sticky":
            from zoo.envs.atari import STICKY

            kwargs = {**config.env_kwargs, "repeat_action_probability": STICKY}
            played = evaluate(agent, config.env_id, kwargs, episodes, seed, play_pipeline=True, progress=progress,
                              episode_cap=episode_cap)
        else:
            played = noop_starts(agent, config.env_id, progress=progress, episode_cap=episode_cap,
                                 env_kwargs=config.env_kwargs)
        measured[name] = (played, _figures(name, played, config, chosen))
    head, (played, _) = next(iter(measured.items()))
    return Results.of(played.returns, config.env_id, played.seed, measured[head][1]["protocol"],
                      pipeline(config.env_id), capped=played.capped, exact=head == "noop-starts",
                      protocols={name: figures for name, (_, figures) in measured.items()}, inference=inference)


def _figures(name: str, played: Episodes, config: RunConfig, chosen: bool) -> dict[str, Any]:
    """One protocol's entry of results.json."""
    from zoo.envs.atari import NOOP_STARTS, STICKY, v4_id
    from zoo.rundir.stats import bootstrap_ci

    r = played.returns
    figures: dict[str, Any] = {
        "env_id": config.env_id if name == "sticky" else v4_id(config.env_id),
        "repeat_action_probability": STICKY if name == "sticky" else 0.0,
        "mean_reward": float(r.mean()), "std_reward": float(r.std()), "n_episodes": int(r.size),
        "episodes_won": int((r > 0).sum()), "episodes_lost": int((r < 0).sum()), "worst": float(r.min()),
        "returns": [float(x) for x in r]}
    if name == "sticky":
        low, high = bootstrap_ci(r)
        figures.update(ci95=[low, high], eval_seed=played.seed,
                       noop_max=config.env_kwargs.get("noop_max", 30),
                       protocol=(f"greedy actions over {r.size} games with ALE v5's sticky actions "
                                 f"(repeat_action_probability={STICKY}) and up to "
                                 f"{config.env_kwargs.get('noop_max', 30)} random no-ops, "
                                 + _seed_words(played.seed, chosen) + " Mean ± std of the game returns; the 95% "
                                 "confidence interval of the mean is a percentile bootstrap."))
    else:
        figures.update(exact=True, noops=f"1..{NOOP_STARTS}", distinct_returns=len(set(figures["returns"])),
                       protocol=(f"greedy actions in the deterministic game (no sticky actions, as "
                                 f"{v4_id(config.env_id)}) after exactly k = 1..{NOOP_STARTS} NOOP frames, each "
                                 "start played once: every game a greedy agent can meet there, so the mean is "
                                 f"exact (no sampling, no interval). Returns listed in the order of k."))
    if played.capped:
        figures["episodes_capped"] = int(played.capped)
    return figures


def _seed_words(seed: int, chosen: bool) -> str:
    if chosen:
        return f"on env seeds {seed}, {seed} + 1, ... (chosen by the user)."
    return (f"on env seeds {seed}, {seed} + 1, ... from the held-out `final` stream (zoo.envs.seeds): never used "
            "to train the agent nor to choose which weights to keep (periodic evaluations use the `select` stream).")


def training_machine(agent) -> dict[str, Any] | None:
    """Where a deep agent's training session runs (``RunConfig.trained_on``): ``inference_of``'s precision, device
    and CPU or GPU, with the host CPU beside a GPU, the torch version and its threads."""
    where = inference_of(agent)
    if where is None:
        return None
    import torch

    from zoo.learning.device import cpu_description

    return {**where, "cpu": cpu_description(), "torch": torch.__version__, "threads": torch.get_num_threads()}


def inference_of(agent) -> dict[str, str] | None:
    """Where a deep agent computes its greedy actions: precision, device and (on a CPU) the CPU and its SIMD."""
    device = getattr(agent, "device", None)
    if device is None:
        return None
    from zoo.learning.device import cpu_description

    where = {"precision": "bf16" if getattr(agent, "bf16", False) else "fp32", "device": str(device)}
    if str(device) == "cpu":
        where["cpu"] = cpu_description()
    else:
        import torch

        where["gpu"] = torch.cuda.get_device_name(device)
    return where


def pipeline(env_id: str) -> str | None:
    """What results.json names as the pipeline of an Atari evaluation (the one `zoo play` uses)."""
    if not env_id.startswith("ALE/"):
        return None
    return "Gymnasium wrappers of zoo.envs.atari.make_atari_env, as `zoo play` uses"


def protocol(episodes: int, seed: int, config: RunConfig, chosen_by_user: bool = False) -> str:
    """How a non-Atari score is measured, in the words the model card shows."""
    actions = ("the uniformly random policy whose values td0 predicts (td0 chooses no actions)" if config.algo == "td0"
               else "greedy actions")
    if chosen_by_user:
        return f"{actions} over {episodes} episodes on env seeds {seed}, {seed} + 1, ... (chosen by the user)"
    return (f"{actions} over {episodes} episodes " + _seed_words(seed, False) + " Mean ± std of the episode "
            "returns; the 95% confidence interval of the mean is a percentile bootstrap.")

