r"""CNN output sizes: floor((n + 2p - f) / s) + 1 through a stack of layers (seed section 9).

The seed's worked example:

>>> p = Params(input=[32, 32, 3], layers=[
...     {"type": "conv", "f": 5, "s": 1, "p": 0, "filters": 32},
...     {"type": "pool", "f": 2, "s": 2},
...     {"type": "conv", "f": 3, "s": 1, "p": 1, "filters": 64}])
>>> solve(p)["shapes"]
[[28, 28, 32], [14, 14, 32], [14, 14, 64]]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.cnn import (
    Conv,
    Pool,
    SizeRule,
    SpatialLayer,
    check_stack,
    describe,
    leftover,
    next_shape,
    out_size,
    shape_text,
)
from quizgen.core.draw import pick
from quizgen.core.model import EXACT, Difficulty, Part, Stem, Step, Table
from quizgen.core.mutation import C, Computation, Div, Fn, Line, Prod, Q, Sum, add
from quizgen.core.params import ParamsModel, PositiveInt
from quizgen.topics import Degenerate
from quizgen.topics._shared import switched

TITLE = "CNN output size"
CODE = "CS"
SECTION = 9
SECTION_TITLE = "CNN output size formula"
DESCRIPTION = "shapes through conv and pooling layers with floor((n + 2p - f)/s) + 1"


class Params(ParamsModel):
    input: tuple[PositiveInt, PositiveInt, PositiveInt]
    layers: list[SpatialLayer] = Field(min_length=1)

    @model_validator(mode="after")
    def _possible(self) -> Params:
        check_stack(self.input, self.layers)
        return self


def _shapes(p: Params, rule: SizeRule = out_size) -> list[list[int]] | None:
    shapes, shape = [], list(p.input)
    for layer in p.layers:
        try:
            shape = next_shape(shape, layer, rule)
        except ValueError:
            return None
        if min(shape) < 1:
            return None
        shapes.append(shape)
    return shapes


def solve(p: Params) -> dict[str, Any]:
    return {"shapes": _shapes(p)}


def _conv(rng: np.random.Generator, *, strides: list[int], paddings: str) -> dict[str, Any]:
    f = pick(rng, [3, 5] if paddings == "same" else [1, 3, 5, 7])
    # "same" draws valid or same padding; otherwise never more than the filter can use
    p = pick(rng, [0, (f - 1) // 2]) if paddings == "same" else int(rng.integers(f // 2 + 1))
    return {
        "type": "conv",
        "f": f,
        "s": pick(rng, strides),
        "p": p,
        "filters": pick(rng, [8, 16, 32, 64, 128]),
    }


def _downsampling_conv(rng: np.random.Generator) -> dict[str, Any]:
    """Medium's convolution: stride 1 (3x3 or 5x5, valid or same), or stride 2 with an even
    filter, which divides an even size exactly: 2x2 (padding 0) and 4x4 with padding 1 halve
    it, 4x4 with padding 0 gives one less than half; an odd filter at stride 2 always leaves a
    remainder on an even input."""
    if pick(rng, [1, 2]) == 1:
        return _conv(rng, strides=[1], paddings="same")
    f = pick(rng, [2, 4])
    p = 0 if f == 2 else pick(rng, [0, 1])
    return {"type": "conv", "f": f, "s": 2, "p": p, "filters": pick(rng, [8, 16, 32, 64, 128])}


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: a square input, conv (valid or same padding, stride 1) and 2x2 pooling, every
    division exact. Medium: three layers, strides of 2. Hard: four layers, a possibly
    non-square input, strides and padding that leave a remainder the floor has to drop.
    No stack shrinks below 2 x 2."""
    if difficulty == "easy":
        side = pick(rng, [28, 32, 64])
        height, width, count, strides, paddings = side, side, 2, [1], "same"
    elif difficulty == "medium":
        side = pick(rng, [32, 64, 96, 128])
        height, width, count, strides, paddings = side, side, 3, [], "same"  # _downsampling_conv
    else:
        height, width = pick(rng, [28, 32, 48, 64, 100]), pick(rng, [28, 32, 48, 64, 100])
        count, strides, paddings = 4, [1, 2, 3], "any"
    layers = []
    for index in range(count):
        if index > 0 and rng.random() < 0.4:
            size = pick(rng, [2, 3])
            layers.append({"type": "pool", "f": size, "s": pick(rng, [2, size])})
        elif difficulty == "medium":
            layers.append(_downsampling_conv(rng))
        else:
            layers.append(_conv(rng, strides=strides, paddings=paddings))
    try:
        p = Params(input=[height, width, pick(rng, [1, 3])], layers=layers)
    except ValueError:
        raise Degenerate from None
    shapes = _shapes(p)
    if shapes is None or min(min(s[:2]) for s in shapes) < 2:
        raise Degenerate
    remainders = _remainders(p)
    if (difficulty == "hard") != any(remainders):
        raise Degenerate
    if difficulty == "medium" and not any(
        layer["type"] == "conv" and layer["s"] == 2 for layer in layers
    ):
        raise Degenerate  # medium is about strides: at least one stride-2 convolution
    return p


