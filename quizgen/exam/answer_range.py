"""How big a slot's answers can be: the digit grids of an answer sheet are sized from this, the
same for every variant of the slot, so a sheet never gives its own answer away.

A slot's range is measured on ``SAMPLES`` problems drawn for its topic and difficulty (from
seeds of their own, never the exam's) and on every known mistake's answer to them, with room to
spare: a grid holds half as much again as the largest value seen.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from quizgen import topics
from quizgen.core.grading import distinct_misconceptions
from quizgen.core.model import Difficulty, Form, Precision
from quizgen.core.seeds import child_seed
from quizgen.exam.problems import make_problem

SAMPLES = 80
SHEET_GRID_ROOT = 26  # the root seed of the sampled draws (issue 26): never the exam's
HEADROOM = 1.5
MAX_EXACT_DECIMALS = 4


@dataclass(frozen=True)
class GridSize:
    """One number's grid: a sign row or not, digits before and after the fixed point."""

    signed: bool
    integers: int
    decimals: int
    low: float  # the range a reading is expected in; outside it a reading goes to review
    high: float

    def fits(self, value: float) -> bool:
        """Can the grid hold ``value`` rounded to its decimals?"""
        scaled = round(abs(value) * 10**self.decimals)
        return (self.signed or value >= 0 or scaled == 0) and scaled < 10 ** (
            self.integers + self.decimals
        )


def entries(value: object) -> Iterator[tuple[tuple[int, ...], float]]:
    """(index path, number) for every number in a scalar, vector, matrix or list of shapes."""
    if isinstance(value, (list, tuple)):
        for i, inner in enumerate(value):
            for path, number in entries(inner):
                yield (i, *path), number
    else:
        yield (), float(value)  # type: ignore[arg-type]


def decimals_needed(value: float) -> int:
    """Fewest decimals that write an exact value exactly (0.5 -> 1), at most 4."""
    for places in range(MAX_EXACT_DECIMALS + 1):
        if abs(value * 10**places - round(value * 10**places)) < 1e-6:
            return places
    return MAX_EXACT_DECIMALS


@cache
def grid_sizes(topic: str, difficulty: Difficulty, form: Form = "forward") -> dict[str, GridSize]:
    """The grid of each part (by answer key) of a slot with this topic, form and difficulty."""
    found: dict[str, list[float]] = {}
    places: dict[str, int] = {}
    precision: dict[str, Precision] = {}
    registered = topics.get(topic, form)
    for k in range(SAMPLES):
        seed = child_seed(SHEET_GRID_ROOT, topic, difficulty, k)
        problem = make_problem(topic, seed, difficulty, form)
        solution = registered.solve(problem.params)
        answers = [solution.answer] + [
            answer
            for _, answer in distinct_misconceptions(
                registered.misconceptions, problem.params, solution
            )
        ]
        for part in solution.parts:
            precision[part.key] = part.precision
            right = [n for _, n in entries(solution.answer[part.key])]
            places[part.key] = max([places.get(part.key, 0), *(decimals_needed(n) for n in right)])
            for answer in answers:
                if part.key in answer:
                    found.setdefault(part.key, []).extend(n for _, n in entries(answer[part.key]))
    sizes = {}
    for key, values in found.items():
        shown = precision[key]
        decimals = places[key] if shown.exact else shown.decimals
        low, high = min(values), max(values)
        biggest = max(abs(low), abs(high)) * HEADROOM
        integers = max(1, len(str(math.floor(biggest))))
        span = max(high - low, 10.0**-decimals)
        sizes[key] = GridSize(low < 0, integers, decimals, low - span / 2, high + span / 2)
    return sizes


def grid_symbols(value: float, grid: GridSize) -> list[str]:
    """How ``value`` is written in its grid, column by column: the sign column ("-" or "")
    where the grid has one, then a digit per column, leading zeros left blank (the units
    digit always written).

    >>> grid_symbols(-0.5, GridSize(True, 2, 2, -9, 9))
    ['-', '', '0', '5', '0']
    """
    if not grid.fits(value):
        raise ValueError(f"{value} does not fit a grid of {grid}")
    scaled = round(abs(value) * 10**grid.decimals)
    digits = str(scaled).rjust(grid.integers + grid.decimals, "0")
    leading = len(digits[: grid.integers - 1]) - len(digits[: grid.integers - 1].lstrip("0"))
    columns = [""] * leading + list(digits[leading:])
    sign = ["-" if value < 0 and scaled else ""] if grid.signed else []
    return sign + columns
