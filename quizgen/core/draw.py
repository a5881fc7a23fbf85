"""Drawing exam-friendly numbers: values on a coarse grid that a student can work with by hand.

All draws go through the ``numpy.random.Generator`` a topic is given, never a global generator.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    """One of ``options``, uniformly."""
    return options[int(rng.integers(len(options)))]


def on_grid(rng: np.random.Generator, lo: float, hi: float, step: float) -> int | float:
    """A multiple of ``step`` in ``[lo, hi]``: an int when whole, else a clean float (0.5, not
    0.5000000001), so records show ``2`` rather than ``2.0``.

    >>> rng = np.random.default_rng(0)
    >>> all(v in (-1.0, -0.5, 0.0, 0.5, 1.0) for v in (on_grid(rng, -1, 1, 0.5) for _ in range(50)))
    True
    """
    k_lo, k_hi = round(lo / step), round(hi / step)
    k = int(rng.integers(k_lo, k_hi + 1))
    value = round(k * step, 10)
    return int(value) if value == int(value) else value


def grid_vector(
    rng: np.random.Generator, n: int, lo: float, hi: float, step: float
) -> list[int | float]:
    """``n`` independent :func:`on_grid` draws."""
    return [on_grid(rng, lo, hi, step) for _ in range(n)]


def grid_matrix(
    rng: np.random.Generator, rows: int, cols: int, lo: float, hi: float, step: float
) -> list[list[int | float]]:
    """A ``rows`` x ``cols`` matrix of :func:`on_grid` draws."""
    return [grid_vector(rng, cols, lo, hi, step) for _ in range(rows)]
