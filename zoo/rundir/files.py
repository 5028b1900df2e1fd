"""The run directory: everything one trained agent is, laid out exactly like a Hub model repo.

```
model.safetensors   tables or weights; metadata names the format and its version
config.json         RunConfig: algo, env id and kwargs, spaces, hyperparameters, versions, how it was made
results.json        Results: the held-out greedy evaluation (mean, std, 95% CI, per-episode returns)
metrics.csv         one row per training episode; evaluations.csv one per periodic evaluation
learning_curve.png  replay.mp4  README.md (the model card, zoo.rundir.card)
```

Training and conversion (``hub.formats``) both write ``config.json`` through ``RunConfig`` and
``results.json`` through ``Results``; loading validates them the same way.
"""

from __future__ import annotations

import dataclasses
import json
import math
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from zoo.errors import ZooError
from zoo.rundir.atomic import atomic_path, write_json

FORMAT = "value-zoo"
FORMAT_VERSION = 3
"""config.json's version. 3: an Atari run without a ``repeat_action_probability`` env kwarg plays ALE v5's
sticky actions (0.25); versions 1 and 2 played without them, and are read with the kwarg 0 in env_kwargs
(``_from_version_2``). 2: dqn's target_update_interval counts env steps (SB3's unit); 1 counted gradient
steps, read in version 2's units (``_from_version_1``)."""
MODEL_FORMAT_VERSION = 1
"""model.safetensors' version (its tensors' names and layout), unchanged since the first."""
REQUIRED_FILES = ("model.safetensors", "config.json")


def zoo_version() -> str:
    """value-zoo's version from the package's metadata, so it cannot drift from pyproject.toml."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("value-zoo")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def versions() -> dict[str, str]:
    """Versions of what produced a run, for config.json."""
    import gymnasium
    import torch

    return {"zoo": zoo_version(), "python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__, "gymnasium": gymnasium.__version__}


@dataclass(frozen=True)
class Spaces:
    """The env's spaces as config.json describes them (``{"type": "Discrete", "n": 16}`` or
    ``{"type": "Box", "shape": [4], "dtype": "float32"}``); agents are built from these alone."""

    observation: dict[str, Any]
    action: dict[str, Any]


def space_desc(space) -> dict[str, Any]:
    """A JSON description of a space for config.json; agents are rebuilt from it."""
    if type(space).__name__ == "Discrete":
        return {"type": "Discrete", "n": int(space.n)}
    return {"type": type(space).__name__, "shape": list(space.shape or ()), "dtype": str(space.dtype)}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_OPTIONAL = ("gym_packages", "preprocessing", "command", "schedule", "stopped_by_time_limit", "stopped_when_solved",
             "converted_from", "initialized_from", "trained_on", "versions", "created")
"""RunConfig's fields that config.json may leave out, in the order it writes them."""


