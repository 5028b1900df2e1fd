"""The model card (``README.md`` of a run directory): YAML front matter the Hub parses, then a body that
says what the agent is, how its score was measured, how to use it and how to train it again."""

from __future__ import annotations

import math
from pathlib import Path

from zoo.atomic import write_text
from zoo.run_dir import Results, RunConfig, read_config, read_results

LIBRARY_NAME = "value-zoo"


def model_card(config: RunConfig, results: Results) -> str:
    """The card's text; ``REPO_ID`` stands for the repo name until ``zoo push`` fills it in."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    algo, env_id = config.algo, config.env_id
    score = f"{results.mean_reward:.2f} +/- {results.std_reward:.2f}"
    data = ModelCardData(
        library_name=LIBRARY_NAME,
        tags=["reinforcement-learning", "deep-reinforcement-learning", env_id, algo, LIBRARY_NAME],
        model_name=f"{algo}-{env_id.replace('/', '-')}",
        eval_results=[EvalResult(task_type="reinforcement-learning", task_name="reinforcement-learning",
                                 dataset_type=env_id, dataset_name=env_id, metric_type="mean_reward",
                                 metric_value=score)],
    )
    hyper = "\n".join(f"| `{k}` | `{v}` |" for k, v in config.hyperparameters.items())
    env_note = ""
    if config.preprocessing:
        env_note = ("\n\nObservations: " + ", ".join(f"{k} {v}" for k, v in config.preprocessing.items())
                    + ". No sticky actions (`repeat_action_probability=0`).")
    if config.converted_from:
        src = config.converted_from
        env_note += f"\n\nConverted from a {src['format']} checkpoint ({src['source']}, file `{src['file']}`)."
    stopped = config.stopped_by_time_limit
    trained = (f"{stopped['at_step']:,} environment steps ({stopped['minutes']:g} minutes of training)" if stopped
               else f"{config.steps:,} environment steps")
    kwargs = f" (env kwargs `{config.env_kwargs}`)" if config.env_kwargs else ""
    reproduce = f"\n\n## Train it again\n\n```bash\n{config.command}\n```" if config.command else ""
    ci = ""
    if all(math.isfinite(x) for x in results.ci95):
        ci = f", 95% confidence interval of the mean {results.ci95[0]:.2f} to {results.ci95[1]:.2f}"
    won = f"; {results.episodes_won} of {results.n_episodes} games won" if results.episodes_won is not None else ""
    template = f"""---
{{{{ card_data }}}}
---

# {algo} on {env_id}

A **{algo}** agent for `{env_id}`{kwargs}, trained with value-zoo for {trained}, seed {config.seed}.{env_note}

## Evaluation

**Mean reward {score}** over {results.n_episodes} episodes{ci}{won}.

How it was measured: {results.protocol}

## Use it

```bash
zoo pull REPO_ID                                 # into the Hugging Face cache
zoo play REPO_ID --episodes 5 --video play.mp4   # greedy episodes, a colour video of the first
```

```python
import hub
agent = hub.load("REPO_ID")          # or zoo.load("a/local/run-directory")
action = agent.act(observation)      # greedy
```{reproduce}

## Hyperparameters

| name | value |
|---|---|
{hyper}

## Learning curve

![learning curve](learning_curve.png)

## Replay

<video controls src="replay.mp4"></video>
"""
    return ModelCard.from_template(data, template_str=template).content


def write_model_card(run_dir: Path) -> None:
    """(Re)generate ``README.md`` from ``config.json`` and ``results.json``."""
    write_text(run_dir / "README.md", model_card(read_config(run_dir), read_results(run_dir)))
