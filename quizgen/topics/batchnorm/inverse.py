r"""Batch normalization backwards: the gamma and beta that undo it or give stated output
statistics, and the input of a two-example batch behind a normalized value.

Easy: $y = \gamma \hat{x} + \beta$ gives back the feature $x$ when $\gamma = \sqrt{\sigma^2 +
\epsilon}$ and $\beta = \mu$ (the layer can learn the identity); two examples with different
$\hat{x}$ fix the line $\gamma \hat{x} + \beta$, so no other pair does. Medium: the outputs'
batch mean is $\beta$ (the $\hat{x}$ average 0) and their biased standard deviation $|\gamma|
\sigma_{\hat{x}}$ with $\sigma_{\hat{x}} = \sqrt{\sigma^2 / (\sigma^2 + \epsilon)}$: one
$\beta$, and one $\gamma$ once the stem asks for $\gamma > 0$. Hard: in a batch of two, $x_2$'s
half-distance $u = (x_2 - x_1) / 2$ from the other gives $\hat{x}_2 = u / \sqrt{u^2 +
\epsilon}$, strictly increasing in $u$: one $x_2$ for each $\hat{x}_2$ in $(-1, 1)$.

>>> from quizgen.topics import get
>>> p = Params(given="missing", x1=1, x_hat2=0.6, eps=0.16)
>>> round(get("batchnorm", "inverse").solve(p).answer["x2"], 4)
1.6
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.draw import grid_vector, on_grid, pick
from quizgen.core.latex import num, paren, vec
from quizgen.core.model import Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import Num, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import require_fields, require_mistakes_to_show
from quizgen.topics.batchnorm import Params as ForwardParams
from quizgen.topics.batchnorm import solve as forward_solve

DESCRIPTION = (
    "the gamma and beta that undo batch norm or give stated output statistics; at hard the "
    "input behind a normalized value"
)

DECIMALS = 4
Given = Literal["identity", "moments", "missing"]
Positive = Annotated[Num, Field(gt=0)]

#: the fields each question needs; any other is refused
NEEDS: dict[str, tuple[str, ...]] = {
    "identity": ("x", "eps"),
    "moments": ("x", "eps", "mean", "std"),
    "missing": ("x1", "x_hat2", "eps"),
}


class Params(ParamsModel):
    #: what is asked: the gamma and beta that give back the feature x ("identity") or outputs
    #: with batch mean ``mean`` and biased standard deviation ``std`` ("moments"), or the
    #: second input of a two-example batch whose normalized value is ``x_hat2`` ("missing")
    given: Given
    #: one feature over the mini-batch, one value per example
    x: Annotated[Vector, Field(min_length=2)] | None = None
    eps: Annotated[Num, Field(ge=0)]
    mean: Num | None = None
    std: Positive | None = None
    x1: Num | None = None
    x_hat2: Annotated[Num, Field(gt=-1, lt=1)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        require_fields(self, "given", NEEDS)
        if self.x is not None and np.var(np.array(self.x, float)) == 0:
            raise ValueError("x must vary over the batch (else x_hat is 0 for every example)")
        if self.given == "missing" and (self.eps == 0 or self.x_hat2 == 0):
            raise ValueError("a two-example batch needs eps > 0 and x_hat2 not 0 to tell x_2")
        return self


def _statistics(p: Params, *, unbiased: bool = False) -> tuple[float, float]:
    """The feature's batch mean and variance (``unbiased``: divided by m - 1, the mistake)."""
    x = np.array(p.x, float)
    return float(x.mean()), float(x.var(ddof=1 if unbiased else 0))


def _scale(p: Params, *, unbiased: bool = False, with_eps: bool = True, root: bool = True) -> float:
    """sqrt(sigma^2 + eps), the normalizer. The keywords are the mistakes: ``unbiased`` the
    m - 1 variance, ``with_eps`` False leaves eps out, ``root`` False forgets the root."""
    var = _statistics(p, unbiased=unbiased)[1] + (p.eps if with_eps else 0)
    return math.sqrt(var) if root else var


