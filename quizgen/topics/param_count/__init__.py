r"""Counting the parameters of dense and convolutional layers (seed section 10).

The seed's 8-10-6-4 network, without and with biases:

>>> def net(bias):
...     return Params(input=[8], layers=[{"type": "dense", "units": u, "bias": bias}
...                                      for u in (10, 6, 4)])
>>> solve(net(False))["total"], solve(net(True))["total"]
(164, 184)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.cnn import (
    AnyLayer,
    Conv,
    Dense,
    Flatten,
    Layer,
    Pool,
    check_stack,
    describe,
    next_shape,
    shape_text,
)
from quizgen.core.draw import pick
from quizgen.core.model import EXACT, Difficulty, Part, Stem, Step, Table
from quizgen.core.mutation import C, Computation, Expr, Line, Prod, Q, add
from quizgen.core.params import ParamsModel, PositiveInt
from quizgen.topics import Degenerate
from quizgen.topics._shared import switched

TITLE = "Parameter counting"
CODE = "PN"
SECTION = 10
SECTION_TITLE = "Parameter counting"
DESCRIPTION = "weights and biases per layer: n_out(n_in + 1) dense, f*f*c_in*c_out (+ c_out) conv"


class Params(ParamsModel):
    input: list[PositiveInt] = Field(min_length=1, max_length=3)
    layers: list[AnyLayer] = Field(min_length=1)

    @model_validator(mode="after")
    def _possible(self) -> Params:
        if len(self.input) == 2:
            raise ValueError("input must be [n] for a dense net or [H, W, C] for a CNN")
        check_stack(self.input, self.layers)
        return self


def layer_count(
    layer: Layer,
    shape: list[int],
    *,
    bias: bool = True,
    channels: bool = True,
    square: bool = True,
    one_bias: bool = False,
    pooling_weights: bool = False,
) -> int:
    """Parameters of one layer on an input of ``shape``; the switches are known mistakes:
    no biases, no input channels, f for f x f, one bias per layer instead of one per unit or
    filter, and pooling counted as if it had an f x f filter per channel."""
    if isinstance(layer, Dense):
        biases = (1 if one_bias else layer.units) if layer.bias and bias else 0
        return shape[0] * layer.units + biases
    if isinstance(layer, Conv):
        c_in = shape[2] if channels else 1
        area = layer.f * layer.f if square else layer.f
        biases = (1 if one_bias else layer.filters) if layer.bias and bias else 0
        return area * c_in * layer.filters + biases
    if isinstance(layer, Pool) and pooling_weights:
        return layer.f * layer.f * shape[2]
    return 0


def _answer(p: Params, *, flat_channels: bool = True, **switches: bool) -> dict[str, Any]:
    per_layer, shape = [], list(p.input)
    for layer in p.layers:
        per_layer.append(layer_count(layer, shape, **switches))
        if isinstance(layer, Flatten) and not flat_channels:
            shape = [shape[0] * shape[1]]
        else:
            shape = next_shape(shape, layer)
    return {"per_layer": per_layer, "total": sum(per_layer)}


def solve(p: Params) -> dict[str, Any]:
    return _answer(p)


def _dense_net(rng: np.random.Generator, depth: int, bias: bool | None) -> Params:
    sizes = [int(rng.integers(2, 13)) for _ in range(depth + 1)]
    layers = [
        {"type": "dense", "units": n, "bias": bool(rng.random() < 0.7) if bias is None else bias}
        for n in sizes[1:]
    ]
    return Params(input=[sizes[0]], layers=layers)


def _cnn(rng: np.random.Generator, blocks: int) -> Params:
    side = pick(rng, [28, 32])
    layers: list[dict[str, Any]] = []
    for _ in range(blocks):
        f = pick(rng, [3, 5])
        layers.append(
            {
                "type": "conv",
                "f": f,
                "s": 1,
                "p": pick(rng, [0, (f - 1) // 2]),
                "filters": pick(rng, [4, 8, 16, 32]),
                "bias": bool(rng.random() < 0.8),
            }
        )
        layers.append({"type": "pool", "f": 2, "s": 2})
    layers.append({"type": "flatten"})
    layers.append({"type": "dense", "units": pick(rng, [10, 16, 32]), "bias": True})
    return Params(input=[side, side, pick(rng, [1, 3])], layers=layers)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: a dense net like the seed's 8 -> 10 -> 6 -> 4, biases all on or all off. Medium:
    a deeper dense net with biases mixed, or one conv block. Hard: two conv blocks with pooling,
    a flatten and a dense head. Every stack has parameters in more than one layer."""
    if difficulty == "easy":
        p = _dense_net(rng, 3, bool(rng.integers(2)))
    elif difficulty == "medium":
        p = _dense_net(rng, 4, None) if rng.random() < 0.5 else _cnn(rng, 1)
    else:
        p = _cnn(rng, 2)
    if sum(1 for n in solve(p)["per_layer"] if n) < 2:
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    return [
        Part("per_layer", "parameters of each layer", EXACT, "vector"),
        Part("total", "total number of parameters", EXACT),
    ]


def stem(p: Params) -> Stem:
    bias = {True: "yes", False: "no", None: ""}
    rows = tuple(
        (str(i), describe(layer), bias[getattr(layer, "bias", None)])
        for i, layer in enumerate(p.layers, start=1)
    )
    return Stem(
        f"A network takes inputs of shape ${shape_text(p.input)}$ and has the layers below. "
        "How many trainable parameters (weights and biases) does each layer have, and how many "
        "does the network have in total?",
        Table(("layer", "operation", "bias"), rows),
    )


