r"""Regularization backwards: the drop probability behind an inverted-dropout output, and the
penalty strength lambda behind a regularized loss or one weight-decay update.

Easy: a kept unit's activation $a$ leaves inverted dropout as $\tilde{a} = a / (1 - p)$, which
is strictly increasing in $p$: one $p$ gives it. Medium: the regularized loss
$L + \lambda S$, with $S = \frac{1}{2} \sum_{j \geq 1} w_j^2$ (L2) or $\sum_{j \geq 1} |w_j|$
(L1) over the weights but not the bias, is linear in $\lambda$ with slope $S > 0$: one
$\lambda$. Hard: one gradient step $w' = w - \eta (g + \lambda r)$, with $r = w$ (L2) or
$\text{sign}(w)$ (L1) and $w \neq 0$, is linear in $\lambda$ with slope $-\eta r \neq 0$: one
$\lambda$.

>>> from quizgen.topics import get
>>> p = Params(given="update", penalty="l2", weight=2, grad=0.5, lr=0.1, w_new=1.93)
>>> round(get("regularization", "inverse").solve(p).answer["lam"], 4)
0.1
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.draw import grid_vector, on_grid, pick
from quizgen.core.latex import num, paren, vec
from quizgen.core.mathfn import matmul
from quizgen.core.model import Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import Num, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import clean, require_fields, require_mistakes_to_show
from quizgen.topics.regularization import Params as ForwardParams
from quizgen.topics.regularization import solve as forward_solve

DESCRIPTION = (
    "the drop probability behind an inverted-dropout output; lambda behind a regularized loss "
    "or one weight-decay step"
)

DECIMALS = 4
Given = Literal["dropout", "loss", "update"]
Positive = Annotated[Num, Field(gt=0)]

#: the fields each question needs; any other is refused
NEEDS: dict[str, tuple[str, ...]] = {
    "dropout": ("a", "dropped"),
    "loss": ("penalty", "w", "loss", "total"),
    "update": ("penalty", "weight", "grad", "lr", "w_new"),
}


class Params(ParamsModel):
    #: what is stated: a kept unit through dropout (asks p), the regularized loss (asks lambda)
    #: or one gradient step of a weight (asks lambda)
    given: Given
    #: a kept unit's activation and its inverted-dropout output
    a: Positive | None = None
    dropped: Positive | None = None
    penalty: Literal["l2", "l1"] | None = None
    #: the weights, bias first (not penalised), the data loss and the regularized loss
    w: Annotated[Vector, Field(min_length=2)] | None = None
    loss: Num | None = None
    total: Num | None = None
    #: one (penalised) weight, its data gradient, the learning rate and the weight after a step
    weight: Num | None = None
    grad: Num | None = None
    lr: Positive | None = None
    w_new: Num | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        require_fields(self, "given", NEEDS)
        if self.given == "dropout" and (self.dropped or 0) <= (self.a or 0):
            raise ValueError("dropped must exceed a: inverted dropout scales kept units up")
        if self.given == "loss":
            if not _size(self):
                raise ValueError("w has no non-zero weight beside the bias: no lambda shows")
            if (_from_loss(self) or 0) <= 0:
                raise ValueError("total must exceed loss: a positive lambda adds a penalty")
        if self.given == "update":
            if self.weight == 0:
                raise ValueError("weight must not be 0: the penalty's gradient there is 0")
            if _lam(self) <= 0:
                raise ValueError("no positive lambda gives this step")
        return self


def _size(
    p: Params, *, squares: bool | None = None, bias: bool = False, half: bool = True
) -> float:
    """The penalty per unit lambda: (1/2) sum w_j^2 (L2) or sum |w_j| (L1) over j >= 1. The
    keywords are the mistakes: ``squares`` forces one penalty's form, ``bias`` includes w_0,
    ``half`` False drops L2's 1/2."""
    assert p.w is not None
    weights = np.array(p.w if bias else p.w[1:], float)
    l2 = p.penalty == "l2" if squares is None else squares
    if l2:
        return float(matmul(weights, weights)) * (0.5 if half else 1.0)
    return float(np.abs(weights).sum())


def _slope(p: Params, *, other_penalty: bool = False, gradient_scale: float = 1.0) -> float:
    """d(penalty)/dw per unit lambda: w (L2) or sign(w) (L1). The keywords are the mistakes:
    ``other_penalty`` the other penalty's, ``gradient_scale`` 2 or 1/2 a wrong L2 factor."""
    assert p.weight is not None
    l2 = (p.penalty == "l2") != other_penalty
    return gradient_scale * p.weight if l2 else math.copysign(1.0, p.weight)


