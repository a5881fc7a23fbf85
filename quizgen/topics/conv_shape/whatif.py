r"""CNN output sizes after one change: a stride, a padding or a filter size of one layer.

The set-up is a forward problem with its output shapes shown; one number of one layer changes
(a doubled stride, the padding removed, a 3 x 3 filter grown to 5 x 5), and the student gives
the new shape after each layer and, at medium and hard, the factor by which the final output's
area H x W changes. The layers before the changed one keep their shapes; from it on the size
rule is applied again.

>>> p = Params(input=[32, 32, 3], layers=[
...     {"type": "conv", "f": 3, "s": 1, "p": 1, "filters": 16},
...     {"type": "pool", "f": 2, "s": 2}], layer=1, change="s", to=2)
>>> solve(p)["shapes"]
[[16, 16, 16], [8, 8, 16]]
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.cnn import Conv, Pool, SizeRule, describe, next_shape, out_size, shape_text
from quizgen.core.draw import pick
from quizgen.core.latex import num
from quizgen.core.model import EXACT, Difficulty, Part, Precision, Stem, Step, Table
from quizgen.core.params import NonNegativeInt, PositiveInt
from quizgen.topics import Degenerate
from quizgen.topics import conv_shape as forward
from quizgen.topics._shared import changing

DESCRIPTION = (
    "the new shapes when one layer's stride, padding or filter size changes, and the factor of "
    "change of the output area"
)

Change = Literal["f", "s", "p"]
NAMES = {"f": "filter size", "s": "stride", "p": "padding"}


class Params(forward.Params):
    #: the layer that changes (1 = the first)
    layer: PositiveInt
    #: which of its numbers changes: filter size, stride or padding
    change: Change
    #: that number's new value
    to: NonNegativeInt

    @model_validator(mode="after")
    def _changeable(self) -> Params:
        if self.layer > len(self.layers):
            raise ValueError(f"layer {self.layer}: there are {len(self.layers)} layers")
        old = getattr(self.layers[self.layer - 1], self.change)
        if self.to == old:
            raise ValueError(f"the {NAMES[self.change]} is already {old}: nothing changes")
        if self.change != "p" and self.to < 1:
            raise ValueError(f"a {NAMES[self.change]} is at least 1")
        forward.Params(input=self.input, layers=_changed_layers(self))
        return self

    def before(self) -> forward.Params:
        """The set-up as the stem shows it, before the change."""
        return forward.Params(input=self.input, layers=self.layers)

    def after(self) -> forward.Params:
        """The set-up with the change made."""
        return forward.Params(input=self.input, layers=_changed_layers(self))


def _changed_layers(p: Params) -> list[Conv | Pool]:
    index = p.layer - 1
    changed = p.layers[index].model_copy(update={p.change: p.to})
    return [*p.layers[:index], changed, *p.layers[index + 1 :]]


def _area(shape: list[int]) -> int:
    return shape[0] * shape[1]


def _asks_factor(p: Params) -> bool:
    """Medium and hard draws (more than two layers) ask for the factor too."""
    return len(p.layers) > 2


def _answer(p: Params, shapes: list[list[int]], factor: Fraction | None = None) -> dict[str, Any]:
    """New shapes, and (when asked) the factor new area / old area, from the stem's old
    output shape unless a student's ``factor`` is given."""
    if not _asks_factor(p):
        return {"shapes": shapes}
    old = forward.solve(p.before())["shapes"][-1]
    ratio = Fraction(_area(shapes[-1]), _area(old)) if factor is None else factor
    return {"shapes": shapes, "factor": float(ratio)}


def _new_shapes(p: Params, rule: SizeRule, *, carry: bool = True) -> list[list[int]] | None:
    """The shapes after the change: the old ones before the changed layer, then the rule
    applied again from it on (only to it, with ``carry`` off: the later layers keep their old
    shapes). None: a layer no longer fits."""
    old = forward.solve(p.before())["shapes"]
    shapes, shape = old[: p.layer - 1], list(p.input) if p.layer == 1 else old[p.layer - 2]
    for index, layer in enumerate(_changed_layers(p)[p.layer - 1 :], start=p.layer):
        if not carry and index > p.layer:
            shapes.append(old[index - 1])
            continue
        try:
            shape = next_shape(shape, layer, rule)
        except ValueError:
            return None
        if min(shape) < 1:
            return None
        shapes.append(shape)
    return shapes