def _gamma_beta(p: Params, *, swap: bool = False, **scale: Any) -> dict[str, float] | None:
    """gamma and beta for "identity" and "moments" (``swap``: the two exchanged, the mistake;
    ``scale``'s are :func:`_scale`'s). None where the mistake leaves nothing to divide by."""
    mean = _statistics(p)[0]
    if p.given == "identity":
        gamma, beta = _scale(p, **scale), mean
    else:
        assert p.std is not None and p.mean is not None
        # std(x_hat) = sqrt(var) / sqrt(var + eps); the mistakes take other normalizers
        variance = _statistics(p, unbiased=scale.get("unbiased", False))[1]
        spread = math.sqrt(variance) / _scale(p, **scale)
        if not spread:
            return None
        gamma, beta = p.std / spread, p.mean
    return {"gamma": beta, "beta": gamma} if swap else {"gamma": gamma, "beta": beta}


def _missing(
    p: Params, *, unbiased: bool = False, halved: bool = True, sign: int = 1
) -> float | None:
    """x_2 of a two-example batch: x_1 + 2u with u = x_hat sqrt(eps / (1 - x_hat^2)). The
    keywords are the mistakes: ``unbiased`` the m - 1 variance 2u^2 (then u = x_hat sqrt(eps /
    (1 - 2 x_hat^2))), ``halved`` False takes u for x_2 - x_1, ``sign`` -1 goes the other way."""
    assert p.x1 is not None and p.x_hat2 is not None
    room = 1 - (2 if unbiased else 1) * p.x_hat2**2
    if room <= 0:
        return None
    u = p.x_hat2 * math.sqrt(p.eps / room)
    return p.x1 + sign * (2 if halved else 1) * u


def solve(p: Params) -> dict[str, Any]:
    if p.given == "missing":
        return {"x2": _missing(p)}
    return dict(_gamma_beta(p) or {})


def parts(p: Params) -> list[Part]:
    rounded = Precision(DECIMALS)
    if p.given == "missing":
        return [Part("x2", "the input $x_2$", rounded)]
    gamma = r"$\gamma$" if p.given == "identity" else r"$\gamma > 0$"
    return [Part("gamma", gamma, rounded), Part("beta", r"$\beta$", rounded)]


