"""The model card (``README.md`` of a run directory): YAML front matter the Hub parses, then a body that
says what the agent is, how its score was measured, how to use it and how to train it again."""

from __future__ import annotations

import math
from pathlib import Path

from zoo.rundir.atomic import write_text
from zoo.rundir.files import Results, RunConfig, read_config, read_results

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
    stopped, solved = config.stopped_by_time_limit, config.stopped_when_solved
    if stopped:
        trained = f"{stopped['at_step']:,} environment steps ({stopped['minutes']:g} minutes of training)"
    elif solved:
        trained = (f"{solved['at_step']:,} environment steps (it stopped when a periodic evaluation reached a mean "
                   f"of {solved['stop_at']:g}; the score below comes from other, held-out episodes)")
    else:
        trained = f"{config.steps:,} environment steps"
    kwargs = f" (env kwargs `{config.env_kwargs}`)" if config.env_kwargs else ""
    reproduce = f"\n\n## Train it again\n\n```bash\n{config.command}\n```" if config.command else ""
    ci = ""
    if all(math.isfinite(x) for x in results.ci95):
        ci = f", 95% confidence interval of the mean {results.ci95[0]:.2f} to {results.ci95[1]:.2f}"
    won = f"; {results.episodes_won} of {results.n_episodes} games won" if results.episodes_won is not None else ""
    standalone = standalone_snippet(config)
    standalone = f"\nWith plain PyTorch, no value-zoo needed:\n\n```python\n{standalone}```\n" if standalone else ""
    act_line = ("value = agent.values([observation])[0]  # v(s) of the random policy td0 learned to predict"
                if algo == "td0" else "action = agent.act(observation)  # the greedy action")
    kwargs_arg = f", {config.env_kwargs!r}" if config.env_kwargs else ""
    template = f"""---
{{{{ card_data }}}}
---

# {algo} on {env_id}

A **{algo}** agent for `{env_id}`{kwargs}, trained with value-zoo for {trained}, seed {config.seed}.{env_note}

## Evaluation

**Mean reward {score}** over {results.n_episodes} episodes{ci}{won}.

How it was measured: {results.protocol}

## Use it
{standalone}
With value-zoo (`pip install -e .` in a checkout of its source; it is not on PyPI):

```bash
zoo play REPO_ID --episodes 5 --video play.mp4   # pulls the repo, plays greedy episodes, films the first
```

```python
import hub
from zoo.envs.make import make_env

agent = hub.load("REPO_ID")  # pulled into the Hugging Face cache; zoo.load("a/run-dir") for local runs
env = make_env("{env_id}"{kwargs_arg})  # the env and observation pipeline it was trained on
observation, _ = env.reset(seed=0)
{act_line}
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


def standalone_snippet(config: RunConfig) -> str | None:
    """Python that loads the pushed weights with torch, safetensors and huggingface_hub alone and picks a
    greedy action; written for this run's network, so it runs as it stands (tests run it against a Hub)."""
    hp, obs = config.hyperparameters, config.spaces.observation
    head = "import torch\nfrom huggingface_hub import hf_hub_download\nfrom safetensors.torch import load_file\n\n"
    weights = 'load_file(hf_hub_download("REPO_ID", "model.safetensors"))'
    if config.algo in ("planner", "q-learning", "q-iteration"):
        return (f"# pip install torch safetensors huggingface_hub\n{head}q = {weights}[\"q\"]  # Q[state, action]\n"
                "state = 0\naction = int(q[state].argmax())  # the greedy action in that state\n")
    if config.algo != "dqn":
        return None
    n_actions = config.spaces.action["n"]
    if obs.get("type") == "Discrete":
        n_in, to_input = obs["n"], f"torch.nn.functional.one_hot(torch.tensor([state]), {obs['n']}).float()"
        example, sample = "state = 0", "x = " + to_input
    elif len(obs.get("shape", [])) == 1:
        n_in, example, sample = obs["shape"][0], f"x = torch.zeros(1, {obs['shape'][0]})  # a batch of observations", ""
    else:
        n_in, example, sample = 0, "x = torch.zeros(1, 4, 84, 84, dtype=torch.uint8)  # 4 stacked 84x84 grey frames", ""
    if n_in:
        sizes = [n_in, *[int(h) for h in str(hp.get("hidden", "")).split(",") if h.strip()]]
        layers = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            layers.append(f"nn.Linear({a}, {b})")
            if i < len(sizes) - 2:
                layers.append("nn.ReLU()")
        body = (f"nn.Sequential(nn.Sequential({', '.join(layers)}), nn.ReLU())" if len(sizes) > 1 else "nn.Identity()")
        features, scale = sizes[-1], "\n"
    else:
        convs = ("nn.Conv2d(4, 16, 8, stride=4), nn.ReLU(), nn.Conv2d(16, 32, 4, stride=2), nn.ReLU()"
                 if hp.get("cnn") == "small" else
                 "nn.Conv2d(4, 32, 8, stride=4), nn.ReLU(), nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(), "
                 "nn.Conv2d(64, 64, 3, stride=1), nn.ReLU()")
        flat, features = (32 * 9 * 9, 256) if hp.get("cnn") == "small" else (64 * 7 * 7, 512)
        body = "Frames()"
        scale = (f"\n\nclass Frames(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                 f"        self.conv = nn.Sequential({convs}, nn.Flatten())\n"
                 f"        self.fc = nn.Sequential(nn.Linear({flat}, {features}), nn.ReLU())\n\n"
                 "    def forward(self, x):\n        return self.fc(self.conv(x.float() / 255))  # pixels scaled to [0, 1]\n")
    if hp.get("dueling"):
        heads = (f"        self.value = nn.Linear({features}, 1)\n        self.advantage = nn.Linear({features}, {n_actions})\n")
        out = "a = self.advantage(h)\n        return self.value(h) + a - a.mean(-1, keepdim=True)"
    else:
        heads, out = f"        self.head = nn.Linear({features}, {n_actions})\n", "return self.head(h)"
    head = head.replace("load_file\n", "load_file\nfrom torch import nn\n")
    return (f"# pip install torch safetensors huggingface_hub\n{head.rstrip()}{scale}\n\n"
            f"class QNetwork(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            f"        self.body = {body}\n{heads}\n    def forward(self, x):\n        h = self.body(x)\n"
            f"        {out}\n\n\nnet = QNetwork()\nnet.load_state_dict({weights})\n{example}\n"
            + (f"{sample}\n" if sample else "")
            + "action = int(net(x).argmax(-1)[0])  # the greedy action\n")


def write_model_card(run_dir: Path) -> None:
    """(Re)generate ``README.md`` from ``config.json`` and ``results.json``."""
    write_text(run_dir / "README.md", model_card(read_config(run_dir), read_results(run_dir)))
