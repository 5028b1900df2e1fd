"""The model card (``README.md`` of a run directory): YAML front matter the Hub parses, then a body that
says what the agent is, how its score was measured, how to use it and how to train it again."""

from __future__ import annotations

import math
from pathlib import Path

from zoo.rundir.atomic import write_text
from zoo.rundir.files import Results, RunConfig, read_config, read_results
from zoo.rundir.metrics import read_csv

LIBRARY_NAME = "value-zoo"


ALE_STICKY = 0.25
"""ALE v5's default repeat_action_probability (zoo.envs.atari.STICKY; rundir may not import envs)"""


def field_id(env_id: str, env_kwargs: dict, preprocessing: dict | None = None) -> str:
    """The env as the Hub's cards and leaderboards name it: an ALE ``-v5`` id only with v5's sticky actions
    (0.25), the ``NoFrameskip-v4`` id for the deterministic game (``zoo.envs.atari.v4_id``, tested equal);
    other env kwargs appended as ``-key_value`` (RL Zoo's way: ``FrozenLake-v1-is_slippery_False``)."""
    if env_id.startswith("ALE/"):
        p = env_kwargs.get("repeat_action_probability", (preprocessing or {}).get("sticky_actions", ALE_STICKY))
        if float(p) != ALE_STICKY:
            env_id = env_id.split("/", 1)[1].split("-v")[0] + "NoFrameskip-v4"
        env_kwargs = {k: v for k, v in env_kwargs.items() if k not in ("repeat_action_probability", "noop_max")}
    return env_id + "".join(f"-{k}_{str(v).replace(' ', '')}" for k, v in sorted(env_kwargs.items()))


def is_deep(config: RunConfig) -> bool:
    """Whether the run's agent has a neural network: every deep algorithm here has a ``hidden`` hyperparameter
    and no tabular one does (tests/test_run_dir.py checks this against the registry)."""
    return "hidden" in config.hyperparameters


LEADERBOARD_FILE = "agent.pt"
"""the TorchScript policy `zoo export --format open-rl-leaderboard` writes (zoo.learning.export)"""


def leaderboard_id(env_id: str) -> str:
    """The id the Open RL Leaderboard evaluates: Atari as ``NoFrameskip-v4`` in its standard preprocessing."""
    return field_id(env_id, {"repeat_action_probability": 0.0}) if env_id.startswith("ALE/") else env_id


