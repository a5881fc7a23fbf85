r"""Binary cross-entropy backwards: the prediction and logit behind a stated loss, a stated
gradient dl/dz, or (hard) a stated weight gradient, whose sign gives away the label.

Every answer is unique. With the label known, the loss -ln y_hat (or -ln(1 - y_hat)) is
strictly monotonic in y_hat, and dl/dz = y_hat - y is linear in it; the sigmoid is strictly
increasing, so one y_hat has one logit. The weight gradient (y_hat - y) x has y_hat - y as its
bias entry (x_0 = 1), negative exactly when y = 1, since 0 < y_hat < 1.

>>> from quizgen.topics import get
>>> answer = get("bce", "inverse").solve(Params(given="dldz", y=1, value=-0.2)).answer
>>> round(answer["y_hat"], 4), round(answer["z"], 4), round(answer["loss"], 4)
(0.8, 1.3863, 0.2231)
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import grid_vector, on_grid
from quizgen.core.latex import num, paren, vec
from quizgen.core.mathfn import sigmoid
from quizgen.core.model import EXACT, Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import Num, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import dropped_loss_minus, require_fields
from quizgen.topics.bce import DECIMALS, loss_step

DESCRIPTION = (
    "y_hat and z from a given loss or dl/dz, or at hard the label y from the weight gradient"
)

Answer = dict[str, Any]
#: the fields each question is given by
NEEDS = {"loss": ("y", "value"), "dldz": ("y", "value"), "grad": ("x", "grad")}
#: z = ln(y_hat / (1 - y_hat)) from a y_hat rounded to DECIMALS moves by up to 13 units of
#: that place (y_hat >= 0.08): z is marked at one decimal less, as the sigmoid's inverse does
LOGIT = Precision(DECIMALS - 1)


class Params(ParamsModel):
    #: what is given: the loss, dl/dz = y_hat - y (each with the label y), or the weight
    #: gradient grad with the input x (bias input 1 first) and no label
    given: Literal["loss", "dldz", "grad"]
    y: Literal[0, 1] | None = None
    #: the loss (> 0) or dl/dz (in (-1, 0) for y = 1, (0, 1) for y = 0), by ``given``
    value: Num | None = None
    x: Vector | None = None
    grad: Vector | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        require_fields(self, "given", NEEDS)
        if self.x is not None and self.grad is not None:
            if len(self.grad) != len(self.x) or self.x[0] != 1:
                raise ValueError("x must start with the bias input 1 and match grad in length")
            g = self.grad[0]
            if not 0 < abs(g) < 1 or any(
                not math.isclose(gj, g * xj, abs_tol=1e-9) for gj, xj in zip(self.grad, self.x)
            ):
                raise ValueError("grad must be (y_hat - y) x for some y_hat in (0, 1)")
            return self
        assert self.value is not None and self.y is not None  # by require_fields
        if self.given == "loss" and not self.value > 0:
            raise ValueError("a loss must be positive")
        if self.given == "dldz" and not 0 < (self.value + self.y) < 1:
            raise ValueError("dldz = y_hat - y must leave y_hat in (0, 1)")
        return self


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: a loss on the 0.1 grid in [0.1, 2.5]. Medium: dl/dz on the 0.05 grid. Hard: x with
    two integer features in [-2, 2] (not 0) and y_hat - y on the 0.05 grid. Never
    y_hat = 0.5 (z = 0 tells nothing of the sign); y is 0 or 1 with equal chance."""
    y = int(rng.integers(2))
    if difficulty == "easy":
        return Params(given="loss", y=y, value=on_grid(rng, 0.1, 2.5, 0.1))
    y_hat = on_grid(rng, 0.05, 0.95, 0.05)
    if y_hat == 0.5:
        raise Degenerate
    g = round(y_hat - y, 10)
    if difficulty == "medium":
        return Params(given="dldz", y=y, value=g)
    x = [1, *grid_vector(rng, 2, -2, 2, 1)]
    if 0 in x:
        raise Degenerate
    return Params(given="grad", x=x, grad=[round(g * xj, 10) for xj in x])


def _label(p: Params) -> int:
    """y: given, or read from the sign of the bias entry of the gradient."""
    if p.y is not None:
        return p.y
    assert p.grad is not None
    return 1 if p.grad[0] < 0 else 0


def _value(p: Params) -> float:
    """The given loss or dl/dz; for a weight gradient, its bias entry y_hat - y."""
    if p.value is not None:
        return float(p.value)
    assert p.grad is not None
    return float(p.grad[0])


