r"""Perceptron what-if: one pass over the samples is traced and its result stated; then one
thing changes (the learning rate, a second pass over the same data, one sample's target
flipped) and the weights after the changed pass are asked.

From w = 0 (easy) the learning rate only scales: every z scales by eta'/eta, so no sign, no
error and no choice of update changes, and w' = (eta'/eta) w. From other weights (medium) it
does not, and the trace must be redone; so must a second pass, which starts from the stated
weights, and a flipped target (hard), whose effect runs on through every later step.

>>> from quizgen.topics import get
>>> from quizgen.topics.perceptron import Params as Setup
>>> nand = Setup(gate="NAND", w=[0, 0, 0], eta=1, steps=4, samples=[
...     {"x": [-1, -1], "t": 1}, {"x": [-1, 1], "t": 1},
...     {"x": [1, -1], "t": 1}, {"x": [1, 1], "t": -1}])
>>> get("perceptron", "whatif").solve(Params(setup=nand, change="eta", eta=3)).answer["w_final"]
[-6, -6, -6]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.draw import pick
from quizgen.core.exact import exact, number
from quizgen.core.latex import num, vec
from quizgen.core.model import EXACT, Difficulty, Misconception, Part, Stem, Step, Table
from quizgen.core.params import Num, ParamsModel, PositiveInt
from quizgen.topics import Degenerate
from quizgen.topics import perceptron as forward
from quizgen.topics._shared import require_fields

DESCRIPTION = "one pass traced, then eta changed, a second pass, or a target flipped: new w"

Answer = dict[str, Any]
NEW_ETAS = (0.5, 1, 2, 3)
#: the fields each change is given by: the new learning rate, the sample whose target flips
NEEDS = {"eta": ("eta",), "second_pass": (), "flip": ("sample",)}


class Params(ParamsModel):
    #: the traced problem: one pass, ``steps`` equal to the number of samples
    setup: forward.Params
    #: eta: the learning rate becomes ``eta``; second_pass: the samples again, from the
    #: weights after the first; flip: sample number ``sample`` (from 1) has the other target
    change: Literal["eta", "second_pass", "flip"]
    eta: Num | None = Field(default=None, gt=0)
    sample: PositiveInt | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        n = len(self.setup.samples)
        if self.setup.steps != n:
            raise ValueError(f"setup.steps must be one pass, {n} (one step per sample)")
        require_fields(self, "change", NEEDS)
        if self.eta is not None and self.eta == self.setup.eta:
            raise ValueError(f"eta is already {num(self.eta)}: nothing changes")
        if self.sample is not None and self.sample > n:
            raise ValueError(f"sample must be 1 to {n}")
        return self


def _first_pass(p: Params) -> Answer:
    return forward.solve(p.setup)


def changed(p: Params) -> forward.Params:
    """The set-up the changed pass runs on (a forward problem of its own)."""
    setup = p.setup
    if p.change == "eta":
        return setup.model_copy(update={"eta": p.eta})
    if p.change == "second_pass":
        return setup.model_copy(update={"w": tuple(_first_pass(p)["w_final"])})
    low, high = forward.LEVELS[setup.encoding]
    flipped = [
        s.model_copy(update={"t": low if s.t == high else high}) if i == p.sample else s
        for i, s in enumerate(setup.samples, start=1)
    ]
    return forward.Params(
        encoding=setup.encoding, samples=flipped, w=setup.w, eta=setup.eta, steps=setup.steps
    )


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: the seed's setting (a bipolar gate from w = 0, eta = 1) with eta 0.5, 2 or 3.
    Medium: a gate from small weights, eta changed or a second pass. Hard: three inputs that
    are no gate, one target flipped. Always one pass of four samples, and a change that
    changes the weights (a second pass with no update asks for nothing new)."""
    setup = forward.generate(rng, difficulty).model_copy(update={"steps": 4})
    if difficulty == "easy":
        change = "eta"
    elif difficulty == "medium":
        change = pick(rng, ["eta", "second_pass"])
    else:
        change = "flip"
    given: dict[str, Any] = {}
    if change == "eta":
        given["eta"] = pick(rng, [v for v in NEW_ETAS if v != setup.eta])
    elif change == "flip":
        given["sample"] = int(rng.integers(1, 5))
    p = Params(setup=setup, change=change, **given)
    if solve(p)["w_final"] == _first_pass(p)["w_final"]:
        raise Degenerate
    return p


def solve(p: Params) -> Answer:
    return forward.solve(changed(p))


def solve_with(p: Params, **switches: Any) -> Answer:
    """The changed pass with some of the forward mistakes' switches set."""
    return forward.solve_with(changed(p), **switches)


def table(p: Params, answer: Answer) -> Table:
    """The changed pass's trace, as the forward key shows one."""
    return forward.table(changed(p), answer)


def parts(p: Params) -> list[Part]:
    what = "second" if p.change == "second_pass" else "changed"
    return [Part("w_final", f"$w$ after the {what} pass", EXACT, "vector")]


