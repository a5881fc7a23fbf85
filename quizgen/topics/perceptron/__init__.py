r"""Perceptron weight updates (seed section 1), in exact arithmetic.

The seed's NAND example: bipolar, w = [0, 0, 0], eta = 1, one pass over the truth table.

>>> nand = Params(gate="NAND", w=[0, 0, 0], eta=1, steps=4, samples=[
...     {"x": [-1, -1], "t": 1}, {"x": [-1, 1], "t": 1},
...     {"x": [1, -1], "t": 1}, {"x": [1, 1], "t": -1}])
>>> answer = solve(nand)
>>> answer["w_final"]
[-2, -2, -2]
>>> [(s["z"], s["y_hat"], s["e"]) for s in answer["trace"]]
[(0, 1, 0), (0, 1, 0), (0, 1, 0), (0, 1, -2)]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.draw import grid_vector, pick
from quizgen.core.exact import exact, number
from quizgen.core.latex import dot, paren, signed, vec
from quizgen.core.latex import num as fmt
from quizgen.core.model import EXACT, Difficulty, Part, Stem, Step, Table
from quizgen.core.mutation import Computation, Fn, Line, MatMul, Prod, Q, add, diff
from quizgen.core.params import Num, ParamsModel, PositiveInt, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import switched

TITLE = "Perceptron weight update"
CODE = "PC"
SECTION = 1
SECTION_TITLE = "Perceptron weight update derivation"
DESCRIPTION = "trace w <- w + eta (t - y_hat) x over samples, sign(0) = +1, bias weight first"

GATES: dict[str, Callable[[Any, Any], Any]] = {
    "AND": lambda a, b: a and b,
    "OR": lambda a, b: a or b,
    "NAND": lambda a, b: not (a and b),
    "NOR": lambda a, b: not (a or b),
}
LEVELS = {"bipolar": (-1, 1), "binary": (0, 1)}


class Sample(ParamsModel):
    x: Vector
    t: Num


class Params(ParamsModel):
    encoding: Literal["bipolar", "binary"] = "bipolar"
    samples: list[Sample] = Field(min_length=1)
    w: Vector
    eta: Num = Field(gt=0)
    steps: PositiveInt
    gate: Literal["AND", "OR", "NAND", "NOR"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        n = len(self.samples[0].x)
        low, high = LEVELS[self.encoding]
        for i, sample in enumerate(self.samples):
            if len(sample.x) != n:
                raise ValueError(f"samples[{i}].x has {len(sample.x)} inputs, samples[0].x has {n}")
            if sample.t not in (low, high):
                raise ValueError(f"samples[{i}].t must be {low} or {high} for {self.encoding}")
        if len(self.w) != n + 1:
            raise ValueError(
                f"w must have {n + 1} weights (bias weight w0 first), got {len(self.w)}"
            )
        if self.gate is not None:
            for i, sample in enumerate(self.samples):
                bits = [x == high for x in sample.x]
                if len(bits) != 2 or any(x not in (low, high) for x in sample.x):
                    raise ValueError(
                        f"samples[{i}].x is not a {self.encoding} input of a 2-input gate"
                    )
                want = high if GATES[self.gate](*bits) else low
                if sample.t != want:
                    raise ValueError(f"samples[{i}].t is {sample.t}, but {self.gate} gives {want}")
        return self


@dataclass(frozen=True)
class _Rule:
    """How a trace is computed; the right rule and each misconception differ in one switch."""

    zero_fires: bool = True  # y_hat at z = 0 is the high level (sign(0) = +1)
    bias_input: bool = True  # x0 = 1 is part of x
    flip_error: bool = False  # e = y_hat - t
    use_eta: bool = True
    other_encoding: bool = False  # outputs of the other encoding (0/1 for bipolar targets)


def _trace(p: Params, rule: _Rule = _Rule()) -> dict[str, Any]:
    other = {"bipolar": "binary", "binary": "bipolar"}[p.encoding]
    low, high = LEVELS[other if rule.other_encoding else p.encoding]
    w = [exact(v) for v in p.w]
    eta = exact(p.eta) if rule.use_eta else Fraction(1)
    trace = []
    for sample in itertools.islice(itertools.cycle(p.samples), p.steps):
        x = [Fraction(1) if rule.bias_input else Fraction(0)] + [exact(v) for v in sample.x]
        z = sum((wi * xi for wi, xi in zip(w, x)), Fraction(0))
        fires = z >= 0 if rule.zero_fires else z > 0
        y_hat = high if fires else low
        e = (y_hat - exact(sample.t)) if rule.flip_error else (exact(sample.t) - y_hat)
        delta = [eta * e * xi for xi in x]
        w = [wi + di for wi, di in zip(w, delta)]
        trace.append(
            {
                "x": [1, *sample.x],
                "t": sample.t,
                "z": number(z),
                "y_hat": y_hat,
                "e": number(e),
                "delta_w": [number(d) for d in delta],
                "w": [number(wi) for wi in w],
            }
        )
    return {"trace": trace, "w_final": [number(wi) for wi in w]}


def solve(p: Params) -> dict[str, Any]:
    return _trace(p)


def _updates(answer: dict[str, Any]) -> int:
    return sum(1 for step in answer["trace"] if step["e"] != 0)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: the seed's setting (a bipolar gate, w = 0, eta = 1, one pass). Medium: any gate,
    either encoding, small initial weights on a 0.5 grid, eta 0.5 or 1, 4-6 steps. Hard: three
    inputs that are not a gate, eta on a 0.25 grid, 6-8 steps. Every trace has an update (two
    from medium up): a trace that never updates practises nothing."""
    if difficulty == "hard":
        encoding = pick(rng, ["bipolar", "binary"])
        low, high = LEVELS[encoding]
        samples = [
            {"x": grid_vector(rng, 3, -2, 2, 1), "t": pick(rng, [low, high])} for _ in range(4)
        ]
        p = Params(
            encoding=encoding,
            samples=samples,
            w=grid_vector(rng, 4, -1, 1, 0.5),
            eta=pick(rng, [0.25, 0.5, 1]),
            steps=int(rng.integers(6, 9)),
        )
    else:
        gate = pick(rng, list(GATES))
        encoding = "bipolar" if difficulty == "easy" else pick(rng, ["bipolar", "binary"])
        low, high = LEVELS[encoding]
        samples = [
            {"x": [high if a else low, high if b else low], "t": high if GATES[gate](a, b) else low}
            for a, b in itertools.product([False, True], repeat=2)
        ]
        if difficulty == "easy":
            p = Params(encoding=encoding, gate=gate, samples=samples, w=[0, 0, 0], eta=1, steps=4)
        else:
            p = Params(
                encoding=encoding,
                gate=gate,
                samples=samples,
                w=grid_vector(rng, 3, -1, 1, 0.5),
                eta=pick(rng, [0.5, 1]),
                steps=int(rng.integers(4, 7)),
            )
    if _updates(solve(p)) < (1 if difficulty == "easy" else 2):
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    return [Part("w_final", r"$w$ after the last step", EXACT, "vector")]


