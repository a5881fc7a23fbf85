r"""Binary cross-entropy with a sigmoid output, and its gradient (y_hat - y) x (seed section 4).

The loss is computed as softplus, so it stays finite for |z| in the hundreds:

>>> a = solve(Params(x=[1, 1], w=[0, 800], y=0))
>>> a["loss"], a["grad"]
(800.0, [1.0, 1.0])
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import grid_vector
from quizgen.core.latex import dot, num, paren, vec
from quizgen.core.mathfn import matmul, sigmoid, sigmoid_derivative, softplus
from quizgen.core.model import EXACT, Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.mutation import C, Computation, Fn, Line, MatMul, Neg, Prod, Q, diff, fields
from quizgen.core.params import ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import dropped_loss_minus

TITLE = "Binary cross-entropy gradient"
CODE = "BC"
SECTION = 4
SECTION_TITLE = "Binary cross-entropy gradient"
DESCRIPTION = "sigmoid + BCE: z = w.x, y_hat, loss and the gradient (y_hat - y) x"

DECIMALS = 4


class Params(ParamsModel):
    x: Vector
    w: Vector
    y: Literal[0, 1]

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if len(self.w) != len(self.x):
            raise ValueError(f"w has {len(self.w)} weights but x has {len(self.x)} inputs")
        if self.x[0] != 1:
            raise ValueError(f"x[0] must be the bias input 1, got {self.x[0]}")
        return self


def _z(p: Params) -> float:
    return float(matmul(p.x, p.w))


def _answer(p: Params, *, sign: float = 1.0, keep_dsigma: bool = False) -> dict[str, Any]:
    z = _z(p)
    y_hat = sigmoid(z)
    # -log y_hat = softplus(-z) and -log(1 - y_hat) = softplus(z)
    loss = softplus(-z) if p.y == 1 else softplus(z)
    factor = sign * (y_hat - p.y) * (sigmoid_derivative(z) if keep_dsigma else 1.0)
    return {"z": z, "y_hat": y_hat, "loss": loss, "grad": [factor * xi for xi in p.x]}


def solve(p: Params) -> dict[str, Any]:
    return _answer(p)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: one feature, integer inputs and weights. Medium: two features, weights on a 0.5
    grid. Hard: three features. Always 0.25 <= |z| <= 3, so y_hat is neither 0.5 nor saturated."""
    features = {"easy": 1, "medium": 2, "hard": 3}[difficulty]
    w_step = 1.0 if difficulty == "easy" else 0.5
    x = [1, *grid_vector(rng, features, -2, 2, 1)]
    w = grid_vector(rng, features + 1, -1.5, 1.5, w_step)
    p = Params(x=x, w=w, y=int(rng.integers(2)))
    if not 0.25 <= abs(_z(p)) <= 3:
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    rounded = Precision(DECIMALS)
    return [
        Part("z", r"$z = w^T x$", EXACT),
        Part("y_hat", r"$\hat{y} = \sigma(z)$", rounded),
        Part("loss", r"loss $\ell$", rounded),
        Part("grad", r"gradient $\nabla_w \ell$", rounded, "vector"),
    ]


