r"""Parameter counts backwards: the filter count, hidden width or filter size for a given count.

A layer's count is linear in its filter count K and in a dense layer's width h (the width also
sets the next layer's inputs, still linear), and grows with the square of a filter size f: so
for a given count the equation has one positive solution, found by rearranging the counting
formula. Draws are made from a whole answer, so that answer exists and is on the grid.

>>> p = Params(asked="filters", input=[32, 32, 3],
...            layers=[{"type": "conv", "f": 3, "bias": True}], count=448)
>>> solve(p)
{'filters': 16}
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.cnn import Conv, Dense, check_stack, describe, next_shape
from quizgen.core.draw import pick
from quizgen.core.model import EXACT, Difficulty, Part, Stem, Step, Table
from quizgen.core.params import ParamsModel, PositiveInt
from quizgen.topics import Degenerate
from quizgen.topics._shared import changing
from quizgen.topics.param_count import layer_count

DESCRIPTION = (
    "the filter count, hidden width or filter size that gives a parameter count (bias stated)"
)

Asked = Literal["filters", "units", "f"]
WHAT = {"filters": "number of filters $K$", "units": "hidden width $h$", "f": "filter size $f$"}


class Blank(ParamsModel):
    """A conv or dense layer of the question; the number asked is left out."""

    type: Literal["conv", "dense"]
    f: PositiveInt | None = None
    filters: PositiveInt | None = None
    units: PositiveInt | None = None
    bias: bool = True

    def missing(self) -> list[str]:
        names = ["f", "filters"] if self.type == "conv" else ["units"]
        return [name for name in names if getattr(self, name) is None]

    def layer(self, value: int) -> Conv | Dense:
        """The layer with ``value`` put in for its missing number (if any)."""
        known = {k: v for k, v in self.model_dump().items() if v is not None}
        known.update(dict.fromkeys(self.missing(), value))
        return Conv(**known) if self.type == "conv" else Dense(**known)


class Params(ParamsModel):
    #: the number asked (of the one layer that leaves it out)
    asked: Asked
    #: the input: [n] for dense layers, [H, W, C] for conv layers
    input: list[PositiveInt] = Field(min_length=1, max_length=3)
    layers: list[Blank] = Field(min_length=1, max_length=2)
    #: the trainable parameters (weights and biases) of all the layers together
    count: PositiveInt

    @model_validator(mode="after")
    def _possible(self) -> Params:
        missing = [(i, name) for i, layer in enumerate(self.layers) for name in layer.missing()]
        if [name for _, name in missing] != [self.asked]:
            raise ValueError(f"only the asked {self.asked} is left out; left out: {missing}")
        kinds = {layer.type for layer in self.layers}
        if kinds != ({"dense"} if len(self.input) == 1 else {"conv"}) or len(self.input) == 2:
            raise ValueError("input must be [n] for dense layers or [H, W, C] for conv layers")
        where = [i for i, _ in missing]
        if (len(self.layers), where[0]) not in LAYOUTS[self.asked]:
            raise ValueError(
                "a filter count is asked of one conv layer, a hidden width of the first of two "
                "dense layers, a filter size of the last of one or two conv layers"
            )
        answer = solve_with(self)
        value = answer[self.asked] if answer else 0
        if value != int(value) or value < 1:
            raise ValueError(f"no whole {_plain(self.asked)} gives {self.count} parameters")
        check_stack(self.input, [layer.layer(int(value)) for layer in self.layers])
        return self


#: (number of layers, index of the layer asked about) that each question is asked of
LAYOUTS = {"filters": {(1, 0)}, "units": {(2, 0)}, "f": {(1, 0), (2, 1)}}


def _plain(asked: str) -> str:
    return {"filters": "number of filters", "units": "hidden width", "f": "filter size"}[asked]


def asked_index(p: Params) -> int:
    return next(i for i, layer in enumerate(p.layers) if layer.missing())


def _counts(p: Params, value: int, **switches: Any) -> list[int]:
    """Each layer's count with ``value`` put in, counted with the switches of
    :func:`quizgen.topics.param_count.layer_count` (and ``channel_bias``: one bias per input
    channel of each filter)."""
    channel_bias = switches.pop("channel_bias", False)
    out, shape = [], list(p.input)
    for blank in p.layers:
        layer = blank.layer(value)
        if channel_bias and isinstance(layer, Conv) and layer.bias:
            out.append(layer_count(layer, shape, bias=False) + shape[2] * layer.filters)
        else:
            out.append(layer_count(layer, shape, **switches))
        # only the channels or units matter to a count (not the sides a conv leaves)
        shape = [*shape[:2], layer.filters] if isinstance(layer, Conv) else [layer.units]
    return out


def _number(x: Fraction | float) -> int | float:
    if isinstance(x, Fraction) and x.denominator == 1:
        return int(x)
    return float(x)


def _root(x: Fraction) -> Fraction | float:
    """The square root, exact when it is a whole or rational square."""
    if x < 0:
        raise ValueError("no real root")
    top, bottom = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if top * top == x.numerator and bottom * bottom == x.denominator:
        return Fraction(top, bottom)
    return math.sqrt(x)


def _solve(
    p: Params, *, only_asked: bool = False, no_root: bool = False, **switches: Any
) -> dict[str, Any]:
    """The answer of the count equation as a student sets it up with the switches: the total
    is A x^2 + B x + C in the asked number x (read off the counts at x = 1, 2, 3), solved for
    its positive root. ``only_asked`` leaves the other layer out; ``no_root`` stops at x^2."""
    asked = asked_index(p)

    def total(x: int) -> int:
        counts = _counts(p, x, **switches)
        return counts[asked] if only_asked else sum(counts)

    t1, t2, t3 = total(1), total(2), total(3)
    a = Fraction(t3 - 2 * t2 + t1, 2)
    b = t2 - t1 - 3 * a
    c = t1 - a - b
    if a == 0:
        x: Fraction | float = (p.count - c) / b
    elif b == 0 and no_root:
        x = (p.count - c) / a
    else:
        x = (-b + _root(b * b - 4 * a * (c - p.count))) / (2 * a)
    answer: dict[str, Any] = {p.asked: _number(x)}
    if p.asked == "f" and len(p.layers) == 2:
        first = _counts(p, 1, **switches)[0]
        return {"first": 0 if only_asked else first, **answer}
    return answer


def solve(p: Params) -> dict[str, Any]:
    return _solve(p)


def solve_with(p: Params, **switches: Any) -> dict[str, Any] | None:
    """The answer with some mistakes' switches set (None: that equation has no solution)."""
    try:
        return _solve(p, **switches)
    except (ValueError, ZeroDivisionError):
        return None


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: the filter count K of one convolution (3 x 3 or 5 x 5, 1 or 3 input channels).
    Medium: the hidden width h of a dense n_in -> h -> n_out network. Hard: the filter size f
    of a second convolution, after a first one whose count the student gives first. The bias
    is drawn per layer and stated; every answer is drawn whole."""
    bias = bool(rng.random() < 0.7)
    if difficulty == "easy":
        f, filters = pick(rng, [1, 3, 5]), pick(rng, [4, 8, 16, 32, 64, 128])
        layer = {"type": "conv", "f": f, "filters": filters, "bias": bias}
        shape = [pick(rng, [28, 32, 64]), 0, pick(rng, [1, 3, 16])]
        shape[1] = shape[0]
        count = layer_count(Conv(**layer), shape)
        del layer["filters"]
        return Params(asked="filters", input=shape, layers=[layer], count=count)
    if difficulty == "medium":
        n_in, units = pick(rng, [4, 8, 10, 16, 20, 32, 64]), int(rng.integers(3, 65))
        outputs = pick(rng, [1, 2, 3, 4, 10])
        first = Dense(type="dense", units=units, bias=bias)
        second = Dense(type="dense", units=outputs, bias=bias)
        count = layer_count(first, [n_in]) + layer_count(second, [units])
        blank = {"type": "dense", "bias": bias}
        return Params(asked="units", input=[n_in], layers=[blank, second.model_dump()], count=count)
    side, channels = pick(rng, [28, 32]), pick(rng, [1, 3])
    conv1 = {"type": "conv", "f": pick(rng, [3, 5]), "filters": pick(rng, [8, 16, 32])}
    conv2 = {"type": "conv", "f": pick(rng, [1, 3, 5, 7]), "filters": pick(rng, [16, 32, 64])}
    conv1["bias"], conv2["bias"] = bias, bool(rng.random() < 0.7)
    if conv2["f"] == conv1["f"] and conv2["filters"] == conv1["filters"]:
        raise Degenerate  # the second layer's size would be read off the first's
    shape = [side, side, channels]
    layers = [Conv(**conv1), Conv(**conv2)]
    count = layer_count(layers[0], shape) + layer_count(layers[1], next_shape(shape, layers[0]))
    del conv2["f"]
    return Params(asked="f", input=shape, layers=[conv1, conv2], count=count)


def parts(p: Params) -> list[Part]:
    asked = Part(p.asked, f"the {WHAT[p.asked]}", EXACT)
    if "first" in solve(p):
        return [Part("first", "the parameters of layer 1", EXACT), asked]
    return [asked]


def _bias_text(layer: Blank) -> str:
    return "yes" if layer.bias else "no"


def _row(index: int, blank: Blank) -> tuple[str, str, str]:
    if not blank.missing():
        return (str(index), describe(blank.layer(0)), _bias_text(blank))
    if blank.type == "dense":
        return (str(index), "Dense, $h$ units", _bias_text(blank))
    if blank.f is None:
        return (str(index), rf"Conv $f \times f$, {blank.filters} filters", _bias_text(blank))
    return (str(index), rf"Conv ${blank.f} \times {blank.f}$, $K$ filters", _bias_text(blank))


def stem(p: Params) -> Stem:
    rows = tuple(_row(i, layer) for i, layer in enumerate(p.layers, start=1))
    shape = r" \times ".join(str(n) for n in p.input)
    ask = {
        "filters": "How many filters $K$ does the layer have?",
        "units": "What is the hidden width $h$ (a whole number of units)?",
        "f": r"What filter size $f$ (a square $f \times f$ filter, $f \geq 1$) does the layer "
        "have?",
    }[p.asked]
    if p.asked == "f" and len(p.layers) == 2:
        ask = (
            r"How many parameters does layer 1 have, and what filter size $f$ (a square "
            r"$f \times f$ filter, $f \geq 1$) does layer 2 have?"
        )
    return Stem(
        f"A network takes inputs of shape ${shape}$ and has the layers below (the bias column "
        f"says which have biases); together they have {p.count:,} trainable parameters. {ask}",
        Table(("layer", "operation", "bias"), rows),
    )


def _conv_terms(layer: Blank, channels: int, k: str) -> tuple[str, str]:
    """A conv layer's count as symbols and with its known numbers: (f x f x C) x K (+ K)."""
    f = "f" if layer.f is None else str(layer.f)
    weights = rf"({f} \times {f} \times {channels}) \times {k}"
    return weights, f"{weights} + {k}" if layer.bias else weights


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    value = answer[p.asked]
    counts = _counts(p, value)
    if p.asked == "filters":
        conv, c = p.layers[0].layer(value), p.input[2]
        assert isinstance(conv, Conv)
        per = conv.f * conv.f * c + (1 if conv.bias else 0)
        _, symbols = _conv_terms(p.layers[0], c, "K")
        rearranged = (
            rf"P = {symbols} = K \times {per}",
            rf"K = \frac{{P}}{{{per}}} = \frac{{{p.count}}}{{{per}}} = {value}",
        )
        title = "Each filter has $f \\times f \\times C$ weights" + (
            " and one bias" if conv.bias else ""
        )
        work = [Step(title, rearranged)]
    elif p.asked == "units":
        n_in, n_out = p.input[0], p.layers[1].units
        b = 1 if p.layers[0].bias else 0
        rule = (
            r"P = h(n_{in} + 1) + n_{out}(h + 1) = h(n_{in} + n_{out} + 1) + n_{out}"
            if b
            else r"P = n_{in} h + h\, n_{out} = h(n_{in} + n_{out})"
        )
        solved = (
            r"h = \frac{P - n_{out}}{n_{in} + n_{out} + 1}"
            if b
            else r"h = \frac{P}{n_{in} + n_{out}}"
        )
        top = f"{p.count} - {n_out}" if b else str(p.count)
        bottom = f"{n_in} + {n_out} + 1" if b else f"{n_in} + {n_out}"
        work = [
            Step("The width appears in both layers: solve the count for $h$", (rule, solved)),
            Step("Substitute", (rf"h = \frac{{{top}}}{{{bottom}}} = {value}",)),
        ]
    else:
        *before, last = (blank.layer(value) for blank in p.layers)
        assert isinstance(last, Conv)
        channels = before[0].filters if before and isinstance(before[0], Conv) else p.input[2]
        k, known = last.filters, counts[0] if before else 0
        work = []
        if before:
            _, one = _conv_terms(p.layers[0], p.input[2], str(channels))
            work.append(Step("Layer 1", (f"{one} = {known}",)))
        share = f"{p.count} - {known} = {p.count - known}" if before else str(p.count)
        bias = f" - {k}" if last.bias else ""
        rest = p.count - known - (k if last.bias else 0)
        work.append(
            Step(
                "Layer 2 has the rest: solve for $f$" if before else "Solve the count for $f$",
                (
                    rf"f^2 \times {channels} \times {k}{' + ' + str(k) if last.bias else ''}"
                    rf" = {share}",
                    rf"f^2 = \frac{{{p.count - known}{bias}}}{{{channels} \times {k}}}"
                    rf" = \frac{{{rest}}}{{{channels * k}}} = {value * value}",
                    rf"f = \sqrt{{{value * value}}} = {value} \quad (f \geq 1)",
                ),
            )
        )
    return [*work, _check(p, value, counts)]