@dataclass(frozen=True)
class RunConfig:
    """What a run is: enough to rebuild its agent and to train it again (``config.json``)."""

    algo: str
    env_id: str
    seed: int
    steps: int
    """environment steps the run was asked for"""
    spaces: Spaces
    hyperparameters: dict[str, Any]
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    gym_packages: list[str] | None = None
    """modules imported to register the env (``--gym-packages``, or ``module:EnvId``); never imported on this
    file's word: ``zoo play`` and ``zoo eval`` ask the user for ``--gym-packages``"""
    preprocessing: dict[str, Any] | None = None
    """Atari observation pipeline (zoo.envs.atari.PREPROCESSING)"""
    command: str | None = None
    """the command line(s) that trained it, one per session"""
    schedule: dict[str, Any] | None = None
    """how it was evaluated while training and scored at the end (eval_every, periodic_eval_episodes,
    eval_episodes, eval_protocol, snapshot_every, video, tensorboard): ``--resume`` continues with these"""
    stopped_by_time_limit: dict[str, Any] | None = None
    stopped_when_solved: dict[str, Any] | None = None
    """{"stop_at": threshold, "at_step": step}: a periodic evaluation reached the threshold"""
    converted_from: dict[str, Any] | None = None
    """format, source and file of a checkpoint made by another library"""
    initialized_from: dict[str, Any] | None = None
    """``--init-from``: the agent whose weights it started from (source, algo, env, its steps and score)"""
    trained_on: list[dict[str, Any]] | None = None
    """where each training session of a deep agent ran, in order (``--resume`` adds one): device, the CPU (and GPU),
    the updates' precision, torch's version and its threads at the session's start"""
    versions: dict[str, str] = field(default_factory=versions)
    created: str = field(default_factory=_now)
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["spaces"] = {"observation": self.spaces.observation, "action": self.spaces.action}
        order = ["format_version", "algo", "env_id", "env_kwargs", "seed", "steps", "spaces", "hyperparameters",
                 *_OPTIONAL]
        return {k: data[k] for k in order if data[k] is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any], where: Path | str = "config.json") -> "RunConfig":
        """Validate and build; anything missing or of the wrong type raises ZooError naming ``where``."""
        if data.get("format_version") not in range(1, FORMAT_VERSION + 1) or isinstance(data["format_version"], bool):
            raise ZooError(f"{where} has format_version {data.get('format_version')!r}; this zoo reads versions 1 "
                           f"to {FORMAT_VERSION}. Upgrade value-zoo, or retrain.")
        if data["format_version"] == 1:
            data = _from_version_1(data)
        if data["format_version"] == 2:
            data = _from_version_2(data)
        try:
            spaces = data["spaces"]
            kwargs = dict(algo=data["algo"], env_id=data["env_id"], seed=data.get("seed", 0), steps=data.get("steps", 0),
                          spaces=Spaces(spaces["observation"], spaces["action"]),
                          hyperparameters=data.get("hyperparameters", {}), env_kwargs=data.get("env_kwargs") or {})
        except (KeyError, TypeError) as error:
            raise ZooError(f"{where} lacks the key {error}. Retrain, or pull it again.") from None
        for name in _OPTIONAL:
            if data.get(name) is not None:
                kwargs[name] = data[name]
        _check_types(kwargs, where)
        return cls(**kwargs)


def _from_version_1(data: dict[str, Any]) -> dict[str, Any]:
    """A version-1 config.json in version 2's units: dqn's target_update_interval counted gradient steps, and
    an agent makes ``gradient_steps`` of them every ``train_freq`` steps of ``num_envs`` envs."""
    hyper = data.get("hyperparameters")
    if data.get("algo") != "dqn" or not isinstance(hyper, dict) or "target_update_interval" not in hyper:
        return {**data, "format_version": 2}
    try:
        env_steps_per_update = hyper.get("train_freq", 1) * hyper.get("num_envs", 1) / hyper.get("gradient_steps", 1)
        interval = max(1, round(hyper["target_update_interval"] * env_steps_per_update))
    except (TypeError, ZeroDivisionError):
        return {**data, "format_version": 2}  # the config's own checks will name the bad value
    return {**data, "format_version": 2, "hyperparameters": {**hyper, "target_update_interval": interval}}


def _from_version_2(data: dict[str, Any]) -> dict[str, Any]:
    """A version-2 config.json in version 3's terms: its Atari runs played without sticky actions (the
    pipeline had no such kwarg), which version 3 writes as ``repeat_action_probability=0``."""
    kwargs = data.get("env_kwargs") or {}
    if (isinstance(data.get("env_id"), str) and data["env_id"].startswith("ALE/") and isinstance(kwargs, dict)
            and "repeat_action_probability" not in kwargs):
        kwargs = {**kwargs, "repeat_action_probability": 0.0}
        return {**data, "format_version": FORMAT_VERSION, "env_kwargs": kwargs}
    return {**data, "format_version": FORMAT_VERSION}


