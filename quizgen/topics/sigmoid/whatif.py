r"""Sigmoid what-if: the logit changes (negated, shifted by a constant, scaled) and the new
sigma and sigma' are asked, with the difference or factor of change where it says something.

Negating needs no recomputing: sigma(-z) = 1 - sigma(z), and sigma' is even, so only sigma(z)
is given (easy). A shift (medium) moves the unit along the curve: a bias changed by c. A scale
(hard) makes it steeper or flatter, and the derivative's factor of change shows how much
gradient survives.

>>> from quizgen.topics import get
>>> answer = get("sigmoid", "whatif").solve(Params(change="negate", value=0.8)).answer
>>> round(answer["sigma"], 4), round(answer["dsigma"], 4)
(0.2, 0.16)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import on_grid, pick
from quizgen.core.latex import num, paren
from quizgen.core.mathfn import sigmoid, sigmoid_derivative
from quizgen.core.model import Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import Num, ParamsModel
from quizgen.topics import Degenerate
from quizgen.topics._shared import require_fields
from quizgen.topics.sigmoid import value_steps

DESCRIPTION = (
    "the logit negated, shifted or scaled: the new sigma and sigma', and the change or factor"
)

DECIMALS = 4
#: a difference or ratio of two values rounded to DECIMALS (the stem's old values, the
#: student's new ones) carries their rounding: marked at one decimal less
FROM_ROUNDED = Precision(DECIMALS - 1)
SCALES = (0.5, 2, 3)
#: beyond it sigma (or 1 - sigma) and sigma' agree to four decimals: two parts, one number
MAX_NEW_LOGIT = 3.5
Answer = dict[str, float]
#: the fields each change is given by
NEEDS = {"negate": ("value",), "shift": ("z", "by"), "scale": ("z", "by")}


class Params(ParamsModel):
    #: negate: z -> -z with only sigma(z) given; shift: z -> z + by; scale: z -> by * z
    change: Literal["negate", "shift", "scale"]
    #: the logit before the change (shift, scale)
    z: Num | None = None
    #: sigma(z) as given, z unstated (negate)
    value: Num | None = None
    #: the constant added (shift) or the factor (scale)
    by: Num | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        require_fields(self, "change", NEEDS)
        if self.value is not None and (not 0 < self.value < 1 or self.value == 0.5):
            raise ValueError("value, sigma(z), must be in (0, 1) and not 0.5")
        if self.change == "shift" and self.by == 0:
            raise ValueError("a shift by 0 changes nothing")
        if self.change == "scale" and (self.z == 0 or self.by in (0, 1)):
            raise ValueError("a scale needs z not 0 and by not 0 or 1")
        return self


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: negate, sigma(z) on the 0.05 grid. Medium: shift an integer z in [-3, 3] by a
    whole c in [-3, 3]. Hard: scale z on the 0.5 grid by 0.5, 2 or 3. The new logit stays
    within 3.5 of 0, where sigma' is still told apart from sigma at four decimals. Never
    z = 0 or |z'| = |z| (sigma' would not change)."""
    if difficulty == "easy":
        value = on_grid(rng, 0.05, 0.95, 0.05)
        if value == 0.5:
            raise Degenerate
        return Params(change="negate", value=value)
    if difficulty == "medium":
        z, by = on_grid(rng, -3, 3, 1), on_grid(rng, -3, 3, 1)
        if z == 0 or by == 0 or z + by == -z or abs(z + by) > MAX_NEW_LOGIT:
            raise Degenerate
        return Params(change="shift", z=z, by=by)
    z, by = on_grid(rng, -3, 3, 0.5), pick(rng, SCALES)
    if z == 0 or abs(by * z) > MAX_NEW_LOGIT:
        raise Degenerate
    return Params(change="scale", z=z, by=by)


def _old(p: Params) -> float:
    """sigma(z) before the change."""
    return float(p.value) if p.value is not None else sigmoid(_z(p))


def _z(p: Params) -> float:
    """z before a shift or scale (negate does not give it)."""
    assert p.z is not None
    return float(p.z)


def _by(p: Params) -> float:
    """The shift's constant or the scale's factor."""
    assert p.by is not None
    return float(p.by)


def _new_logit(p: Params) -> float:
    """z' after the change (negate: -z, with z = logit(sigma(z)) as the check finds it)."""
    if p.change == "negate":
        s = _old(p)
        return -math.log(s / (1 - s))
    return _z(p) + _by(p) if p.change == "shift" else _by(p) * _z(p)


def _answer(p: Params, z_new: float, *, dsigma_at: float | None = None) -> Answer:
    """The new values at ``z_new``: sigma' there (or at ``dsigma_at``), and the difference or
    factor against the old values."""
    sigma, dsigma = sigmoid(z_new), sigmoid_derivative(z_new if dsigma_at is None else dsigma_at)
    answer = {"sigma": sigma, "dsigma": dsigma}
    if p.change == "shift":
        answer["change"] = sigma - _old(p)
    elif p.change == "scale":
        answer["factor"] = dsigma / sigmoid_derivative(_z(p))
    return answer