def _check(p: Params, value: int, counts: list[int]) -> Step:
    """The answer put back through the forward counting formula."""
    lines, shape = [], list(p.input)
    for blank, count in zip(p.layers, counts):
        layer = blank.layer(value)
        if isinstance(layer, Dense):
            lines.append(
                rf"{layer.units} \times ({shape[0]} + 1) = {count}"
                if layer.bias
                else rf"{shape[0]} \times {layer.units} = {count}"
            )
        else:
            _, text = _conv_terms(
                blank.model_copy(update={"f": layer.f}), shape[2], str(layer.filters)
            )
            lines.append(f"{text} = {count}")
        shape = next_shape(shape, layer)
    if len(counts) > 1:
        lines.append(f"{' + '.join(str(c) for c in counts)} = {sum(counts)}")
    return Step("Check with the forward formula", tuple(lines))


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """Hard: the filter size from the student's own count of layer 1."""
    if "first" not in given or p.asked != "f" or len(p.layers) != 2:
        return {}
    second = p.layers[1]
    channels = next_shape(p.input, p.layers[0].layer(0))[2]
    k = second.filters or 1
    rest = (Fraction(p.count) - Fraction(given["first"]) - (k if second.bias else 0)) / (
        channels * k
    )
    try:
        return {"f": _number(_root(rest))}
    except ValueError:
        return {}


