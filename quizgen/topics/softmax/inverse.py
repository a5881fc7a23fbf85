r"""Softmax backwards: the logit that gives a class a stated probability, or the gap between two
logits from their classes' probabilities.

With the other logits fixed, class k's probability is p = e^{z_k} / (e^{z_k} + R), where R is
the sum of the other classes' exponentials. It rises strictly from 0 to 1 as z_k does, so each
p in (0, 1) comes from exactly one logit, z_k = ln(p / (1 - p)) + ln R. Two probabilities'
ratio is e^{z_i - z_j}: it fixes the gap z_i - z_j uniquely (the logits themselves only up to
the common shift that softmax ignores).

>>> from quizgen.topics import get
>>> solution = get("softmax", "inverse").solve(Params(asked="logit", z=[None, 0, 0], prob=0.5))
>>> round(solution.answer["z"], 3)
0.693
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import on_grid, pick
from quizgen.core.latex import num, paren, vec
from quizgen.core.mathfn import softmax
from quizgen.core.model import Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import NonNegativeInt, Num, ParamsModel
from quizgen.topics import Degenerate
from quizgen.topics._shared import a_mistake_is_right, draw_logits

DESCRIPTION = (
    "the logit that gives a class a stated probability (the others fixed), or the gap between "
    "two logits from their probabilities"
)

#: probabilities whose odds are worked by hand without trouble (not 1/2: its odds are 1 either
#: way up, so inverting them could not be told from the right answer)
EASY_PROBS = (0.1, 0.2, 0.25, 0.4, 0.6, 0.75, 0.8, 0.9)
#: probabilities are drawn in twentieths
UNITS = 20


class Params(ParamsModel):
    #: "logit": the unknown logit z_k (null in ``z``) that gives class k the probability
    #: ``prob``; "gap": z_i - z_j for ``pair`` = (i, j) from the probabilities ``probs``
    asked: Literal["logit", "gap"]
    z: tuple[Num | None, ...] | None = None
    prob: Num | None = None
    probs: tuple[Num, ...] | None = None
    pair: tuple[NonNegativeInt, NonNegativeInt] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Params:
        if self.asked == "logit":
            if self.z is None or self.prob is None or self.probs or self.pair:
                raise ValueError('asked "logit" takes z (the unknown logit null) and prob')
            if len(self.z) < 2 or sum(v is None for v in self.z) != 1:
                raise ValueError("z: at least two logits, exactly one of them null (the unknown)")
            if not 0 < self.prob < 1:
                raise ValueError(f"prob must be in (0, 1), got {self.prob}")
            return self
        if self.probs is None or self.pair is None or self.z or self.prob is not None:
            raise ValueError('asked "gap" takes probs and pair')
        if len(self.probs) < 2 or min(self.probs) <= 0 or abs(sum(self.probs) - 1) > 1e-9:
            raise ValueError("probs: at least two probabilities, each above 0, summing to 1")
        i, j = self.pair
        if i == j or max(i, j) >= len(self.probs):
            raise ValueError(f"pair: two different classes of 0 to {len(self.probs) - 1}")
        return self


def unknown(z: Sequence[float | None]) -> int:
    """Where the unknown (null) logit is."""
    return next(k for k, v in enumerate(z) if v is None)


def rest(z: Sequence[float | None]) -> float:
    """R: the sum of the known logits' exponentials."""
    return sum(math.exp(v) for v in z if v is not None)


def logit_for(prob: float, rest: float) -> float:
    """The logit whose class gets ``prob`` when the other classes' exponentials sum to ``rest``."""
    return math.log(prob / (1 - prob)) + math.log(rest)


def filled(z: Sequence[float | None], value: float) -> list[float]:
    """The logits with the unknown one set to ``value``."""
    return [value if v is None else float(v) for v in z]


def solve(p: Params) -> dict[str, float]:
    if p.asked == "logit":
        assert p.z is not None and p.prob is not None
        return {"z": logit_for(p.prob, rest(p.z))}
    assert p.probs is not None and p.pair is not None
    i, j = p.pair
    return {"gap": math.log(p.probs[i] / p.probs[j])}