def model_card(config: RunConfig, results: Results, leaderboard: bool = False, kept: dict | None = None) -> str:
    """The card's text; ``REPO_ID`` stands for the repo name until ``zoo push`` fills it in. ``leaderboard``:
    the run holds ``agent.pt`` for the Open RL Leaderboard, which the card tags and names. ``kept``: the periodic
    evaluation whose weights the run kept (``kept_evaluation``), which the card names."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    algo, env_id = config.algo, config.env_id
    # what was played, by the id the field reads: ALE/Pong-v5 is sticky actions, PongNoFrameskip-v4 none; other
    # env kwargs go into the id (FrozenLake-v1-is_slippery_False), so two different tasks never share one
    trained_on = field_id(env_id, config.env_kwargs, config.preprocessing)
    played = [(f["env_id"], f) for f in (results.protocols or {}).values()] or [(trained_on, None)]
    eval_results = [EvalResult(task_type="reinforcement-learning", task_name="reinforcement-learning",
                               dataset_type=played_id, dataset_name=played_id, metric_type="mean_reward",
                               metric_name="mean_reward", verified=False,
                               metric_value=(f"{f['mean_reward']:.2f} +/- {f['std_reward']:.2f}" if f else
                                             f"{results.mean_reward:.2f} +/- {results.std_reward:.2f}"))
                    for played_id, f in played]
    deep = ["deep-reinforcement-learning"] if is_deep(config) else []
    data = ModelCardData(
        library_name=LIBRARY_NAME,
        tags=["reinforcement-learning", *deep,
              *dict.fromkeys([trained_on, *(p for p, _ in played), *([leaderboard_id(env_id)] if leaderboard else [])]),
              algo, LIBRARY_NAME],
        model_name=f"{algo}-{trained_on.replace('/', '-')}",
        eval_results=eval_results,
    )
    hyper = "\n".join(f"| `{k}` | `{v}` |" for k, v in config.hyperparameters.items())
    env_note = ""
    if config.preprocessing:
        sticky = config.env_kwargs.get("repeat_action_probability", config.preprocessing.get("sticky_actions"))
        env_note = ("\n\nObservations: " + ", ".join(f"{k} {v}" for k, v in config.preprocessing.items() if
                                                     k != "sticky_actions") + ". "
                    + (f"Trained with sticky actions (`repeat_action_probability={sticky:g}`, ALE v5's default)."
                       if sticky else "Trained without sticky actions (`repeat_action_probability=0`: the "
                       "deterministic game, as `NoFrameskip-v4`)."))
    if leaderboard:
        env_note += (f"\n\n`{LEADERBOARD_FILE}` is the greedy policy as TorchScript for the "
                     f"[Open RL Leaderboard](https://huggingface.co/spaces/open-rl-leaderboard/leaderboard), which plays "
                     f"it on `{leaderboard_id(env_id)}` in its own preprocessing (`zoo export --format "
                     "open-rl-leaderboard`). It is the only file here that is not safetensors: loading it runs code "
                     "it carries, so load it only if you trust this repo; value-zoo itself never reads it.")
    if config.converted_from:
        src = config.converted_from
        env_note += f"\n\nConverted from a {src['format']} checkpoint ({src['source']}, file `{src['file']}`)."
    if config.initialized_from:
        src = config.initialized_from
        start = src.get("score")
        machine = machines_text(src.get("trained_on"))
        env_note += (f"\n\nStarted from the weights of `{src['source']}` ({src['algo']} on {src['env_id']}, trained "
                     f"{src['steps']:,} environment steps" + (f" on {machine}" if machine else "")
                     + (f", mean reward {start['mean_reward']:.2f} over {start['n_episodes']} episodes" if start else "")
                     + "), with a fresh replay buffer and exploration schedule (`--init-from`)"
                     + "".join(f"; {src[key]}" for key in ("body", "head") if src.get(key))
                     + "; the steps below are this run's own.")
    stopped, solved = config.stopped_by_time_limit, config.stopped_when_solved
    if stopped:
        trained = (f"{stopped['at_step']:,} environment steps (stopped by a time limit of {stopped['minutes']:g} "
                   "minutes of training)")
    elif solved:
        trained = (f"{solved['at_step']:,} environment steps (it stopped when a periodic evaluation reached a mean "
                   f"of {solved['stop_at']:g}; the score below comes from other, held-out episodes)")
    else:
        trained = f"{config.steps:,} environment steps"
    kept_note = (f" Its weights are those of its best periodic evaluation, at step {kept['step']:,} (mean "
                 f"{kept['mean_reward']:.2f} over {kept['n_episodes']} episodes); that evaluation chose them, so the "
                 "score below comes from other, held-out episodes." if kept else "")
    machine = machines_text(config.trained_on)
    if machine:
        env_note += f"\n\nTrained on {machine}."
    kwargs = f" (env kwargs `{config.env_kwargs}`)" if config.env_kwargs else ""
    reproduce = f"\n\n## Train it again\n\n```bash\n{config.command}\n```" if config.command else ""
    standalone = standalone_snippet(config)
    standalone = f"\nWith plain PyTorch, no value-zoo needed:\n\n```python\n{standalone}```\n" if standalone else ""
    act_line = ("value = agent.values([observation])[0]  # v(s) of the random policy td0 learned to predict"
                if algo == "td0" else "action = agent.act(observation)  # the greedy action")
    kwargs_arg = f", {config.env_kwargs!r}" if config.env_kwargs else ""
    # an env of another package is registered by importing it: the snippets say so, as zoo asks the user to
    packages = list(config.gym_packages or ())
    play_packages = f" --gym-packages {' '.join(packages)}" if packages else ""
    imports = "".join(f"import {name}  # registers {env_id} with Gymnasium\n" for name in packages)
    template = f"""---
{{{{ card_data }}}}
---

