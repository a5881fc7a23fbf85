r"""ReLU backwards: which units were active, read from the backpropagated signal, or the
smallest whole bias that switches enough units on.

Easy: delta = dJ/dh * ReLU'(z) with no zero in dJ/dh, so ReLU'(z) = delta / (dJ/dh) entry by
entry: one answer. Medium and hard: units z_j = a_j + b share a bias b; unit j is active
(ReLU'(z_j) = 1) exactly when b > -a_j, so the number of active units never falls as b grows,
and the smallest whole b with at least k active is unique: floor(t) + 1 for the k-th smallest
threshold t = -a_j (a whole t is not enough: ReLU'(0) = 0).

>>> from quizgen.topics import get
>>> inverse = get("relu", "inverse")
>>> inverse.solve(Params(find="bias", a=[2, -1, 0.5], upstream=[1, 2, 3], active=3)).answer
{'b': 2, 'delta': [1, 2, 3]}
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import grid_vector, pick
from quizgen.core.latex import num, paren, vec
from quizgen.core.model import EXACT, Difficulty, Misconception, Part, Stem, Step
from quizgen.core.params import ParamsModel, PositiveInt, Vector
from quizgen.topics import Degenerate
from quizgen.topics import relu as forward
from quizgen.topics._shared import require_fields

DESCRIPTION = (
    "which units were active, from delta and dJ/dh; or the smallest whole bias making k active"
)

Answer = dict[str, Any]
#: the fields each question is given by
NEEDS = {"mask": ("delta",), "bias": ("a", "active")}
#: where z_j lies, by ReLU'(z_j)
SIDES = {0: r"\leq 0", 1: "> 0"}


class Params(ParamsModel):
    #: mask: ReLU'(z) from delta and dJ/dh; bias: the smallest whole shared bias b with at
    #: least ``active`` units active, and delta there
    find: Literal["mask", "bias"]
    #: dJ/dh, no entry 0
    upstream: Vector
    #: mask: delta = dJ/dz as backpropagated
    delta: Vector | None = None
    #: bias: each unit's weighted input before the shared bias, z = a + b
    a: Vector | None = None
    active: PositiveInt | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        require_fields(self, "find", NEEDS)
        n = len(self.upstream)
        if 0 in self.upstream:
            raise ValueError("upstream (dJ/dh) must have no entry 0, or ReLU'(z) is not known")
        if self.delta is not None:
            if len(self.delta) != n:
                raise ValueError(f"delta has {len(self.delta)} entries but upstream has {n}")
            for j, (d, g) in enumerate(zip(self.delta, self.upstream)):
                if d not in (0, g):
                    raise ValueError(f"delta[{j}] must be 0 or upstream[{j}] ({num(g)})")
            return self
        assert self.a is not None and self.active is not None  # by require_fields
        if len(self.a) != n:
            raise ValueError(f"a has {len(self.a)} entries but upstream has {n}")
        if self.active > n:
            raise ValueError(f"active must be at most the {n} units")
        return self


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: four units, dJ/dh whole and non-zero in [-3, 3], some active and some not. Medium:
    three whole weighted inputs in [-3, 3], all units to switch on. Hard: five on the 0.5 grid,
    two to four of them to switch on. dJ/dh is never 0: it would hide ReLU'(z)."""
    if difficulty == "easy":
        upstream = grid_vector(rng, 4, -3, 3, 1)
        mask = [int(v) for v in rng.integers(2, size=4)]
        if 0 in upstream or len(set(mask)) < 2:
            raise Degenerate
        return Params(find="mask", upstream=upstream, delta=[g * m for g, m in zip(upstream, mask)])
    n, step = (3, 1.0) if difficulty == "medium" else (5, 0.5)
    a, upstream = grid_vector(rng, n, -3, 3, step), grid_vector(rng, n, -2, 2, 0.5)
    if 0 in upstream or len(set(a)) < n:
        raise Degenerate
    active = n if difficulty == "medium" else pick(rng, range(2, n))
    return Params(find="bias", a=a, upstream=upstream, active=active)


def _mask(p: Params) -> list[int]:
    assert p.delta is not None
    return [1 if d != 0 else 0 for d in p.delta]


def _a(p: Params) -> list[float]:
    assert p.a is not None
    return [float(v) for v in p.a]


