r"""Layers of a small CNN and the output-size formula, shared by conv_shape and param_count.

>>> out_size(32, f=5, s=1, p=0), out_size(28, f=2, s=2, p=0), out_size(14, f=3, s=1, p=1)
(28, 14, 14)
>>> smallest_input(28, f=5, s=1, p=0), smallest_input(14, f=2, s=2, p=0)
(32, 28)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Literal

from pydantic import Field

from quizgen.core.params import NonNegativeInt, ParamsModel, PositiveInt

SizeRule = Callable[[int, int, int, int], int]


def out_size(n: int, f: int, s: int, p: int) -> int:
    """floor((n + 2p - f) / s) + 1, the seed's formula for convolution and pooling."""
    return (n + 2 * p - f) // s + 1


def smallest_input(m: int, f: int, s: int, p: int) -> int:
    """The smallest input size n with ``out_size(n, f, s, p) == m``: s(m - 1) + f - 2p, the one
    where the last window ends exactly at the padded input's edge. out_size never decreases as
    n grows and the floor drops up to s - 1 more rows, so the sizes that give m run from this
    one to s - 1 above it."""
    return s * (m - 1) + f - 2 * p


def leftover(n: int, f: int, s: int, p: int) -> int:
    """Rows (or columns) of the padded input the last window does not reach: (n + 2p - f) mod s,
    the remainder the floor of the size rule drops."""
    return (n + 2 * p - f) % s


class Conv(ParamsModel):
    type: Literal["conv"]
    f: PositiveInt
    s: PositiveInt = 1
    p: NonNegativeInt = 0
    filters: PositiveInt
    bias: bool = True


class Pool(ParamsModel):
    type: Literal["pool"]
    f: PositiveInt
    s: PositiveInt
    p: NonNegativeInt = 0


class Dense(ParamsModel):
    type: Literal["dense"]
    units: PositiveInt
    bias: bool = True


class Flatten(ParamsModel):
    type: Literal["flatten"]


SpatialLayer = Annotated[Conv | Pool, Field(discriminator="type")]
AnyLayer = Annotated[Conv | Pool | Dense | Flatten, Field(discriminator="type")]
Layer = Conv | Pool | Dense | Flatten


def describe(layer: Layer) -> str:
    """``Conv 5x5, 32 filters, stride 1, padding 0`` in the seed's words (with LaTeX times)."""
    if isinstance(layer, Conv):
        return (
            rf"Conv ${layer.f} \times {layer.f}$, {layer.filters} filters, stride {layer.s}, "
            f"padding {layer.p}"
        )
    if isinstance(layer, Pool):
        padding = f", padding {layer.p}" if layer.p else ""
        return rf"MaxPool ${layer.f} \times {layer.f}$, stride {layer.s}{padding}"
    if isinstance(layer, Dense):
        return f"Dense, {layer.units} units"
    return "Flatten"


def shape_text(shape: Sequence[int]) -> str:
    r"""A shape as LaTeX: ``28 \times 28 \times 32``."""
    return r" \times ".join(str(n) for n in shape)


def next_shape(shape: Sequence[int], layer: Layer, rule: SizeRule = out_size) -> list[int]:
    """The shape after ``layer``; ValueError when the layer cannot apply to ``shape``."""
    if isinstance(layer, (Conv, Pool)):
        if len(shape) != 3:
            raise ValueError(f"a {layer.type} layer needs an [H, W, C] input, got {list(shape)}")
        for n in shape[:2]:
            if layer.f > n + 2 * layer.p:
                raise ValueError(
                    f"kernel {layer.f} is larger than the padded input {n + 2 * layer.p} "
                    f"(n + 2p = {n} + 2*{layer.p})"
                )
        channels = layer.filters if isinstance(layer, Conv) else shape[2]
        return [rule(n, layer.f, layer.s, layer.p) for n in shape[:2]] + [channels]
    if isinstance(layer, Dense):
        if len(shape) != 1:
            raise ValueError(f"a dense layer needs a flat input, got {list(shape)}: add a flatten")
        return [layer.units]
    size = 1
    for n in shape:
        size *= n
    return [size]


def check_stack(input_shape: Sequence[int], layers: Sequence[Layer]) -> list[list[int]]:
    """Shapes after each layer, or ValueError naming the layer that cannot apply."""
    shapes, shape = [], list(input_shape)
    for index, layer in enumerate(layers):
        try:
            shape = next_shape(shape, layer)
        except ValueError as exc:
            raise ValueError(f"layers[{index}]: {exc}") from None
        shapes.append(shape)
    return shapes