def activation_text(p: Params) -> str:
    """The activation rule as stems state it (this topic's and its forms')."""
    low, high = LEVELS[p.encoding]
    level = level_text(p)
    return rf"$\hat{{y}} = {level(high)}$ if $z \geq 0$, else ${level(low)}$"


def level_text(p: Params) -> Callable[[float], str]:
    """How an output level is written: +1 / -1 for bipolar, as the seed does; 0 / 1 for binary."""
    return signed if p.encoding == "bipolar" else fmt


def _subtrahend(p: Params, y_hat: int) -> str:
    """y_hat after a minus sign: ``(+1)`` / ``(-1)`` as the seed writes it, or ``0`` / ``1``."""
    return f"({signed(y_hat)})" if p.encoding == "bipolar" else fmt(y_hat)


def stem(p: Params) -> Stem:
    return setup_stem(p, "What are the weights after the last step?")


def setup_stem(p: Params, question: str) -> Stem:
    """The set-up as the stem states it (samples table, start, rule, steps), then
    ``question``: this topic's stem, and its forms' that ask about the same set-up."""
    n = len(p.samples[0].x)
    what = f"the {p.gate} gate ({p.encoding} encoding)" if p.gate else f"the {p.encoding} samples"
    header = (*(f"$x_{i + 1}$" for i in range(n)), "$t$")
    rows = tuple((*(fmt(v) for v in s.x), level_text(p)(s.t)) for s in p.samples)
    return Stem(
        f"A perceptron with bias input $x_0 = 1$ learns {what} below. It starts from "
        rf"$w = {vec(p.w)}$ (bias weight $w_0$ first) with learning rate $\eta = {fmt(p.eta)}$, "
        f"predicts {activation_text(p)}, and updates "
        r"$w_i \leftarrow w_i + \eta (t - \hat{y}) x_i$ after each sample. Present the samples "
        f"in order, starting again from the first after the last, for {p.steps} steps. "
        f"{question}",
        Table(header, rows),
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    out = []
    w_old = list(p.w)
    activation = r"\text{sign}" if p.encoding == "bipolar" else r"\text{step}"
    t_text = level_text(p)
    for index, s in enumerate(answer["trace"], start=1):
        lines = [
            f"z = {dot(w_old, s['x'])} = {fmt(s['z'])}",
            rf"\hat{{y}} = {activation}({fmt(s['z'])}) = {t_text(s['y_hat'])}",
            rf"e = {t_text(s['t'])} - {_subtrahend(p, s['y_hat'])} = {fmt(s['e'])}",
        ]
        if s["e"] == 0:
            result = rf"\text{{No update: }} w = {vec(s['w'])}"
        else:
            lines.append(
                rf"\Delta w = \eta\, e\, x = {paren(p.eta)}\cdot {paren(s['e'])}\cdot {vec(s['x'])}"
                f" = {vec(s['delta_w'])}"
            )
            sums = ", ".join(f"{fmt(a)} + {paren(d)}" for a, d in zip(w_old, s["delta_w"]))
            result = rf"w = [{sums}] = {vec(s['w'])}"
        out.append(
            Step(f"Step {index}: $x = {vec(s['x'])}$, $t = {t_text(s['t'])}$", tuple(lines), result)
        )
        w_old = s["w"]
    return out


def table(p: Params, answer: dict[str, Any]) -> Table:
    """The trace as one table, the way it is marked."""
    level = level_text(p)
    rows = tuple(
        (
            str(i),
            f"${vec(s['x'])}$",
            level(s["t"]),
            fmt(s["z"]),
            level(s["y_hat"]),
            fmt(s["e"]),
            f"${vec(s['delta_w'])}$",
            f"${vec(s['w'])}$",
        )
        for i, s in enumerate(answer["trace"], start=1)
    )
    return Table(("step", "$x$", "$t$", "$z$", r"$\hat{y}$", "$e$", r"$\Delta w$", "$w$"), rows)


def solve_with(p: Params, **switches: Any) -> dict[str, Any]:
    """The trace with some mistakes' switches set (two mistakes made at once)."""
    return _trace(p, _Rule(**switches))


MISCONCEPTIONS = (
    switched(
        solve_with,
        "took sign(0) as -1",
        r"By convention the perceptron fires at $z = 0$: $\operatorname{sign}(0) = +1$ "
        r"($\operatorname{step}(0) = 1$).",
        zero_fires=False,
    ),
    switched(
        solve_with,
        "forgot the bias input",
        "$x_0 = 1$ is part of every input, so $w_0$ takes part in $z$ and is updated like "
        "the others.",
        bias_input=False,
    ),
    switched(
        solve_with,
        "flipped the sign of the error",
        r"The error is $e = t - \hat{y}$ (target minus prediction), not $\hat{y} - t$.",
        flip_error=True,
    ),
    switched(
        solve_with,
        "ignored the learning rate",
        r"Each update is scaled by $\eta$: $\Delta w = \eta (t - \hat{y}) x$.",
        use_eta=False,
    ),
    switched(
        solve_with,
        "used the other encoding's outputs",
        r"The output takes the targets' levels: $\operatorname{sign}$ gives $-1$ or $+1$ for "
        r"bipolar targets, $\operatorname{step}$ gives $0$ or $1$ for binary ones.",
        other_encoding=True,
    ),
)


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation): per
    step z = w . x, y_hat = sign(z) (or step(z)), e = t - y_hat and w + eta e x."""
    fires = "sign" if p.encoding == "bipolar" else "heaviside"
    inputs: dict[str, Any] = {"w0": p.w, "eta": p.eta}
    lines = []
    samples = itertools.islice(itertools.cycle(p.samples), p.steps)
    for k, sample in enumerate(samples, start=1):
        inputs |= {f"x{k}": [1, *sample.x], f"t{k}": sample.t}
        w, x = Q(f"w{k - 1}", "w"), Q(f"x{k}", "x")
        lines += [
            Line(f"z{k}", MatMul(w, x), k, "z"),
            Line(f"y{k}", Fn(fires, (Q(f"z{k}", "z"),)), k, "y_hat"),
            Line(f"e{k}", diff(Q(f"t{k}", "t"), Q(f"y{k}", "y_hat")), k, "e"),
            Line(f"w{k}", add(w, Prod((Q("eta"), Q(f"e{k}", "e"), x))), k, "w"),
        ]
    last = f"w{p.steps}"
    neighbours = {f"t{k}": (f"y{k}",) for k in range(1, p.steps + 1)}
    return Computation(
        inputs, tuple(lines), lambda env: {"w_final": env[last].tolist()}, neighbours
    )
