r"""Categorical cross-entropy with softmax, and its gradient y_hat - y (seed section 6).

Stable for huge logits: the loss is log-sum-exp minus the target's logit.

>>> a = solve(Params(z=[1000, 0, -1000], target=2))
>>> a["loss"], a["grad"]
(2000.0, [1.0, 0.0, -1.0])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.latex import num, paren, vec
from quizgen.core.mathfn import logsumexp, softmax
from quizgen.core.model import Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.mutation import At, C, Computation, Fn, Line, Neg, Prod, Q, diff, fields
from quizgen.core.params import NonNegativeInt, Num, ParamsModel
from quizgen.topics._shared import draw_logits, dropped_loss_minus, softmax_lines, softmax_steps

TITLE = "Categorical cross-entropy gradient"
CODE = "CE"
SECTION = 6
SECTION_TITLE = "Categorical cross-entropy gradient"
DESCRIPTION = "softmax + CCE: loss -log y_hat_c and gradient dl/dz = y_hat - y (one-hot y)"

DECIMALS = 4


class Params(ParamsModel):
    z: tuple[Num, ...] = Field(min_length=2)
    target: NonNegativeInt

    @model_validator(mode="after")
    def _target_in_range(self) -> Params:
        if self.target >= len(self.z):
            raise ValueError(
                f"target: class {self.target} is out of range for {len(self.z)} logits "
                f"(0 to {len(self.z) - 1})"
            )
        return self


def _answer(p: Params, target: int, *, subtract: float = 1.0, sign: float = 1.0) -> dict[str, Any]:
    probs = softmax(p.z)
    one_hot = np.eye(len(p.z))[target]
    return {
        "probs": probs.tolist(),
        "loss": logsumexp(p.z) - float(p.z[target]),
        "grad": (sign * (probs - subtract * one_hot)).tolist(),
    }


def solve(p: Params) -> dict[str, Any]:
    return _answer(p, p.target)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Logits as for softmax; the true class is any of them."""
    z = draw_logits(rng, difficulty)
    return Params(z=z, target=int(rng.integers(len(z))))


def parts(p: Params) -> list[Part]:
    precision = Precision(DECIMALS)
    return [
        Part("probs", r"probabilities $\hat{y}$", precision, "vector"),
        Part("loss", r"loss $\ell$", precision),
        Part("grad", r"gradient $\nabla_z \ell$", precision, "vector"),
    ]


def stem(p: Params) -> Stem:
    one_hot = [1 if k == p.target else 0 for k in range(len(p.z))]
    return Stem(
        rf"A softmax classifier outputs the logits $z = {vec(p.z)}$. The true class is class "
        rf"{p.target + 1} of {len(p.z)} (one-hot target $y = {vec(one_hot)}$). Compute the "
        r"probabilities $\hat{y}$, the categorical cross-entropy loss "
        r"$\ell = -\sum_k y_k \log \hat{y}_k$ and its gradient with respect to the logits."
    )


def _log_term(p: Params, probs: list[float]) -> str:
    """-log(y_hat_c) with the number, or log S - z_c when y_hat_c is too small to show."""
    if probs[p.target] >= 10**-DECIMALS:
        return rf"-\log({num(probs[p.target], DECIMALS)})"
    lse = num(logsumexp(p.z), DECIMALS)
    return rf"\log \sum_k e^{{z_k}} - z_{p.target + 1} = {lse} - {paren(p.z[p.target])}"


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    probs = answer["probs"]
    c = p.target + 1
    one_hot = [1 if k == p.target else 0 for k in range(len(p.z))]
    return [
        *softmax_steps(p.z, probs, DECIMALS),
        Step(
            "Loss: only the true class counts",
            (
                rf"\ell = -\log \hat{{y}}_{c} = {_log_term(p, probs)}"
                rf" = {num(answer['loss'], DECIMALS)}",
            ),
        ),
        Step(
            r"Gradient $\nabla_z \ell = \hat{y} - y$",
            (
                rf"\nabla_z \ell = {vec(probs, DECIMALS)} - {vec(one_hot)}"
                rf" = {vec(answer['grad'], DECIMALS)}",
            ),
        ),
    ]


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """Loss and gradient from the student's own probabilities (follow-through)."""
    probs = np.array(given.get("probs", softmax(p.z)), float)
    out: dict[str, Any] = {"grad": (probs - np.eye(len(p.z))[p.target]).tolist()}
    if probs[p.target] > 0:
        out["loss"] = -math.log(probs[p.target])
    return out


def _predicted_class(p: Params) -> dict[str, Any]:
    predicted = int(np.argmax(p.z))
    return {**solve(p), "loss": logsumexp(p.z) - float(p.z[predicted])}


def _log10(p: Params) -> dict[str, Any]:
    answer = solve(p)
    return {**answer, "loss": answer["loss"] / math.log(10)}


MISCONCEPTIONS = (
    Misconception(
        "forgot to subtract the one-hot target",
        r"$\nabla_z \ell = \hat{y} - y$: the true class's entry is its probability minus $1$.",
        lambda p: _answer(p, p.target, subtract=0.0),
    ),
    Misconception(
        "flipped the sign of the gradient",
        r"The gradient is $\hat{y} - y$ (prediction minus target), not $y - \hat{y}$.",
        lambda p: _answer(p, p.target, sign=-1.0),
    ),
    Misconception(
        "took the loss at the predicted class",
        r"The loss is $-\log$ of the probability of the true class, whichever class is "
        "likeliest.",
        _predicted_class,
    ),
    Misconception(
        "used log base 10",
        r"Cross-entropy uses the natural logarithm, $\ln$.",
        _log10,
    ),
    dropped_loss_minus(solve),
)


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation)."""
    inputs, lines = softmax_lines(p.z)
    last = lines[-1].step
    probs = Prod((Q("probs", "y_hat"),), absent=(Q("y"),))
    kept = Prod((Q("probs", "y_hat"), diff(C(1), Q("probs", "y_hat"))))
    return Computation(
        inputs={**inputs, "z": p.z, "y": np.eye(len(p.z))[p.target]},
        lines=(
            *lines,
            Line("loss", Neg(Fn("log", (At(Q("probs", "y_hat"), p.target),))), last + 1),
            # the softmax's derivative, cancelled by the loss, is a factor a student keeps;
            # the one-hot y multiplying y_hat keeps only the target's entry
            Line("grad", Prod((diff(probs, Q("y")),), absent=(kept,)), last + 2),
        ),
        answer=fields(probs="probs", loss="loss", grad="grad"),
        neighbours={"y": ("probs",), "probs": ("y", "e")},
        shown={"probs": "y_hat"},
    )
