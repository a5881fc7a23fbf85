r"""Softmax, what if: the logits change one way, and the new probabilities are asked.

Three changes, each with the idea it tests: every logit shifted by the same c changes nothing
(e^c cancels between numerator and normaliser); one logit up by ln 2 doubles its exponential,
so that class's probability becomes 2p / (1 + p) and every other one is divided by 1 + p;
all logits scaled by t (an inverse temperature) raises each exponential to the power t, so the
probabilities become p^t renormalised: sharper for t > 1, flatter for t < 1.

>>> from quizgen.topics import get
>>> solution = get("softmax", "whatif").solve(Params(z=[0, 0], change="up", by=0))
>>> [round(v, 4) for v in solution.answer["probs"]]
[0.6667, 0.3333]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.draw import pick
from quizgen.core.latex import num, vec
from quizgen.core.mathfn import log, softmax
from quizgen.core.model import Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import Num, ParamsModel
from quizgen.topics import Degenerate
from quizgen.topics._shared import a_mistake_is_right, draw_logits, softmax_steps

DESCRIPTION = (
    "the new probabilities when every logit is shifted by c, one logit rises by ln 2, or all "
    "are scaled by t"
)

DECIMALS = 4
SHIFTS = (-3, -2, -1, 1, 2, 3, 5, 10)
SCALES = (2, 3, 0.5)


class Params(ParamsModel):
    z: tuple[Num, ...] = Field(min_length=2)
    #: "shift": every logit plus ``by``; "up": logit ``by`` (0-based) plus ln 2; "scale": every
    #: logit times ``by``
    change: Literal["shift", "up", "scale"]
    by: Num

    @model_validator(mode="after")
    def _change_fits(self) -> Params:
        if self.change == "up" and self.by not in range(len(self.z)):
            raise ValueError(f"by: the logit raised, 0 to {len(self.z) - 1}, got {self.by}")
        if self.change == "scale" and self.by <= 0:
            raise ValueError(f"by: the scale must be positive, got {self.by}")
        return self


def changed(p: Params, logits: Any = None) -> list[float]:
    """The logits after the change (of ``logits`` in place of the given ones, if any)."""
    z = [float(v) for v in (p.z if logits is None else logits)]
    if p.change == "shift":
        return [v + p.by for v in z]
    if p.change == "scale":
        return [v * p.by for v in z]
    return [v + math.log(2) if k == p.by else v for k, v in enumerate(z)]


def solve(p: Params) -> dict[str, Any]:
    return {"before": softmax(p.z).tolist(), "probs": softmax(changed(p)).tolist()}


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """The logits of the forward form (integers, halves or tenths by difficulty); the change is
    a shift by a whole c, one logit up by ln 2, or a scale by 2, 3 or 1/2, any of them at any
    difficulty. Redrawn where a named mistake gives the right answer."""
    z = draw_logits(rng, difficulty)
    change = pick(rng, ("shift", "up", "scale"))
    draws: dict[str, Callable[[], float]] = {
        "shift": lambda: pick(rng, SHIFTS),
        "up": lambda: int(rng.integers(len(z))),
        "scale": lambda: pick(rng, SCALES),
    }
    by = draws[change]()
    p = Params(z=z, change=change, by=by)
    if a_mistake_is_right(p, solve, parts, MISCONCEPTIONS):
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    """The probabilities before the change, then after it; a shift asks only after it (the
    point being that they are the probabilities before it)."""
    precision = Precision(DECIMALS)
    after = Part("probs", r"probabilities $\hat{y}'$ after the change", precision, "vector")
    if p.change == "shift":
        return [after]
    return [
        Part("before", r"probabilities $\hat{y}$ before the change", precision, "vector"),
        after,
    ]


def _change_text(p: Params) -> str:
    if p.change == "shift":
        return rf"every logit is increased by $c = {num(p.by)}$"
    if p.change == "scale":
        return rf"every logit is multiplied by $t = {num(p.by)}$"
    return rf"the logit $z_{int(p.by) + 1}$ is increased by $\ln 2$"


def stem(p: Params) -> Stem:
    return Stem(
        rf"A softmax layer $\hat{{y}}_k = \frac{{e^{{z_k}}}}{{\sum_j e^{{z_j}}}}$ has the logits "
        rf"$z = {vec(p.z)}$."
        + ("" if p.change == "shift" else r" Compute its probabilities $\hat{y}$.")
        + rf" Then {_change_text(p)}: what are the new probabilities $\hat{{y}}'$?"
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    before, after = answer["before"], answer["probs"]
    d = DECIMALS
    first = softmax_steps(p.z, before, d)
    if p.change == "shift":
        why = Step(
            "A common shift cancels",
            (
                r"\hat{y}'_k = \frac{e^{z_k + c}}{\sum_j e^{z_j + c}} = "
                r"\frac{e^c e^{z_k}}{e^c \sum_j e^{z_j}} = \hat{y}_k",
            ),
            rf"\hat{{y}}' = {vec(after, d)}",
        )
    elif p.change == "up":
        k = int(p.by) + 1
        y = before[k - 1]
        why = Step(
            rf"$e^{{z_{k}}}$ doubles, so $S' = S + e^{{z_{k}}}$, i.e. $S' / S = 1 + \hat{{y}}_{k}$",
            (
                rf"\hat{{y}}'_{k} = \frac{{2 \hat{{y}}_{k}}}{{1 + \hat{{y}}_{k}}} = "
                rf"\frac{{2 \cdot {num(y, d)}}}{{1 + {num(y, d)}}} = {num(after[k - 1], d)}",
                rf"\hat{{y}}'_j = \frac{{\hat{{y}}_j}}{{1 + \hat{{y}}_{k}}} \quad (j \neq {k})",
            ),
            rf"\hat{{y}}' = {vec(after, d)}",
        )
    else:
        powers = [v**p.by for v in before]
        why = Step(
            rf"Scaling by $t$ raises each $e^{{z_k}}$ to the power $t = {num(p.by)}$",
            (
                r"\hat{y}'_k = \frac{(e^{z_k})^t}{\sum_j (e^{z_j})^t} = "
                r"\frac{\hat{y}_k^t}{\sum_j \hat{y}_j^t}",
                rf"\hat{{y}}^t = {vec(powers, d)}, \quad \sum_j \hat{{y}}_j^t = "
                rf"{num(sum(powers), d)}",
            ),
            rf"\hat{{y}}' = {vec(after, d)}",
        )
    check = Step(
        "Check with the forward formula",
        (rf"\text{{softmax}}({vec(changed(p), d)}) = {vec(after, d)}",),
    )
    return [*first, why, check]


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """The new probabilities from the student's own first ones (follow-through): their
    logarithms stand for the logits, which softmax recovers up to a shift it ignores."""
    before = np.array(given.get("before", softmax(p.z)), float)
    if before.min() <= 0:
        return {}
    return {"probs": softmax(changed(p, log(before))).tolist()}


def _wrong(p: Params, change: str, after: Any) -> dict[str, Any] | None:
    """A student's answer to a ``change`` question: the right first probabilities, then
    ``after`` of them (None for the other changes)."""
    if p.change != change:
        return None
    before = softmax(p.z)
    return {"before": before.tolist(), "probs": np.asarray(after(before, p.by), float).tolist()}


def _doubled(before: np.ndarray, k: int) -> np.ndarray:
    out = before.copy()
    out[k] *= 2
    return out


def _only_raised(before: np.ndarray, k: int) -> np.ndarray:
    out = before.copy()
    out[k] = 2 * before[k] / (1 + before[k])
    return out


MISCONCEPTIONS = (
    Misconception(
        "scaled the probabilities by e^c",
        r"The shift multiplies the normaliser by $e^c$ too: $\frac{e^c e^{z_k}}{e^c S}$ is "
        r"$\hat{y}_k$ again.",
        lambda p: _wrong(p, "shift", lambda y, c: y * math.exp(c)),
    ),
    Misconception(
        "added the shift to the probabilities",
        r"Softmax sees only differences of logits: a common shift leaves every $\hat{y}_k$ as it "
        "was.",
        lambda p: _wrong(p, "shift", lambda y, c: y + c),
    ),
    Misconception(
        "doubled the probability without renormalising",
        r"Doubling $e^{z_k}$ also raises $S$ to $S + e^{z_k}$: $\hat{y}'_k = "
        r"\frac{2\hat{y}_k}{1 + \hat{y}_k}$, and the others shrink.",
        lambda p: _wrong(p, "up", lambda y, k: _doubled(y, int(k))),
    ),
    Misconception(
        "left the other probabilities unchanged",
        r"The normaliser grows for every class: each other $\hat{y}_j$ is divided by "
        r"$1 + \hat{y}_k$, so the outputs still sum to $1$.",
        lambda p: _wrong(p, "up", lambda y, k: _only_raised(y, int(k))),
    ),
    Misconception(
        "scaled the probabilities instead of the logits",
        r"$e^{t z_k} = (e^{z_k})^t$: scaling the logits raises the probabilities to the power "
        r"$t$ before renormalising; scaling $\hat{y}$ and renormalising changes nothing.",
        lambda p: _wrong(p, "scale", lambda y, t: y),
    ),
    Misconception(
        "raised the probabilities to the power t without renormalising",
        r"$\hat{y}_k^t$ no longer sum to $1$: divide by $\sum_j \hat{y}_j^t$.",
        lambda p: _wrong(p, "scale", lambda y, t: y**t),
    ),
)
