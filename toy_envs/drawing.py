"""Draw a small MDP as a picture: states as circles, transitions as labelled arrows.

Used by the toy environments' ``rgb_array`` render mode so that a replay video of a toy episode
shows which state the agent is in and which transition it just took.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 320, 240
_NODE_RADIUS = 22
_BACKGROUND = (250, 250, 247)
_INK = (40, 40, 40)
_EDGE = (150, 150, 150)
_ACTIVE = (230, 120, 20)
_CURRENT_FILL = (255, 205, 110)
_TERMINAL_FILL = (215, 225, 240)


@dataclass(frozen=True)
class Edge:
    """An arrow from state ``src`` to state ``dst`` with a short label (actions, reward)."""

    src: int
    dst: int
    label: str


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _pixel(pos: tuple[float, float]) -> tuple[float, float]:
    # Positions are given in the unit square; leave a margin and room for the caption below.
    x, y = pos
    return 30 + x * (WIDTH - 60), 26 + y * (HEIGHT - 78)


def draw_mdp(
    positions: list[tuple[float, float]],
    edges: list[Edge],
    terminal: set[int],
    current: int,
    active_edge: tuple[int, int] | None,
    caption: str,
) -> np.ndarray:
    """Return an (HEIGHT, WIDTH, 3) uint8 picture of the MDP with ``current`` highlighted."""
    image = Image.new("RGB", (WIDTH, HEIGHT), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    centres = [_pixel(p) for p in positions]
    pairs = {(e.src, e.dst) for e in edges}
    for edge in edges:
        active = active_edge == (edge.src, edge.dst)
        # Two arrows between the same pair of states are drawn side by side, not on top of each other.
        offset = 7.0 if (edge.dst, edge.src) in pairs else 0.0
        _arrow(draw, centres[edge.src], centres[edge.dst], offset, edge.label, active)
    for state, (x, y) in enumerate(centres):
        fill = _CURRENT_FILL if state == current else (_TERMINAL_FILL if state in terminal else "white")
        r = _NODE_RADIUS
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=_INK, width=3 if state == current else 1)
        if state in terminal:
            draw.ellipse((x - r + 4, y - r + 4, x + r - 4, y + r - 4), outline=_INK, width=1)
        draw.text((x, y), str(state), fill=_INK, font=_font(16), anchor="mm")
    draw.text((WIDTH / 2, HEIGHT - 14), caption, fill=_INK, font=_font(13), anchor="mm")
    return np.asarray(image, dtype=np.uint8)


def _arrow(draw: ImageDraw.ImageDraw, a, b, offset: float, label: str, active: bool) -> None:
    (x0, y0), (x1, y1) = a, b
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    nx, ny = -uy * offset, ux * offset
    start = (x0 + ux * _NODE_RADIUS + nx, y0 + uy * _NODE_RADIUS + ny)
    end = (x1 - ux * _NODE_RADIUS + nx, y1 - uy * _NODE_RADIUS + ny)
    colour = _ACTIVE if active else _EDGE
    draw.line((start, end), fill=colour, width=3 if active else 2)
    head = 9.0
    left = (end[0] - ux * head - uy * head * 0.5, end[1] - uy * head + ux * head * 0.5)
    right = (end[0] - ux * head + uy * head * 0.5, end[1] - uy * head - ux * head * 0.5)
    draw.polygon((end, left, right), fill=colour)
    mid = ((start[0] + end[0]) / 2 + nx * 1.6, (start[1] + end[1]) / 2 + ny * 1.6)
    draw.text(mid, label, fill=_ACTIVE if active else _INK, font=_font(12), anchor="mm",
              stroke_width=3, stroke_fill=_BACKGROUND)
