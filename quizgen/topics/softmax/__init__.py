r"""Softmax and its Jacobian (seed section 5): dy_i/dz_j = y_i (delta_ij - y_j).

>>> a = solve(Params(z=[0, 0]))
>>> a["probs"], a["jacobian"]
([0.5, 0.5], [[0.25, -0.25], [-0.25, 0.25]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import Field

from quizgen.core.latex import mat, num, vec
from quizgen.core.mathfn import exp, softmax
from quizgen.core.model import Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.mutation import C, Computation, Fn, Line, Neg, Outer, Prod, Q, add, diff, fields
from quizgen.core.params import Num, ParamsModel
from quizgen.topics._shared import draw_logits, softmax_lines, softmax_steps

TITLE = "Softmax and its Jacobian"
CODE = "SM"
SECTION = 5
SECTION_TITLE = "Softmax function derivation"
DESCRIPTION = "softmax probabilities and the Jacobian y_i (delta_ij - y_j) for K logits"

DECIMALS = 4


class Params(ParamsModel):
    z: tuple[Num, ...] = Field(min_length=2)


def _jacobian(probs: np.ndarray, *, off_sign: float = -1.0, off: bool = True) -> np.ndarray:
    jac = off_sign * np.outer(probs, probs) if off else np.zeros((len(probs),) * 2)
    np.fill_diagonal(jac, probs * (1 - probs))
    return jac


def solve(p: Params) -> dict[str, Any]:
    probs = softmax(p.z)
    return {"probs": probs.tolist(), "jacobian": _jacobian(probs).tolist()}


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Three logits (four when hard), integers / halves / tenths, never near a tie."""
    return Params(z=draw_logits(rng, difficulty))


def parts(p: Params) -> list[Part]:
    precision = Precision(DECIMALS)
    return [
        Part("probs", r"probabilities $\hat{y} = \text{softmax}(z)$", precision, "vector"),
        Part("jacobian", r"Jacobian $\partial \hat{y}_i / \partial z_j$", precision, "matrix"),
    ]


def stem(p: Params) -> Stem:
    return Stem(
        rf"For the logits $z = {vec(p.z)}$, compute the softmax probabilities "
        r"$\hat{y}_k = \frac{e^{z_k}}{\sum_j e^{z_j}}$ and the Jacobian matrix with entries "
        r"$\frac{\partial \hat{y}_i}{\partial z_j}$."
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    probs = answer["probs"]
    k = len(probs)
    y = [num(v, DECIMALS) for v in probs]
    diagonal = tuple(
        rf"\frac{{\partial \hat{{y}}_{i + 1}}}{{\partial z_{i + 1}}} = {y[i]}(1 - {y[i]})"
        rf" = {num(answer['jacobian'][i][i], DECIMALS)}"
        for i in range(k)
    )
    off = tuple(
        rf"\frac{{\partial \hat{{y}}_{i + 1}}}{{\partial z_{j + 1}}} = -{y[i]} \cdot {y[j]}"
        rf" = {num(answer['jacobian'][i][j], DECIMALS)}"
        for i in range(k)
        for j in range(i + 1, k)
    )
    return [
        *softmax_steps(p.z, probs, DECIMALS),
        Step(r"Diagonal, $i = j$: $\hat{y}_i (1 - \hat{y}_i)$", diagonal),
        Step(
            r"Off the diagonal, $i \neq j$: $-\hat{y}_i \hat{y}_j$ (symmetric)",
            off,
            rf"J = {mat(answer['jacobian'], DECIMALS)}",
        ),
    ]


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """The Jacobian from the student's own probabilities (follow-through)."""
    probs = np.array(given.get("probs", softmax(p.z)), float)
    return {"jacobian": _jacobian(probs).tolist()}


def _mistake(**switches: Any) -> Callable[[Params], dict[str, Any]]:
    def answer(p: Params) -> dict[str, Any]:
        probs = softmax(p.z)
        return {"probs": probs.tolist(), "jacobian": _jacobian(probs, **switches).tolist()}

    return answer


def _unnormalised(p: Params) -> dict[str, Any]:
    e = exp(np.asarray(p.z, float))
    return {"probs": e.tolist(), "jacobian": _jacobian(e).tolist()}


def _logits_normalised(p: Params) -> dict[str, Any] | None:
    """The logits divided by their sum, with no exponential (the Jacobian follows from them)."""
    z = np.asarray(p.z, float)
    if abs(z.sum()) < 1e-9:
        return None
    probs = z / z.sum()
    return {"probs": probs.tolist(), "jacobian": _jacobian(probs).tolist()}


MISCONCEPTIONS = (
    Misconception(
        "gave the off-diagonal entries a plus sign",
        r"For $i \neq j$, $\frac{\partial \hat{y}_i}{\partial z_j} = -\hat{y}_i \hat{y}_j$: "
        r"raising another logit lowers $\hat{y}_i$.",
        _mistake(off_sign=1.0),
    ),
    Misconception(
        "treated softmax as elementwise",
        "Each output depends on every logit through the sum $S$, so the off-diagonal entries "
        r"$-\hat{y}_i \hat{y}_j$ are not zero.",
        _mistake(off=False),
    ),
    Misconception(
        "forgot to normalise",
        "Softmax divides each $e^{z_k}$ by the sum $S$ of all of them, so the outputs sum to $1$.",
        _unnormalised,
    ),
    Misconception(
        "normalised the logits instead of their exponentials",
        r"Softmax exponentiates first: $\hat{y}_k = \frac{e^{z_k}}{\sum_j e^{z_j}}$, not "
        r"$\frac{z_k}{\sum_j z_j}$.",
        _logits_normalised,
    ),
)


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation)."""
    inputs, lines = softmax_lines(p.z)
    last = lines[-1].step
    probs = Q("probs", "y_hat")
    return Computation(
        inputs={**inputs, "z": p.z},
        lines=(
            *lines,
            Line("diagonal", Prod((probs, diff(C(1), probs))), last + 1, "J_ii"),
            Line("off", Fn("offdiag", (Neg(Outer(probs, probs)),)), last + 2, "J_ij"),
            Line(
                "jacobian",
                add(Fn("diag", (Q("diagonal", "J_ii"),)), Q("off", "J_ij")),
                last + 2,
                "J",
            ),
        ),
        answer=fields(probs="probs", jacobian="jacobian"),
        neighbours={"probs": ("e",)},
    )