def grid_probabilities(rng: np.random.Generator, k: int) -> list[float]:
    """``k`` probabilities in twentieths, each at least 1/20, summing to 1."""
    cuts = sorted(int(c) + 1 for c in rng.choice(UNITS - 1, k - 1, replace=False))
    edges = [0, *cuts, UNITS]
    return [round((b - a) / UNITS, 10) for a, b in itertools.pairwise(edges)]


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: three integer logits, one unknown, a friendly probability. Medium: the gap
    between two of three logits from probabilities in twentieths. Hard: four logits in tenths,
    one unknown, a probability in twentieths. Redrawn where a named mistake gives the right
    answer (two equal probabilities, other exponentials summing to 1)."""
    if difficulty == "medium":
        probs = grid_probabilities(rng, 3)
        i, j = (int(v) for v in rng.choice(3, 2, replace=False))
        p = Params(asked="gap", probs=probs, pair=(i, j))
    else:
        z: list[float | None] = list(draw_logits(rng, difficulty))
        z[int(rng.integers(len(z)))] = None
        prob = pick(rng, EASY_PROBS) if difficulty == "easy" else on_grid(rng, 0.05, 0.95, 0.05)
        p = Params(asked="logit", z=z, prob=prob)
    if a_mistake_is_right(p, solve, parts, MISCONCEPTIONS):
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    if p.asked == "logit":
        assert p.z is not None
        return [Part("z", f"$z_{unknown(p.z) + 1}$", Precision(3))]
    assert p.pair is not None
    i, j = p.pair
    return [Part("gap", f"$z_{i + 1} - z_{j + 1}$", Precision(3))]


def _shown(z: Sequence[float | None], name: str = "?") -> str:
    return "[" + ", ".join(name if v is None else num(v) for v in z) + "]"


def stem(p: Params) -> Stem:
    if p.asked == "logit":
        assert p.z is not None and p.prob is not None
        k = unknown(p.z) + 1
        return Stem(
            rf"A softmax layer $\hat{{y}}_k = \frac{{e^{{z_k}}}}{{\sum_j e^{{z_j}}}}$ has the "
            rf"logits $z = {_shown(p.z, f'z_{k}')}$, all known but $z_{k}$. Which $z_{k}$ gives "
            rf"class {k} the probability $\hat{{y}}_{k} = {num(p.prob)}$?"
        )
    assert p.probs is not None and p.pair is not None
    i, j = (c + 1 for c in p.pair)
    return Stem(
        rf"A softmax layer $\hat{{y}}_k = \frac{{e^{{z_k}}}}{{\sum_j e^{{z_j}}}}$ outputs the "
        rf"probabilities $\hat{{y}} = {vec(p.probs)}$. The logits are not given. Find "
        rf"$z_{i} - z_{j}$."
    )


def logit_steps(z: Sequence[float | None], prob: float, answer: float) -> list[Step]:
    """Rearrange softmax for the unknown logit, substitute, and check with the forward formula
    (shared with the cross-entropy inverse, whose probability comes from the loss)."""
    k = unknown(z) + 1
    known = [(j + 1, v) for j, v in enumerate(z) if v is not None]
    r = rest(z)
    terms = " + ".join(rf"e^{{{num(v)}}}" for _, v in known)
    check = float(softmax(filled(z, round(answer, 3)))[k - 1])
    return [
        Step(
            "The other classes' exponentials",
            (
                rf"R = \sum_{{j \neq {k}}} e^{{z_j}} = {terms} = {num(r)}",
                rf"\hat{{y}}_{k} = \frac{{e^{{z_{k}}}}}{{e^{{z_{k}}} + R}}",
            ),
        ),
        Step(
            f"Rearrange for $z_{k}$",
            (
                rf"\hat{{y}}_{k} (e^{{z_{k}}} + R) = e^{{z_{k}}} \iff "
                rf"e^{{z_{k}}} = \frac{{\hat{{y}}_{k}}}{{1 - \hat{{y}}_{k}}} R",
                rf"z_{k} = \ln \frac{{\hat{{y}}_{k}}}{{1 - \hat{{y}}_{k}}} + \ln R",
            ),
        ),
        Step(
            "Substitute",
            (
                rf"z_{k} = \ln \frac{{{num(prob)}}}{{1 - {num(prob)}}} + \ln {num(r)}"
                rf" = {num(math.log(prob / (1 - prob)))} + {paren(math.log(r))}"
                rf" = {num(answer, 3)}",
            ),
        ),
        Step(
            "Check with the forward formula",
            (
                rf"\text{{softmax}}({vec(filled(z, round(answer, 3)))})_{k}"
                rf" = {num(check, 4)}",
            ),
        ),
    ]


def steps(p: Params, answer: dict[str, float]) -> list[Step]:
    if p.asked == "logit":
        assert p.z is not None and p.prob is not None
        return logit_steps(p.z, p.prob, answer["z"])
    assert p.probs is not None and p.pair is not None
    i, j = p.pair
    gap = answer["gap"]
    example = [0.0 if c == j else math.log(v / p.probs[j]) for c, v in enumerate(p.probs)]
    return [
        Step(
            "A ratio of two probabilities",
            (
                rf"\frac{{\hat{{y}}_{i + 1}}}{{\hat{{y}}_{j + 1}}} = "
                rf"\frac{{e^{{z_{i + 1}}} / S}}{{e^{{z_{j + 1}}} / S}}"
                rf" = e^{{z_{i + 1} - z_{j + 1}}}",
            ),
        ),
        Step(
            "Take the logarithm and substitute",
            (
                rf"z_{i + 1} - z_{j + 1} = \ln \frac{{{num(p.probs[i])}}}{{{num(p.probs[j])}}}"
                rf" = \ln {num(p.probs[i] / p.probs[j])} = {num(gap, 3)}",
            ),
        ),
        Step(
            "Check with the forward formula",
            (
                rf"z = {vec(example, 3)} \text{{ (logits up to a shift, }} z_{j + 1} = 0"
                r"\text{)}",
                rf"\text{{softmax}}(z) = {vec(softmax(example).tolist(), 4)}",
            ),
        ),
    ]


def _logit(p: Params, value: Callable[[float, float], float]) -> dict[str, float] | None:
    """A student's logit, from the probability and R (None for the gap questions)."""
    if p.asked != "logit":
        return None
    assert p.z is not None and p.prob is not None
    return {"z": value(p.prob, rest(p.z))}