def solve(p: Params) -> Answer:
    if p.change == "negate":
        s = _old(p)
        return {"sigma": 1 - s, "dsigma": s * (1 - s)}
    return _answer(p, _new_logit(p))


def parts(p: Params) -> list[Part]:
    precision = Precision(DECIMALS)
    new = "-z" if p.change == "negate" else "z'"
    out = [
        Part("sigma", rf"$\sigma({new})$", precision),
        Part("dsigma", rf"$\sigma'({new})$", precision),
    ]
    if p.change == "shift":
        out.append(Part("change", r"the change $\sigma(z') - \sigma(z)$", FROM_ROUNDED))
    elif p.change == "scale":
        out.append(Part("factor", r"the factor $\sigma'(z') / \sigma'(z)$", FROM_ROUNDED))
    return out


def _before(p: Params) -> str:
    d = DECIMALS
    return (
        rf"For $z = {num(_z(p))}$ a sigmoid unit gives $\sigma(z) = {num(_old(p), d)}$ and "
        rf"$\sigma'(z) = {num(sigmoid_derivative(_z(p)), d)}$."
    )


def stem(p: Params) -> Stem:
    if p.change == "negate":
        return Stem(
            rf"A sigmoid unit's logit $z$ (not given) has $\sigma(z) = {num(_old(p))}$. The "
            r"logit's sign is flipped, $z \to -z$. Without finding $z$, give $\sigma(-z)$ and "
            r"$\sigma'(-z)$."
        )
    if p.change == "shift":
        return Stem(
            f"{_before(p)} Its bias changes by ${num(_by(p))}$, so the logit becomes "
            rf"$z' = z + {paren(_by(p))} = {num(_new_logit(p))}$. Find $\sigma(z')$, $\sigma'(z')$ "
            r"and the change $\sigma(z') - \sigma(z)$."
        )
    return Stem(
        f"{_before(p)} Every weight and the bias are multiplied by ${num(_by(p))}$, so the logit "
        rf"becomes $z' = {num(_by(p))} z = {num(_new_logit(p))}$. Find $\sigma(z')$, the "
        r"derivative $\sigma'(z')$ of the sigmoid at $z'$, and the factor "
        r"$\sigma'(z') / \sigma'(z)$ by which it changed."
    )


def steps(p: Params, answer: dict[str, float]) -> list[Step]:
    d = DECIMALS
    if p.change == "negate":
        s, z = num(_old(p)), -_new_logit(p)
        return [
            Step(
                r"Symmetry: $\sigma(-z) = 1 - \sigma(z)$",
                (
                    r"\sigma(-z) = \frac{1}{1 + e^{z}} = \frac{e^{-z}}{e^{-z} + 1}"
                    r" = 1 - \frac{1}{1 + e^{-z}} = 1 - \sigma(z)",
                    rf"\sigma(-z) = 1 - {s} = {num(answer['sigma'], d)}",
                ),
            ),
            Step(
                r"The derivative is even: $\sigma'(-z) = \sigma'(z)$",
                (
                    r"\sigma'(-z) = \sigma(-z)(1 - \sigma(-z)) = (1 - \sigma(z))\sigma(z)",
                    rf"\sigma'(-z) = {num(answer['sigma'], d)} \times {s}"
                    rf" = {num(answer['dsigma'], d)}",
                ),
            ),
            Step(
                "Check with the forward formula",
                (
                    rf"z = \ln \frac{{{s}}}{{1 - {s}}} = {num(z, d)}",
                    rf"\sigma(-z) = \sigma({num(-z, d)}) = {num(sigmoid(-z), d)}",
                ),
            ),
        ]
    z_new = _new_logit(p)
    written = (
        f"{num(_z(p))} + {paren(_by(p))}"
        if p.change == "shift"
        else rf"{num(_by(p))} \times {paren(_z(p))}"
    )
    out = [
        Step("The new logit", (f"z' = {written} = {num(z_new)}",)),
        *value_steps(z_new, answer["sigma"], answer["dsigma"], d),
    ]
    if p.change == "shift":
        out.append(
            Step(
                "The change",
                (
                    rf"\sigma(z') - \sigma(z) = {num(answer['sigma'], d)} - "
                    rf"{num(_old(p), d)} = {num(answer['change'], d)}",
                ),
            )
        )
    else:
        out.append(
            Step(
                "The factor of change",
                (
                    rf"\frac{{\sigma'(z')}}{{\sigma'(z)}} = \frac{{{num(answer['dsigma'], d)}}}"
                    rf"{{{num(sigmoid_derivative(_z(p)), d)}}} = {num(answer['factor'], d)}",
                ),
            )
        )
    return out


