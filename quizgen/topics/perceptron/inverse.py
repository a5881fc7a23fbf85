r"""The perceptron backwards: one update w -> w' is shown, and what produced it is asked: the
target t (easy), the learning rate eta (medium) or the sample's inputs x (hard).

The bias input x_0 = 1 is the key: Delta w_0 = eta e, so the error e comes from the bias
weight's change alone, and everything else follows, uniquely. With e known, t = y_hat + e
(y_hat from w and x); eta = Delta w_0 / e (an update, e != 0); x_i = Delta w_i / (eta e). Each
is one division, so each answer is the only one, and the record is refused when w' is not one
update of w.

>>> from quizgen.topics import get
>>> params = Params(find="t", w=[0, 1, -1], w_new=[-2, 0, -2], x=[0.5, 0.5], eta=1)
>>> get("perceptron", "inverse").solve(params).answer
{'e': -2, 't': -1}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.draw import grid_vector, pick
from quizgen.core.exact import exact, number
from quizgen.core.latex import dot, num, paren, vec
from quizgen.core.model import EXACT, Difficulty, Misconception, Part, Stem, Step
from quizgen.core.params import Num, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics import perceptron as forward

DESCRIPTION = "from one update w -> w': the target t, the learning rate eta, or the inputs x"

Answer = dict[str, Any]
UNKNOWNS = ("x", "t", "eta")
ETAS = {"easy": (0.5, 1, 2), "medium": (0.25, 0.5, 1.5, 2), "hard": (0.25, 0.5, 1)}


class Params(ParamsModel):
    #: the unknown; the other two of x, t and eta are given
    find: Literal["t", "eta", "x"]
    encoding: Literal["bipolar", "binary"] = "bipolar"
    #: the weights before and after the update, bias weight w_0 first
    w: Vector
    w_new: Vector
    #: the sample's inputs, without the bias input x_0 = 1
    x: Vector | None = None
    t: Num | None = None
    eta: Num | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        missing = [name for name in UNKNOWNS if getattr(self, name) is None]
        if missing != [self.find]:
            others = " and ".join(name for name in UNKNOWNS if name != self.find)
            raise ValueError(f"find {self.find} needs {others} given, and not {self.find}")
        if len(self.w_new) != len(self.w):
            raise ValueError(f"w_new has {len(self.w_new)} weights but w has {len(self.w)}")
        if self.x is not None and len(self.x) != len(self.w) - 1:
            raise ValueError(f"x must have {len(self.w) - 1} inputs (w has the bias weight too)")
        if self.find != "t" and _error(self) == 0:
            raise ValueError(f"w_new equals w: with no update, {self.find} cannot be found")
        answer = solve(self)
        try:
            after = forward.solve(_update(self, answer))["w_final"]
        except ValueError:  # a found t off the encoding's levels, or eta <= 0
            raise ValueError("w_new is not one perceptron update of w") from None
        if [exact(v) for v in after] != [exact(v) for v in self.w_new]:
            raise ValueError(f"w_new is not one perceptron update of w (it would be {after})")
        return self


def _update(p: Params, answer: Answer) -> forward.Params:
    """The forward problem of the one update, with the unknown filled in from ``answer``."""
    known = {"x": p.x, "t": p.t, "eta": p.eta} | answer
    return forward.Params(
        encoding=p.encoding,
        samples=[forward.Sample(x=known["x"], t=known["t"])],
        w=p.w,
        eta=known["eta"],
        steps=1,
    )


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: bipolar, two inputs at the levels, whole weights in [-2, 2], eta 0.5, 1 or 2,
    with or without an update. Medium: either encoding, weights on the 0.5 grid, eta 0.25,
    0.5, 1.5 or 2, an update. Hard: three whole inputs in [-2, 2], eta 0.25, 0.5 or 1, an
    update (without one there is nothing to read x from)."""
    encoding = "bipolar" if difficulty == "easy" else pick(rng, ["bipolar", "binary"])
    levels = list(forward.LEVELS[encoding])
    if difficulty == "hard":
        x = grid_vector(rng, 3, -2, 2, 1)
    else:
        x = [pick(rng, levels) for _ in range(2)]
    if difficulty == "easy":
        w = grid_vector(rng, len(x) + 1, -2, 2, 1)
    else:
        w = grid_vector(rng, len(x) + 1, -1, 1, 0.5)
    eta = pick(rng, ETAS[difficulty])
    update = forward.Params(
        encoding=encoding, samples=[{"x": x, "t": pick(rng, levels)}], w=w, eta=eta, steps=1
    )
    step = forward.solve(update)["trace"][0]
    if difficulty != "easy" and step["e"] == 0:
        raise Degenerate
    find = {"easy": "t", "medium": "eta", "hard": "x"}[difficulty]
    given = {"x": x, "t": step["t"], "eta": eta}
    del given[find]
    return Params(find=find, encoding=encoding, w=w, w_new=step["w"], **given)