def solve(p: Params) -> dict[str, Any]:
    shapes = _new_shapes(p, out_size)
    assert shapes is not None  # the validator built the changed stack
    return _answer(p, shapes)


def solve_with(
    p: Params,
    *,
    carry: bool = True,
    stride_ratio: bool = False,
    side_factor: bool = False,
    upside_down: bool = False,
    **rule: Any,
) -> dict[str, Any] | None:
    """The answer with known mistakes as switches: the change not carried to later layers, a
    changed stride taken to scale the old size by its ratio, the factor of the side given for
    the area's or given upside down, and the size rule's own mistakes
    (:func:`quizgen.topics.conv_shape.mistaken_rule`) from the changed layer on."""
    if stride_ratio:
        if p.change != "s":
            return solve(p)
        shapes = _ratio_shapes(p)
    else:
        shapes = _new_shapes(p, forward.mistaken_rule(**rule), carry=carry)
    if shapes is None:
        return None
    answer = _answer(p, shapes)
    if "factor" not in answer:
        return answer
    old = forward.solve(p.before())["shapes"][-1]
    ratio = Fraction(_area(shapes[-1]), _area(old))
    if side_factor:
        if shapes[-1][0] * old[1] != shapes[-1][1] * old[0]:
            return None  # the sides change by different factors: no one side factor
        ratio = Fraction(shapes[-1][0], old[0])
    if upside_down:
        ratio = 1 / ratio
    return _answer(p, shapes, ratio)