#: normalized values and epsilons for which u = x_hat sqrt(eps / (1 - x_hat^2)) is short
MISSING_DRAWS = (
    (0.6, 0.01), (0.6, 0.04), (0.6, 0.16), (0.6, 0.25), (0.8, 0.09), (0.8, 0.36)
)  # fmt: skip


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: three or four integer values in [-2, 3], eps = 0.1. Medium: the same with a
    target mean on a 0.5 grid in [-2, 2] and standard deviation in {0.5, 1, 2, 3}. Hard: x_1 an
    integer in [-2, 2] and x_hat2 = +-0.6 or +-0.8 with an eps that makes the answer a short
    decimal. Every feature varies over the batch."""
    if difficulty == "hard":
        x_hat, eps = pick(rng, MISSING_DRAWS)
        x_hat *= pick(rng, (-1, 1))
        p = Params(given="missing", x1=on_grid(rng, -2, 2, 1), x_hat2=x_hat, eps=eps)
    else:
        x = grid_vector(rng, pick(rng, (3, 4)), -2, 3, 1)
        if len(set(x)) < 2:
            raise Degenerate
        if difficulty == "easy":
            p = Params(given="identity", x=x, eps=0.1)
        else:
            target = {"mean": on_grid(rng, -2, 2, 0.5), "std": pick(rng, (0.5, 1, 2, 3))}
            p = Params(given="moments", x=x, eps=0.1, **target)
    require_mistakes_to_show(MISCONCEPTIONS, p, parts(p), solve(p))
    return p


def stem(p: Params) -> Stem:
    layer = (
        r"A batch-normalization layer in training mode normalizes each feature over the "
        r"mini-batch, $\hat{x}_i = (x_i - \mu) / \sqrt{\sigma^2 + \epsilon}$ with the batch "
        r"mean $\mu$ and biased variance $\sigma^2$ (divided by $m$), then outputs "
        rf"$y_i = \gamma \hat{{x}}_i + \beta$; $\epsilon = {num(p.eps)}$."
    )
    if p.given == "missing":
        return Stem(
            rf"{layer} A mini-batch of two examples has $x_1 = {num(p.x1 or 0)}$ and an unknown "
            rf"$x_2$, whose normalized value is $\hat{{x}}_2 = {num(p.x_hat2 or 0)}$. What is "
            r"$x_2$?"
        )
    batch = rf" One feature takes the values $x = {vec(p.x or ())}$ over a mini-batch."
    if p.given == "identity":
        return Stem(
            f"{layer}{batch} Which $\\gamma$ and $\\beta$ make the layer give back its input, "
            r"$y_i = x_i$ for every example?"
        )
    return Stem(
        f"{layer}{batch} Which $\\gamma > 0$ and $\\beta$ give outputs whose batch mean is "
        f"${num(p.mean or 0)}$ and whose biased standard deviation is ${num(p.std or 0)}$?"
    )


def _forward(p: Params, answer: dict[str, Any]) -> dict[str, Any]:
    """The forward layer on this batch with the answer filled in."""
    if p.given == "missing":
        X = [[p.x1 or 0], [answer["x2"]]]
        return forward_solve(ForwardParams(X=X, gamma=[1], beta=[0], eps=p.eps))
    X = [[v] for v in p.x or ()]
    fields = {"gamma": [answer["gamma"]], "beta": [answer["beta"]], "eps": p.eps}
    return forward_solve(ForwardParams(X=X, **fields))


def _statistics_step(p: Params) -> Step:
    mean, var = _statistics(p)
    x = p.x or ()
    m = len(x)
    return Step(
        r"Batch statistics: $\mu = \frac{1}{m} \sum_i x_i$, "
        r"$\sigma^2 = \frac{1}{m} \sum_i (x_i - \mu)^2$",
        (
            rf"\mu = \frac{{{' + '.join(paren(v) for v in x)}}}{{{m}}} = {num(mean)}",
            rf"\sigma^2 = \frac{{{' + '.join(f'{paren(v - mean)}^2' for v in x)}}}{{{m}}}"
            rf" = {num(var)}",
            rf"\sqrt{{\sigma^2 + \epsilon}} = \sqrt{{{num(var)} + {num(p.eps)}}} = "
            rf"{num(_scale(p))}",
        ),
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    d = DECIMALS
    forward = _forward(p, answer)
    stated = r" \quad \text{(as stated)}"
    if p.given == "missing":
        x_hat, x2 = p.x_hat2 or 0, answer["x2"]
        u = (x2 - (p.x1 or 0)) / 2
        return [
            Step(
                r"With two examples, $x_2$ is $u = (x_2 - x_1) / 2$ above the mean and "
                r"$\sigma^2 = u^2$",
                (
                    r"\hat{x}_2 = \frac{u}{\sqrt{u^2 + \epsilon}} \iff u^2 = \hat{x}_2^2 (u^2 + "
                    r"\epsilon) \iff u = \hat{x}_2 \sqrt{\frac{\epsilon}{1 - \hat{x}_2^2}}",
                ),
            ),
            Step(
                r"Substitute ($u$ has the sign of $\hat{x}_2$)",
                (
                    rf"u = {num(x_hat)} \sqrt{{\frac{{{num(p.eps)}}}{{1 - {paren(x_hat)}^2}}}} ="
                    rf" {num(u, d)}",
                    rf"x_2 = x_1 + 2u = {num(p.x1 or 0)} + 2 \cdot {paren(u, d)} = {num(x2, d)}",
                ),
            ),
            Step(
                "Check with the forward formula",
                (rf"\hat{{x}}_2 = {num(forward['x_hat'][1][0], d)}" + stated,),
            ),
        ]
    gamma, beta = num(answer["gamma"], d), num(answer["beta"], d)
    y = [row[0] for row in forward["y"]]
    if p.given == "identity":
        return [
            _statistics_step(p),
            Step(
                r"Undo the normalization: $x_i = \sqrt{\sigma^2 + \epsilon} \, \hat{x}_i + \mu$",
                (rf"\gamma = \sqrt{{\sigma^2 + \epsilon}} = {gamma}, \quad \beta = \mu = {beta}",),
            ),
            Step(
                "Check with the forward formula",
                (rf"y = {vec(y, d)} = x" + stated,),
            ),
        ]
    var = _statistics(p)[1]
    spread = math.sqrt(var) / _scale(p)
    return [
        _statistics_step(p),
        Step(
            r"The $\hat{x}_i$ have mean 0 and standard deviation "
            r"$\sqrt{\sigma^2} / \sqrt{\sigma^2 + \epsilon}$ (not 1: $\epsilon$ shrinks it)",
            (
                rf"\text{{sd}}(\hat{{x}}) = \frac{{\sqrt{{{num(var)}}}}}{{{num(_scale(p))}}} = "
                rf"{num(spread)}",
            ),
        ),
        Step(
            r"Match the outputs: mean $\beta$, standard deviation $\gamma \, \text{sd}(\hat{x})$",
            (
                rf"\beta = {num(p.mean or 0)}, \quad \gamma = \frac{{{num(p.std or 0)}}}"
                rf"{{{num(spread)}}} = {gamma}",
            ),
        ),
        Step(
            "Check with the forward formula",
            (
                rf"y = {vec(y, d)}: \text{{ mean }} {num(float(np.mean(y)), d)}, \text{{ sd }} "
                rf"{num(float(np.std(y)), d)}" + stated,
            ),
        ),
    ]


def _pair(**switches: Any) -> Any:
    """A mistake of the gamma and beta questions (None for the missing input)."""
    return lambda p: None if p.given == "missing" else _gamma_beta(p, **switches)


def _input(**switches: Any) -> Any:
    """A mistake of the missing-input question (None for the others, or where it gives none)."""

    def answer(p: Params) -> dict[str, float] | None:
        x2 = _missing(p, **switches) if p.given == "missing" else None
        return None if x2 is None else {"x2": x2}

    return answer


MISCONCEPTIONS = (
    Misconception(
        "forgot epsilon",
        r"The normalizer is $\sqrt{\sigma^2 + \epsilon}$; with it the $\hat{x}_i$ have a "
        r"standard deviation a little under 1.",
        _pair(with_eps=False),
    ),
    Misconception(
        "used the variance for the standard deviation",
        r"$\hat{x}$ divides by $\sqrt{\sigma^2 + \epsilon}$, a standard deviation, not by "
        r"$\sigma^2 + \epsilon$.",
        _pair(root=False),
    ),
    Misconception(
        "used the unbiased variance",
        r"Batch norm's training statistics divide by $m$, the batch size, not by $m - 1$.",
        lambda p: _input(unbiased=True)(p) or _pair(unbiased=True)(p),
    ),
    Misconception(
        "swapped gamma and beta",
        r"$\gamma$ scales and $\beta$ shifts: $y = \gamma \hat{x} + \beta$.",
        _pair(swap=True),
    ),
    Misconception(
        "took the distance from x_1 as the distance from the mean",
        r"The mean of two examples lies halfway: $x_2$ is $2u$ from $x_1$, where $u$ is its "
        "distance from the mean.",
        _input(halved=False),
    ),
    Misconception(
        "went the wrong way from x_1",
        r"$\hat{x}_2 > 0$ means $x_2$ lies above the mean, so above $x_1$ (below for "
        r"$\hat{x}_2 < 0$).",
        _input(sign=-1),
    ),
)