def _change(p: Params) -> list[Fraction]:
    """Delta w = w' - w, exactly."""
    return [exact(b) - exact(a) for a, b in zip(p.w, p.w_new)]


def _z(p: Params, bias_input: bool = True) -> Fraction:
    assert p.x is not None
    inputs = [Fraction(1) if bias_input else Fraction(0), *(exact(v) for v in p.x)]
    return sum((exact(wi) * xi for wi, xi in zip(p.w, inputs)), Fraction(0))


def _prediction(p: Params, *, bias_input: bool = True, zero_fires: bool = True) -> int:
    low, high = forward.LEVELS[p.encoding]
    z = _z(p, bias_input)
    return high if (z >= 0 if zero_fires else z > 0) else low


def _error(p: Params) -> Fraction:
    """e: from the target and prediction when both are known, else from Delta w_0 = eta e."""
    if p.find == "eta":
        assert p.t is not None
        return exact(p.t) - _prediction(p)
    assert p.eta is not None
    return _change(p)[0] / exact(p.eta)


def _found(
    p: Params,
    *,
    flip_error: bool = False,
    use_eta: bool = True,
    bias_input: bool = True,
    zero_fires: bool = True,
    error_in_update: bool = True,
) -> Answer | None:
    """The unknown and e, by the right method or with one of its mistakes switched on (None:
    the mistake contradicts the stated update, so it gives no answer)."""
    change = _change(p)
    if p.find == "eta":
        assert p.t is not None
        y_hat = _prediction(p, bias_input=bias_input, zero_fires=zero_fires)
        e = (y_hat - exact(p.t)) if flip_error else (exact(p.t) - y_hat)
        if e == 0:
            return None  # "no update" where the stem shows one: a student stops and rechecks
        return {"e": number(e), "eta": number(change[0] / e if error_in_update else change[0])}
    assert p.eta is not None
    eta = exact(p.eta) if use_eta else Fraction(1)
    e = change[0] / eta
    if p.find == "t":
        y_hat = _prediction(p, bias_input=bias_input, zero_fires=zero_fires)
        return {"e": number(e), "t": number(y_hat - e if flip_error else y_hat + e)}
    if not error_in_update:
        return {"x": [number(d / eta) for d in change[1:]]}
    read = change[1:] if bias_input else change[:-1]
    return {"e": number(e), "x": [number(d / (eta * e)) for d in read]}


def solve(p: Params) -> Answer:
    answer = _found(p)
    assert answer is not None  # the record was refused if the right method found no update
    return answer


def parts(p: Params) -> list[Part]:
    unknown = {
        "t": Part("t", "the target $t$", EXACT),
        "eta": Part("eta", r"the learning rate $\eta$", EXACT),
        "x": Part("x", "the inputs $x = [x_1, \\ldots, x_n]$", EXACT, "vector"),
    }[p.find]
    return [Part("e", r"the error $e = t - \hat{y}$", EXACT), unknown]


def stem(p: Params) -> Stem:
    there = _update(p, solve(p))
    x, t, eta = vec(there.samples[0].x), forward.level_text(there)(there.samples[0].t), there.eta
    rule = (
        "A perceptron with bias input $x_0 = 1$ (bias weight $w_0$ first) predicts "
        f"{forward.activation_text(there)}, and updates "
        r"$w_i \leftarrow w_i + \eta (t - \hat{y}) x_i$."
    )
    change = rf"its weights go from $w = {vec(p.w)}$ to $w' = {vec(p.w_new)}$"
    if p.find == "t":
        return Stem(
            rf"{rule} With $\eta = {num(eta)}$ it is shown the sample $x = {x}$, and "
            f"{change}. Find the error $e$ and the sample's target $t$."
        )
    if p.find == "eta":
        return Stem(
            rf"{rule} Shown the sample $x = {x}$ with target $t = {t}$, "
            rf"{change}. Find the error $e$ and the learning rate $\eta$."
        )
    return Stem(
        rf"{rule} With $\eta = {num(eta)}$ it is shown a sample with target "
        rf"$t = {t}$ whose inputs are not given, and {change}. Find the error $e$ "
        r"and the inputs $x$."
    )


def _prediction_step(p: Params, there: forward.Params) -> Step:
    level, y_hat = forward.level_text(there), _prediction(p)
    activation = r"\text{sign}" if p.encoding == "bipolar" else r"\text{step}"
    x = [1, *(p.x or ())]
    return Step(
        "The prediction",
        (
            f"z = {dot(p.w, x)} = {num(_z(p))}",
            rf"\hat{{y}} = {activation}({num(_z(p))}) = {level(y_hat)}",
        ),
    )


def _shown_change(p: Params) -> str:
    return rf"\Delta w = w' - w = {vec(number(d) for d in _change(p))}"


