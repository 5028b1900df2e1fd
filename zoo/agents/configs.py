"""Building an algorithm's frozen config from defaults, a preset and command-line overrides, with checks."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from zoo.errors import ZooError

# Ranges by field name, shared by every algorithm's config: (low, high, low inclusive).
_RANGES: dict[str, tuple[float, float, bool]] = {
    "gamma": (0.0, 1.0, True),
    "alpha": (0.0, 1.0, False),
    "alpha_final": (0.0, 1.0, True),
    "epsilon_start": (0.0, 1.0, True),
    "epsilon_final": (0.0, 1.0, True),
    "tol": (0.0, float("inf"), False),
    "plan_tol": (0.0, float("inf"), False),
}
_AT_LEAST_ONE = ("plan_every", "plan_max_sweeps")
# Upper bounds, so that a typo or a hostile config.json fails here with a message instead of exhausting
# memory later (a 10^14-transition replay, a 10^11-unit layer).
_AT_MOST: dict[str, int] = {
    "buffer_size": 10_000_000, "batch_size": 65_536, "num_envs": 256, "n_step": 1_000, "gradient_steps": 10_000,
    "plan_max_sweeps": 1_000_000,
}
MAX_LAYER, MAX_LAYERS = 16_384, 16


@dataclasses.dataclass(frozen=True)
class ConfigField:
    """One hyperparameter as `zoo train --help` shows it."""

    name: str
    kind: type
    default: Any
    doc: str


def describe_config(path: str) -> list[ConfigField]:
    """The fields of the config dataclass at ``module:Class``, read from its source without importing it
    (agent modules import torch, which would make `zoo train ALGO ENV --help` take seconds)."""
    import ast
    import importlib.util

    module, name = path.split(":")
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ZooError(f"cannot find {module}")
    with open(spec.origin, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    kinds = {"float": float, "int": int, "str": str, "bool": bool}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            fields = []
            for item, following in zip(node.body, node.body[1:] + [None]):
                if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.value):
                    continue
                doc = ""
                if (isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
                        and isinstance(following.value.value, str)):
                    doc = " ".join(following.value.value.split())
                fields.append(ConfigField(item.target.id, kinds[ast.unparse(item.annotation)],
                                          ast.literal_eval(item.value), doc))
            return fields
    raise ZooError(f"no class {name} in {module}")


def build_config(config_class: type, overrides: dict[str, Any]) -> Any:
    """``config_class(**overrides)`` after checking names, types and ranges; errors are ZooErrors."""
    fields = {f.name: f for f in dataclasses.fields(config_class)}
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise ZooError(f"unknown hyperparameter(s) {', '.join(unknown)}; this algorithm has: {', '.join(fields)}")
    values = {}
    for name, value in overrides.items():
        default = fields[name].default
        try:
            values[name] = _coerce(value, type(default))
        except (TypeError, ValueError):
            raise ZooError(f"hyperparameter {name}={value!r} is not a {type(default).__name__}") from None
    config = config_class(**values)
    check_ranges(config)
    return config


def check_ranges(config: Any) -> None:
    """Raise ZooError for a value outside its valid range (γ outside [0, 1], negative step counts, ...)."""
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ZooError(f"{f.name}={value} must be a finite number")
        if f.name in _AT_MOST and value > _AT_MOST[f.name]:
            raise ZooError(f"{f.name}={value:,} is larger than this zoo allows ({_AT_MOST[f.name]:,})")
        if f.name == "hidden":
            _check_hidden(value)
        if f.name in _RANGES:
            low, high, inclusive = _RANGES[f.name]
            if not ((low <= value if inclusive else low < value) and value <= high):
                bracket = "[" if inclusive else "("
                raise ZooError(f"{f.name}={value} is outside its valid range {bracket}{low:g}, {high:g}]")
        elif f.name.endswith("_steps") and value < 0:
            raise ZooError(f"{f.name}={value} must not be negative")
        elif f.name in _AT_LEAST_ONE and value < 1:
            raise ZooError(f"{f.name}={value} must be at least 1")


def _check_hidden(text: str) -> None:
    try:
        sizes = [int(x) for x in str(text).split(",") if x.strip()]
    except ValueError:
        raise ZooError(f"hidden={text!r}: give layer sizes like 256,256") from None
    if any(n < 1 for n in sizes):
        raise ZooError(f"hidden={text!r}: give layer sizes like 256,256")
    if len(sizes) > MAX_LAYERS or any(n > MAX_LAYER for n in sizes):
        raise ZooError(f"hidden={text!r}: at most {MAX_LAYERS} layers of at most {MAX_LAYER:,} units")


def _coerce(value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, str):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        return bool(value)
    if kind is int and isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    if kind is int and isinstance(value, str):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(value)
        return int(number) if number.is_integer() else int(value)
    if kind is int and isinstance(value, bool):
        raise ValueError(value)
    if kind in (int, float) and not isinstance(value, (int, float, str)):
        raise TypeError(value)  # a list or an object from a hostile config.json
    if kind is str and not isinstance(value, (str, int, float)):
        raise TypeError(value)
    return kind(value)