def _ratio_shapes(p: Params) -> list[list[int]] | None:
    """The changed layer's old output scaled by old stride / new stride (rounded down), then
    the later layers worked as usual: "the stride doubles, so the size halves"."""
    old = forward.solve(p.before())["shapes"]
    layer = p.layers[p.layer - 1]
    scaled = old[p.layer - 1]
    shape = [n * layer.s // p.to for n in scaled[:2]] + [scaled[2]]
    shapes = [*old[: p.layer - 1], shape]
    for later in p.layers[p.layer :]:
        try:
            shape = next_shape(shape, later)
        except ValueError:
            return None
        shapes.append(shape)
    return shapes if min(min(s) for s in shapes) >= 1 else None


def _change(rng: np.random.Generator, layer: Conv | Pool) -> tuple[Change, int] | None:
    """A change an exam would ask of this layer: a stride doubled or halved, the padding
    removed or made "same", a filter grown or shrunk by 2."""
    options: list[tuple[Change, int]] = [("s", 2 * layer.s)]
    if layer.s > 1:
        options.append(("s", 1))
    if isinstance(layer, Conv):
        options.append(("p", 0) if layer.p else ("p", (layer.f - 1) // 2))
        options.append(("f", layer.f + 2))
        if layer.f > 2:
            options.append(("f", layer.f - 2))
    options = [o for o in options if o[1] != getattr(layer, o[0])]
    return pick(rng, options) if options else None


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """The forward problem's set-up at this difficulty (easy: two layers, stride 1, exact;
    medium: three, strides of 2; hard: four, floors), one layer's stride, padding or filter
    changed. No changed layer shrinks the stack below 2 x 2; a change that leaves every shape
    as it was is redrawn."""
    before = forward.generate(rng, difficulty)
    layers = before.layers[:2] if difficulty == "easy" else before.layers
    index = int(rng.integers(len(layers)))
    change = _change(rng, layers[index])
    if change is None:
        raise Degenerate
    try:
        p = Params(
            input=before.input, layers=layers, layer=index + 1, change=change[0], to=change[1]
        )
    except ValueError:
        raise Degenerate from None
    new = solve(p)["shapes"]
    if min(min(s[:2]) for s in new) < 2 or new == forward.solve(p.before())["shapes"]:
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    shapes = Part(
        "shapes", r"new output shape $H \times W \times C$ after each layer", EXACT, "shapes"
    )
    if not _asks_factor(p):
        return [shapes]
    return [
        shapes,
        Part("factor", "factor of change of the final output area (new / old)", Precision(4)),
    ]


def _change_text(p: Params) -> str:
    layer = p.layers[p.layer - 1]
    old = getattr(layer, p.change)
    where = f"layer {p.layer}"
    if p.change == "s":
        how = "doubles" if p.to == 2 * old else "halves" if 2 * p.to == old else "changes"
        return f"The stride of {where} {how}, from {old} to {p.to}."
    if p.change == "p":
        if p.to == 0:
            return f"The padding of {where} is removed (from {old} to 0)."
        return f"The padding of {where} changes from {old} to {p.to}."
    how = "grows" if p.to > old else "shrinks"
    return rf"The filter of {where} {how} from ${old} \times {old}$ to ${p.to} \times {p.to}$."


def stem(p: Params) -> Stem:
    before = p.before()
    factor = (
        r", and by what factor does the area $H \times W$ of the final output change (new area "
        "divided by old area)?"
        if _asks_factor(p)
        else "?"
    )
    return Stem(
        f"An input of shape ${shape_text(p.input)}$ passes through the layers below, which give "
        f"the output shapes shown. {_change_text(p)} What is the new output shape after each "
        f"layer{factor}",
        forward.table(before, forward.solve(before)),
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    old = forward.solve(p.before())["shapes"]
    before = "Layer 1 comes" if p.layer == 2 else f"Layers 1 to {p.layer - 1} come"
    if p.layer == 3:
        before = "Layers 1 and 2 come"
    kept = f"{before} before the change: the shape they give stays as shown"
    out = [Step(kept, (rf"{shape_text(old[p.layer - 2])}",))] if p.layer > 1 else []
    redone = forward.steps(p.after(), {"shapes": answer["shapes"]})[p.layer - 1 :]
    first = redone[0]
    layer = p.layers[p.layer - 1]
    out.append(
        Step(
            f"{first.title} (the changed layer: {NAMES[p.change]} {p.to}, was "
            f"{getattr(layer, p.change)})",
            first.lines,
            first.result,
        )
    )
    out += [Step(f"{s.title} (its input has changed)", s.lines, s.result) for s in redone[1:]]
    if "factor" in answer:
        new, was = answer["shapes"][-1], old[-1]
        out.append(
            Step(
                "Factor of change of the final output area",
                (
                    rf"\frac{{{new[0]} \times {new[1]}}}{{{was[0]} \times {was[1]}}} = "
                    rf"\frac{{{_area(new)}}}{{{_area(was)}}} = {num(answer['factor'], 4)}",
                ),
            )
        )
    return out


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """The factor from the student's own final shape (follow-through)."""
    if not _asks_factor(p) or not given.get("shapes"):
        return {}
    old = forward.solve(p.before())["shapes"][-1]
    last = given["shapes"][-1]
    return {"factor": float(Fraction(_area(last), _area(old)))}


def table(p: Params, answer: dict[str, Any]) -> Table:
    old = forward.solve(p.before())["shapes"]
    rows = [("input", "", f"${shape_text(p.input)}$", f"${shape_text(p.input)}$")]
    rows += [
        (str(i), describe(layer), f"${shape_text(was)}$", f"${shape_text(new)}$")
        for i, (layer, was, new) in enumerate(
            zip(_changed_layers(p), old, answer["shapes"]), start=1
        )
    ]
    return Table(("layer", "operation (changed)", "output before", "output after"), tuple(rows))


MISCONCEPTIONS = (
    changing(
        solve_with,
        "did not carry the change to the later layers",
        "Every layer after the changed one receives a new input size: work the size rule "
        "through each of them again.",
        when=lambda p: p.layer < len(p.layers),
        carry=False,
    ),
    changing(
        solve_with,
        "scaled the old size by the stride's ratio",
        r"A doubled stride does not simply halve the size: apply $\left\lfloor \frac{n + 2p - "
        r"f}{s} \right\rfloor + 1$ with the new stride.",
        when=lambda p: p.change == "s",
        stride_ratio=True,
    ),
    changing(
        solve_with,
        "gave the factor of the side, not of the area",
        r"The area is $H \times W$: when both sides change by a factor, the area changes by "
        "its square.",
        when=_asks_factor,
        side_factor=True,
    ),
    changing(
        solve_with,
        "turned the factor upside down",
        "The factor of change is the new area divided by the old one.",
        when=_asks_factor,
        upside_down=True,
    ),
    changing(
        solve_with,
        "forgot the +1",
        r"The output size is $\left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1$: the $+1$ "
        "counts the first position.",
        plus_one=False,
    ),
    changing(
        solve_with,
        "added the padding once",
        "Padding is added on both sides, so the input grows by $2p$, not $p$.",
        padding=1,
    ),
    changing(
        solve_with,
        "rounded up instead of down",
        r"A filter that would hang over the edge is not applied: round down ($\lfloor x "
        r"\rfloor$), not up ($\lceil x \rceil$).",
        ceil=True,
    ),
)