def _lam(
    p: Params,
    *,
    sign: int = 1,
    data: bool = True,
    with_lr: bool = True,
    **slope: Any,
) -> float:
    """Lambda from one update: ((w - w') / eta - g) / r. The keywords are the mistakes:
    ``sign`` -1 takes the step as w + eta (...), ``data`` False leaves the data gradient out,
    ``with_lr`` False leaves eta out; ``slope``'s are :func:`_slope`'s."""
    assert p.weight is not None and p.w_new is not None and p.lr is not None
    moved = sign * (p.weight - p.w_new) / (p.lr if with_lr else 1.0)
    return (moved - ((p.grad or 0) if data else 0)) / _slope(p, **slope)


def _from_loss(p: Params, *, data: bool = True, **size: Any) -> float | None:
    """Lambda from the regularized loss: (total - L) / S (``data`` False: total / S)."""
    assert p.total is not None and p.loss is not None
    per_lambda = _size(p, **size)
    return (p.total - (p.loss if data else 0)) / per_lambda if per_lambda else None


def _keep_share(p: Params) -> float:
    """a / a_tilde, the share 1 - p of units inverted dropout keeps."""
    assert p.a is not None and p.dropped is not None
    return p.a / p.dropped


def solve(p: Params) -> dict[str, float | None]:
    if p.given == "dropout":
        return {"p": 1 - _keep_share(p)}
    return {"lam": _from_loss(p) if p.given == "loss" else _lam(p)}


def parts(p: Params) -> list[Part]:
    if p.given == "dropout":
        return [Part("p", "drop probability $p$", Precision(DECIMALS))]
    return [Part("lam", r"penalty strength $\lambda$", Precision(DECIMALS))]


