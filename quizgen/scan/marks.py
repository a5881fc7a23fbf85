"""How dark each box is, and what that means: empty, filled, cancelled or unclear.

The straightened page is first divided by its own background (the paper's brightness, from a
blurred maximum filter), so a shadow across a phone photo or a grey scanner lid darkens no box.
A box's ``ink`` is the share of its central part darker than INK; its ``halo`` the share of a
thin ring just outside its printed edge, where ink lands only when a box is blackened past its
edges to cancel it. Two thresholds per measure, as in auto-multiple-choice and R/exams: below
the lower a box is empty, above the upper filled, between them it is left to a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from quizgen.scan.register import SCALE

INK = 0.28  # a pixel this much darker than the paper around it is ink
EMPTY_BELOW = 0.10  # ink share of a box's centre
FILLED_ABOVE = 0.20
SOLID_ABOVE = 0.70  # a box this full may be a cancelled one: its halo decides
HALO_CLEAR = 0.40  # halo ink share: below, a full box is filled; above HALO_CANCEL, cancelled
HALO_CANCEL = 0.60
CENTRE = 0.68  # the central share of a box's side that is measured
HALO_FROM, HALO_TO = 1.0, 2.3  # points outside the box edge

State = Literal["empty", "filled", "cancelled", "unclear"]


@dataclass(frozen=True)
class BoxReading:
    ink: np.ndarray  # per box
    halo: np.ndarray
    states: tuple[State, ...]


def ink_mask(image: np.ndarray) -> np.ndarray:
    """1 where a pixel is ink (INK darker than the paper around it), else 0; in 8-bit
    arithmetic, the page's largest cost."""
    grey = cv2.medianBlur(image, 3)
    small = cv2.resize(grey, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)
    paper = cv2.GaussianBlur(cv2.dilate(small, np.ones((7, 7), np.uint8)), (9, 9), 0)
    paper = cv2.resize(paper, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    limit = cv2.convertScaleAbs(paper, alpha=1.0 - INK)
    return (grey < limit).astype(np.uint8)


def read_boxes(straight: np.ndarray, rects: np.ndarray) -> BoxReading:
    """Ink and halo of every box (``rects`` in points, x y w h) and the state they mean."""
    mask = ink_mask(straight)
    total = cv2.integral(mask)

    def share(
        x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ink pixels, pixels) of each rectangle, read off the integral image."""
        h, w = mask.shape
        x0, x1 = np.clip(x0, 0, w).astype(int), np.clip(x1, 0, w).astype(int)
        y0, y1 = np.clip(y0, 0, h).astype(int), np.clip(y1, 0, h).astype(int)
        summed = total[y1, x1] - total[y0, x1] - total[y1, x0] + total[y0, x0]
        return summed, np.maximum((x1 - x0) * (y1 - y0), 1)

    x, y, w, h = (rects[:, k] * SCALE for k in range(4))
    cx, cy = x + w / 2, y + h / 2
    hw, hh = w * CENTRE / 2, h * CENTRE / 2
    inside, area = share(cx - hw, cy - hh, cx + hw, cy + hh)
    ink = inside / area
    a, b = HALO_FROM * SCALE, HALO_TO * SCALE
    outer, outer_area = share(x - b, y - b, x + w + b, y + h + b)
    inner, inner_area = share(x - a, y - a, x + w + a, y + h + a)
    halo = (outer - inner) / np.maximum(outer_area - inner_area, 1)
    return BoxReading(ink, halo, tuple(state(i, o) for i, o in zip(ink, halo)))


def state(ink: float, halo: float) -> State:
    if ink < EMPTY_BELOW:
        return "empty"
    if ink < FILLED_ABOVE:
        return "unclear"
    if ink < SOLID_ABOVE or halo < HALO_CLEAR:
        return "filled"
    return "cancelled" if halo > HALO_CANCEL else "unclear"
