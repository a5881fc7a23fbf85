r"""CNN output sizes backwards: the padding, stride, filter size or input side for an output size.

The size rule m = floor((n + 2p - f) / s) + 1 read backwards. Solved for the padding at stride 1
it has one solution (m grows by 2 with each unit of p). For a stride or a filter size the floor
lets neighbouring values give the same m, so the stem states that the last window ends exactly
at the padded input's edge (no row or column left over): then s(m - 1) = n + 2p - f, which has
one solution. For the input side through two layers the sizes that give m form a run (m never
falls as n grows), so the stem asks for the smallest: :func:`quizgen.core.cnn.smallest_input`,
layer by layer from the output back.

>>> p = Params(asked="p", input=32, layers=[{"type": "conv", "f": 5, "s": 1, "filters": 8}],
...            output=32)
>>> solve(p)
{'p': 2}
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.cnn import Conv, Pool, describe, leftover, out_size, smallest_input
from quizgen.core.draw import pick
from quizgen.core.model import EXACT, Difficulty, Part, Stem, Step, Table
from quizgen.core.params import NonNegativeInt, ParamsModel, PositiveInt
from quizgen.topics import Degenerate
from quizgen.topics._shared import changing
from quizgen.topics.conv_shape import size_formula

DESCRIPTION = (
    "the padding, stride or filter size that gives an output size, or the smallest input side "
    "through two layers"
)

Asked = Literal["p", "s", "f", "n"]
WHAT = {"p": "padding", "s": "stride", "f": "filter size", "n": "input side"}
SIZES = (28, 32, 48, 64, 96, 128, 224, 227)


class Window(ParamsModel):
    """A convolution or pooling layer of the question; the number asked is left out."""

    type: Literal["conv", "pool"]
    f: PositiveInt | None = None
    s: PositiveInt | None = None
    p: NonNegativeInt | None = None
    #: a convolution's filter count (it does not change the side; the table shows it)
    filters: PositiveInt | None = None

    def layer(self, **asked: int) -> Conv | Pool:
        """The layer with the asked number filled in."""
        known = {"f": self.f, "s": self.s, "p": self.p, **asked}
        if self.type == "conv":
            return Conv(type="conv", filters=self.filters or 1, **known)
        return Pool(type="pool", **known)


class Params(ParamsModel):
    #: the number asked: a padding, stride or filter size (of the one layer), or the input side
    #: (through two layers)
    asked: Asked
    #: the input side n (left out when asked)
    input: PositiveInt | None = None
    layers: list[Window] = Field(min_length=1, max_length=2)
    #: the output side m the layers give
    output: PositiveInt

    @model_validator(mode="after")
    def _possible(self) -> Params:
        missing = [k for k in "fsp" if any(getattr(w, k) is None for w in self.layers)]
        missing += ["n"] if self.input is None else []
        if missing != [self.asked]:
            raise ValueError(f"only the asked {self.asked} is left out; left out: {missing}")
        if len(self.layers) != (2 if self.asked == "n" else 1):
            raise ValueError(
                "an input side is asked through two layers; a padding, stride or filter size of one"
            )
        if self.asked == "n" and any(2 * (w.p or 0) > (w.f or 1) - 1 for w in self.layers):
            raise ValueError(
                "an input side is asked of layers padded by at most (f - 1) / 2: with more, "
                "sides below s(m - 1) + f - 2p can fit"
            )
        if self.asked == "p" and self.layers[0].s != 1:
            raise ValueError("a padding is asked at stride 1 (a larger stride allows several)")
        for w in self.layers:
            if (w.type == "conv") != (w.filters is not None):
                raise ValueError("a conv layer has a filter count and a pool layer none")
        if self.asked == "s" and self.output < 2:
            raise ValueError(
                "an output side of 1 fits every stride large enough: ask for 2 or more"
            )
        answer = _solve(self)
        value = answer[self.asked]
        if value != int(value) or value < (0 if self.asked == "p" else 1):
            raise ValueError(f"no whole {WHAT[self.asked]} gives an output side of {self.output}")
        if _forward(self, int(value)) != self.output:
            raise ValueError(f"no {WHAT[self.asked]} gives an output side of {self.output}")
        return self


def _layers(p: Params, value: int) -> list[Conv | Pool]:
    """The question's layers with the answer ``value`` put in."""
    asked = {} if p.asked == "n" else {p.asked: value}
    return [w.layer(**asked) for w in p.layers]


