r"""Sigmoid backwards: the z that gives a sigmoid value (or, at hard, a derivative value).

The sigmoid is strictly increasing, so a value in (0, 1) comes from exactly one z: the logit
z = ln(s / (1 - s)). A derivative value d in (0, 1/4) comes from two, z and -z; the stem says
which ("z > 0"), so the answer is unique.

>>> from quizgen.topics import get
>>> solution = get("sigmoid", "inverse").solve(Params(given="sigma", value=0.8))
>>> round(solution.answer["z"], 3)
1.386
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import on_grid, pick
from quizgen.core.latex import num
from quizgen.core.mathfn import sigmoid
from quizgen.core.model import Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import Num, ParamsModel
from quizgen.topics import Degenerate

DESCRIPTION = "the z with a given sigma(z), or at hard the positive z with a given sigma'(z)"

#: probabilities whose logit is worked by hand without trouble
EASY_VALUES = (0.1, 0.2, 0.25, 0.4, 0.6, 0.75, 0.8, 0.9)


class Params(ParamsModel):
    #: which value is given: sigma(z), or sigma'(z) with z > 0
    given: Literal["sigma", "dsigma"]
    value: Num

    @model_validator(mode="after")
    def _in_range(self) -> Params:
        _check(self)
        return self


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: a probability from a short list of friendly ones; medium: on the 0.05 grid in
    [0.05, 0.95]; hard: sigma'(z) on the 0.01 grid in [0.05, 0.24]. Never 0.5 (z = 0)."""
    if difficulty == "easy":
        return Params(given="sigma", value=pick(rng, EASY_VALUES))
    if difficulty == "medium":
        value = on_grid(rng, 0.05, 0.95, 0.05)
        if value == 0.5:
            raise Degenerate
        return Params(given="sigma", value=value)
    return Params(given="dsigma", value=on_grid(rng, 0.05, 0.24, 0.01))


def _check(p: Params) -> None:
    """A value the sigmoid (or its derivative) takes, so that one z gives it."""
    limit = 1.0 if p.given == "sigma" else 0.25
    if not 0 < p.value < limit or (p.given == "sigma" and p.value == 0.5):
        raise ValueError(f"value must be in (0, {limit:g}), and not 0.5 for sigma")


def _sigma(p: Params, root: int = 1) -> float:
    """sigma(z): given, or the root of s (1 - s) = d on the side of z > 0 (``root`` = -1: the
    other side)."""
    if p.given == "sigma":
        return float(p.value)
    return (1 + root * math.sqrt(1 - 4 * p.value)) / 2


def _logit(s: float) -> float:
    return math.log(s / (1 - s))


def solve(p: Params) -> dict[str, float]:
    s = _sigma(p)
    answer = {"z": _logit(s)}
    return {"sigma": s, **answer} if p.given == "dsigma" else answer


def parts(p: Params) -> list[Part]:
    z = Part("z", "$z$", Precision(3))
    return [Part("sigma", r"$\sigma(z)$", Precision(4)), z] if p.given == "dsigma" else [z]


def stem(p: Params) -> Stem:
    if p.given == "sigma":
        return Stem(
            rf"The sigmoid $\sigma(z) = \frac{{1}}{{1 + e^{{-z}}}}$ takes the value "
            rf"$\sigma(z) = {num(p.value)}$. Which $z$ gives it?"
        )
    return Stem(
        rf"For some $z > 0$, the sigmoid's derivative is $\sigma'(z) = {num(p.value)}$. "
        r"Find $\sigma(z)$ and $z$."
    )


def steps(p: Params, answer: dict[str, float]) -> list[Step]:
    s, z = answer.get("sigma", p.value), answer["z"]
    out = []
    if p.given == "dsigma":
        root = math.sqrt(1 - 4 * p.value)
        out.append(
            Step(
                "From the derivative to the sigmoid",
                (
                    rf"\sigma(1 - \sigma) = {num(p.value)} \iff \sigma^2 - \sigma + {num(p.value)}"
                    r" = 0",
                    rf"\sigma = \frac{{1 \pm \sqrt{{1 - 4 \times {num(p.value)}}}}}{{2}}"
                    rf" = \frac{{1 \pm {num(root)}}}{{2}}",
                    rf"z > 0 \text{{ means }} \sigma(z) > 0.5\text{{, so }} \sigma(z) = {num(s)}",
                ),
            )
        )
    ratio = s / (1 - s)
    out += [
        Step(
            "Invert the sigmoid",
            (
                r"\frac{1}{1 + e^{-z}} = \sigma \iff e^{-z} = \frac{1}{\sigma} - 1"
                r" \iff z = \ln\left(\frac{\sigma}{1 - \sigma}\right)",
            ),
        ),
        Step(
            "Substitute",
            (
                rf"z = \ln\left(\frac{{{num(s)}}}{{1 - {num(s)}}}\right) = \ln {num(ratio)}"
                rf" = {num(z, 3)}",
            ),
        ),
        Step(
            "Check with the forward formula",
            (rf"\sigma({num(z, 3)}) = {num(sigmoid(round(z, 3)), 4)}",),
        ),
    ]
    return out


def _wrong(p: Params, z_of: float, s: float | None = None) -> dict[str, float]:
    """A student's answer: the ``z`` they found, beside the sigma(z) they used (hard)."""
    answer = {"z": z_of}
    return {"sigma": _sigma(p) if s is None else s, **answer} if p.given == "dsigma" else answer


MISCONCEPTIONS = (
    Misconception(
        "inverted the ratio",
        r"$z = \ln \frac{\sigma}{1 - \sigma}$; $\ln \frac{1 - \sigma}{\sigma}$ is $-z$.",
        lambda p: _wrong(p, -_logit(_sigma(p))),
    ),
    Misconception(
        "forgot the logarithm",
        r"$e^{z} = \frac{\sigma}{1 - \sigma}$, so $z$ is its logarithm, not the ratio itself.",
        lambda p: _wrong(p, _sigma(p) / (1 - _sigma(p))),
    ),
    Misconception(
        "stopped at e^-z",
        r"$\frac{1}{\sigma} - 1$ is $e^{-z}$; one more step, $z = -\ln(\frac{1}{\sigma} - 1)$.",
        lambda p: _wrong(p, 1 / _sigma(p) - 1),
    ),
    Misconception(
        "used log base 10",
        r"The sigmoid is written with $e$: its inverse is the natural logarithm $\ln$.",
        lambda p: _wrong(p, math.log10(_sigma(p) / (1 - _sigma(p)))),
    ),
    Misconception(
        "took the root below one half",
        r"$z > 0$ means $\sigma(z) > 0.5$: the root with $+\sqrt{1 - 4\sigma'}$.",
        lambda p: _wrong(p, _logit(_sigma(p, -1)), _sigma(p, -1)) if p.given == "dsigma" else None,
    ),
)