def _bias_error_step(p: Params, there: forward.Params, e: Any) -> Step:
    return Step(
        r"The error from the bias weight: its input is $x_0 = 1$, so $\Delta w_0 = \eta\, e$",
        (
            _shown_change(p),
            rf"e = \frac{{\Delta w_0}}{{\eta}} = \frac{{{num(_change(p)[0])}}}{{{num(there.eta)}}}"
            f" = {num(e)}",
        ),
    )


def steps(p: Params, answer: Answer) -> list[Step]:
    there = _update(p, answer)
    level, e = forward.level_text(there), answer["e"]
    check = dataclasses.replace(
        forward.steps(there, forward.solve(there))[0], title="Check with the forward formula"
    )
    if p.find == "t":
        y_hat = _prediction(p)
        return [
            _prediction_step(p, there),
            _bias_error_step(p, there, e),
            Step(
                "The target",
                (
                    rf"e = t - \hat{{y}} \iff t = \hat{{y}} + e = {level(y_hat)} + {paren(e)}"
                    f" = {level(answer['t'])}",
                ),
            ),
            check,
        ]
    if p.find == "eta":
        return [
            _prediction_step(p, there),
            Step(
                "The error",
                (
                    rf"e = t - \hat{{y}} = {level(there.samples[0].t)} - {paren(_prediction(p))}"
                    f" = {num(e)}",
                ),
            ),
            Step(
                r"The learning rate from the bias weight ($x_0 = 1$): $\Delta w_0 = \eta\, e$",
                (
                    _shown_change(p),
                    rf"\eta = \frac{{\Delta w_0}}{{e}} = \frac{{{num(_change(p)[0])}}}"
                    rf"{{{num(e)}}} = {num(answer['eta'])}",
                ),
            ),
            check,
        ]
    return [
        _bias_error_step(p, there, e),
        Step(
            r"The inputs: $\Delta w_i = \eta\, e\, x_i$",
            tuple(
                rf"x_{i} = \frac{{\Delta w_{i}}}{{\eta\, e}} = \frac{{{num(d)}}}"
                rf"{{{paren(there.eta)} \cdot {paren(e)}}} = {num(x)}"
                for i, (d, x) in enumerate(zip(_change(p)[1:], answer["x"]), start=1)
            ),
        ),
        check,
    ]


def follow(p: Params, given: dict[str, Any]) -> Answer:
    """The unknown from the student's own error e (follow-through): t = y_hat + e,
    eta = Delta w_0 / e, x_i = Delta w_i / (eta e)."""
    if "e" not in given:
        return {}
    e, change = exact(given["e"]), _change(p)
    if p.find == "t":
        return {"t": number(_prediction(p) + e)}
    if e == 0:
        return {}
    if p.find == "eta":
        return {"eta": number(change[0] / e)}
    assert p.eta is not None
    return {"x": [number(d / (exact(p.eta) * e)) for d in change[1:]]}


def _mistake(
    applies: Callable[[Params], bool], **switches: bool
) -> Callable[[Params], Answer | None]:
    """A mistake as switches of the method, on the problems where it ``applies`` (else None,
    and None where every part it gives is right: it cannot show)."""

    def answer(p: Params) -> Answer | None:
        if not applies(p):
            return None
        wrong, right = _found(p, **switches), solve(p)
        if wrong is None or all(wrong[key] == right[key] for key in wrong):
            return None
        return wrong

    return answer


def _asks(*finds: str) -> Callable[[Params], bool]:
    return lambda p: p.find in finds


MISCONCEPTIONS = (
    Misconception(
        "flipped the sign of the error",
        r"The error is $e = t - \hat{y}$ (target minus prediction), not $\hat{y} - t$.",
        _mistake(_asks("t", "eta"), flip_error=True),
    ),
    Misconception(
        "ignored the learning rate",
        r"Each update is scaled by $\eta$: $\Delta w_0 = \eta\, e$, so $e = \Delta w_0 / \eta$.",
        _mistake(_asks("t", "x"), use_eta=False),
    ),
    Misconception(
        "forgot the bias input",
        "$x_0 = 1$ is part of every input: $w_0$ takes part in $z$, and its change "
        r"$\Delta w_0 = \eta\, e$ comes first in $\Delta w$.",
        _mistake(_asks("t", "eta", "x"), bias_input=False),
    ),
    Misconception(
        "took sign(0) as -1",
        r"By convention the perceptron fires at $z = 0$: $\operatorname{sign}(0) = +1$ "
        r"($\operatorname{step}(0) = 1$).",
        _mistake(lambda p: p.find != "x" and _z(p) == 0, zero_fires=False),
    ),
    Misconception(
        "left the error out of the update",
        r"The update is $\Delta w = \eta\, e\, x$: the error multiplies it too.",
        _mistake(_asks("eta", "x"), error_in_update=False),
    ),
)
