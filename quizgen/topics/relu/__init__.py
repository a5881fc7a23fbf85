r"""ReLU, its derivative and the backpropagated signal (seed section 8). ReLU'(0) = 0.

>>> a = solve(Params(z=[-1, 0, 2], upstream=[3, 3, 3]))
>>> a["relu"], a["drelu"], a["delta"]
([0, 0, 2], [0, 0, 1], [0, 0, 3])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import grid_vector, on_grid
from quizgen.core.latex import paren, vec
from quizgen.core.model import EXACT, Difficulty, Part, Stem, Step
from quizgen.core.mutation import Computation, Fn, Line, Prod, Q, fields
from quizgen.core.params import ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import switched

TITLE = "ReLU derivative"
CODE = "RL"
SECTION = 8
SECTION_TITLE = "ReLU derivative"
DESCRIPTION = "ReLU(z), ReLU'(z) (0 at z = 0 by convention) and delta = upstream * ReLU'(z)"


class Params(ParamsModel):
    z: Vector
    upstream: Vector

    @model_validator(mode="after")
    def _same_length(self) -> Params:
        if len(self.upstream) != len(self.z):
            raise ValueError(f"upstream has {len(self.upstream)} entries but z has {len(self.z)}")
        return self


def _answer(
    p: Params,
    *,
    at_zero: int = 0,
    slope: Callable[[float], float] | None = None,
    upstream: bool = True,
) -> dict[str, Any]:
    relu = [max(v, 0) for v in p.z]
    drelu: list[float] = [1 if v > 0 else (at_zero if v == 0 else 0) for v in p.z]
    if slope is not None:
        drelu = [slope(v) for v in p.z]
    incoming = p.upstream if upstream else [1] * len(drelu)
    return {"relu": relu, "drelu": drelu, "delta": [g * d for g, d in zip(incoming, drelu)]}


def solve(p: Params) -> dict[str, Any]:
    return _answer(p)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: four integers, none at the kink. Medium: five, one of them exactly 0 (the question
    is then also about the convention ReLU'(0) = 0). Hard: six with one decimal, one at 0.
    Always both signs; upstream gradients non-zero on a 0.5 grid."""
    n, step = {"easy": (4, 1.0), "medium": (5, 1.0), "hard": (6, 0.1)}[difficulty]
    z = grid_vector(rng, n, -3, 3, step)
    if difficulty != "easy":
        z[int(rng.integers(n))] = 0
    if (0 in z) != (difficulty != "easy") or z.count(0) > 1:
        raise Degenerate
    if not (any(v > 0 for v in z) and any(v < 0 for v in z)):
        raise Degenerate
    upstream = [on_grid(rng, -2, 2, 0.5) for _ in range(n)]
    if 0 in upstream:
        raise Degenerate
    return Params(z=z, upstream=upstream)


def parts(p: Params) -> list[Part]:
    return [
        Part("relu", r"$h = \text{ReLU}(z)$", EXACT, "vector"),
        Part("drelu", r"$\text{ReLU}'(z)$", EXACT, "vector"),
        Part("delta", r"$\delta = \frac{\partial J}{\partial z}$", EXACT, "vector"),
    ]


def stem(p: Params) -> Stem:
    return Stem(
        rf"A hidden layer computes $h = \text{{ReLU}}(z)$ elementwise for $z = {vec(p.z)}$. "
        r"The gradient arriving from above is "
        rf"$\frac{{\partial J}}{{\partial h}} = {vec(p.upstream)}$. "
        r"Compute $\text{ReLU}(z)$, $\text{ReLU}'(z)$ (use $\text{ReLU}'(0) = 0$) and "
        r"$\delta = \frac{\partial J}{\partial z}$."
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    return [
        Step(r"ReLU: $\max(0, z)$ elementwise", (rf"\text{{ReLU}}(z) = {vec(answer['relu'])}",)),
        Step(
            r"Derivative: 1 where $z > 0$, 0 where $z \leq 0$ (including $z = 0$)",
            (rf"\text{{ReLU}}'(z) = \mathbf{{1}}_{{z > 0}} = {vec(answer['drelu'])}",),
        ),
        Step(
            r"Backpropagate: $\delta = \frac{\partial J}{\partial h} \odot \text{ReLU}'(z)$",
            (
                r"\delta = ["
                + ", ".join(f"{paren(g)} \\cdot {d}" for g, d in zip(p.upstream, answer["drelu"]))
                + f"] = {vec(answer['delta'])}",
            ),
        ),
    ]


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """delta from the student's own ReLU'(z) (follow-through)."""
    drelu = given.get("drelu", solve(p)["drelu"])
    if len(drelu) != len(p.upstream):
        return {}
    return {"delta": [g * d for g, d in zip(p.upstream, drelu)]}


def _value_as_slope(v: float) -> float:
    """The mistake of taking ReLU(z) itself as the slope."""
    return max(v, 0)


def _abs_slope(v: float) -> float:
    """The mistake of giving negative inputs slope -1, as |z| has."""
    return 1 if v > 0 else (-1 if v < 0 else 0)


def solve_with(p: Params, **switches: Any) -> dict[str, Any]:
    """The answer with some mistakes' switches set (two mistakes made at once)."""
    return _answer(p, **switches)


MISCONCEPTIONS = (
    switched(
        solve_with,
        "took ReLU'(0) as 1",
        r"ReLU is not differentiable at $0$; the convention is $\text{ReLU}'(0) = 0$.",
        when=lambda p: 0 in p.z,
        at_zero=1,
    ),
    switched(
        solve_with,
        "used ReLU(z) as its derivative",
        r"$\text{ReLU}'(z)$ is $1$ for $z > 0$ and $0$ otherwise, not the value $\max(0, z)$.",
        slope=_value_as_slope,
    ),
    switched(
        solve_with,
        "forgot the gradient from above",
        r"$\delta = \frac{\partial J}{\partial h} \odot \text{ReLU}'(z)$: the local "
        "derivative multiplies the incoming gradient.",
        upstream=False,
    ),
    switched(
        solve_with,
        "gave negative inputs a slope of -1",
        "ReLU is flat (slope $0$) for $z < 0$; a slope of $-1$ belongs to $|z|$.",
        slope=_abs_slope,
    ),
)


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation)."""
    return Computation(
        inputs={"z": p.z, "upstream": p.upstream},
        lines=(
            Line("relu", Fn("relu", (Q("z"),)), 1, "ReLU(z)"),
            Line("drelu", Fn("step", (Q("z"),)), 2, "ReLU'(z)"),
            Line("delta", Prod((Q("upstream", "dJ/dh"), Q("drelu", "ReLU'(z)"))), 3, "delta"),
        ),
        answer=fields(relu="relu", drelu="drelu", delta="delta"),
        neighbours={"drelu": ("relu",), "upstream": ("relu",)},
        shown={"upstream": "dJ/dh"},
    )
