r"""A recurrent network backwards, with one hidden unit: the input behind a stated state, the
recurrent weight behind a stated second state, and at hard the input behind a stated output.

$h_t = \tanh(w_x x_t + w_h h_{t-1} + b)$ and $y_t = w_y h_t + b_y$. The tanh is strictly
increasing with values in $(-1, 1)$, so a state in that range comes from one pre-activation
$a_t = \text{artanh}(h_t) = \frac{1}{2} \ln \frac{1 + h_t}{1 - h_t}$, which is linear in each
of $x_t$ (slope $w_x \neq 0$) and $w_h$ (slope $h_{t-1} \neq 0$): one answer. Easy: $x_1$ from
$h_1$. Medium: $w_h$ from $h_2$, with $h_0 = 0$ so that $h_1$ does not depend on $w_h$. Hard:
$x_2$ from $y_2$, through $h_2 = (y_2 - b_y) / w_y$ (so $w_y \neq 0$).

>>> from quizgen.topics import get
>>> p = Params(asked="x1", h0=0.5, wx=1, b=0, wh=1, h1=0.6)
>>> round(get("rnn", "inverse").solve(p).answer["x1"], 4)
0.1931
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.draw import on_grid, pick
from quizgen.core.latex import num, paren
from quizgen.core.model import Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import Num, ParamsModel
from quizgen.topics import Degenerate
from quizgen.topics._shared import clean, require_fields, require_mistakes_to_show
from quizgen.topics.rnn import Params as ForwardParams
from quizgen.topics.rnn import solve as forward_solve

DESCRIPTION = (
    "the input behind a stated hidden state, the recurrent weight behind h_2; at hard the "
    "input behind an output"
)

DECIMALS = 4
Asked = Literal["x1", "wh", "x2"]
State = Annotated[Num, Field(gt=-1, lt=1)]

#: the fields each question needs beside h0, wx and b; any other is refused
NEEDS: dict[str, tuple[str, ...]] = {
    "x1": ("wh", "h1"),
    "wh": ("x1", "x2", "h2"),
    "x2": ("x1", "wh", "y2", "wy", "by"),
}


class Params(ParamsModel):
    #: what is asked: x_1 (from h_1), w_h (from h_2) or x_2 (from y_2)
    asked: Asked
    h0: Num
    wx: Num
    b: Num
    wh: Num | None = None
    x1: Num | None = None
    x2: Num | None = None
    #: the stated state or output
    h1: State | None = None
    h2: State | None = None
    y2: Num | None = None
    wy: Num | None = None
    by: Num | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        require_fields(self, "asked", NEEDS)
        if self.asked != "wh" and self.wx == 0:
            raise ValueError("wx must not be 0: the input would not reach the state")
        if self.asked == "wh":
            if self.h0 != 0:
                raise ValueError("asking for wh takes h0 = 0 (h_1 must not depend on wh)")
            if _states(self, wh=0)[0] == 0:
                raise ValueError("h_1 is 0: h_2 would not depend on wh")
        if self.asked == "x2":
            if self.wy == 0:
                raise ValueError("wy must not be 0: the output would not show h_2")
            if not abs(_target_state(self)) < 1:
                raise ValueError("(y2 - by) / wy must lie in (-1, 1): it is tanh of something")
        return self


def _states(p: Params, wh: float, *, activation: bool = True) -> list[float]:
    """h_1 (and h_2 when x_2 is known) from h_0 (``activation`` False: no tanh, the mistake)."""
    states = [float(p.h0)]
    for x in (p.x1, p.x2):
        if x is None:
            break
        pre = p.wx * x + wh * states[-1] + p.b
        states.append(math.tanh(pre) if activation else pre)
    return states[1:]


def _target_state(p: Params, *, output_bias: bool = True) -> float:
    """The state the stem fixes: h_1, h_2, or h_2 = (y_2 - b_y) / w_y (``output_bias`` False
    leaves b_y in, the mistake)."""
    if p.asked == "x1":
        return float(p.h1 or 0)
    if p.asked == "wh":
        return float(p.h2 or 0)
    assert p.y2 is not None and p.wy is not None and p.by is not None
    return (p.y2 - (p.by if output_bias else 0)) / p.wy


def _unknown(
    p: Params,
    *,
    activation: bool = True,
    inverse: bool = True,
    recurrent: bool = True,
    bias: bool = True,
    output_bias: bool = True,
) -> float | None:
    """The answer. The keywords are the mistakes: ``activation`` False skips the tanh in both
    directions (h = a), ``inverse`` False takes tanh of the state for artanh, ``recurrent``
    False leaves w_h h_{t-1} out, ``bias`` False leaves b out, ``output_bias`` False
    leaves b_y in."""
    state = _target_state(p, output_bias=output_bias)
    if activation and inverse and not abs(state) < 1:
        return None
    pre = (math.atanh(state) if inverse else math.tanh(state)) if activation else state
    rest = pre - (p.b if bias else 0)
    if p.asked == "wh":
        assert p.x2 is not None
        h1 = _states(p, 0, activation=activation)[0]
        return (rest - p.wx * p.x2) / h1 if h1 else None
    wh = p.wh or 0
    previous = p.h0 if p.asked == "x1" else _states(p, wh, activation=activation)[0]
    return (rest - (wh * previous if recurrent else 0)) / p.wx


def solve(p: Params) -> dict[str, float | None]:
    answer: dict[str, float | None] = {p.asked: _unknown(p)}
    return {"h2": _target_state(p), **answer} if p.asked == "x2" else answer


def follow(p: Params, given: dict[str, Any]) -> dict[str, float]:
    """At hard, x_2 from the student's own h_2."""
    if p.asked != "x2" or "h2" not in given or not abs(given["h2"]) < 1:
        return {}
    h1 = _states(p, p.wh or 0)[0]
    return {"x2": (math.atanh(given["h2"]) - (p.wh or 0) * h1 - p.b) / p.wx}