def _logit_mistake(wrong: Callable[[float, float], float]) -> Callable[[Params], Any]:
    return lambda p: _logit(p, wrong)


def _gap(p: Params, value: Any) -> dict[str, float] | None:
    """A student's gap, from the two probabilities (None for the logit questions)."""
    if p.asked != "gap":
        return None
    assert p.probs is not None and p.pair is not None
    i, j = p.pair
    return {"gap": value(p.probs[i], p.probs[j])}


#: the logit questions' mistakes (shared with the cross-entropy inverse): label, explanation,
#: and the student's logit from the class's probability y and the others' exponentials R
LOGIT_MISTAKES: tuple[tuple[str, str, Callable[[float, float], float]], ...] = (
    (
        "left out the other classes' exponentials",
        r"$\ln \frac{\hat{y}_k}{1 - \hat{y}_k}$ is the logit of a sigmoid (one other logit, "
        r"$0$); with other classes it is shifted by $\ln R$, $R = \sum_{j \neq k} e^{z_j}$.",
        lambda y, r: math.log(y / (1 - y)),
    ),
    (
        "took the logarithm of the probability",
        r"$\hat{y}_k = e^{z_k} / S$, and $S$ depends on $z_k$ too: $z_k = \ln \hat{y}_k$ only "
        "when $S = 1$.",
        lambda y, r: math.log(y),
    ),
    (
        "left the unknown's own exponential out of the sum",
        r"The normaliser $S = e^{z_k} + R$ includes $e^{z_k}$: $\hat{y}_k = e^{z_k} / R$ "
        "is not softmax.",
        lambda y, r: math.log(y * r),
    ),
    (
        "inverted the odds",
        r"$e^{z_k} = \frac{\hat{y}_k}{1 - \hat{y}_k} R$; $\ln \frac{1 - \hat{y}_k}{\hat{y}_k}$ "
        "has the wrong sign.",
        lambda y, r: math.log((1 - y) / y) + math.log(r),
    ),
)

MISCONCEPTIONS = (
    *(
        Misconception(label, explanation, _logit_mistake(wrong))
        for label, explanation, wrong in LOGIT_MISTAKES
    ),
    Misconception(
        "inverted the ratio",
        r"$\frac{\hat{y}_i}{\hat{y}_j} = e^{z_i - z_j}$: the class of $z_i$ goes on top.",
        lambda p: _gap(p, lambda a, b: math.log(b / a)),
    ),
    Misconception(
        "forgot the logarithm",
        r"The ratio is $e^{z_i - z_j}$; the gap is its logarithm, not the ratio itself.",
        lambda p: _gap(p, lambda a, b: a / b),
    ),
    Misconception(
        "subtracted the probabilities",
        r"Softmax is not linear: the logits' gap is $\ln \frac{\hat{y}_i}{\hat{y}_j}$, not "
        r"$\hat{y}_i - \hat{y}_j$.",
        lambda p: _gap(p, lambda a, b: a - b),
    ),
)
