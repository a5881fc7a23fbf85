r"""Sigmoid and its derivative (seed section 3).

The seed's numerical example, z = 1:

>>> from quizgen.topics import get
>>> solution = get("sigmoid").solve(Params(z=1.0))
>>> round(solution.answer["sigma"], 3), round(solution.answer["dsigma"], 3)
(0.731, 0.197)
>>> solution.steps[0].lines[0]
'\\sigma(1) = \\frac{1}{1 + e^{-1}} = \\frac{1}{1.368} = 0.731'
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from quizgen.core.draw import on_grid
from quizgen.core.latex import exp_value, num
from quizgen.core.mathfn import sigmoid, sigmoid_derivative
from quizgen.core.model import Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.mutation import C, Computation, Div, Fn, Line, Neg, Prod, Q, add, diff, fields
from quizgen.core.params import Num, ParamsModel
from quizgen.topics import Degenerate

TITLE = "Sigmoid and its derivative"
CODE = "SG"
SECTION = 3
SECTION_TITLE = "Sigmoid function properties"
DESCRIPTION = "sigma(z) = 1 / (1 + e^-z) and sigma'(z) = sigma(z)(1 - sigma(z)) at a given z"


class Params(ParamsModel):
    z: Num


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: an integer in [-3, 3]; medium: on the 0.5 grid in [-4, 4]; hard: one decimal in
    [-5, 5]. Never z = 0 (sigma = 1/2 tests nothing), never so far out that sigma'(z) rounds to
    nothing at the shown precision."""
    if difficulty == "easy":
        z = on_grid(rng, -3, 3, 1)
        if z == 0:
            raise Degenerate
    elif difficulty == "medium":
        z = on_grid(rng, -4, 4, 0.5)
        if z == 0:
            raise Degenerate
    else:
        z = on_grid(rng, -5, 5, 0.1)
        if abs(z) < 0.3 or z == round(z):
            raise Degenerate
    return Params(z=z)


def _decimals(p: Params) -> int:
    return 3 if p.z == round(p.z * 2) / 2 else 4


def solve(p: Params) -> dict[str, float]:
    return {"sigma": sigmoid(p.z), "dsigma": sigmoid_derivative(p.z)}


def parts(p: Params) -> list[Part]:
    precision = Precision(_decimals(p))
    return [
        Part("sigma", r"$\sigma(z)$", precision),
        Part("dsigma", r"$\sigma'(z)$", precision),
    ]


def stem(p: Params) -> Stem:
    return Stem(
        rf"For $z = {num(p.z)}$, compute the sigmoid $\sigma(z) = \frac{{1}}{{1 + e^{{-z}}}}$ "
        r"and its derivative $\sigma'(z)$."
    )


def steps(p: Params, answer: dict[str, float]) -> list[Step]:
    return value_steps(p.z, answer["sigma"], answer["dsigma"], _decimals(p))


def value_steps(z_value: float, sigma: float, dsigma: float, d: int) -> list[Step]:
    """sigma(z) from its definition and sigma'(z) by the simplification trick, at ``d``
    decimals: the steps of this topic, and of its forms that evaluate the sigmoid anew."""
    z, s, ds = num(z_value), num(sigma, d), num(dsigma, d)
    denominator = (
        f"1 + {exp_value(-z_value, d)}" if z_value < -20 else num(1 + math.exp(-z_value), d)
    )
    one_minus = num(1 - float(s), d)
    return [
        Step(
            "Sigmoid",
            (
                rf"\sigma({z}) = \frac{{1}}{{1 + e^{{{num(-z_value)}}}}}"
                rf" = \frac{{1}}{{{denominator}}} = {s}",
            ),
        ),
        Step(
            "Derivative, using the simplification trick",
            (
                r"\sigma'(z) = \sigma(z)(1 - \sigma(z))",
                rf"\sigma'({z}) = {s} \times (1 - {s}) = {s} \times {one_minus} = {ds}",
            ),
        ),
    ]


def follow(p: Params, given: dict[str, Any]) -> dict[str, float]:
    """sigma'(z) from the student's own sigma(z), for follow-through marking."""
    s = given.get("sigma", sigmoid(p.z))
    return {"dsigma": s * (1 - s)}


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation)."""
    sigma = Q("sigma", "sigma(z)")
    return Computation(
        inputs={"z": p.z},
        lines=(
            Line("sigma", Div(C(1), add(C(1), Fn("exp", (Neg(Q("z")),)))), 1, "sigma(z)"),
            Line("dsigma", Prod((sigma, diff(C(1), sigma))), 2, "sigma'(z)"),
        ),
        answer=fields(sigma="sigma", dsigma="dsigma"),
        neighbours={"sigma": ("z",)},
    )


MISCONCEPTIONS = (
    Misconception(
        "answered sigma(z) for the derivative",
        r"The derivative is $\sigma(z)(1 - \sigma(z))$, not $\sigma(z)$ itself.",
        lambda p: {"sigma": sigmoid(p.z), "dsigma": sigmoid(p.z)},
    ),
    Misconception(
        "forgot the factor sigma(z)",
        r"$\sigma'(z) = \sigma(z)(1 - \sigma(z))$; $1 - \sigma(z)$ alone is only the second "
        "factor.",
        lambda p: {"sigma": sigmoid(p.z), "dsigma": 1 - sigmoid(p.z)},
    ),
    Misconception(
        "dropped the minus sign in the exponent",
        r"$\sigma(z) = \frac{1}{1 + e^{-z}}$: with $e^{+z}$ you computed $\sigma(-z) = 1 - "
        r"\sigma(z)$.",
        lambda p: {"sigma": sigmoid(-p.z), "dsigma": sigmoid_derivative(p.z)},
    ),
    Misconception(
        "used e^-z as the derivative",
        r"$\frac{d}{dz} (1 + e^{-z})^{-1} = \frac{e^{-z}}{(1 + e^{-z})^2}$: the denominator "
        "squared is part of it.",
        lambda p: {"sigma": sigmoid(p.z), "dsigma": math.exp(-p.z)},
    ),
    Misconception(
        "used tanh's derivative 1 - sigma(z)^2",
        r"$1 - \tanh^2$ is the derivative of $\tanh$; the sigmoid's is $\sigma(z)(1 - "
        r"\sigma(z))$.",
        lambda p: {"sigma": sigmoid(p.z), "dsigma": 1 - sigmoid(p.z) ** 2},
    ),
)