def _has_bias(p: Params) -> bool:
    return any(layer.bias for layer in p.layers)


MISCONCEPTIONS = (
    changing(
        solve_with,
        "forgot the biases",
        r"Each unit or filter with a bias adds one parameter: $(f \times f \times C) K + K$, "
        "$n_{out}(n_{in} + 1)$.",
        when=_has_bias,
        bias=False,
    ),
    changing(
        solve_with,
        "counted a bias per input channel",
        "A filter has one bias, however many input channels it spans: $K$ biases, not $C K$.",
        when=lambda p: p.layers[0].type == "conv" and _has_bias(p),
        channel_bias=True,
    ),
    changing(
        solve_with,
        "forgot the input channels",
        r"A filter spans every input channel: $f \times f \times C$ weights per filter.",
        when=lambda p: p.layers[0].type == "conv",
        channels=False,
    ),
    changing(
        solve_with,
        "used f instead of f x f",
        r"A filter is $f \times f$ in space: $f^2 C$ weights, not $f C$.",
        when=lambda p: p.layers[0].type == "conv",
        square=False,
    ),
    changing(
        solve_with,
        "stopped at f squared",
        r"The count gives $f^2$: the filter size is its square root.",
        when=lambda p: p.asked == "f",
        no_root=True,
    ),
    changing(
        solve_with,
        "left out the output layer",
        r"The width $h$ is also the output layer's input: it has $n_{out}(h + 1)$ parameters "
        "that belong to the count too.",
        when=lambda p: p.asked == "units",
        only_asked=True,
    ),
)
