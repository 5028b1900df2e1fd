"""The run directory: everything one trained agent is, laid out exactly like a Hub model repo.

```
model.safetensors   tables or weights; metadata names the format and its version
config.json         algo, env id and kwargs, spaces, hyperparameters, versions
results.json        greedy evaluation: mean_reward, std_reward, n_episodes
metrics.csv         one row per training episode; evaluations.csv one per periodic evaluation
learning_curve.png  replay.mp4  README.md (the model card)
```
"""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from zoo.atomic import atomic_path, write_json, write_text
from zoo.errors import ZooError

FORMAT = "value-zoo"
FORMAT_VERSION = 1
LIBRARY_NAME = "value-zoo"
REQUIRED_FILES = ("model.safetensors", "config.json")


def versions() -> dict[str, str]:
    """Versions of what produced a run, for config.json."""
    import gymnasium
    import zoo

    return {"zoo": zoo.__version__, "python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__, "gymnasium": gymnasium.__version__}


def save_model(path: Path, tensors: dict[str, Any], algo: str) -> None:
    """Write tables (numpy) or weights (torch) to ``model.safetensors`` atomically."""
    as_torch = {k: (torch.from_numpy(np.ascontiguousarray(v)) if isinstance(v, np.ndarray) else v.contiguous())
                for k, v in tensors.items()}
    metadata = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "algo": algo}
    with atomic_path(path) as tmp:
        save_file(as_torch, str(tmp), metadata=metadata)


