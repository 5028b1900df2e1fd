"""Targets for value learning as pure functions, each tested against numbers worked out by hand."""

from __future__ import annotations

import numpy as np


def td_target(reward, next_value, terminated, gamma: float):
    """``r + gamma * V(s')``, with no bootstrap after a termination.

    A time-limit truncation is *not* a termination: pass ``terminated=False`` there, so the target
    still bootstraps from the state the episode was cut off in. Works on scalars, numpy arrays and
    torch tensors alike.
    """
    return reward + gamma * next_value * (1 - terminated)
