"""The one path every published score takes: greedy episodes of the kept weights on the held-out seeds.

Training's final evaluation, `zoo eval` and `zoo convert` all call ``score_run``, so results.json means
the same thing whoever wrote it: the env seeds come from the `final` stream (``zoo.envs.seeds``), never
used to train the agent nor to choose which weights to keep, and the episodes run through the pipeline
`zoo play` uses, so a user can reproduce the figure by watching.
"""

from __future__ import annotations

from zoo.envs.episodes import evaluate
from zoo.envs.seeds import stream_seed
from zoo.rundir.files import Results, RunConfig


def score_run(agent, config: RunConfig, episodes: int, seed: int | None = None,
              progress: bool | None = None) -> Results:
    """``episodes`` greedy episodes of ``agent`` on ``config``'s env; ``seed`` None: the run's held-out seeds."""
    chosen = seed is not None
    if seed is None:
        seed = stream_seed("final", config.seed)
    result = evaluate(agent, config.env_id, config.env_kwargs, episodes, seed, play_pipeline=True, progress=progress)
    return Results.of(result.returns, config.env_id, seed, protocol(episodes, seed, config, chosen),
                      pipeline(config.env_id), capped=result.capped)


def pipeline(env_id: str) -> str | None:
    """What results.json names as the pipeline of an Atari evaluation (the one `zoo play` uses)."""
    if not env_id.startswith("ALE/"):
        return None
    return "Gymnasium wrappers of zoo.envs.atari.make_atari_env, as `zoo play` uses"


def protocol(episodes: int, seed: int, config: RunConfig, chosen_by_user: bool = False) -> str:
    """How the score is measured, in the words the model card shows."""
    actions = ("the uniformly random policy whose values td0 predicts (td0 chooses no actions)" if config.algo == "td0"
               else "greedy actions")
    if chosen_by_user:
        return f"{actions} over {episodes} episodes on env seeds {seed}, {seed} + 1, ... (chosen by the user)"
    where = (" in the Gymnasium wrapper stack `zoo play` uses (zoo.envs.atari.make_atari_env)"
             if config.env_id.startswith("ALE/") else "")
    return (f"{actions} over {episodes} episodes{where}, on env seeds {seed}, {seed} + 1, ... from the held-out "
            "`final` stream (zoo.envs.seeds): never used to train the agent nor to choose which weights to keep "
            "(periodic evaluations use the `select` stream). Mean ± std of the episode returns; the 95% "
            "confidence interval of the mean is a percentile bootstrap.")
