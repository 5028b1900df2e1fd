"""Exploration and learning-rate schedules as pure functions of training progress."""

from __future__ import annotations

import math


def linear_schedule(start: float, end: float, duration: int, step: int) -> float:
    """Go from ``start`` to ``end`` linearly over ``duration`` steps, then stay at ``end``."""
    if duration <= 0:
        return end
    return start + (end - start) * min(step / duration, 1.0)


def exponential_schedule(start: float, end: float, decay: float, step: int) -> float:
    """``end + (start - end) * exp(-step / decay)``: the course's decaying ε."""
    return end + (start - end) * math.exp(-step / decay)