def load_model(path: Path) -> dict[str, torch.Tensor]:
    """Read ``model.safetensors``; a missing, truncated or corrupt file raises ZooError naming it."""
    if not path.is_file():
        raise ZooError(f"{path} is missing: the run directory is incomplete. Retrain, or pull it again.")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise ZooError(f"{path} is corrupt or truncated ({error}). Retrain, or pull it again from the Hub.") from error


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON file of the run directory; missing or invalid files raise ZooError naming them."""
    if not path.is_file():
        raise ZooError(f"{path} is missing: the run directory is incomplete. Retrain, or pull it again.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ZooError(f"{path} is not valid JSON ({error}). Retrain, or pull it again.") from error
    if not isinstance(data, dict):
        raise ZooError(f"{path} should hold a JSON object")
    return data


def check_run_dir(run_dir: Path) -> None:
    """Raise ZooError unless ``run_dir`` is a directory with the files needed to load an agent."""
    if not run_dir.is_dir():
        raise ZooError(f"no run directory at {run_dir}. Train one with `zoo train ALGO ENV`, or give a path "
                       "printed by `zoo train`.")
    missing = [name for name in REQUIRED_FILES if not (run_dir / name).is_file()]
    if missing:
        raise ZooError(f"{run_dir} is not a complete run directory: {', '.join(missing)} missing. "
                       "Retrain, or pull it again.")


def write_results(run_dir: Path, returns: np.ndarray, env_id: str, seed: int) -> dict[str, Any]:
    """Write ``results.json`` for a greedy evaluation and return its content."""
    results = {
        "mean_reward": float(np.mean(returns)), "std_reward": float(np.std(returns)), "n_episodes": int(len(returns)),
        "greedy": True, "env_id": env_id, "eval_seed": seed,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if env_id.startswith("ALE/"):
        results["pipeline"] = "Gymnasium wrappers of zoo.atari.make_atari_env, as `zoo play` uses"
    write_json(run_dir / "results.json", results)
    return results


def model_card(config: dict[str, Any], results: dict[str, Any]) -> str:
    """The README.md of a run: YAML front matter the Hub parses (model-index mean_reward) and a body."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    algo, env_id = config["algo"], config["env_id"]
    name = f"{algo}-{env_id.replace('/', '-')}"
    score = f"{results['mean_reward']:.2f} +/- {results['std_reward']:.2f}"
    data = ModelCardData(
        library_name=LIBRARY_NAME,
        tags=["reinforcement-learning", "deep-reinforcement-learning", env_id, algo, LIBRARY_NAME],
        model_name=name,
        eval_results=[EvalResult(task_type="reinforcement-learning", task_name="reinforcement-learning",
                                 dataset_type=env_id, dataset_name=env_id, metric_type="mean_reward",
                                 metric_value=score)],
    )
    hyper = "\n".join(f"| `{k}` | `{v}` |" for k, v in config.get("hyperparameters", {}).items())
    preprocessing = config.get("preprocessing")
    env_note = ""
    if preprocessing:
        env_note = ("\n\nObservations: " + ", ".join(f"{k} {v}" for k, v in preprocessing.items())
                    + ". No sticky actions (`repeat_action_probability=0`).")
    if config.get("converted_from"):
        src = config["converted_from"]
        env_note += f"\n\nConverted from a {src['format']} checkpoint ({src['source']}, file `{src['file']}`)."
    env_kwargs = config.get("env_kwargs") or {}
    stopped = config.get("stopped_by_time_limit")
    trained = (f"{stopped['at_step']:,} environment steps ({stopped['minutes']:g} minutes of training)" if stopped
               else f"{config.get('steps', 0):,} environment steps")
    reproduce = ""
    if config.get("command"):
        reproduce = f"\n\n## Train it again\n\n```bash\n{config['command']}\n```"
    template = f"""---
{{{{ card_data }}}}
---

# {algo} on {env_id}

A **{algo}** agent for `{env_id}`{f" (env kwargs `{env_kwargs}`)" if env_kwargs else ""}, trained with
value-zoo for {trained}, seed {config.get("seed")}.{env_note}

Greedy evaluation over {results["n_episodes"]} episodes: **mean reward {score}**.

## Use it

```bash
pip install value-zoo
zoo pull REPO_ID                                 # into the Hugging Face cache
zoo play REPO_ID --episodes 5 --video play.mp4   # greedy episodes, a colour video of the first
```

```python
import zoo
agent = zoo.load("REPO_ID")          # or a local run directory
action = agent.act(observation)      # greedy; agent.q_values(observation) gives Q(s, ·)
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
    config = read_json(run_dir / "config.json")
    results = read_json(run_dir / "results.json")
    write_text(run_dir / "README.md", model_card(config, results))


def load_agent(run_dir: Path, device: str = "cpu", env_id: str | None = None):
    """Build the agent a run directory describes and load its weights or tables.

    With ``env_id``, check first that the agent fits that env's spaces; a mismatch names both envs.
    """
    from zoo.algorithms import build_agent, get_algorithm
    from zoo.config import build_config

    check_run_dir(run_dir)
    config = read_json(run_dir / "config.json")
    if config.get("format_version") != FORMAT_VERSION:
        raise ZooError(f"{run_dir / 'config.json'} has format_version {config.get('format_version')!r}; "
                       f"this zoo reads version {FORMAT_VERSION}. Upgrade value-zoo.")
    try:
        algorithm = get_algorithm(config["algo"])
        hyper = config.get("hyperparameters", {})
        spaces = config["spaces"]
    except KeyError as error:
        raise ZooError(f"{run_dir / 'config.json'} lacks the key {error}. Retrain, or pull it again.") from None
    if env_id is not None and env_id != config.get("env_id"):
        _check_env_fits(run_dir, config, env_id)
    agent_config = build_config(algorithm.agent_class.Config, hyper)
    agent = build_agent(algorithm, agent_config, spaces["observation"], spaces["action"],
                        seed=config.get("seed", 0), device=device)
    state = load_model(run_dir / "model.safetensors")
    agent.load_state_dict({k: v.numpy() for k, v in state.items()} if algorithm.tabular else state)
    agent.run_config = config
    return agent


def _check_env_fits(run_dir: Path, config: dict[str, Any], env_id: str) -> None:
    from zoo.algorithms import space_desc
    from zoo.envs import make_env

    env = make_env(env_id)
    wanted = {"observation": space_desc(env.observation_space), "action": space_desc(env.action_space)}
    env.close()
    if wanted != config["spaces"]:
        def show(spaces: dict) -> str:
            obs, act = spaces["observation"], spaces["action"]
            o = f"{obs['type']}({obs['n']})" if "n" in obs else f"{obs['type']}{tuple(obs['shape'])} {obs.get('dtype', '')}"
            return f"observations {o.strip()}, {act.get('n', '?')} actions"

        raise ZooError(f"{run_dir} holds a {config['algo']} agent trained on {config['env_id']} ({show(config['spaces'])}), "
                       f"but {env_id} has {show(wanted)}. Use an agent trained on {env_id}.")