def parts(p: Params) -> list[Part]:
    rounded = Precision(DECIMALS)
    asked = {
        "x1": Part("x1", "the input $x_1$", rounded),
        "wh": Part("wh", "the recurrent weight $w_h$", rounded),
        "x2": Part("x2", "the input $x_2$", rounded),
    }[p.asked]
    return [Part("h2", "the hidden state $h_2$", rounded), asked] if p.asked == "x2" else [asked]


#: states whose artanh a student can take by hand (artanh 0.6 = ln 2, artanh 0.8 = ln 3)
STATES = (-0.8, -0.6, -0.4, -0.2, 0.2, 0.4, 0.6, 0.8)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: x_1 from h_1, h_0 = +-0.5. Medium: w_h from h_2, h_0 = 0, x_1 and x_2 integers in
    [-2, 2]. Hard: x_2 from y_2, h_0 = +-0.5, x_1 an integer, w_y +-0.5, +-1 or +-2. Weights on
    a 0.5 grid (w_x and w_h not 0), b and b_y in {-0.5, 0, 0.5}, the stated state from a short
    list, and an answer within [-4, 4]."""
    shared: dict[str, Any] = {
        "wx": pick(rng, (-1, 1)) * on_grid(rng, 0.5, 1.5, 0.5),
        "b": on_grid(rng, -0.5, 0.5, 0.5),
        "h0": 0 if difficulty == "medium" else pick(rng, (-0.5, 0.5)),
    }
    wh = pick(rng, (-1, 1)) * on_grid(rng, 0.5, 1.5, 0.5)
    state = pick(rng, STATES)
    if difficulty == "easy":
        p = Params(asked="x1", wh=wh, h1=state, **shared)
    elif difficulty == "medium":
        xs = {"x1": on_grid(rng, -2, 2, 1), "x2": on_grid(rng, -2, 2, 1)}
        if shared["wx"] * xs["x1"] + shared["b"] == 0:
            raise Degenerate  # h_1 = 0: h_2 would not depend on w_h
        p = Params(asked="wh", h2=state, **xs, **shared)
    else:
        wy, by = pick(rng, (-1, 1)) * pick(rng, (0.5, 1, 2)), on_grid(rng, -0.5, 0.5, 0.5)
        output = {"wy": wy, "by": by, "y2": clean(wy * state + by)}
        p = Params(asked="x2", x1=on_grid(rng, -2, 2, 1), wh=wh, **output, **shared)
    value = _unknown(p)
    if value is None or abs(value) > 4:
        raise Degenerate
    require_mistakes_to_show(MISCONCEPTIONS, p, parts(p), solve(p))
    return p


def stem(p: Params) -> Stem:
    rnn = (
        r"A recurrent network with one hidden unit computes "
        r"$h_t = \tanh(w_x x_t + w_h h_{t-1} + b)$"
    )
    weights = rf"$w_x = {num(p.wx)}$, $b = {num(p.b)}$, $h_0 = {num(p.h0)}$"
    if p.asked == "x1":
        return Stem(
            rf"{rnn}, with {weights} and $w_h = {num(p.wh or 0)}$. After the first input the "
            rf"state is $h_1 = {num(p.h1 or 0)}$. What was $x_1$?"
        )
    if p.asked == "wh":
        return Stem(
            rf"{rnn}, with {weights}. The inputs $x_1 = {num(p.x1 or 0)}$ and "
            rf"$x_2 = {num(p.x2 or 0)}$ give $h_2 = {num(p.h2 or 0)}$. What is $w_h$?"
        )
    return Stem(
        rf"{rnn} and outputs $y_t = w_y h_t + b_y$, with {weights}, $w_h = {num(p.wh or 0)}$, "
        rf"$w_y = {num(p.wy or 0)}$ and $b_y = {num(p.by or 0)}$. The first input is "
        rf"$x_1 = {num(p.x1 or 0)}$, and after the second the output is "
        rf"$y_2 = {num(p.y2 or 0)}$. What are $h_2$ and $x_2$?"
    )


def _forward_states(p: Params, answer: dict[str, Any]) -> tuple[list[float], list[float]]:
    """The forward topic's states and outputs with the answer filled in."""
    x1 = answer.get("x1", p.x1)
    xs = [[x1]] if p.asked == "x1" else [[x1], [answer.get("x2", p.x2)]]
    fields = {"xs": xs, "h0": [p.h0], "Wx": [[p.wx]], "b": [p.b]}
    fields |= {"Wh": [[answer.get("wh", p.wh)]], "Wy": [[p.wy or 1]], "by": [p.by or 0]}
    forward = forward_solve(ForwardParams(**fields))
    return [h[0] for h in forward["h"]], [y[0] for y in forward["y"]]


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    d = DECIMALS
    undo_output = []
    state = _target_state(p)
    t = 1 if p.asked == "x1" else 2
    if p.asked == "x2":
        undo_output.append(
            Step(
                r"Undo the output layer: $h_2 = (y_2 - b_y) / w_y$",
                (
                    rf"h_2 = \frac{{{num(p.y2 or 0)} - {paren(p.by or 0)}}}{{{num(p.wy or 0)}}}"
                    rf" = {num(state, d)}",
                ),
            )
        )
    pre = math.atanh(state)
    undo_tanh = Step(
        rf"Undo the tanh: $a_{t} = \text{{artanh}}(h_{t}) = \frac{{1}}{{2}} "
        rf"\ln \frac{{1 + h_{t}}}{{1 - h_{t}}}$",
        (
            rf"a_{t} = \frac{{1}}{{2}} \ln \frac{{1 + {paren(state, d)}}}{{1 - "
            rf"{paren(state, d)}}} = {num(pre, d)}",
        ),
    )
    h, y = _forward_states(p, answer)
    stated = r" \quad \text{(as stated)}"
    if p.asked == "x1":
        return [
            undo_tanh,
            Step(
                r"Solve $a_1 = w_x x_1 + w_h h_0 + b$ for $x_1$",
                (
                    rf"x_1 = \frac{{a_1 - w_h h_0 - b}}{{w_x}} = \frac{{{num(pre, d)} - "
                    rf"{paren(p.wh or 0)} \cdot {paren(p.h0)} - {paren(p.b)}}}{{{num(p.wx)}}} = "
                    rf"{num(answer['x1'], d)}",
                ),
            ),
            Step(
                "Check with the forward formula",
                (
                    rf"h_1 = \tanh({num(p.wx)} \cdot {paren(answer['x1'], d)} + "
                    rf"{paren(p.wh or 0)} \cdot {paren(p.h0)} + {paren(p.b)}) = {num(h[0], d)}"
                    + stated,
                ),
            ),
        ]
    h1 = h[0]
    first = Step(
        r"The first state (it does not depend on the unknown)",
        (
            rf"h_1 = \tanh({num(p.wx)} \cdot {paren(p.x1 or 0)} + {paren(p.wh or 0)} \cdot "
            rf"{paren(p.h0)} + {paren(p.b)}) = {num(h1, d)}"
            if p.asked == "x2"
            else rf"h_1 = \tanh({num(p.wx)} \cdot {paren(p.x1 or 0)} + {paren(p.b)}) = "
            rf"{num(h1, d)} \quad (h_0 = 0)",
        ),
    )
    if p.asked == "wh":
        solved = Step(
            r"Solve $a_2 = w_x x_2 + w_h h_1 + b$ for $w_h$",
            (
                rf"w_h = \frac{{a_2 - w_x x_2 - b}}{{h_1}} = \frac{{{num(pre, d)} - "
                rf"{paren(p.wx)} \cdot {paren(p.x2 or 0)} - {paren(p.b)}}}{{{num(h1, d)}}} = "
                rf"{num(answer['wh'], d)}",
            ),
        )
        check = rf"h_2 = {num(h[1], d)}" + stated
    else:
        solved = Step(
            r"Solve $a_2 = w_x x_2 + w_h h_1 + b$ for $x_2$",
            (
                rf"x_2 = \frac{{a_2 - w_h h_1 - b}}{{w_x}} = \frac{{{num(pre, d)} - "
                rf"{paren(p.wh or 0)} \cdot {paren(h1, d)} - {paren(p.b)}}}{{{num(p.wx)}}} = "
                rf"{num(answer['x2'], d)}",
            ),
        )
        check = rf"h_2 = {num(h[1], d)}, \quad y_2 = {num(y[1], d)}" + stated
    return [
        *undo_output,
        first,
        undo_tanh,
        solved,
        Step("Check with the forward formula", (check,)),
    ]