def _check_types(kwargs: dict[str, Any], where: Path | str) -> None:
    expected = {"algo": str, "env_id": str, "seed": int, "steps": int, "hyperparameters": dict, "env_kwargs": dict}
    words = {str: "a string", int: "a whole number", dict: "an object"}
    for name, kind in expected.items():
        if not isinstance(kwargs[name], kind) or isinstance(kwargs[name], bool):
            raise ZooError(f"{where}: {name} should be {words[kind]}, not {str(kwargs[name])[:80]!r}. Retrain, or "
                           "pull it again.")
    if not isinstance(kwargs.get("schedule", {}), dict):
        raise ZooError(f"{where}: schedule should be an object, not {str(kwargs['schedule'])[:80]!r}. Retrain, or pull "
                       "it again.")
    machines = kwargs.get("trained_on")
    if machines is not None and not (isinstance(machines, list) and all(isinstance(m, dict) for m in machines)):
        raise ZooError(f"{where}: trained_on should be a list of objects, not {str(machines)[:80]!r}. Retrain, or pull "
                       "it again.")
    packages = kwargs.get("gym_packages")
    if packages is not None and not (isinstance(packages, list) and all(isinstance(x, str) for x in packages)):
        raise ZooError(f"{where}: gym_packages should be a list of module names, not {str(packages)[:80]!r}. "
                       "Retrain, or pull it again.")
    for name in ("observation", "action"):
        space = getattr(kwargs["spaces"], name)
        if not isinstance(space, dict) or not _sane_space(space):
            raise ZooError(f"{where}: spaces.{name} {str(space)[:120]} is not a space this zoo builds agents for "
                           "(Discrete up to 10^6 states, or a Box of at most 4 dimensions up to 4096). Retrain, or "
                           "pull it again.")


def _sane_space(space: dict[str, Any]) -> bool:
    """Bounds on a space read from a (possibly downloaded) config.json, so building its agent cannot exhaust memory."""
    def whole(x: Any, high: int) -> bool:
        return isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= high

    if space.get("type") == "Discrete":
        return whole(space.get("n"), 10**6)
    shape = space.get("shape")
    return (isinstance(shape, list) and 1 <= len(shape) <= 4 and all(whole(d, 4096) for d in shape)
            and space.get("dtype") in ("uint8", "float32", "float64", "int64", "int32"))