def _threshold(p: Params, from_top: bool = True) -> float:
    """-a_j of the k-th unit to switch on as b grows (``from_top`` False: the k-th to switch
    on as b falls, the mistake of counting from the wrong end)."""
    assert p.active is not None
    order = sorted(_a(p), reverse=from_top)
    return -order[p.active - 1]


def _smallest_whole_above(t: float) -> int:
    return math.floor(t) + 1


def _whole(x: float) -> int | float:
    return int(x) if x == int(x) else x


def _at(p: Params, b: float, *, at_zero: int = 0, upstream: bool = True) -> Answer:
    """b, and delta at it by the forward rule (``at_zero``, ``upstream``: its mistakes)."""
    z = [_whole(v + b) for v in _a(p)]
    there = forward.solve_with(forward.Params(z=z, upstream=p.upstream), at_zero=at_zero)
    return {"b": b, "delta": there["delta"] if upstream else there["drelu"]}


def solve(p: Params) -> Answer:
    if p.find == "mask":
        return {"drelu": _mask(p)}
    return _at(p, _smallest_whole_above(_threshold(p)))


def parts(p: Params) -> list[Part]:
    if p.find == "mask":
        return [Part("drelu", r"$\text{ReLU}'(z)$", EXACT, "vector")]
    return [
        Part("b", "the smallest whole $b$", EXACT),
        Part("delta", r"$\delta = \frac{\partial J}{\partial z}$ at that $b$", EXACT, "vector"),
    ]


def stem(p: Params) -> Stem:
    upstream = rf"$\frac{{\partial J}}{{\partial h}} = {vec(p.upstream)}$"
    if p.find == "mask":
        assert p.delta is not None
        return Stem(
            rf"A hidden layer computes $h = \text{{ReLU}}(z)$ elementwise. The gradient from "
            rf"above is {upstream} and backpropagation gives $\delta = \frac{{\partial J}}"
            rf"{{\partial z}} = {vec(p.delta)}$. The values of $z$ are not given. Find "
            r"$\text{ReLU}'(z)$ (with $\text{ReLU}'(0) = 0$): which units had $z > 0$?"
        )
    assert p.a is not None
    n = len(p.a)
    how_many = "every unit is" if p.active == n else f"at least {p.active} of the {n} units are"
    return Stem(
        rf"A layer of {n} ReLU units computes $z = a + b$, $h = \text{{ReLU}}(z)$, where "
        rf"$a = Wx = {vec(p.a)}$ and every unit shares the bias $b$. A unit is active when "
        rf"$\text{{ReLU}}'(z_j) = 1$ (with $\text{{ReLU}}'(0) = 0$). Find the smallest whole "
        rf"number $b$ for which {how_many} active, and then $\delta$ for the gradient from "
        f"above {upstream}."
    )


def steps(p: Params, answer: Answer) -> list[Step]:
    if p.find == "mask":
        assert p.delta is not None
        ratios = ", ".join(rf"\frac{{{num(d)}}}{{{num(g)}}}" for d, g in zip(p.delta, p.upstream))
        return [
            Step(
                r"Undo the backpropagation: $\delta = \frac{\partial J}{\partial h} \odot "
                r"\text{ReLU}'(z)$, and $\frac{\partial J}{\partial h}$ has no zero entry",
                (rf"\text{{ReLU}}'(z) = [{ratios}] = {vec(answer['drelu'])}",),
            ),
            Step(
                r"$\text{ReLU}'(z_j) = 1$ exactly where $z_j > 0$",
                tuple(f"z_{j + 1} {SIDES[m]}" for j, m in enumerate(answer["drelu"])),
            ),
            Step(
                "Check with the forward formula",
                (
                    r"\frac{\partial J}{\partial h} \odot \text{ReLU}'(z) = "
                    + vec(g * m for g, m in zip(p.upstream, answer["drelu"]))
                    + r" = \delta",
                ),
            ),
        ]
    a, b, t = _a(p), answer["b"], _threshold(p)
    z = [_whole(v + b) for v in a]
    there = forward.Params(z=z, upstream=p.upstream)
    return [
        Step(
            r"Unit $j$ is active when $a_j + b > 0$, that is $b > -a_j$",
            (rf"-a = {vec(-v for v in a)}",),
        ),
        Step(
            f"At least {p.active} active: $b$ must pass the {_ordinal(p.active)} smallest of these",
            (
                rf"b > {num(t)} \implies b = \lfloor {num(t)} \rfloor + 1 = {b}",
                *(
                    (rf"b = {num(t)} \text{{ gives }} z = 0 \text{{, not active}}",)
                    if t == int(t)
                    else ()
                ),
            ),
        ),
        Step("The pre-activations", (rf"z = a + {paren(b)} = {vec(z)}",)),
        *forward.steps(there, forward.solve(there))[1:],
        Step(
            "Check: one less is not enough",
            (
                rf"b = {b - 1}: z = {vec(v + b - 1 for v in a)}, "
                rf"{sum(v + b - 1 > 0 for v in a)} < {p.active} \text{{ active}}",
            ),
        ),
    ]