def _forward(p: Params, value: int) -> int | None:
    """The output side the layers give once ``value`` is put in (None: a layer does not fit)."""
    n = value if p.asked == "n" else p.input
    assert n is not None
    for layer in _layers(p, value):
        if layer.f > n + 2 * layer.p or (
            p.asked in "sf" and leftover(n, layer.f, layer.s, layer.p)
        ):
            return None
        n = out_size(n, layer.f, layer.s, layer.p)
    return n


def _number(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


def _solve(
    p: Params,
    *,
    plus_one: bool = True,
    padding: int = 2,
    stride: bool = True,
    upside_down: bool = False,
    sizes_ratio: bool = False,
    forwards: bool = False,
    reverse: bool = False,
) -> dict[str, Any]:
    """The answer from s(m - 1) = n + 2p - f, with known mistakes as switches: no +1, padding
    added ``padding`` times (2 is right), the stride taken as 1, the stride's ratio upside down
    or taken as n / m, the forward rule applied from the output, the layers undone first to
    last. Fractions until the end, so a mistake's answer is exactly what its method gives."""
    m, k = p.output, 1 if plus_one else 0
    w, n = p.layers[0], p.input
    s = Fraction(w.s or 1) if stride else Fraction(1)
    if p.asked == "p":
        assert w.f is not None and n is not None
        return {"p": _number((s * (m - k) - n + w.f) / padding)}
    if p.asked == "s":
        assert w.f is not None and w.p is not None and n is not None
        span = Fraction(n + padding * w.p - w.f)
        if sizes_ratio:
            return {"s": _number(Fraction(n, m))}
        return {"s": _number((m - k) / span if upside_down else span / (m - k))}
    if p.asked == "f":
        assert w.p is not None and n is not None
        return {"f": _number(n + padding * w.p - s * (m - k))}
    sides, side = [], Fraction(m)
    for window in p.layers if reverse else reversed(p.layers):
        assert window.f is not None and window.s is not None and window.p is not None
        s = Fraction(window.s) if stride else Fraction(1)
        if forwards:
            side = Fraction((side + padding * window.p - window.f) // s + k)
        else:
            side = s * (side - k) + window.f - padding * window.p
        sides.append(_number(side))
    return {"between": sides[0], "n": sides[-1]}


def solve(p: Params) -> dict[str, Any]:
    return _solve(p)


def solve_with(p: Params, **switches: Any) -> dict[str, Any] | None:
    """The answer with some mistakes' switches set (None: that method cannot be carried out,
    as a division by zero)."""
    try:
        return _solve(p, **switches)
    except ZeroDivisionError:
        return None


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: the padding of a stride-1 convolution, mostly "same" padding. Medium: the stride
    (2 to 4) or the filter size of a convolution whose last window ends at the edge. Hard: the
    smallest input side that two layers (a convolution, then pooling or a second convolution)
    turn into a drawn output; the floor may drop rows on the way."""
    filters = pick(rng, [8, 16, 32, 64])
    if difficulty == "easy":
        n, f = pick(rng, SIZES[:5]), pick(rng, [3, 5, 7])
        pad = (f - 1) // 2 if rng.random() < 0.7 else int(rng.integers(f // 2 + 1))
        window = {"type": "conv", "f": f, "s": 1, "filters": filters}
        return Params(asked="p", input=n, layers=[window], output=out_size(n, f, 1, pad))
    if difficulty == "medium":
        n = pick(rng, SIZES)
        asked = pick(rng, ["s", "f"])
        f = pick(rng, [2, 3, 4, 5, 7, 11] if asked == "s" else [1, 2, 3, 4, 5, 7])
        s = pick(rng, [2, 3, 4] if asked == "s" else [1, 2])
        pad = int(rng.integers(f // 2 + 1))
        if leftover(n, f, s, pad) or out_size(n, f, s, pad) < 2:
            raise Degenerate
        window = {"type": "conv", "f": f, "s": s, "p": pad, "filters": filters}
        del window[asked]
        return Params(asked=asked, input=n, layers=[window], output=out_size(n, f, s, pad))
    f = pick(rng, [3, 5, 7])
    first: dict[str, Any] = {
        "type": "conv",
        "f": f,
        "s": pick(rng, [1, 2]),
        "p": int(rng.integers(f // 2 + 1)),
    }
    if rng.random() < 0.5:
        size, step = pick(rng, [(2, 2), (3, 2), (3, 3)])
        second: dict[str, Any] = {"type": "pool", "f": size, "s": step, "p": 0}
    else:
        size = pick(rng, [3, 5])
        second = {"type": "conv", "f": size, "s": pick(rng, [1, 2]), "p": (size - 1) // 2}
        second["filters"] = 2 * filters
    first["filters"] = filters
    n = pick(rng, [28, 32, 48, 64, 100, 128])
    m = n
    for layer in (first, second):
        m = out_size(m, layer["f"], layer["s"], layer["p"])
    if m < 2 or (first["s"] == 1 and first["f"] - 2 * first["p"] == 1):
        raise Degenerate  # a first layer that keeps the side makes both parts the same
    return Params(asked="n", layers=[first, second], output=m)


def parts(p: Params) -> list[Part]:
    if p.asked == "n":
        return [
            Part("between", "the side after layer 1", EXACT),
            Part("n", "the smallest input side $n$", EXACT),
        ]
    symbol = {"p": "$p$", "s": "$s$", "f": "$f$"}[p.asked]
    return [Part(p.asked, f"the {WHAT[p.asked]} {symbol}", EXACT)]


def _square(n: int | None) -> str:
    return rf"${n} \times {n}$"


EDGE = (
    "Its last window ends exactly at the edge of the padded input (no row or column is left over)."
)


def stem(p: Params) -> Stem:
    w = p.layers[0]
    if p.asked == "p":
        goal = (
            f"keeps the output at {_square(p.output)}"
            if p.output == p.input
            else f"gives an output of {_square(p.output)}"
        )
        return Stem(
            rf"A convolution with a {_square(w.f)} filter and stride {w.s} is applied to a "
            rf"{_square(p.input)} input. Which padding $p$ {goal}?"
        )
    if p.asked == "s":
        return Stem(
            rf"A convolution with a {_square(w.f)} filter and padding {w.p} turns a "
            rf"{_square(p.input)} input into a {_square(p.output)} output. {EDGE} "
            "What is its stride $s$?"
        )
    if p.asked == "f":
        edge = f" {EDGE}" if w.s != 1 else ""
        return Stem(
            rf"A convolution with stride {w.s} and padding {w.p} turns a {_square(p.input)} "
            rf"input into a {_square(p.output)} output.{edge} What is its filter size $f$ "
            r"(the filter is $f \times f$)?"
        )
    rows = tuple((str(i), describe(w.layer())) for i, w in enumerate(p.layers, start=1))
    return Stem(
        rf"A square $n \times n$ input passes through the layers below and comes out "
        rf"{_square(p.output)}. What is the smallest input side $n$ that does this, and what is "
        "the side after layer 1?",
        Table(("layer", "operation"), rows),
    )


def _check(p: Params, value: int) -> Step:
    """The answer put back through the forward size rule."""
    n = value if p.asked == "n" else p.input
    assert n is not None
    lines = []
    for layer in _layers(p, value):
        m = out_size(n, layer.f, layer.s, layer.p)
        lines.append(size_formula(n, layer, m))
        n = m
    return Step("Check with the forward formula", tuple(lines))


def _backwards(p: Params, answer: dict[str, Any]) -> list[Step]:
    """Hard: each layer undone from the output back, as the smallest side that gives its
    output (the one whose last window ends at the edge)."""
    out, m = [], p.output
    for index, side in ((2, answer["between"]), (1, answer["n"])):
        layer = p.layers[index - 1].layer()
        name = "a" if index == 2 else "n"
        out.append(
            Step(
                f"Layer {index} backwards: the smallest side that gives {m} is the one whose "
                "last window ends at the edge",
                (
                    rf"{name} = s(m - 1) + f - 2p",
                    rf"{name} = {layer.s} \times ({m} - 1) + {layer.f} - 2 \times {layer.p}"
                    rf" = {side}",
                ),
                "" if index == 1 else rf"\text{{side after layer 1: }} {side}",
            )
        )
        m = side
    return out


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    value = answer[p.asked]
    if p.asked == "n":
        return [*_backwards(p, answer), _check(p, value)]
    w = p.layers[0]
    n, m = p.input, p.output
    if p.asked == "p":
        rule = (
            r"\text{stride 1 drops nothing: } m = n + 2p - f + 1",
            r"2p = m - 1 - n + f \iff p = \frac{m - 1 - n + f}{2}",
        )
        top = f"{m} - 1 - {n} + {w.f}"
        put = rf"p = \frac{{{top}}}{{2}} = \frac{{{2 * value}}}{{2}} = {value}"
    elif p.asked == "s":
        rule = (
            r"\text{no row is left over, so the division is exact: } m - 1 = \frac{n + 2p - f}{s}",
            r"s = \frac{n + 2p - f}{m - 1}",
        )
        top = f"{n} + 2 \\times {w.p} - {w.f}"
        put = rf"s = \frac{{{top}}}{{{m} - 1}} = \frac{{{value * (m - 1)}}}{{{m - 1}}} = {value}"
    else:
        rule = (
            (
                r"\text{stride 1 leaves no row over: }"
                if w.s == 1
                else r"\text{no row is left over: }"
            )
            + r" s(m - 1) = n + 2p - f",
            r"f = n + 2p - s(m - 1)",
        )
        put = rf"f = {n} + 2 \times {w.p} - {w.s} \times ({m} - 1) = {value}"
    return [
        Step(f"Solve the size rule for ${p.asked}$", rule),
        Step("Substitute", (put,)),
        _check(p, value),
    ]


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """Hard: the input side from the student's own side after layer 1."""
    if p.asked != "n" or "between" not in given:
        return {}
    first = p.layers[0].layer()
    return {"n": smallest_input(given["between"], first.f, first.s, first.p)}


def _asked(*kinds: str) -> Any:
    return lambda p: p.asked in kinds


MISCONCEPTIONS = (
    changing(
        solve_with,
        "forgot the +1",
        r"The size rule ends in $+1$: after the first window $m - 1$ more fit, so "
        r"$s(m - 1) = n + 2p - f$.",
        plus_one=False,
    ),
    changing(
        solve_with,
        "added the padding once",
        "Padding is added on both sides: the padded input is $n + 2p$ wide, not $n + p$.",
        padding=1,
    ),
    changing(
        solve_with,
        "forgot the padding",
        "The windows run over the padded input, $n + 2p$ wide: leave the padding in.",
        when=_asked("s", "f", "n"),
        padding=0,
    ),
    changing(
        solve_with,
        "ignored the stride",
        "Each window moves $s$ positions, so $m - 1$ moves cover $s(m - 1)$ rows.",
        when=_asked("f", "n"),
        stride=False,
    ),
    changing(
        solve_with,
        "turned the ratio upside down",
        r"$s = \frac{n + 2p - f}{m - 1}$: the rows the windows move over, divided by the number "
        "of moves.",
        when=_asked("s"),
        upside_down=True,
    ),
    changing(
        solve_with,
        "divided the input side by the output side",
        r"$n / m$ leaves out the filter and the padding: solve $s(m - 1) = n + 2p - f$.",
        when=_asked("s"),
        sizes_ratio=True,
    ),
    changing(
        solve_with,
        "applied the forward formula from the output",
        "Working back from the output undoes the size rule: $n = s(m - 1) + f - 2p$; the "
        "forward formula shrinks the side again.",
        when=_asked("n"),
        forwards=True,
    ),
    changing(
        solve_with,
        "undid the layers in the wrong order",
        "Work back from the output: undo the last layer first, then the one before it.",
        when=_asked("n"),
        reverse=True,
    ),
)
