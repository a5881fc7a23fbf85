r"""Linear regression, what if: the forward set-up with one thing changed.

Three changes: a second gradient step (from the weights after the first, with a gradient
computed afresh there); the learning rate doubled (the step doubles, and the cost after it may
fall less, or even rise); one example duplicated in the training set (N grows by one, and that
example's error counts twice in the cost and the gradient).

>>> from quizgen.topics import get
>>> p = Params(X=[[1, 1], [1, 3]], y=[2, 4], w=[0, 1], eta=0.1, change="duplicated", sample=0)
>>> a = get("linear_regression", "whatif").solve(p).answer
>>> round(a["cost"], 4), [round(g, 4) for g in a["grad"]]
(0.5, [-1.0, -1.6667])
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import pick
from quizgen.core.latex import mat, num, vec
from quizgen.core.model import Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import NonNegativeInt
from quizgen.topics import Degenerate
from quizgen.topics import linear_regression as forward
from quizgen.topics._shared import a_mistake_is_right

DESCRIPTION = (
    "the weights after a second gradient step, the step and cost when eta doubles, or the cost "
    "and gradient with one example duplicated"
)

DECIMALS = forward.DECIMALS
CHANGES = ("second_step", "eta_doubled", "duplicated")


class Params(forward.Params):
    #: "second_step": a second step from the new weights; "eta_doubled": one step with 2 eta;
    #: "duplicated": example ``sample`` (0-based) appears twice in the training set
    change: Literal["second_step", "eta_doubled", "duplicated"]
    sample: NonNegativeInt | None = None

    @model_validator(mode="after")
    def _sample_fits(self) -> Params:
        if (self.change == "duplicated") != (self.sample is not None):
            raise ValueError('sample: the duplicated example, given with change "duplicated" only')
        if self.sample is not None and self.sample >= len(self.y):
            raise ValueError(f"sample: an example of 0 to {len(self.y) - 1}, got {self.sample}")
        return self


def _set_up(p: Params, **changes: Any) -> forward.Params:
    """The forward form's problem on this data, with ``changes`` to its fields."""
    fields = {"X": p.X, "y": p.y, "w": p.w, "eta": p.eta, **changes}
    return forward.Params(**fields)


def _duplicated(p: Params) -> forward.Params:
    assert p.sample is not None
    return _set_up(p, X=[*p.X, p.X[p.sample]], y=[*p.y, p.y[p.sample]])


def _answer(p: Params, **switches: Any) -> dict[str, Any]:
    """The answer with each of forward's switches set as given (the defaults: right)."""
    if p.change == "duplicated":
        changed = forward.solve_with(_duplicated(p), **switches)
        return {"cost": changed["cost"], "grad": changed["grad"]}
    if p.change == "eta_doubled":
        w_new = forward.solve_with(_set_up(p, eta=2 * p.eta), **switches)["w_new"]
        return {"w_new": w_new, "cost_after": forward.solve_with(_set_up(p, w=w_new))["cost"]}
    w_new = forward.solve_with(_set_up(p), **switches)["w_new"]
    return {
        "w_new": w_new,
        "w_second": forward.solve_with(_set_up(p, w=w_new), **switches)["w_new"],
    }


def solve(p: Params) -> dict[str, Any]:
    return _answer(p)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """The forward form's data at this difficulty, with one of the three changes (any of them
    at any difficulty); redrawn where a named mistake gives the right answer."""
    data = forward.generate(rng, difficulty)
    change = pick(rng, CHANGES)
    sample = int(rng.integers(len(data.y))) if change == "duplicated" else None
    p = Params(**data.model_dump(), change=change, sample=sample)
    if a_mistake_is_right(p, solve, parts, MISCONCEPTIONS):
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    rounded = Precision(DECIMALS)
    if p.change == "duplicated":
        return [
            Part("cost", r"cost $J(w)$ on the new training set", rounded),
            Part("grad", r"gradient $\nabla_w J$ on the new training set", rounded, "vector"),
        ]
    if p.change == "eta_doubled":
        return [
            Part("w_new", r"weights after one step with $2\eta$", rounded, "vector"),
            Part("cost_after", "cost $J$ at those weights", rounded),
        ]
    return [
        Part("w_new", "weights after the first step", rounded, "vector"),
        Part("w_second", "weights after the second step", rounded, "vector"),
    ]


def stem(p: Params) -> Stem:
    set_up = (
        rf"A linear model $\hat{{y}} = Xw$ has weights $w = {vec(p.w)}$ (bias weight first). "
        rf"The training set has inputs $X = {mat(p.X)}$ (each row starts with the bias input 1) "
        rf"and targets $y = {vec(p.y)}$, and the cost is "
        r"$J(w) = \frac{1}{2N} \sum_i (\hat{y}^{(i)} - y^{(i)})^2$."
    )
    step = rf"gradient descent $w \leftarrow w - \eta \nabla_w J$ with $\eta = {num(p.eta)}$"
    if p.change == "second_step":
        asked = (
            f"Take one step of {step}, then a second step from the new weights. Give the weights "
            "after each step."
        )
    elif p.change == "eta_doubled":
        asked = (
            f"One step of {step} is planned, but the learning rate is doubled to "
            rf"$2\eta = {num(2 * p.eta)}$. Give the weights after that one step, and the cost at "
            "them."
        )
    else:
        assert p.sample is not None
        asked = (
            f"Example {p.sample + 1} is added to the training set a second time (it now appears "
            "twice). Give the cost and its gradient on the new training set."
        )
    return Stem(f"{set_up} {asked}")