#: drop probabilities whose scale 1 / (1 - p) is a short decimal; not 0.5, where the keep and
#: drop probabilities are the same number
DROP_PROBABILITIES = (0.2, 0.6, 0.75, 0.8, 0.9)
LAMBDAS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
#: a step shows lambda through eta lambda r: large enough to stand out of the data gradient's
STEP_LAMBDAS = (0.1, 0.2, 0.5)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: a drop probability from a short list, a on a 0.5 grid. Medium: lambda behind the
    regularized loss of three weights and a bias (on a 0.5 grid, L1 or L2). Hard: lambda behind
    one step of a weight (on a 0.5 grid, not 0) with a data gradient (0.5 grid, not 0). Lambda
    from a short list (0.1 to 0.5 for a step); eta 0.1 or 0.5 (not 1, which would hide leaving
    it out)."""
    if difficulty == "easy":
        drop, a = pick(rng, DROP_PROBABILITIES), on_grid(rng, 0.5, 3, 0.5)
        p = Params(given="dropout", a=a, dropped=clean(a / (1 - drop)))
    else:
        penalty = pick(rng, ("l2", "l1"))
        lam = pick(rng, LAMBDAS if difficulty == "medium" else STEP_LAMBDAS)
        if difficulty == "medium":
            w = [on_grid(rng, -2, 2, 0.5), *grid_vector(rng, 3, -2, 2, 0.5)]
            loss = on_grid(rng, 0.5, 3, 0.25)
            size = 0.5 * sum(v * v for v in w[1:]) if penalty == "l2" else sum(map(abs, w[1:]))
            if w[0] == 0 or not size:
                raise Degenerate  # the bias must show, and some weight must carry a penalty
            p = Params(
                given="loss", penalty=penalty, w=w, loss=loss, total=clean(loss + lam * size)
            )
        else:
            weight, grad = (pick(rng, (-1, 1)) * on_grid(rng, 0.5, 2, 0.5) for _ in range(2))
            lr = pick(rng, (0.1, 0.5))
            slope = weight if penalty == "l2" else math.copysign(1, weight)
            w_new = clean(weight - lr * (grad + lam * slope))
            p = Params(
                given="update", penalty=penalty, weight=weight, grad=grad, lr=lr, w_new=w_new
            )
    require_mistakes_to_show(MISCONCEPTIONS, p, parts(p), solve(p))
    return p


def _penalty_formula(p: Params) -> str:
    if p.penalty == "l2":
        return r"R(w) = \frac{\lambda}{2} \sum_{j \geq 1} w_j^2"
    return r"R(w) = \lambda \sum_{j \geq 1} |w_j|"


def stem(p: Params) -> Stem:
    if p.given == "dropout":
        return Stem(
            rf"A unit with activation $a = {num(p.a or 0)}$ passes through inverted dropout in "
            rf"training, $\tilde{{a}} = a \cdot m / (1 - p)$ with mask $m$ (1 = kept). It is "
            rf"kept, and comes out as $\tilde{{a}} = {num(p.dropped or 0)}$. What is the drop "
            r"probability $p$?"
        )
    if p.given == "loss":
        return Stem(
            rf"A model has weights $w = {vec(p.w or ())}$ (bias weight $w_0$ first, not "
            rf"penalised) and data loss $L = {num(p.loss or 0)}$. With the penalty "
            rf"${_penalty_formula(p)}$ its regularized loss is $L + R = {num(p.total or 0)}$. "
            r"What is $\lambda$?"
        )
    sign = r" (a subgradient; $w \neq 0$ here)" if p.penalty == "l1" else ""
    return Stem(
        rf"A weight $w = {num(p.weight or 0)}$ (not a bias) has data gradient "
        rf"$\partial L / \partial w = {num(p.grad or 0)}$. With the penalty "
        rf"${_penalty_formula(p)}${sign}, one gradient-descent step on $L + R$ with "
        rf"$\eta = {num(p.lr or 0)}$ takes it to $w' = {num(p.w_new or 0)}$. What is "
        r"$\lambda > 0$?"
    )


def _forward(p: Params, answer: dict[str, Any]) -> dict[str, Any]:
    """The forward topic's answer with this one filled in (a kept unit; no data gradient for
    the loss; one weight and no bias for the step)."""
    fields: dict[str, Any] = {"a": [p.a or 1], "mask": [1], "p": answer.get("p", 0)}
    fields |= {"penalty": p.penalty or "l2", "lam": answer.get("lam", 1), "lr": p.lr or 1}
    if p.given == "loss":
        assert p.w is not None
        fields |= {"w": p.w, "grad": [0] * len(p.w), "loss": p.loss}
    else:
        fields |= {"w": [0, p.weight or 0], "grad": [0, p.grad or 0], "loss": 0}
    return forward_solve(ForwardParams(**fields))


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    d = DECIMALS
    forward = _forward(p, answer)
    stated = r" \quad \text{(as stated)}"
    if p.given == "dropout":
        keep = _keep_share(p)
        return [
            Step(
                r"A kept unit is divided by the keep probability $1 - p$",
                (
                    rf"\tilde{{a}} = \frac{{a}}{{1 - p}} \iff 1 - p = \frac{{a}}{{\tilde{{a}}}}"
                    rf" = \frac{{{num(p.a or 0)}}}{{{num(p.dropped or 0)}}} = {num(keep, d)}",
                ),
            ),
            Step("The drop probability", (rf"p = 1 - {num(keep, d)} = {num(answer['p'], d)}",)),
            Step(
                "Check with the forward formula",
                (
                    rf"\frac{{{num(p.a or 0)}}}{{1 - {num(answer['p'], d)}}} = "
                    rf"{num(forward['dropped'][0], d)}" + stated,
                ),
            ),
        ]
    lam = num(answer["lam"], d)
    if p.given == "loss":
        assert p.w is not None
        size = _size(p)
        if p.penalty == "l2":
            terms = " + ".join(f"{paren(v)}^2" for v in p.w[1:])
            written = rf"S = \frac{{1}}{{2}} \sum_{{j \geq 1}} w_j^2 = \frac{{1}}{{2}} ({terms})"
        else:
            terms = " + ".join(f"|{num(v)}|" for v in p.w[1:])
            written = rf"S = \sum_{{j \geq 1}} |w_j| = {terms}"
        return [
            Step(
                r"The penalty is $\lambda S$, with $S$ over the weights but not the bias",
                (rf"{written} = {num(size, d)}",),
            ),
            Step(
                r"Solve $L + \lambda S$ for $\lambda$",
                (
                    rf"\lambda = \frac{{(L + R) - L}}{{S}} = \frac{{{num(p.total or 0)} - "
                    rf"{paren(p.loss or 0)}}}{{{num(size, d)}}} = {lam}",
                ),
            ),
            Step(
                "Check with the forward formula",
                (
                    rf"L + R = {num(p.loss or 0)} + {lam} \cdot {num(size, d)} = "
                    rf"{num(forward['total_loss'], d)}" + stated,
                ),
            ),
        ]
    slope = _slope(p)
    factor = "w" if p.penalty == "l2" else r"\text{sign}(w)"
    return [
        Step(
            "The step with the penalty's gradient",
            (
                rf"\frac{{\partial R}}{{\partial w}} = \lambda r, \quad "
                rf"r = {factor} = {num(slope)}",
                r"w' = w - \eta \left( \frac{\partial L}{\partial w} + \lambda r \right)",
            ),
        ),
        Step(
            r"Solve for $\lambda$",
            (
                rf"\lambda = \frac{{(w - w') / \eta - \partial L / \partial w}}{{r}} = "
                rf"\frac{{({num(p.weight or 0)} - {paren(p.w_new or 0)}) / {num(p.lr or 0)} - "
                rf"{paren(p.grad or 0)}}}{{{num(slope)}}} = {lam}",
            ),
        ),
        Step(
            "Check with the forward formula",
            (
                rf"w' = {num(p.weight or 0)} - {num(p.lr or 0)} ({num(p.grad or 0)} + {lam} "
                rf"\cdot {paren(slope)}) = {num(forward['w_new'][1], d)}" + stated,
            ),
        ),
    ]


def _when(given: str, value: Any) -> Any:
    """A mistake of one question: its answer there (None: it gives none), else None."""

    def answer(p: Params) -> dict[str, float] | None:
        if p.given != given:
            return None
        found = value(p)
        return None if found is None else {"p" if given == "dropout" else "lam": found}

    return answer


MISCONCEPTIONS = (
    Misconception(
        "gave the keep probability",
        r"$1 - p = a / \tilde{a}$ is the probability of keeping a unit; $p$ is the rest.",
        _when("dropout", _keep_share),
    ),
    Misconception(
        "took the ratio upside down",
        r"Inverted dropout divides by $1 - p < 1$, so $\tilde{a} > a$: $1 - p = a / \tilde{a}$, "
        r"not $\tilde{a} / a$.",
        _when("dropout", lambda p: 1 - 1 / _keep_share(p)),
    ),
    Misconception(
        "read the relative growth as p",
        r"$\tilde{a} / a - 1$ is how much the unit grew; it grows by $1 / (1 - p) - 1$, not by "
        "$p$.",
        _when("dropout", lambda p: 1 / _keep_share(p) - 1),
    ),
    Misconception(
        "penalised the bias",
        r"The bias weight $w_0$ is not penalised: $R$ sums over $j \geq 1$.",
        _when("loss", lambda p: _from_loss(p, bias=True) if p.w and p.w[0] else None),
    ),
    Misconception(
        "dropped the 1/2 of the L2 penalty",
        r"The penalty is $\frac{\lambda}{2} \sum_j w_j^2$, whose gradient is $\lambda w_j$.",
        lambda p: (
            (
                _when("loss", lambda q: _from_loss(q, half=False))(p)
                or _when("update", lambda q: _lam(q, gradient_scale=2))(p)
            )
            if p.penalty == "l2"
            else None
        ),
    ),
    Misconception(
        "used lambda/2 in the L2 gradient",
        r"Differentiating $\frac{\lambda}{2} w^2$ gives $\lambda w$: the 2 of the square "
        r"cancels the $\frac{1}{2}$.",
        _when("update", lambda p: _lam(p, gradient_scale=0.5) if p.penalty == "l2" else None),
    ),
    Misconception(
        "mixed up the L1 and L2 penalties",
        r"L2 penalises $\frac{1}{2} w^2$, with gradient $w$; L1 penalises $|w|$, with gradient "
        r"$\text{sign}(w)$.",
        lambda p: (
            _when("loss", lambda q: _from_loss(q, squares=q.penalty != "l2"))(p)
            or _when("update", lambda q: _lam(q, other_penalty=True))(p)
        ),
    ),
    Misconception(
        "left the data loss in",
        r"$L + R$ includes the data loss: the penalty is what is left, $(L + R) - L$.",
        _when("loss", lambda p: _from_loss(p, data=False)),
    ),
    Misconception(
        "took the step with the wrong sign",
        r"Gradient descent subtracts: $w' = w - \eta (\partial L / \partial w + \lambda r)$.",
        _when("update", lambda p: _lam(p, sign=-1)),
    ),
    Misconception(
        "left the data gradient out",
        r"The step follows the whole gradient, the data's $\partial L / \partial w$ plus the "
        "penalty's.",
        _when("update", lambda p: _lam(p, data=False)),
    ),
    Misconception(
        "left eta out",
        r"The step is scaled by the learning rate: divide the weight's move by $\eta$.",
        _when("update", lambda p: _lam(p, with_lr=False) if p.lr != 1 else None),
    ),
)