def stem(p: Params) -> Stem:
    before = rf"After this pass its weights are $w = {vec(_first_pass(p)['w_final'])}$."
    if p.change == "eta":
        question = (
            rf"Suppose instead the learning rate were $\eta = {num(changed(p).eta)}$, everything "
            "else the same. What would the weights be after the pass?"
        )
    elif p.change == "second_pass":
        question = (
            "The samples are now presented a second time, in the same order, starting from "
            "these weights. What are the weights after the second pass?"
        )
    else:
        t = changed(p).samples[(p.sample or 1) - 1].t
        question = (
            f"Suppose instead sample {p.sample} had the target "
            f"${forward.level_text(p.setup)(t)}$, everything else the same. What would the "
            "weights be after the pass?"
        )
    return forward.setup_stem(p.setup, f"{before} {question}")


def steps(p: Params, answer: Answer) -> list[Step]:
    setup, after = p.setup, changed(p)
    trace = forward.steps(after, answer)
    if p.change == "second_pass":
        n = len(setup.samples)
        first = f"w = {vec(after.w)}"
        trace = [
            dataclasses.replace(s, title=s.title.replace(f"Step {i}:", f"Step {n + i}:", 1))
            for i, s in enumerate(trace, start=1)
        ]
        return [Step("The second pass starts from the weights after the first", (first,)), *trace]
    if p.change == "eta":
        lines = [rf"\eta: {num(setup.eta)} \to {num(after.eta)}"]
        if all(v == 0 for v in setup.w):
            factor = exact(after.eta) / exact(setup.eta)
            lines += [
                r"\text{From } w = 0\text{, every } z \text{ scales by } \eta' / \eta"
                rf" = {num(factor)}\text{{: no sign, error or update changes}}",
                rf"w' = {num(factor)} \cdot {vec(_first_pass(p)['w_final'])}"
                rf" = {vec(answer['w_final'])}",
            ]
        else:
            lines.append(
                r"\text{From } w \neq 0\text{, } z \text{ does not scale with } \eta\text{: "
                r"signs can change, so trace the pass again}"
            )
        return [Step("What changes", tuple(lines)), *trace]
    j = (p.sample or 1) - 1
    level = forward.level_text(setup)
    flip = rf"t_{p.sample}: {level(setup.samples[j].t)} \to {level(after.samples[j].t)}"
    return [
        Step("What changes", (flip, r"\text{Steps before it are unchanged; redo it and the rest}")),
        *trace,
    ]


def _only_the_flipped_step(p: Params) -> Answer | None:
    """The other steps' updates kept as they were, and only the flipped sample's redone (at
    the weights the first pass had before it)."""
    if p.change != "flip":
        return None
    first = _first_pass(p)["trace"]
    j = (p.sample or 1) - 1
    before = p.setup.w if j == 0 else first[j - 1]["w"]
    redone = forward.Params(
        encoding=p.setup.encoding,
        samples=[changed(p).samples[j]],
        w=before,
        eta=p.setup.eta,
        steps=1,
    )
    new_delta = forward.solve(redone)["trace"][0]["delta_w"]
    w = [
        exact(wf) - exact(old) + exact(new)
        for wf, old, new in zip(first[-1]["w"], first[j]["delta_w"], new_delta)
    ]
    return {"w_final": [number(v) for v in w]}


def _first_change_repeated(p: Params) -> Answer | None:
    """The second pass taken to change the weights as the first did."""
    if p.change != "second_pass":
        return None
    w0, w1 = p.setup.w, _first_pass(p)["w_final"]
    return {"w_final": [number(2 * exact(b) - exact(a)) for a, b in zip(w0, w1)]}


def _scaled(p: Params) -> Answer | None:
    """The first pass's weights scaled by eta'/eta, as if no sign depended on w's start."""
    if p.change != "eta":
        return None
    factor = exact(changed(p).eta) / exact(p.setup.eta)
    return {"w_final": [number(factor * exact(v)) for v in _first_pass(p)["w_final"]]}


def _unless_right(answer: Callable[[Params], Answer | None]) -> Callable[[Params], Answer | None]:
    """A mistake's answer, None where it is the right one (here it cannot show)."""

    def solve_mistake(p: Params) -> Answer | None:
        wrong = answer(p)
        return None if wrong is None or wrong["w_final"] == solve(p)["w_final"] else wrong

    return solve_mistake


def _on_the_changed_pass(mistake: Misconception) -> Misconception:
    """A forward mistake made while tracing the changed pass."""
    switches = dict(mistake.switches or {})
    return dataclasses.replace(
        mistake, solve=_unless_right(lambda p: solve_with(p, **switches)), switches=switches
    )


MISCONCEPTIONS = (
    *(_on_the_changed_pass(m) for m in forward.MISCONCEPTIONS),
    Misconception(
        "kept the first pass's weights",
        r"A changed learning rate changes every update $\Delta w = \eta (t - \hat{y}) x$: the "
        "weights change with it.",
        _unless_right(lambda p: _first_pass(p) if p.change == "eta" else None),
    ),
    Misconception(
        "scaled the first pass's weights",
        r"$w' = \frac{\eta'}{\eta} w$ only from $w = 0$: from other weights $z$ does not "
        "scale, so signs, errors and updates can change; trace the pass again.",
        _unless_right(_scaled),
    ),
    Misconception(
        "repeated the first pass's change",
        "The second pass starts from the new weights, so its predictions, errors and "
        "updates are new; trace it step by step.",
        _unless_right(_first_change_repeated),
    ),
    Misconception(
        "redid only the flipped sample's step",
        "Changing one step's update changes the weights every later step starts from: "
        "redo the flipped step and every step after it.",
        _unless_right(_only_the_flipped_step),
    ),
)