def _titled(prefix: str, steps: list[Step]) -> list[Step]:
    return [replace(s, title=f"{prefix}: {s.title}") for s in steps]


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    if p.change == "duplicated":
        assert p.sample is not None
        changed = _duplicated(p)
        worked = forward.steps(changed, forward.solve(changed))
        return [
            Step(
                f"The training set with example {p.sample + 1} twice",
                (
                    rf"N = {len(changed.y)}, \quad X = {mat(changed.X)}, \quad "
                    rf"y = {vec(changed.y)}",
                ),
            ),
            *worked[:4],  # predictions, errors, cost, gradient (no step is asked)
        ]
    if p.change == "eta_doubled":
        doubled = _set_up(p, eta=2 * p.eta)
        after = _set_up(p, w=answer["w_new"])
        once = forward.steps(doubled, forward.solve(doubled))
        at = forward.steps(after, forward.solve(after))
        return [
            *_titled(rf"Step with $2\eta = {num(2 * p.eta)}$", [once[i] for i in (0, 1, 3, 4)]),
            *_titled("At the new weights", at[:3]),  # predictions, errors, cost
        ]
    first, second = _set_up(p), _set_up(p, w=answer["w_new"])
    one = forward.steps(first, forward.solve(first))
    two = forward.steps(second, forward.solve(second))
    return [
        *_titled("First step", [one[i] for i in (0, 1, 3, 4)]),
        *_titled(
            rf"Second step, from $w = {vec(answer['w_new'], DECIMALS)}$",
            [two[i] for i in (0, 1, 3, 4)],
        ),
    ]


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """The later part from the student's own new weights (follow-through); the duplicated
    set's cost and gradient do not depend on each other."""
    if p.change == "duplicated" or "w_new" not in given:
        return {}
    after = forward.solve(_set_up(p, w=given["w_new"]))
    return (
        {"cost_after": after["cost"]} if p.change == "eta_doubled" else {"w_second": after["w_new"]}
    )


def _when(change: str, answer: Any) -> Any:
    """A mistake made on ``change`` questions only (None on the others)."""
    return lambda p: answer(p) if p.change == change else None


def _kept_n(p: Params) -> dict[str, Any]:
    """The duplicated set's sums divided by the old N."""
    grown = len(p.y) + 1
    right = _answer(p)
    scale = grown / len(p.y)
    return {"cost": right["cost"] * scale, "grad": [g * scale for g in right["grad"]]}


def _without_duplicate(p: Params) -> dict[str, Any]:
    """The cost and gradient of the training set as it was."""
    before = forward.solve(_set_up(p))
    return {"cost": before["cost"], "grad": before["grad"]}


def _reused_gradient(p: Params) -> dict[str, Any]:
    """The second step taken with the first step's gradient."""
    first = forward.solve(_set_up(p))
    return {
        "w_new": first["w_new"],
        "w_second": [w - p.eta * g for w, g in zip(first["w_new"], first["grad"])],
    }


def _doubled_weights(p: Params) -> dict[str, Any]:
    """The weights after the planned step, doubled (not the step), and the cost at them."""
    w_new = [2 * w for w in forward.solve(_set_up(p))["w_new"]]
    return {"w_new": w_new, "cost_after": forward.solve(_set_up(p, w=w_new))["cost"]}


def _old_step(p: Params) -> dict[str, Any]:
    """The step with the old learning rate, and the cost after it."""
    w_new = forward.solve(_set_up(p))["w_new"]
    return {"w_new": w_new, "cost_after": forward.solve(_set_up(p, w=w_new))["cost"]}


MISCONCEPTIONS = (
    Misconception(
        "reused the first step's gradient",
        "The gradient depends on the weights: the second step computes it afresh at the new "
        "weights.",
        _when("second_step", _reused_gradient),
    ),
    Misconception(
        "forgot the 1/N",
        "The cost averages over the $N$ examples, so its gradient carries the factor "
        r"$\frac{1}{N}$.",
        lambda p: None if p.change == "duplicated" else _answer(p, scale=False),
    ),
    Misconception(
        "added the gradient",
        r"Gradient descent steps against the gradient: $w - \eta \nabla_w J$, not $w + \eta "
        r"\nabla_w J$.",
        lambda p: None if p.change == "duplicated" else _answer(p, ascend=True),
    ),
    Misconception(
        "doubled the weights instead of the step",
        r"Doubling $\eta$ doubles the step $\eta \nabla_w J$; the weights become "
        r"$w - 2\eta \nabla_w J$, not $2(w - \eta \nabla_w J)$.",
        _when("eta_doubled", _doubled_weights),
    ),
    Misconception(
        "kept the old learning rate",
        r"The step is taken with the doubled rate $2\eta$.",
        _when("eta_doubled", _old_step),
    ),
    Misconception(
        "kept the old N",
        "With the example twice there are $N + 1$ terms in each sum, and the averages divide "
        "by $N + 1$.",
        _when("duplicated", _kept_n),
    ),
    Misconception(
        "ignored the duplicate",
        "The duplicated example is a training example of its own: its error counts once more "
        "in the cost and in the gradient.",
        _when("duplicated", _without_duplicate),
    ),
)