def _prediction(p: Params, log: float = math.e) -> float:
    """y_hat from what is given (``log``: the base a student takes the loss's logarithm in);
    y + (y_hat - y) rounded off its float noise, as a given gradient is on a decimal grid."""
    if p.given == "loss":
        kept = log ** -_value(p)
        return kept if p.y == 1 else 1 - kept
    return round(_label(p) + _value(p), 12)


def _logit(y_hat: float, log: float = math.e) -> float:
    return math.log(y_hat / (1 - y_hat), log)


def _loss(y: int, y_hat: float, log: float = math.e) -> float:
    return -math.log(y_hat if y == 1 else 1 - y_hat, log)


def _answer(p: Params, y: int, y_hat: float, log: float = math.e) -> Answer:
    """The answer fields this ``given`` asks, from a label and a prediction."""
    answer: Answer = {"y": y} if p.given == "grad" else {}
    answer |= {"y_hat": y_hat, "z": _logit(y_hat, log)}
    return answer if p.given == "loss" else answer | {"loss": _loss(y, y_hat, log)}


def solve(p: Params) -> Answer:
    return _answer(p, _label(p), _prediction(p))


def parts(p: Params) -> list[Part]:
    rounded = Precision(DECIMALS)
    out = [Part("y", "the label $y$", EXACT)] if p.given == "grad" else []
    out += [Part("y_hat", r"$\hat{y}$", rounded), Part("z", "the logit $z$", LOGIT)]
    return out if p.given == "loss" else [*out, Part("loss", r"the loss $\ell$", rounded)]


def stem(p: Params) -> Stem:
    model = r"A logistic-regression unit predicts $\hat{y} = \sigma(z)$ and is trained with "
    loss = r"the binary cross-entropy $\ell = -[y \log \hat{y} + (1 - y) \log(1 - \hat{y})]$"
    if p.given == "loss":
        return Stem(
            f"{model}{loss}. On a sample with label $y = {p.y}$ the loss is "
            rf"$\ell = {num(_value(p))}$. Find the prediction $\hat{{y}}$ and the logit $z$."
        )
    if p.given == "dldz":
        return Stem(
            f"{model}{loss}. On a sample with label $y = {p.y}$ the gradient with respect to "
            rf"the logit is $\frac{{\partial \ell}}{{\partial z}} = {num(_value(p))}$. Find "
            r"$\hat{y}$, $z$ and the loss $\ell$."
        )
    assert p.x is not None and p.grad is not None
    return Stem(
        f"{model}{loss}. A sample $x = {vec(p.x)}$ (bias input 1 first) of unknown label gives "
        rf"the weight gradient $\nabla_w \ell = {vec(p.grad)}$. Find the label $y$, the "
        r"prediction $\hat{y}$, the logit $z$ and the loss $\ell$."
    )


def _logit_steps(y_hat: float, z: float) -> list[Step]:
    d = DECIMALS
    return [
        Step(
            r"The logit: invert $\hat{y} = \sigma(z)$",
            (
                rf"z = \ln \frac{{\hat{{y}}}}{{1 - \hat{{y}}}} = \ln \frac{{{num(y_hat, d)}}}"
                rf"{{{num(1 - y_hat, d)}}} = {num(z, d)}",
            ),
        ),
    ]


def _check(z: float, what: str) -> Step:
    """The forward formula on the answer, giving back ``what`` was given (LaTeX)."""
    return Step(
        "Check with the forward formula",
        (rf"\sigma({num(z, DECIMALS)}) = {num(sigmoid(z), DECIMALS)}\text{{, so }} {what}",),
    )