@dataclass(frozen=True)
class Results:
    """A greedy evaluation of the kept weights (``results.json``): what the model card reports."""

    mean_reward: float
    std_reward: float
    n_episodes: int
    ci95: tuple[float, float]
    """95% percentile-bootstrap confidence interval of the mean"""
    env_id: str
    eval_seed: int
    """the evaluation env's seed (copy i of a vector env gets eval_seed + i)"""
    protocol: str
    """how the figure was measured, in words, for the card"""
    returns: list[float]
    """every episode's return"""
    episodes_won: int | None = None
    """games won (return > 0) for two-player games such as Pong"""
    pipeline: str | None = None
    episodes_capped: int | None = None
    """episodes cut short by the evaluation's step cap (zoo.envs.make.EPISODE_CAP), if any"""
    greedy: bool = True
    protocols: dict[str, dict[str, Any]] | None = None
    """Atari: each evaluation protocol's figures by name (``sticky``, ``noop-starts``; ``zoo.training.scoring``);
    the fields above repeat the first one's"""
    inference: dict[str, str] | None = None
    """deep agents: where the greedy actions were computed (precision, device, CPU), which can flip a game"""
    date: str = field(default_factory=_now)

    @classmethod
    def of(cls, returns, env_id: str, eval_seed: int, protocol: str, pipeline: str | None = None,
           capped: int = 0, exact: bool = False, **extra: Any) -> "Results":
        """``exact``: the returns are every game there is (a deterministic game's starts), so the mean has
        no sampling error and no confidence interval."""
        from zoo.rundir.stats import bootstrap_ci

        r = np.asarray(returns, dtype=np.float64)
        return cls(mean_reward=float(r.mean()), std_reward=float(r.std()), n_episodes=int(r.size),
                   ci95=(math.nan, math.nan) if exact else bootstrap_ci(r), env_id=env_id, eval_seed=int(eval_seed),
                   protocol=protocol, returns=[float(x) for x in r], pipeline=pipeline, episodes_capped=capped or None,
                   episodes_won=int((r > 0).sum()) if env_id.startswith("ALE/") else None, **extra)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["ci95"] = [None if math.isnan(x) else x for x in self.ci95]  # JSON has no NaN: null is "none"
        # the keys huggingface_sb3 and RL Zoo write (mean_reward and std_reward are already theirs), which scripts
        # and leaderboards parse; n_episodes, greedy and date stay for this project's older readers
        data.update(n_eval_episodes=self.n_episodes, is_deterministic=self.greedy, eval_datetime=self.date)
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any], where: Path | str = "results.json") -> "Results":
        """Validate and build; older results without a CI or returns get them filled in as unknown."""
        try:
            n = int(data["n_episodes"] if "n_episodes" in data else data["n_eval_episodes"])
            mean, std = float(data["mean_reward"]), float(data["std_reward"])
        except (KeyError, TypeError, ValueError) as error:
            raise ZooError(f"{where} lacks a valid mean_reward, std_reward or n_episodes ({error}). "
                           "Evaluate again: zoo eval RUN_DIR --write") from None
        if not all(math.isfinite(x) for x in (mean, std)) or n < 1:
            raise ZooError(f"{where} holds no finite score over at least one episode. Evaluate again: "
                           "zoo eval RUN_DIR --write")
        ci = [math.nan if x is None else float(x) for x in (data.get("ci95") or [None, None])][:2]
        protocols, inference = data.get("protocols"), data.get("inference")
        if protocols is not None and not (isinstance(protocols, dict) and all(_sane_figures(v)
                                                                              for v in protocols.values())):
            raise ZooError(f"{where}: protocols should map each protocol's name to its figures (mean_reward, "
                           f"std_reward, n_episodes, games won and lost, worst, env_id, protocol). Evaluate again: "
                           "zoo eval RUN_DIR --write")
        return cls(mean_reward=mean, std_reward=std, n_episodes=n, ci95=(ci[0], ci[1]),
                   env_id=str(data.get("env_id", "")), eval_seed=int(data.get("eval_seed", 0)),
                   protocol=str(data.get("protocol", "not recorded")), returns=list(data.get("returns", [])),
                   episodes_won=data.get("episodes_won"), pipeline=data.get("pipeline"),
                   episodes_capped=data.get("episodes_capped"),
                   greedy=bool(data.get("greedy", data.get("is_deterministic", True))), protocols=protocols,
                   inference=inference if isinstance(inference, dict) else None, date=str(data.get("date", data.get("eval_datetime", ""))))

    def summary(self) -> str:
        """``15.00 ± 2.28 (95% CI 13.6 to 16.4) over 30 episodes, 30 won``"""
        text = f"{self.mean_reward:.2f} ± {self.std_reward:.2f}"
        if all(math.isfinite(x) for x in self.ci95):
            text += f" (95% CI {self.ci95[0]:.3g} to {self.ci95[1]:.3g})"
        text += f" over {self.n_episodes} episodes"
        if self.episodes_won is not None:
            text += f", {self.episodes_won} won"
        if self.episodes_capped:
            text += f"; {self.episodes_capped} cut short by the evaluation's step cap"
        if not self.protocols:
            return text
        return "; ".join(f"{name}: {describe_protocol(figures)}" for name, figures in self.protocols.items())


def _sane_figures(f: Any) -> bool:
    """Whether one protocol's entry of a (possibly downloaded) results.json has what the card and summary read."""
    numbers = ("mean_reward", "std_reward", "worst")
    counts = ("n_episodes", "episodes_won", "episodes_lost")
    return (isinstance(f, dict) and all(isinstance(f.get(k), (int, float)) and not isinstance(f.get(k), bool)
                                        and math.isfinite(f[k]) for k in numbers)
            and all(isinstance(f.get(k), int) and not isinstance(f.get(k), bool) for k in counts)
            and isinstance(f.get("env_id"), str) and isinstance(f.get("protocol"), str))