def _remainders(p: Params) -> list[bool]:
    """Per layer: does (n + 2p - f) / s leave a remainder on either axis?"""
    out, shape = [], list(p.input)
    for layer in p.layers:
        out.append(any(leftover(n, layer.f, layer.s, layer.p) for n in shape[:2]))
        shape = next_shape(shape, layer)
    return out


def parts(p: Params) -> list[Part]:
    return [
        Part("shapes", "output shape $H \\times W \\times C$ after each layer", EXACT, "shapes")
    ]


def stem(p: Params) -> Stem:
    rows = tuple((str(i), describe(layer)) for i, layer in enumerate(p.layers, start=1))
    return Stem(
        f"An input of shape ${shape_text(list(p.input))}$ passes through the layers below. "
        r"Give the output shape $H \times W \times C$ after each layer.",
        Table(("layer", "operation"), rows),
    )


def size_formula(n: int, layer: Conv | Pool, out: int) -> str:
    """The size rule with the numbers substituted, as the key writes it (the forms' checks too)."""
    inner = f"{n} - {layer.f}" if layer.p == 0 else f"{n} + {2 * layer.p} - {layer.f}"
    return rf"\left\lfloor \frac{{{inner}}}{{{layer.s}}} \right\rfloor + 1 = {out}"


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    out, shape = [], list(p.input)
    for index, (layer, new) in enumerate(zip(p.layers, answer["shapes"]), start=1):
        axes = [(shape[0], new[0])] if shape[0] == shape[1] else list(zip(shape[:2], new[:2]))
        lines = tuple(size_formula(n, layer, m) for n, m in axes)
        channels = (
            f"{layer.filters} filters give {layer.filters} channels"
            if isinstance(layer, Conv)
            else "pooling keeps the channels"
        )
        out.append(
            Step(
                f"Layer {index}: {describe(layer)}; {channels}",
                lines,
                f"\\text{{Output: }} {shape_text(new)}",
            )
        )
        shape = new
    return out


def table(p: Params, answer: dict[str, Any]) -> Table:
    rows = [("input", "", f"${shape_text(list(p.input))}$")]
    rows += [
        (str(i), describe(layer), f"${shape_text(shape)}$")
        for i, (layer, shape) in enumerate(zip(p.layers, answer["shapes"]), start=1)
    ]
    return Table(("layer", "operation", "output"), tuple(rows))