def follow(p: Params, given: dict[str, Any]) -> Answer:
    """sigma' from the student's own new sigma, and the change or factor from their own new
    values (follow-through)."""
    right = solve(p)
    sigma, dsigma = given.get("sigma", right["sigma"]), given.get("dsigma", right["dsigma"])
    out = {"dsigma": sigma * (1 - sigma)}
    if p.change == "shift":
        out["change"] = sigma - _old(p)
    elif p.change == "scale":
        out["factor"] = dsigma / sigmoid_derivative(_z(p))
    return out


def _when(change: str, answer: Callable[[Params], Answer]) -> Callable[[Params], Answer | None]:
    """A mistake of one change only (None on the others)."""
    return lambda p: answer(p) if p.change == change else None


def _with(p: Params, **wrong: float) -> Answer:
    """The right answer with some parts replaced by a mistake's."""
    return {**solve(p), **wrong}


def _output_moved(p: Params) -> Answer:
    """The output shifted or scaled in place of the logit: sigma(z) + c (sigma' kept), or
    k sigma(z) and k sigma'(z)."""
    z, by = _z(p), _by(p)
    if p.change == "shift":
        return {"sigma": sigmoid(z) + by, "dsigma": sigmoid_derivative(z), "change": by}
    return {"sigma": by * sigmoid(z), "dsigma": by * sigmoid_derivative(z), "factor": by}


def _chain_factor(p: Params) -> Answer:
    """d/dz sigma(k z) = k sigma'(k z) given for sigma' at z'."""
    answer = solve(p)
    return {**answer, "dsigma": _by(p) * answer["dsigma"], "factor": _by(p) * answer["factor"]}


MISCONCEPTIONS = (
    Misconception(
        "took the sigmoid as odd",
        r"$\sigma(-z) = 1 - \sigma(z)$, not $-\sigma(z)$: the sigmoid is always positive.",
        _when("negate", lambda p: _with(p, sigma=-_old(p))),
    ),
    Misconception(
        "took the sigmoid as even",
        r"The sigmoid increases, so $\sigma(-z) \neq \sigma(z)$: $\sigma(-z) = 1 - \sigma(z)$. "
        r"It is its derivative $\sigma'$ that is even.",
        _when("negate", lambda p: _with(p, sigma=_old(p))),
    ),
    Misconception(
        "took the derivative as odd",
        r"$\sigma'(-z) = \sigma(-z)(1 - \sigma(-z)) = (1 - \sigma(z))\sigma(z) = \sigma'(z)$: "
        r"the derivative is even, and never negative.",
        _when("negate", lambda p: _with(p, dsigma=-_old(p) * (1 - _old(p)))),
    ),
    Misconception(
        "used the symmetry on the derivative",
        r"$1 - \sigma(z)$ is $\sigma(-z)$; the derivative is even, $\sigma'(-z) = \sigma'(z)$, "
        r"not $1 - \sigma'(z)$.",
        _when("negate", lambda p: _with(p, dsigma=1 - _old(p) * (1 - _old(p)))),
    ),
    Misconception(
        "changed the output instead of the logit",
        r"The change is made to $z$, inside the sigmoid: $\sigma(z')$ is computed anew, not "
        r"$\sigma(z)$ shifted or scaled.",
        lambda p: _output_moved(p) if p.change != "negate" else None,
    ),
    Misconception(
        "shifted the logit the wrong way",
        r"Adding $c$ to the logit gives $z' = z + c$, not $z - c$.",
        _when("shift", lambda p: _answer(p, _z(p) - _by(p))),
    ),
    Misconception(
        "kept the old derivative",
        r"A shift moves the unit along the curve, and $\sigma'$ changes with $z$: "
        r"$\sigma'(z') = \sigma(z')(1 - \sigma(z'))$.",
        _when("shift", lambda p: _answer(p, _new_logit(p), dsigma_at=_z(p))),
    ),
    Misconception(
        "subtracted the new value from the old",
        r"The change is new minus old, $\sigma(z') - \sigma(z)$.",
        _when("shift", lambda p: _with(p, change=-solve(p)["change"])),
    ),
    Misconception(
        "multiplied by k from the chain rule",
        r"$\frac{d}{dz}\sigma(kz) = k\,\sigma'(kz)$ is the slope with respect to the old $z$; "
        r"$\sigma'(z')$ is the sigmoid's own derivative at $z'$, without the factor $k$.",
        _when("scale", _chain_factor),
    ),
    Misconception(
        "inverted the factor",
        r"The factor of change is new over old, $\sigma'(z') / \sigma'(z)$.",
        _when("scale", lambda p: _with(p, factor=1 / solve(p)["factor"])),
    ),
)
