r"""Categorical cross-entropy backwards: the true class's probability for a stated loss, the
true class and the probabilities from a stated gradient, or the true class's logit for a
stated loss.

The loss -ln(y_hat_c) falls strictly as y_hat_c rises, so a loss l > 0 comes from exactly one
probability, y_hat_c = e^{-l}. In the gradient y_hat - y every entry is a probability (above 0)
except the true class's, y_hat_c - 1 (below 0): exactly one entry is negative, and it names the
class; adding the one-hot target back gives the probabilities. The logit for a probability is
unique as in the softmax inverse (the probability rises strictly with its logit).

>>> from quizgen.topics import get
>>> round(get("cce", "inverse").solve(Params(asked="prob", loss=0.5)).answer["prob"], 4)
0.6065
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import on_grid, pick
from quizgen.core.latex import num, vec
from quizgen.core.model import EXACT, Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import Num, ParamsModel
from quizgen.topics import Degenerate
from quizgen.topics._shared import a_mistake_is_right, draw_logits
from quizgen.topics.softmax import inverse as softmax_inverse

DESCRIPTION = (
    "the true class's probability for a stated loss, the true class and probabilities from "
    "the gradient, or the true class's logit for a stated loss"
)

DECIMALS = 4


class Params(ParamsModel):
    #: "prob": y_hat_c for ``loss``; "class": the true class and y_hat from ``grad``;
    #: "logit": the true class's logit (null in ``z``) for ``loss``
    asked: Literal["prob", "class", "logit"]
    loss: Num | None = None
    grad: tuple[Num, ...] | None = None
    z: tuple[Num | None, ...] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Params:
        if self.asked == "class":
            if self.grad is None or self.loss is not None or self.z is not None:
                raise ValueError('asked "class" takes grad alone')
            below = [g for g in self.grad if g < 0]
            if len(self.grad) < 2 or len(below) != 1 or abs(sum(self.grad)) > 1e-9:
                raise ValueError(
                    "grad: one entry below 0 (the true class), the others above 0, summing to 0"
                )
            if below[0] <= -1 or max(self.grad) >= 1:
                raise ValueError("grad: each entry must be y_hat - y for probabilities in (0, 1)")
            return self
        if self.loss is None or self.loss <= 0 or self.grad is not None:
            raise ValueError(f'asked "{self.asked}" takes a loss above 0')
        if self.asked == "prob" and self.z is not None:
            raise ValueError('asked "prob" takes the loss alone')
        if self.asked == "logit" and (
            self.z is None or len(self.z) < 2 or sum(v is None for v in self.z) != 1
        ):
            raise ValueError("z: at least two logits, the true class's null (the unknown)")
        return self


def _true_class(grad: tuple[float, ...]) -> int:
    return next(k for k, g in enumerate(grad) if g < 0)


def _probability(loss: float) -> float:
    return math.exp(-loss)


def _answer(
    p: Params,
    probability: Callable[[float], float] = _probability,
    logit: Callable[[float, float], float] = softmax_inverse.logit_for,
) -> dict[str, Any] | None:
    """The answer, with the probability from the loss and the logit from the probability
    computed by the functions given (a student's wrong ones; None where they give no answer)."""
    if p.asked == "class":
        assert p.grad is not None
        c = _true_class(p.grad)
        return {"true_class": c + 1, "probs": [g + (k == c) for k, g in enumerate(p.grad)]}
    assert p.loss is not None
    prob = probability(p.loss)
    if p.asked == "prob":
        return {"prob": prob}
    assert p.z is not None
    if not 0 < prob < 1:
        return None
    return {"prob": prob, "z": logit(prob, softmax_inverse.rest(p.z))}


def solve(p: Params) -> dict[str, Any]:
    answer = _answer(p)
    assert answer is not None  # a loss above 0 gives a probability in (0, 1)
    return answer


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: a loss on the 0.1 grid in [0.1, 3]. Medium: the gradient of three or four
    probabilities in twentieths. Hard: three logits in halves, the true class's unknown, and a
    loss on the 0.1 grid in [0.1, 2.5]. Redrawn where a named mistake gives the right answer."""
    if difficulty == "easy":
        p = Params(asked="prob", loss=on_grid(rng, 0.1, 3, 0.1))
    elif difficulty == "medium":
        probs = softmax_inverse.grid_probabilities(rng, pick(rng, [3, 4]))
        c = int(rng.integers(len(probs)))
        p = Params(asked="class", grad=[round(v - (k == c), 10) for k, v in enumerate(probs)])
    else:
        z: list[float | None] = list(draw_logits(rng, "medium"))
        z[int(rng.integers(len(z)))] = None
        p = Params(asked="logit", loss=on_grid(rng, 0.1, 2.5, 0.1), z=z)
    if a_mistake_is_right(p, solve, parts, MISCONCEPTIONS):
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    prob = Part("prob", r"probability $\hat{y}_c$ of the true class", Precision(DECIMALS))
    if p.asked == "prob":
        return [prob]
    if p.asked == "class":
        return [
            Part("true_class", "the true class $c$", EXACT),
            Part("probs", r"probabilities $\hat{y}$", Precision(2), "vector"),
        ]
    assert p.z is not None
    c = softmax_inverse.unknown(p.z) + 1
    return [prob, Part("z", f"the true class's logit $z_{c}$", Precision(3))]


LOSS = r"$\ell = -\sum_k y_k \ln \hat{y}_k$"


def stem(p: Params) -> Stem:
    if p.asked == "prob":
        assert p.loss is not None
        return Stem(
            rf"A softmax classifier's categorical cross-entropy loss {LOSS} on one example "
            rf"(one-hot target $y$) is $\ell = {num(p.loss)}$. Which probability $\hat{{y}}_c$ "
            "did it give the true class?"
        )
    if p.asked == "class":
        assert p.grad is not None
        return Stem(
            rf"For one example, a softmax classifier trained with the categorical cross-entropy "
            rf"{LOSS} (one-hot target $y$) has the gradient $\nabla_z \ell = {vec(p.grad)}$ with "
            r"respect to its logits. Which class is the true class, and what probabilities "
            r"$\hat{y}$ did the classifier output?"
        )
    assert p.z is not None and p.loss is not None
    c = softmax_inverse.unknown(p.z) + 1
    shown = "[" + ", ".join(f"z_{c}" if v is None else num(v) for v in p.z) + "]"
    return Stem(
        rf"A softmax classifier has the logits $z = {shown}$; the true class is class {c}, "
        rf"whose logit is not given. Its categorical cross-entropy loss {LOSS} is "
        rf"$\ell = {num(p.loss)}$. Find the probability $\hat{{y}}_{c}$ it gives the true "
        rf"class, and the logit $z_{c}$."
    )


def _probability_steps(loss: float, prob: float) -> list[Step]:
    return [
        Step(
            "Only the true class counts in the loss",
            (
                r"\ell = -\ln \hat{y}_c \iff \hat{y}_c = e^{-\ell}",
                rf"\hat{{y}}_c = e^{{-{num(loss)}}} = {num(prob, DECIMALS)}",
            ),
        ),
        Step(
            "Check with the forward formula",
            (rf"-\ln({num(prob, DECIMALS)}) = {num(-math.log(round(prob, DECIMALS)), DECIMALS)}",),
        ),
    ]


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    if p.asked == "prob":
        assert p.loss is not None
        return _probability_steps(p.loss, answer["prob"])
    if p.asked == "logit":
        assert p.loss is not None and p.z is not None
        return [
            _probability_steps(p.loss, answer["prob"])[0],
            *softmax_inverse.logit_steps(p.z, answer["prob"], answer["z"]),
        ]
    assert p.grad is not None
    c, probs = answer["true_class"], answer["probs"]
    one_hot = [int(k == c - 1) for k in range(len(probs))]
    return [
        Step(
            r"The gradient is $\hat{y} - y$: only the true class's entry is below 0",
            (
                r"\hat{y}_k - y_k = \hat{y}_k > 0 \ (k \neq c), \quad "
                r"\hat{y}_c - 1 < 0",
                rf"\nabla_z \ell = {vec(p.grad)} \Rightarrow c = {c}",
            ),
        ),
        Step(
            "Add the one-hot target back",
            (rf"\hat{{y}} = \nabla_z \ell + y = {vec(p.grad)} + {vec(one_hot)} = {vec(probs)}",),
        ),
        Step(
            "Check with the forward formula",
            (
                rf"\sum_k \hat{{y}}_k = {num(sum(probs))}, \quad \hat{{y}} - y = "
                rf"{vec([v - t for v, t in zip(probs, one_hot)])}",
            ),
        ),
    ]


def _largest_entry(p: Params) -> dict[str, Any] | None:
    """The class with the largest gradient entry taken as the true one."""
    if p.asked != "class":
        return None
    assert p.grad is not None
    c = int(np.argmax(p.grad))
    return {"true_class": c + 1, "probs": [g + (k == c) for k, g in enumerate(p.grad)]}


def _gradient_as_probabilities(p: Params) -> dict[str, Any] | None:
    if p.asked != "class":
        return None
    assert p.grad is not None
    return {"true_class": _true_class(p.grad) + 1, "probs": list(p.grad)}


def _loss_mistake(probability: Callable[[float], float]) -> Callable[[Params], Any]:
    return lambda p: None if p.asked == "class" else _answer(p, probability=probability)


def _logit_mistake(logit: Callable[[float, float], float]) -> Callable[[Params], Any]:
    return lambda p: _answer(p, logit=logit) if p.asked == "logit" else None


MISCONCEPTIONS = (
    Misconception(
        "dropped the minus sign of the loss",
        r"$\ell = -\ln \hat{y}_c$, so $\hat{y}_c = e^{-\ell}$: $e^{\ell}$ is above 1, no "
        "probability.",
        _loss_mistake(math.exp),
    ),
    Misconception(
        "used log base 10",
        r"Cross-entropy uses the natural logarithm: $\hat{y}_c = e^{-\ell}$, not $10^{-\ell}$.",
        _loss_mistake(lambda loss: 10**-loss),
    ),
    Misconception(
        "took the largest entry as the true class",
        r"The gradient is $\hat{y} - y$: the true class is the one entry below 0 "
        r"($\hat{y}_c - 1$), whichever entry is largest.",
        _largest_entry,
    ),
    Misconception(
        "read the gradient as the probabilities",
        r"$\nabla_z \ell = \hat{y} - y$: add the one-hot target back, "
        r"$\hat{y} = \nabla_z \ell + y$.",
        _gradient_as_probabilities,
    ),
    *(
        Misconception(label, explanation, _logit_mistake(wrong))
        for label, explanation, wrong in softmax_inverse.LOGIT_MISTAKES
    ),
)
