"""Checkpoints made elsewhere: detect the format of a downloaded repo and convert it to a run directory.

Supported (all Nature-CNN DQNs over 4 stacked 84×84 grey frames scaled by /255):

- ``native``: a value-zoo run directory (``model.safetensors`` + ``config.json``);
- ``cleanrl``: CleanRL ``dqn_atari`` (``*.cleanrl_model``: ``network.{0,2,4,7,9}``);
- ``sb3``: a Stable-Baselines3 DQN zip (``policy.pth``: ``q_net.features_extractor.cnn.{0,2,4}``,
  ``...linear.0``, ``q_net.q_net.0``); the zip's ``data`` member is cloudpickle and is never read;
- ``course``: the course's ``dqn_pong.py`` (``*.dat``: ``conv.{0,2,4}``, ``fc.{0,2}``).

Foreign files are read with ``torch.load(weights_only=True)`` only: tensors, never arbitrary pickles.
All three were trained with the standard DQN Atari preprocessing (frame skip 4 with max-pool, fire on
reset, 84×84 grey, 4 frames stacked with zero padding), which ``zoo.envs.atari`` reproduces; they convert
RGB to grey with OpenCV where ALE's own grey screen is used here, a difference of a grey level or two.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from zoo.errors import ZooError, first_line

if TYPE_CHECKING:  # torch is imported where tensors are read: `zoo pull` should not wait for it
    import torch

SUPPORTED = {
    "native": "model.safetensors + config.json (value-zoo)",
    "cleanrl": "*.cleanrl_model (CleanRL dqn_atari)",
    "sb3": "*.zip with policy.pth (Stable-Baselines3 DQN)",
    "course": "*.dat (the course's dqn_pong.py)",
}

# Foreign key prefixes -> ours (QNetwork(NatureCNN, plain head)); weights and biases alike.
KEY_MAPS = {
    "cleanrl": {"network.0": "body.conv.0", "network.2": "body.conv.2", "network.4": "body.conv.4",
                "network.7": "body.fc.0", "network.9": "head"},
    "sb3": {"q_net.features_extractor.cnn.0": "body.conv.0", "q_net.features_extractor.cnn.2": "body.conv.2",
            "q_net.features_extractor.cnn.4": "body.conv.4", "q_net.features_extractor.linear.0": "body.fc.0",
            "q_net.q_net.0": "head"},
    "course": {"conv.0": "body.conv.0", "conv.2": "body.conv.2", "conv.4": "body.conv.4", "fc.0": "body.fc.0",
               "fc.2": "head"},
}


def detect_format(path: Path, source: str | None = None) -> tuple[str, Path]:
    """``(format, file)`` for a local folder (or a single file); ZooError lists what was found otherwise."""
    path = Path(path)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    names = {p.name for p in files}
    if path.is_dir() and {"model.safetensors", "config.json"} & {p.name for p in path.iterdir()}:
        return "native", path  # incomplete ones too: loading then names the missing file
    for fmt, pattern in (("cleanrl", ".cleanrl_model"), ("sb3", ".zip"), ("course", ".dat")):
        matches = [p for p in files if p.name.endswith(pattern)]
        if fmt == "sb3":
            matches = [p for p in matches if _zip_has_policy(p)]
        if matches:
            return fmt, matches[0]
    shown = ", ".join(sorted(names)[:12]) or "no files"
    raise ZooError(f"{source or path} holds no checkpoint this zoo can load (found: {shown}). Supported: "
                   + "; ".join(SUPPORTED.values()))


def _zip_has_policy(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return "policy.pth" in z.namelist()
    except zipfile.BadZipFile:
        return False


def read_foreign_state_dict(fmt: str, file: Path) -> dict[str, "torch.Tensor"]:
    """Tensors of a foreign checkpoint, through ``torch.load(weights_only=True)`` only."""
    import torch

    try:
        if fmt == "sb3":
            with zipfile.ZipFile(file) as z:  # read policy.pth only; "data" is cloudpickle and stays closed
                raw = io.BytesIO(z.read("policy.pth"))
            state = torch.load(raw, map_location="cpu", weights_only=True)
        else:
            state = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as error:  # UnpicklingError for anything but plain tensors, zip errors, truncation
        raise ZooError(f"cannot read {file} as a {fmt} checkpoint of plain tensors ({first_line(error)}). "
                       "Only state dicts are loaded, never arbitrary pickles.") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ZooError(f"{file} is not a state dict of tensors")
    return state


def to_native_state_dict(fmt: str, state: dict[str, "torch.Tensor"]) -> dict[str, "torch.Tensor"]:
    """Rename a foreign state dict to our Q-network's keys (the SB3 target net is dropped)."""
    mapping = KEY_MAPS[fmt]
    out = {}
    for old, new in mapping.items():
        for suffix in ("weight", "bias"):
            key = f"{old}.{suffix}"
            if key not in state:
                raise ZooError(f"the {fmt} checkpoint lacks {key}; its keys are {sorted(state)[:8]}...")
            out[f"{new}.{suffix}"] = state[key]
    if tuple(out["body.conv.0.weight"].shape) != (32, 4, 8, 8) or tuple(out["body.fc.0.weight"].shape) != (512, 3136):
        raise ZooError(f"the {fmt} checkpoint is not a Nature CNN over 4 stacked 84×84 frames "
                       f"(first conv {tuple(out['body.conv.0.weight'].shape)})")
    return out