def steps(p: Params, answer: Answer) -> list[Step]:
    d = DECIMALS
    y, y_hat, z = _label(p), answer["y_hat"], answer["z"]
    if p.given == "loss":
        term = r"\hat{y}" if y == 1 else r"(1 - \hat{y})"
        kept = "" if y == 1 else "1 - "
        return [
            Step(
                f"With $y = {y}$ only one term remains; undo the logarithm",
                (
                    rf"\ell = -\ln {term} = {num(_value(p))} \iff {term} = e^{{-{num(_value(p))}}}",
                    rf"\hat{{y}} = {kept}e^{{-{num(_value(p))}}} = {num(y_hat, d)}",
                ),
            ),
            *_logit_steps(y_hat, z),
            _check(z, rf"\ell = {num(_loss(y, sigmoid(z)), d)}"),
        ]
    g = _prediction(p) - y
    out = []
    if p.given == "grad":
        assert p.x is not None
        sign = "negative" if g < 0 else "positive"
        out += [
            Step(
                r"The bias entry is $\hat{y} - y$ (its input is $x_0 = 1$)",
                (
                    rf"\nabla_w \ell = (\hat{{y}} - y)\, x = {paren(g)} \cdot {vec(p.x)}",
                    rf"\hat{{y}} - y = {num(g)}",
                ),
            ),
            Step(
                "The label from the sign",
                (
                    rf"0 < \hat{{y}} < 1\text{{, so }} \hat{{y}} - y \text{{ is {sign} only for }}"
                    rf" y = {y}",
                ),
            ),
        ]
    else:
        out.append(
            Step(
                r"$\sigma'$ cancels: $\frac{\partial \ell}{\partial z} = \hat{y} - y$",
                (rf"\hat{{y}} - {y} = {num(g)} \iff \hat{{y}} = {num(y_hat, d)}",),
            )
        )
    if p.given == "grad":
        out.append(Step("The prediction", (rf"\hat{{y}} = {y} + {paren(g)} = {num(y_hat, d)}",)))
    return [
        *out,
        *_logit_steps(y_hat, z),
        loss_step(y, y_hat, answer["loss"]),
        _check(z, rf"\hat{{y}} - y = {num(sigmoid(z) - y, d)}"),
    ]


def follow(p: Params, given: dict[str, Any]) -> Answer:
    """y_hat from the student's own label (y + the gradient's bias entry), z and the loss from
    their own y_hat (follow-through)."""
    y = given.get("y", _label(p))
    out: Answer = {}
    y_hat = _prediction(p)
    if p.given == "grad" and y in (0, 1):
        y_hat = out["y_hat"] = round(y + _value(p), 12)
    y_hat = given.get("y_hat", y_hat)
    if 0 < y_hat < 1:
        out["z"] = _logit(y_hat)
        if y in (0, 1):
            out["loss"] = _loss(int(y), y_hat)
    return out


def _other_class(p: Params) -> Answer:
    """y_hat given as 1 - y_hat: the probability of the other class."""
    return _answer(p, _label(p), 1 - _prediction(p))


def _flipped_gradient(p: Params) -> Answer | None:
    """The gradient read as y - y_hat: y_hat = y - g, a probability only for a weight gradient,
    whose label then comes out flipped too."""
    if p.given == "grad":
        return _answer(p, 1 - _label(p), 1 - _prediction(p))
    if p.given == "dldz":
        return {"y_hat": _label(p) - _value(p)}
    return None


def _log10(p: Params) -> Answer:
    """Every logarithm taken to base 10 (a given loss undone with 10^-l)."""
    y_hat = _prediction(p, 10.0) if p.given == "loss" else _prediction(p)
    return _answer(p, _label(p), y_hat, 10.0)


def _loss_negated(p: Params) -> Answer:
    """The loss without its minus sign: undone (a given loss) as y_hat = e^l, or negated."""
    if p.given == "loss":
        kept = math.exp(_value(p))
        return {"y_hat": kept if p.y == 1 else 1 - kept}
    return {**solve(p), "loss": -solve(p)["loss"]}


MISCONCEPTIONS = (
    Misconception(
        "gave 1 - y_hat for y_hat",
        r"$\hat{y} = \sigma(z)$ is the probability of $y = 1$; $1 - \hat{y}$ is the other "
        "class's, and its logit is $-z$.",
        _other_class,
    ),
    Misconception(
        "flipped the sign of the gradient",
        r"The gradient is $\hat{y} - y$ (times $x$): prediction minus label, so $\hat{y} = y + "
        r"\frac{\partial \ell}{\partial z}$.",
        _flipped_gradient,
    ),
    Misconception(
        "used log base 10",
        r"Cross-entropy and the logit use the natural logarithm: $\hat{y} = e^{-\ell}$, "
        r"$z = \ln \frac{\hat{y}}{1 - \hat{y}}$.",
        _log10,
    ),
    dataclasses.replace(dropped_loss_minus(solve), solve=_loss_negated),
    Misconception(
        "inverted the logit's ratio",
        r"$z = \ln \frac{\hat{y}}{1 - \hat{y}}$; $\ln \frac{1 - \hat{y}}{\hat{y}}$ is $-z$.",
        lambda p: {**solve(p), "z": -solve(p)["z"]},
    ),
)