def _mistake(**switches: Any) -> Any:
    """A mistake as switches of the answer (None where it cannot arise or gives none)."""

    def answer(p: Params) -> dict[str, float] | None:
        value = _unknown(p, **switches)
        if value is None:
            return None
        state = _target_state(p, output_bias=switches.get("output_bias", True))
        return {"h2": state, p.asked: value} if p.asked == "x2" else {p.asked: value}

    return answer


MISCONCEPTIONS = (
    Misconception(
        "skipped the tanh",
        r"$h_t = \tanh(a_t)$: undo the tanh with $\text{artanh}$ before solving the linear "
        "part.",
        _mistake(activation=False),
    ),
    Misconception(
        "took tanh for its inverse",
        r"The pre-activation is $\text{artanh}(h_t)$, not $\tanh(h_t)$.",
        _mistake(inverse=False),
    ),
    Misconception(
        "left out the recurrent term",
        r"Each step adds $w_h h_{t-1}$: subtract it before dividing by $w_x$.",
        lambda p: None if p.asked == "wh" else _mistake(recurrent=False)(p),
    ),
    Misconception(
        "forgot the bias",
        r"$a_t = w_x x_t + w_h h_{t-1} + b$: subtract $b$ too.",
        lambda p: None if p.b == 0 else _mistake(bias=False)(p),
    ),
    Misconception(
        "forgot the output bias",
        r"$y_2 = w_y h_2 + b_y$, so $h_2 = (y_2 - b_y) / w_y$.",
        lambda p: None if p.asked != "x2" or p.by == 0 else _mistake(output_bias=False)(p),
    ),
)