def stem(p: Params) -> Stem:
    return Stem(
        rf"A logistic-regression model with weights $w = {vec(p.w)}$ (bias weight first) sees "
        rf"the input $x = {vec(p.x)}$ (starting with the bias input 1) whose label is $y = {p.y}$. "
        r"Compute $z = w^T x$, the prediction $\hat{y} = \sigma(z)$, the binary cross-entropy "
        r"loss $\ell = -[y \log \hat{y} + (1 - y) \log(1 - \hat{y})]$ and its gradient "
        r"$\nabla_w \ell$."
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    y_hat = num(answer["y_hat"], DECIMALS)
    residual = answer["y_hat"] - p.y
    return [
        Step("Linear part", (rf"z = w^T x = {dot(p.w, p.x)} = {num(answer['z'])}",)),
        Step(
            "Prediction",
            (
                rf"\hat{{y}} = \sigma({num(answer['z'])}) = "
                rf"\frac{{1}}{{1 + e^{{{num(-answer['z'])}}}}} = {y_hat}",
            ),
        ),
        loss_step(p.y, answer["y_hat"], answer["loss"]),
        Step(
            r"Gradient: $\sigma'$ cancels, leaving $(\hat{y} - y) x_j$",
            (
                r"\frac{\partial \ell}{\partial w_j} = \frac{\hat{y} - y}{\hat{y}(1 - \hat{y})} "
                r"\cdot \hat{y}(1 - \hat{y}) \cdot x_j = (\hat{y} - y) x_j",
                rf"\hat{{y}} - y = {y_hat} - {p.y} = {num(residual, DECIMALS)}",
                rf"\nabla_w \ell = {paren(residual, DECIMALS)} \cdot {vec(p.x)}"
                rf" = {vec(answer['grad'], DECIMALS)}",
            ),
        ),
    ]


def loss_step(y: int, y_hat: float, loss: float) -> Step:
    """The loss with the one term the label leaves, as this topic and its forms show it."""
    shown = num(y_hat, DECIMALS)
    if y == 1:
        text = rf"\ell = -\log \hat{{y}} = -\log({shown})"
    else:
        text = rf"\ell = -\log(1 - \hat{{y}}) = -\log(1 - {shown})"
    return Step(f"Loss: with $y = {y}$ only one term remains", (f"{text} = {num(loss, DECIMALS)}",))


def _other_term(p: Params) -> dict[str, Any]:
    z = _z(p)
    return {**solve(p), "loss": softplus(z) if p.y == 1 else softplus(-z)}


def _log10(p: Params) -> dict[str, Any]:
    answer = solve(p)
    return {**answer, "loss": answer["loss"] / math.log(10)}


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """y_hat from the student's z, loss and gradient from their y_hat (follow-through)."""
    out: dict[str, Any] = {"y_hat": sigmoid(given.get("z", _z(p)))}
    y_hat = given.get("y_hat", out["y_hat"])
    if 0 < y_hat < 1:
        out["loss"] = -math.log(y_hat if p.y == 1 else 1 - y_hat)
    out["grad"] = [(y_hat - p.y) * xi for xi in p.x]
    return out


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation)."""
    y_hat = Q("y_hat")
    target = y_hat if p.y == 1 else diff(C(1), y_hat)
    residual = diff(y_hat, Q("y"))
    dsigma = Prod((y_hat, diff(C(1), y_hat)))
    return Computation(
        inputs={"x": p.x, "w": p.w, "y": p.y},
        lines=(
            Line("z", MatMul(Q("w"), Q("x")), 1),
            Line("y_hat", Fn("sigmoid", (Q("z"),)), 2),
            Line("loss", Neg(Fn("log", (target,))), 3),
            Line("grad", Prod((residual, Q("x")), absent=(dsigma,)), 4),
        ),
        answer=fields(z="z", y_hat="y_hat", loss="loss", grad="grad"),
        neighbours={"y": ("y_hat",), "y_hat": ("y", "z"), "z": ("y_hat",)},
    )


MISCONCEPTIONS = (
    Misconception(
        "flipped the sign of the gradient",
        r"The gradient is $(\hat{y} - y) x$: prediction minus label, not label minus "
        "prediction.",
        lambda p: _answer(p, sign=-1.0),
    ),
    Misconception(
        "kept the sigmoid derivative",
        r"With cross-entropy, $\sigma'(z) = \hat{y}(1 - \hat{y})$ cancels against "
        r"$\frac{\partial \ell}{\partial \hat{y}}$; multiplying by it again gives the "
        "squared-error gradient instead.",
        lambda p: _answer(p, keep_dsigma=True),
    ),
    Misconception(
        "used the other class's log term",
        r"For $y = 1$ the loss is $-\log \hat{y}$, for $y = 0$ it is $-\log(1 - \hat{y})$.",
        _other_term,
    ),
    Misconception(
        "used log base 10",
        r"Cross-entropy uses the natural logarithm, $\ln$.",
        _log10,
    ),
    dropped_loss_minus(solve),
)