def mistaken_rule(
    *, plus_one: bool = True, ceil: bool = False, padding: int = 2, stride: bool = True
) -> SizeRule:
    """The size rule as a student with these mistakes applies it: no +1, rounding up, padding
    added ``padding`` times (2 is right), the stride ignored."""

    def size(n: int, f: int, s: int, pad: int) -> int:
        span = n + padding * pad - f
        steps = (math.ceil(span / s) if ceil else span // s) if stride else span
        return steps + (1 if plus_one else 0)

    return size


def solve_with(
    p: Params,
    *,
    plus_one: bool = True,
    ceil: bool = False,
    padding: int = 2,
    stride: bool = True,
    keep_channels: bool = False,
) -> dict[str, Any] | None:
    """The shapes with the known mistakes as switches (:func:`mistaken_rule`), applied to
    every layer as a student applies them, and a convolution keeping its input's channels."""
    shapes = _shapes(p, mistaken_rule(plus_one=plus_one, ceil=ceil, padding=padding, stride=stride))
    if shapes is None:
        return None
    if keep_channels:
        for shape in shapes:
            shape[2] = p.input[2]  # a pool keeps channels anyway; a conv should set its filters
    return {"shapes": shapes}


MISCONCEPTIONS = (
    switched(
        solve_with,
        "forgot the +1",
        r"The output size is $\left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1$: the $+1$ "
        "counts the first position.",
        plus_one=False,
    ),
    switched(
        solve_with,
        "rounded up instead of down",
        r"A filter that would hang over the edge is not applied: round down ($\lfloor x "
        r"\rfloor$), not up ($\lceil x \rceil$).",
        ceil=True,
    ),
    switched(
        solve_with,
        "added the padding once",
        "Padding is added on both sides, so the input grows by $2p$, not $p$.",
        padding=1,
    ),
    switched(
        solve_with,
        "ignored the stride",
        "With stride $s$ the filter moves $s$ positions at a time: divide $n + 2p - f$ by $s$.",
        stride=False,
    ),
    switched(
        solve_with,
        "forgot the padding",
        r"Padding $p$ adds $p$ rows and columns on each side: the size is $\left\lfloor "
        r"\frac{n + 2p - f}{s} \right\rfloor + 1$.",
        padding=0,
    ),
    switched(
        solve_with,
        "kept the input channels after a convolution",
        "A convolution outputs one channel per filter, whatever the input's channels.",
        keep_channels=True,
    ),
)


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation): per
    layer, both spatial sizes n = floor((n + 2p - f) / s) + 1 at once (a student applies the
    formula the same way to height and width), and the channels."""
    inputs: dict[str, Any] = {"n0": list(p.input[:2]), "c0": p.input[2]}
    lines = []
    for i, layer in enumerate(p.layers, start=1):
        inputs |= {f"f{i}": layer.f, f"s{i}": layer.s, f"p{i}": layer.p}
        inner = Sum(
            (
                (1, Q(f"n{i - 1}", "n")),
                (1, Prod((C(2), Q(f"p{i}", "p")))),
                (-1, Q(f"f{i}", "f")),
            )
        )
        size = add(Fn("floor", (Div(inner, Q(f"s{i}", "s")),)), C(1))
        lines.append(Line(f"n{i}", size, i, f"n_out (layer {i})"))
        if isinstance(layer, Conv):
            inputs[f"k{i}"] = layer.filters
            lines.append(Line(f"c{i}", Q(f"k{i}", "K"), i, f"channels (layer {i})"))
        else:
            lines.append(Line(f"c{i}", Q(f"c{i - 1}", "C"), i, f"channels (layer {i})"))
    count = len(p.layers)

    def shapes(env: Any) -> dict[str, Any]:
        out = [[*env[f"n{i}"].tolist(), float(env[f"c{i}"])] for i in range(1, count + 1)]
        if any(v < 1 or v != round(v) for shape in out for v in shape):
            raise ValueError("no layer can have that shape")
        return {"shapes": [[round(v) for v in shape] for shape in out]}

    neighbours = {f"k{i}": (f"c{i - 1}",) for i in range(1, count + 1)}
    return Computation(inputs, tuple(lines), shapes, neighbours)
