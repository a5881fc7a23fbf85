r"""Parameter counts after one change: a bias removed, a layer's filters or units changed, or
the input's channels changed.

The set-up is a forward problem with its counts shown; one thing changes, and the student gives
the change in the number of parameters (new minus old) and the new total. Only the layers the
change touches are counted again: the changed layer, and the layer that takes its output (its
inputs change with the filters or units; after a flatten, the dense layer's inputs do).

>>> p = Params(input=[8], layers=[{"type": "dense", "units": u} for u in (10, 6, 4)],
...            change="units", layer=1, to=20)
>>> solve(p)
{'difference': 150, 'total': 334}
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.cnn import Conv, Dense, Flatten, check_stack, shape_text
from quizgen.core.draw import pick
from quizgen.core.model import EXACT, Difficulty, Part, Stem, Step
from quizgen.core.params import PositiveInt
from quizgen.topics import Degenerate
from quizgen.topics import param_count as forward
from quizgen.topics._shared import changing

DESCRIPTION = (
    "the change in the parameter count when a bias is removed, a layer's filters or units "
    "change, or the input's channels change"
)

Change = Literal["bias", "filters", "units", "channels"]


class Params(forward.Params):
    #: what changes: a layer's bias is removed, its filters or units change, or the input's
    #: channels change
    change: Change
    #: the layer that changes (1 = the first); none for the input's channels
    layer: PositiveInt | None = None
    #: the new filter count, unit count or channel count (none for a removed bias)
    to: PositiveInt | None = None

    @model_validator(mode="after")
    def _changeable(self) -> Params:
        if (self.change == "channels") != (self.layer is None):
            raise ValueError("a layer is named for every change but the input's channels")
        if (self.change == "bias") != (self.to is None):
            raise ValueError("a new value is given for every change but a removed bias")
        if self.layer is not None and self.layer > len(self.layers):
            raise ValueError(f"layer {self.layer}: there are {len(self.layers)} layers")
        if self.change == "channels":
            if len(self.input) != 3 or self.to == self.input[2]:
                raise ValueError("the input's channels change: an [H, W, C] input and a new C")
        else:
            _check_layer(self.changed_layer(), self.change, self.to)
        return self

    def changed_layer(self) -> Any:
        """The layer that changes (None for the input's channels)."""
        return None if self.layer is None else self.layers[self.layer - 1]

    def old_value(self) -> int:
        """The number that changes, before the change (0 for a removed bias)."""
        if self.change == "channels":
            return self.input[2]
        return 0 if self.change == "bias" else getattr(self.changed_layer(), self.change)

    def before(self) -> forward.Params:
        """The set-up as the stem shows it, before the change."""
        return forward.Params(input=self.input, layers=self.layers)

    def after(self) -> forward.Params:
        """The set-up with the change made."""
        if self.change == "channels":
            shape = [*self.input[:2], self.to]
            return forward.Params(input=shape, layers=self.layers)
        assert self.layer is not None
        index = self.layer - 1
        update: dict[str, Any] = (
            {"bias": False} if self.change == "bias" else {self.change: self.to}
        )
        layers = list(self.layers)
        layers[index] = layers[index].model_copy(update=update)
        return forward.Params(input=self.input, layers=layers)


def _check_layer(layer: Any, change: str, to: int | None) -> None:
    kinds: dict[str, Any] = {"filters": Conv, "units": Dense, "bias": (Conv, Dense)}
    kind = kinds[change]
    if not isinstance(layer, kind):
        raise ValueError(f"a {layer.type} layer has no {change} to change")
    if change == "bias" and not layer.bias:
        raise ValueError("that layer has no bias to remove")
    if change != "bias" and getattr(layer, change) == to:
        raise ValueError(f"the layer already has {to} {change}: nothing changes")


def _totals(p: Params, **switches: Any) -> tuple[list[int], list[int]]:
    """Per-layer counts before and after the change (with forward's mistake switches)."""
    before = forward.solve_with(p.before(), **switches)["per_layer"]
    after = forward.solve_with(p.after(), **switches)["per_layer"]
    return before, after


def _answer(p: Params, difference: Fraction | int) -> dict[str, Any]:
    """The change and the new total: the stem's old total plus the change."""
    number = int(difference) if Fraction(difference).denominator == 1 else float(difference)
    return {"difference": number, "total": forward.solve(p.before())["total"] + number}


def solve(p: Params) -> dict[str, Any]:
    before, after = _totals(p)
    return _answer(p, sum(after) - sum(before))


def solve_with(
    p: Params,
    *,
    local: bool = False,
    scaled: bool = False,
    one_bias: bool = False,
    sign: bool = False,
    **switches: Any,
) -> dict[str, Any] | None:
    """The answer with known mistakes as switches: only the changed layer counted again, the
    whole count scaled by the change's ratio, one bias removed for a layer's, the change
    given as old minus new, and forward's own mistakes
    (:func:`quizgen.topics.param_count.solve_with`) in counting before and after."""
    before, after = _totals(p, **switches)
    difference: Fraction | int = sum(after) - sum(before)
    if local and p.layer is not None:
        difference = after[p.layer - 1] - before[p.layer - 1]
    if scaled:
        if p.change == "bias" or p.to is None:
            return None
        difference = sum(before) * (Fraction(p.to, p.old_value()) - 1)
    if one_bias:
        if p.change != "bias":
            return None
        difference = -1
    return _answer(p, -difference if sign else difference)


def _changes(rng: np.random.Generator, p: forward.Params) -> dict[str, list[dict[str, Any]]]:
    """The changes an exam would ask of this network, by kind: a bias removed, a layer's
    filters or units doubled or halved, the input's channels from 3 to 1 or 1 to 3."""
    out: dict[str, list[dict[str, Any]]] = {}
    for index, layer in enumerate(p.layers, start=1):
        if not isinstance(layer, (Conv, Dense)):
            continue
        if layer.bias:
            out.setdefault("bias", []).append({"change": "bias", "layer": index})
        name = "filters" if isinstance(layer, Conv) else "units"
        value = getattr(layer, name)
        sizes = [2 * value] + ([value // 2] if value % 2 == 0 and value > 2 else [])
        out.setdefault(name, []).append({"change": name, "layer": index, "to": pick(rng, sizes)})
    if len(p.input) == 3:
        out["channels"] = [{"change": "channels", "to": 4 - p.input[2]}]
    return out


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """The forward problem's network at this difficulty (easy: a dense net; medium: a deeper
    dense net or one conv block; hard: two conv blocks, a flatten and a dense head), with one
    change: its kind drawn first (each kind the network allows alike), then the layer."""
    before = forward.generate(rng, difficulty)
    changes = _changes(rng, before)
    change = pick(rng, changes[pick(rng, sorted(changes))])
    try:
        return Params(**before.model_dump(), **change)
    except ValueError:
        raise Degenerate from None


def parts(p: Params) -> list[Part]:
    return [
        Part("difference", "the change in the number of parameters (new minus old)", EXACT),
        Part("total", "the new total number of parameters", EXACT),
    ]


def _change_text(p: Params) -> str:
    if p.change == "channels":
        return f"The input changes from {p.input[2]} channels to {p.to}."
    if p.change == "bias" or p.to is None:
        return f"Layer {p.layer} loses its biases."
    old = p.old_value()
    how = "doubles" if p.to == 2 * old else "halves" if 2 * p.to == old else "changes"
    return f"The number of {p.change} of layer {p.layer} {how}, from {old} to {p.to}."


def stem(p: Params) -> Stem:
    before = p.before()
    old = forward.solve(before)
    return Stem(
        f"A network takes inputs of shape ${shape_text(p.input)}$; its layers and their "
        f"parameter counts are below, {old['total']:,} in all. {_change_text(p)} By how many "
        "parameters does the count change (new minus old, negative for fewer), and what is the "
        "new total?",
        forward.table(before, old),
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    after = p.after()
    old, new = forward.solve(p.before()), forward.solve(after)
    counted = forward.steps(after, new)
    touched = [i for i, (a, b) in enumerate(zip(old["per_layer"], new["per_layer"])) if a != b]
    resized = _resized_flattens(p)
    out = []
    for i in sorted({*touched, *resized}):
        if i in resized:
            out.append(Step(f"{counted[i].title}: its size changes", counted[i].lines))
            continue
        why = "" if p.layer in (None, i + 1) else f"; its inputs change with layer {p.layer}"
        out.append(
            Step(
                f"{counted[i].title}: counted again (it had {old['per_layer'][i]}{why})",
                counted[i].lines,
            )
        )
    terms = " + ".join(f"({new['per_layer'][i]} - {old['per_layer'][i]})" for i in touched)
    out += [
        Step(
            "The change: the other layers keep their counts",
            (f"{terms} = {answer['difference']}",),
        ),
        Step(
            "The new total",
            (f"{old['total']} + ({answer['difference']}) = {answer['total']}",),
        ),
    ]
    return out


def _resized_flattens(p: Params) -> set[int]:
    """The flatten layers whose output size the change alters (their next layer is counted
    again from it)."""
    before, after = (check_stack(q.input, q.layers) for q in (p.before(), p.after()))
    return {
        i
        for i, layer in enumerate(p.layers)
        if isinstance(layer, Flatten) and before[i] != after[i]
    }


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """The new total from the student's own change (follow-through)."""
    if "difference" not in given:
        return {}
    return {"total": forward.solve(p.before())["total"] + given["difference"]}


def _has(kind: type) -> Any:
    return lambda p: any(isinstance(layer, kind) for layer in p.layers)


MISCONCEPTIONS = (
    changing(
        solve_with,
        "counted only the changed layer again",
        "The next layer takes the changed layer's output: its inputs change too, and so does "
        "its count.",
        when=lambda p: p.change in ("filters", "units"),
        local=True,
    ),
    changing(
        solve_with,
        "scaled the whole count by the change",
        "Only the layers the change touches are counted again; the others keep their counts.",
        when=lambda p: p.change != "bias",
        scaled=True,
    ),
    changing(
        solve_with,
        "removed one bias, not one per unit or filter",
        "A layer has one bias per unit (or filter): removing them removes that many parameters.",
        when=lambda p: p.change == "bias",
        one_bias=True,
    ),
    changing(
        solve_with,
        "gave the change as old minus new",
        "The change is the new count minus the old one: negative when parameters are removed.",
        sign=True,
    ),
    changing(
        solve_with,
        "forgot the biases",
        "Each unit or filter with a bias adds one parameter, before the change and after it.",
        when=lambda p: p.change != "bias",
        bias=False,
    ),
    changing(
        solve_with,
        "forgot the input channels",
        r"A conv filter spans all input channels: $f \times f \times c_{in}$ weights per "
        "filter.",
        when=_has(Conv),
        channels=False,
    ),
    changing(
        solve_with,
        "flattened without the channels",
        r"Flattening $H \times W \times C$ gives $H W C$ inputs to the next dense layer, not "
        "$H W$.",
        when=_has(Flatten),
        flat_channels=False,
    ),
)