def _formula(layer: Layer, shape: list[int], count: int) -> str:
    if isinstance(layer, Dense):
        if layer.bias:
            return rf"{layer.units} \times ({shape[0]} + 1) = {count}"
        return rf"{shape[0]} \times {layer.units} = {count}"
    if isinstance(layer, Conv):
        weights = rf"({layer.f} \times {layer.f} \times {shape[2]}) \times {layer.filters}"
        return f"{weights} + {layer.filters} = {count}" if layer.bias else f"{weights} = {count}"
    if isinstance(layer, Flatten):
        return (
            rf"{shape_text(shape)} = {next_shape(shape, layer)[0]} \text{{ inputs, no parameters}}"
        )
    return r"\text{pooling has no parameters: } 0"


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    out, shape = [], list(p.input)
    for index, (layer, count) in enumerate(zip(p.layers, answer["per_layer"]), start=1):
        out.append(Step(f"Layer {index}: {describe(layer)}", (_formula(layer, shape, count),)))
        shape = next_shape(shape, layer)
    total = " + ".join(str(n) for n in answer["per_layer"] if n)
    out.append(Step("Total", (f"{total} = {answer['total']}",)))
    return out


def table(p: Params, answer: dict[str, Any]) -> Table:
    rows, shape = [], list(p.input)
    for index, (layer, count) in enumerate(zip(p.layers, answer["per_layer"]), start=1):
        shape = next_shape(shape, layer)
        rows.append((str(index), describe(layer), f"${shape_text(shape)}$", str(count)))
    rows.append(("", "total", "", str(answer["total"])))
    return Table(("layer", "operation", "output", "parameters"), tuple(rows))


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """The total as the sum of the student's own per-layer counts (follow-through)."""
    return {"total": sum(given["per_layer"])} if "per_layer" in given else {}


def _has(kind: type) -> Any:
    """A problem has a layer of this kind (a mistake about it can arise only then)."""
    return lambda p: any(isinstance(layer, kind) for layer in p.layers)


def solve_with(p: Params, **switches: Any) -> dict[str, Any]:
    """The counts with some mistakes' switches set (two mistakes made at once)."""
    return _answer(p, **switches)


MISCONCEPTIONS = (
    switched(
        solve_with,
        "forgot the biases",
        "Each output unit or filter with a bias adds one parameter: $n_{out}(n_{in} + 1)$ "
        "for dense.",
        bias=False,
    ),
    switched(
        solve_with,
        "forgot the input channels",
        r"A conv filter spans all input channels: $f \times f \times c_{in}$ weights per "
        "filter.",
        when=_has(Conv),
        channels=False,
    ),
    switched(
        solve_with,
        "used f instead of f x f",
        r"A conv filter is $f \times f$ in space, so it has $f^2 c_{in}$ weights, not $f "
        "c_{in}$.",
        when=_has(Conv),
        square=False,
    ),
    switched(
        solve_with,
        "counted one bias per layer",
        "Every unit (or filter) has its own bias: a dense layer adds $n_{out}$ biases, not $1$.",
        when=lambda p: any(getattr(x, "bias", False) for x in p.layers),
        one_bias=True,
    ),
    switched(
        solve_with,
        "gave the pooling layer parameters",
        "Pooling takes a max or mean of each window: it has no weights and no biases.",
        when=_has(Pool),
        pooling_weights=True,
    ),
    switched(
        solve_with,
        "flattened without the channels",
        r"Flattening $H \times W \times C$ gives $H W C$ inputs to the next dense layer, not "
        "$H W$.",
        when=_has(Flatten),
        flat_channels=False,
    ),
)


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation): each
    layer's count from the shape it receives, the flattened size, and the total."""
    inputs: dict[str, Any] = {}
    lines: list[Line] = []
    shape, width = list(p.input), "n0"
    inputs["n0"] = shape[0]
    for i, layer in enumerate(p.layers, start=1):
        count: Expr = C(0)
        if isinstance(layer, Dense):
            inputs[f"units{i}"] = layer.units
            units = Q(f"units{i}", "units")
            weights = Prod((Q(width, "n_in"), units))
            count = add(weights, units) if layer.bias else weights
        elif isinstance(layer, Conv):
            inputs |= {f"f{i}": layer.f, f"c{i}": shape[2], f"k{i}": layer.filters}
            kernel = Q(f"f{i}", "f")
            weights = Prod((kernel, kernel, Q(f"c{i}", "C_in"), Q(f"k{i}", "K")))
            count = add(weights, Q(f"k{i}", "K")) if layer.bias else weights
        elif isinstance(layer, Flatten):
            inputs |= {f"h{i}": shape[0], f"w{i}": shape[1], f"c{i}": shape[2]}
            size = Prod((Q(f"h{i}", "H"), Q(f"w{i}", "W"), Q(f"c{i}", "C")))
            lines.append(Line(f"flat{i}", size, i, "flattened size"))
        lines.append(Line(f"count{i}", count, i, f"parameters of layer {i}"))
        shape = next_shape(shape, layer)
        width = f"flat{i}" if isinstance(layer, Flatten) else f"n{i}"
        inputs[f"n{i}"] = shape[0]
    total = add(*(Q(f"count{i}", f"P{i}") for i in range(1, len(p.layers) + 1)))
    lines.append(Line("total", total, len(p.layers) + 1, "total"))
    return Computation(inputs, tuple(lines), _counts(len(p.layers)))


def _counts(layers: int) -> Any:
    def read(env: Any) -> dict[str, Any]:
        counts = [float(env[f"count{i}"]) for i in range(1, layers + 1)]
        total = float(env["total"])
        if any(v < 0 or v != round(v) for v in [*counts, total]):
            raise ValueError("a count is a whole number")
        return {"per_layer": [round(v) for v in counts], "total": round(total)}

    return read