def guess_env_id(name: str) -> str:
    """Our env id for a foreign repo or file name: any Pong variant plays as ALE/Pong-v5 (``convert`` turns sticky
    actions off: these agents were trained on the deterministic ``NoFrameskip-v4`` game)."""
    match = re.search(r"([A-Z][A-Za-z]*?)(?:NoFrameskip)?-v\d", name)
    game = match.group(1) if match else "Pong"
    return f"ALE/{game}-v5"


def convert(fmt: str, file: Path, out_dir: Path, source: str, env_id: str | None = None) -> Path:
    """Write a native run directory for a foreign checkpoint: model.safetensors and config.json."""
    import dataclasses

    from zoo.agents.configs import DQNConfig
    from zoo.envs.atari import preprocessing
    from zoo.envs.make import make_env
    from zoo.rundir.files import RunConfig, Spaces, save_model, space_desc, write_config

    state = to_native_state_dict(fmt, read_foreign_state_dict(fmt, file))
    n_actions = int(state["head.weight"].shape[0])
    env_id = env_id or guess_env_id(source)
    if not env_id.startswith("ALE/"):
        raise ZooError(f"--env {env_id}: these checkpoints are Atari DQNs; give an ALE/<Game>-v5 id such as ALE/Pong-v5")
    env = make_env(env_id)  # an unknown id is an error here, not an unusable run directory later
    obs, act = space_desc(env.observation_space), space_desc(env.action_space)
    env.close()
    if act.get("n") != n_actions or obs.get("shape") != [4, 84, 84]:
        raise ZooError(f"the {fmt} checkpoint has {n_actions} actions, but {env_id} has {act.get('n')}: "
                       "give the --env it was trained on")
    out_dir.mkdir(parents=True, exist_ok=True)
    save_model(out_dir / "model.safetensors", state, "dqn")
    deterministic = {"repeat_action_probability": 0.0}  # NoFrameskip-v4, what these libraries train on
    config = RunConfig(algo="dqn", env_id=env_id, seed=0, steps=0, env_kwargs=deterministic,
                       spaces=Spaces({"type": "Box", "shape": [4, 84, 84], "dtype": "uint8"},
                                     {"type": "Discrete", "n": n_actions}),
                       hyperparameters=dataclasses.asdict(DQNConfig(dueling=False, double=False)),
                       preprocessing=preprocessing(deterministic),
                       converted_from={"format": fmt, "source": source, "file": file.name})
    write_config(out_dir, config)
    return out_dir


def load_foreign(fmt: str, file: Path, source: str, device: str = "cpu", env_id: str | None = None):
    """``(agent, config)``: a DQN agent with a foreign checkpoint's weights, ready to play."""
    import tempfile

    from zoo.agents.registry import load_run

    with tempfile.TemporaryDirectory() as tmp:
        out = convert(fmt, file, Path(tmp) / "converted", source, env_id=None)
        return load_run(out, device=device, env_id=env_id)