# {algo} on {env_id}

A **{algo}** agent for `{env_id}`{kwargs}, trained with value-zoo for {trained}, seed {config.seed}.{kept_note}{env_note}

## Evaluation

{evaluation_text(results)}

## Use it
{standalone}
With value-zoo (`pip install -e .` in a checkout of its source; it is not on PyPI):

```bash
zoo play REPO_ID --episodes 5 --video play.mp4{play_packages}   # pulls the repo, plays greedy episodes, films the first
```

```python
{imports}import hub
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


def machine_text(machine: dict) -> str:
    """One training session's machine in words: ``AMD EPYC (AVX512), 2 threads, bf16 updates, torch 2.13.0+cpu``.
    Read from a (possibly downloaded) config.json: every field may be missing."""
    if machine.get("not_recorded"):
        return "a machine not recorded (a session before value-zoo recorded it)"
    threads = machine.get("threads")
    threads = f"{threads} thread{'' if threads == 1 else 's'}" if isinstance(threads, int) else "threads not recorded"
    parts = [f"{machine['gpu']} (CUDA), host CPU {machine.get('cpu', 'unknown')}" if machine.get("gpu")
             else f"{machine.get('cpu', 'an unnamed CPU')}, {threads}"]
    if machine.get("precision"):
        parts.append(f"{machine['precision']} updates")
    if machine.get("torch"):
        parts.append(f"torch {machine['torch']}")
    return ", ".join(parts)


def machines_text(machines: list[dict] | None) -> str:
    """Every session's machine (``RunConfig.trained_on``), the same ones said once: "A", or "A, then B"."""
    if not machines:
        return ""
    said = list(dict.fromkeys(machine_text(m) for m in machines if isinstance(m, dict)))
    return ", then ".join(said)


def evaluation_text(results: Results) -> str:
    """The card's evaluation: one line for most envs; for Atari, a table with a row per protocol."""
    where = results.inference
    computed = ""
    if where:
        on = where.get("cpu") or where.get("gpu") or where["device"]
        computed = f"\n\nGreedy actions computed in {where['precision']} on {on}."
    if not results.protocols:
        ci = ""
        if all(math.isfinite(x) for x in results.ci95):
            ci = f", 95% confidence interval of the mean {results.ci95[0]:.2f} to {results.ci95[1]:.2f}"
        won = f"; {results.episodes_won} of {results.n_episodes} games won" if results.episodes_won is not None else ""
        return (f"**Mean reward {results.mean_reward:.2f} +/- {results.std_reward:.2f}** over {results.n_episodes} "
                f"episodes{ci}{won}.\n\nHow it was measured: {results.protocol}{computed}")
    rows, notes = [], []
    for name, f in results.protocols.items():
        if f.get("exact"):
            mean, interval = f"**{f['mean_reward']:.2f}** (exact)", "none: every start played"
        else:
            mean = f"**{f['mean_reward']:.2f}** ± {f['std_reward']:.2f}"
            low, high = f.get("ci95") or (None, None)
            interval = f"{low:.2f} to {high:.2f}" if low is not None and high is not None else "n/a"
        rows.append(f"| `{name}` | `{f['env_id']}` | {f['n_episodes']} | {mean} | {interval} | {f['episodes_won']} | "
                    f"{f['episodes_lost']} | {f['worst']:+g} |")
        notes.append(f"- `{name}`: {f['protocol']}")
    return ("| protocol | played as | games | mean reward | 95% CI | won | lost | worst |\n"
            "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\nHow each was measured:\n\n"
            + "\n".join(notes) + computed)


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
        side = int(obs.get("shape", [4, 84, 84])[-1])
        n_in, sample = 0, ""
        example = f"x = torch.zeros(1, 4, {side}, {side}, dtype=torch.uint8)  # 4 stacked {side}x{side} grey frames"
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
        if hp.get("cnn") in ("small", "wide"):
            w = 2 if hp["cnn"] == "wide" else 1
            convs = (f"nn.Conv2d(4, {16 * w}, 8, stride=4), nn.ReLU(), nn.Conv2d({16 * w}, {32 * w}, 4, stride=2), "
                     "nn.ReLU()")
            features = 256 * w
        else:
            convs = ("nn.Conv2d(4, 32, 8, stride=4), nn.ReLU(), nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(), "
                     "nn.Conv2d(64, 64, 3, stride=1), nn.ReLU()")
            features = 512
        body = "Frames()"
        scale = (f"\n\nclass Frames(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                 f"        self.conv = nn.Sequential({convs}, nn.Flatten())\n"
                 f"        flat = self.conv(torch.zeros(1, 4, {side}, {side})).shape[1]  # the convolutions' outputs\n"
                 f"        self.fc = nn.Sequential(nn.Linear(flat, {features}), nn.ReLU())\n\n"
                 "    def forward(self, x):\n        return self.fc(self.conv(x.float() / 255))  # pixels scaled to [0, 1]\n")
    nq = int(hp.get("quantiles") or 0)  # QR-DQN: N quantiles per action, and Q their mean
    if hp.get("dueling") and nq:
        heads = (f"        self.value = nn.Linear({features}, {nq})\n"
                 f"        self.advantage = nn.Linear({features}, {n_actions * nq})\n")
        out = (f"a = self.advantage(h).view(-1, {n_actions}, {nq})\n"
               f"        z = self.value(h)[:, None] + a - a.mean(1, keepdim=True)  # {nq} quantiles per action\n"
               "        return z.mean(-1)  # Q: their mean")
    elif hp.get("dueling"):
        heads = (f"        self.value = nn.Linear({features}, 1)\n        self.advantage = nn.Linear({features}, {n_actions})\n")
        out = "a = self.advantage(h)\n        return self.value(h) + a - a.mean(-1, keepdim=True)"
    elif nq:
        heads = f"        self.head = nn.Linear({features}, {n_actions * nq})\n"
        out = f"return self.head(h).view(-1, {n_actions}, {nq}).mean(-1)  # Q: the mean of {nq} quantiles"
    else:
        heads, out = f"        self.head = nn.Linear({features}, {n_actions})\n", "return self.head(h)"
    head = head.replace("load_file\n", "load_file\nfrom torch import nn\n")
    return (f"# pip install torch safetensors huggingface_hub\n{head.rstrip()}{scale}\n\n"
            f"class QNetwork(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            f"        self.body = {body}\n{heads}\n    def forward(self, x):\n        h = self.body(x)\n"
            f"        {out}\n\n\nnet = QNetwork()\nnet.load_state_dict({weights})\n{example}\n"
            + (f"{sample}\n" if sample else "")
            + "action = int(net(x).argmax(-1)[0])  # the greedy action\n")


def kept_evaluation(run_dir: Path) -> dict | None:
    """The periodic evaluation whose weights a deep run kept as ``model.safetensors``: the latest one that tied or
    beat the best before it, as the trainer keeps them (zoo.training.loop); None without evaluations."""
    rows = read_csv(run_dir / "evaluations.csv")
    best, kept = -math.inf, None
    for step, mean, n in zip(rows.get("step", []), rows.get("mean_reward", []), rows.get("n_episodes", [])):
        if mean >= best:
            best, kept = mean, {"step": int(step), "mean_reward": mean, "n_episodes": int(n)}
    return kept


def write_model_card(run_dir: Path) -> None:
    """(Re)generate ``README.md`` from ``config.json`` and ``results.json`` (and, for a deep run, ``evaluations.csv``:
    which evaluation chose its weights)."""
    config = read_config(run_dir)
    write_text(run_dir / "README.md", model_card(config, read_results(run_dir),
                                                 leaderboard=(run_dir / LEADERBOARD_FILE).is_file(),
                                                 kept=kept_evaluation(run_dir) if is_deep(config) else None))