def describe_protocol(f: dict[str, Any]) -> str:
    """One protocol's figures in a line: ``exact mean 20.10 over all 30 starts, 30 won, 0 lost, worst +18`` or
    ``19.50 ± 1.20 (95% CI 19.3 to 19.7) over 100 games, 100 won, 0 lost, worst +15``."""
    if f.get("exact"):
        text = f"exact mean {f['mean_reward']:.2f} over all {f['n_episodes']} starts"
    else:
        low, high = f.get("ci95") or (None, None)
        ci = f" (95% CI {low:.3g} to {high:.3g})" if low is not None and high is not None else ""
        text = f"{f['mean_reward']:.2f} ± {f['std_reward']:.2f}{ci} over {f['n_episodes']} games"
    text += f", {f['episodes_won']} won, {f['episodes_lost']} lost, worst {f['worst']:+g}"
    if f.get("episodes_capped"):
        text += f", {f['episodes_capped']} cut short by the step cap"
    return text


# -- files -----------------------------------------------------------------------------------------------


def save_model(path: Path, tensors: dict[str, Any], algo: str) -> None:
    """Write tables (numpy) or weights (torch) to ``model.safetensors`` atomically."""
    import torch
    from safetensors.torch import save_file

    as_torch = {k: (torch.from_numpy(np.ascontiguousarray(v)) if isinstance(v, np.ndarray) else v.contiguous())
                for k, v in tensors.items()}
    metadata = {"format": FORMAT, "format_version": str(MODEL_FORMAT_VERSION), "algo": algo}
    with atomic_path(path) as tmp:
        save_file(as_torch, str(tmp), metadata=metadata)
        _canonical_header(tmp)


def _canonical_header(path: Path) -> None:
    """Rewrite a safetensors header with its keys sorted: safetensors writes the metadata in hash-map order,
    so the same weights saved twice differed in their bytes. Same length, same offsets, same tensors."""
    import struct

    with open(path, "r+b") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length).decode("utf-8"))
        text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        if len(text) > length:  # cannot happen for the same content; keep the library's header if it does
            return
        f.seek(8)
        f.write(text + b" " * (length - len(text)))


def load_model(path: Path) -> dict[str, Any]:
    """Read ``model.safetensors``; a missing, truncated or corrupt file raises ZooError naming it."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

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
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise ZooError(f"{path} is not valid JSON ({str(error)[:200]}). Retrain, or pull it again.") from None
    if not isinstance(data, dict):
        raise ZooError(f"{path} should hold a JSON object")
    return data


def read_config(run_dir: Path) -> RunConfig:
    """``config.json`` of a run directory, validated."""
    return RunConfig.from_json(read_json(run_dir / "config.json"), run_dir / "config.json")


def write_config(run_dir: Path, config: RunConfig) -> None:
    write_json(run_dir / "config.json", config.to_json())


def read_results(run_dir: Path) -> Results:
    """``results.json`` of a run directory, validated."""
    return Results.from_json(read_json(run_dir / "results.json"), run_dir / "results.json")


def write_results(run_dir: Path, results: Results) -> None:
    write_json(run_dir / "results.json", results.to_json())


def check_run_dir(run_dir: Path) -> None:
    """Raise ZooError unless ``run_dir`` is a directory with the files needed to load an agent."""
    if not run_dir.is_dir():
        raise ZooError(f"no run directory at {run_dir}. Train one with `zoo train ALGO ENV`, or give a path "
                       "printed by `zoo train`.")
    missing = [name for name in REQUIRED_FILES if not (run_dir / name).is_file()]
    if missing:
        raise ZooError(f"{run_dir} is not a complete run directory: {', '.join(missing)} missing. "
                       "Retrain, or pull it again.")