def follow(p: Params, given: dict[str, Any]) -> Answer:
    """delta at the student's own b (follow-through)."""
    if p.find != "bias" or "b" not in given:
        return {}
    return {"delta": _at(p, given["b"])["delta"]}


def _ordinal(k: int | None) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(k or 0, f"{k}th")


def _mask_mistake(wrong: Callable[[Params], list[Any]]) -> Callable[[Params], Answer | None]:
    """A mask mistake: the ``wrong`` mask it gives, None on a bias problem or where it agrees
    with the right mask (it cannot show)."""

    def answer(p: Params) -> Answer | None:
        if p.find != "mask" or wrong(p) == _mask(p):
            return None
        return {"drelu": wrong(p)}

    return answer


def _bias_mistake(b: Callable[[Params], int], **rule: Any) -> Callable[[Params], Answer | None]:
    """A bias mistake: the ``b`` it gives and delta there (by the forward ``rule`` switched),
    None on a mask problem or where it gives the right answer."""

    def answer(p: Params) -> Answer | None:
        if p.find != "bias":
            return None
        wrong = _at(p, b(p), **rule)
        return wrong if wrong != solve(p) else None

    return answer


MISCONCEPTIONS = (
    Misconception(
        "took delta's sign for z's sign",
        r"$\delta_j$ is negative when $\frac{\partial J}{\partial h_j}$ is, whatever $z_j$: the "
        r"sign of $z_j$ is read from whether $\delta_j$ is 0.",
        _mask_mistake(lambda p: [1 if d > 0 else 0 for d in p.delta or ()]),
    ),
    Misconception(
        "read the mask from dJ/dh",
        r"$\frac{\partial J}{\partial h}$ comes from the layers above; $\text{ReLU}'(z)$ is "
        r"$\delta_j / \frac{\partial J}{\partial h_j}$.",
        _mask_mistake(lambda p: [1 if g > 0 else 0 for g in p.upstream]),
    ),
    Misconception(
        "gave delta as ReLU'(z)",
        r"$\delta = \frac{\partial J}{\partial h} \odot \text{ReLU}'(z)$: divide by the "
        r"gradient from above to get $\text{ReLU}'(z)$, which is 0 or 1.",
        _mask_mistake(lambda p: list(p.delta or ())),
    ),
    Misconception(
        "took ReLU'(0) as 1",
        r"A unit with $z = 0$ is not active: $\text{ReLU}'(0) = 0$, so $b$ must make "
        r"$z$ strictly positive.",
        _bias_mistake(lambda p: math.ceil(_threshold(p)), at_zero=1),
    ),
    Misconception(
        "counted the units from the wrong end",
        "As $b$ grows the unit with the largest $a_j$ switches on first; the one to solve for "
        r"is the $k$-th largest $a_j$.",
        _bias_mistake(lambda p: _smallest_whole_above(_threshold(p, from_top=False))),
    ),
    Misconception(
        "moved a to the wrong side",
        r"$a_j + b > 0$ means $b > -a_j$, not $b > a_j$.",
        _bias_mistake(lambda p: _smallest_whole_above(-_threshold(p))),
    ),
    Misconception(
        "forgot the gradient from above",
        r"$\delta = \frac{\partial J}{\partial h} \odot \text{ReLU}'(z)$: the local "
        "derivative multiplies the incoming gradient.",
        _bias_mistake(lambda p: solve(p)["b"], upstream=False),
    ),
)
