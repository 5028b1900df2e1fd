"""Building an algorithm's frozen config from defaults, a preset and command-line overrides, with checks."""

from __future__ import annotations

import dataclasses
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
        if f.name in _RANGES:
            low, high, inclusive = _RANGES[f.name]
            if not ((low <= value if inclusive else low < value) and value <= high):
                bracket = "[" if inclusive else "("
                raise ZooError(f"{f.name}={value} is outside its valid range {bracket}{low:g}, {high:g}]")
        elif f.name.endswith("_steps") and value < 0:
            raise ZooError(f"{f.name}={value} must not be negative")
        elif f.name in _AT_LEAST_ONE and value < 1:
            raise ZooError(f"{f.name}={value} must be at least 1")


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
        return int(float(value)) if float(value).is_integer() else int(value)
    return kind(value)
