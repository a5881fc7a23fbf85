r"""Attention backwards: the score of a key (or, at hard, an entry of the key) that gives a
stated attention weight.

A query's weight on key 1 is $a_1 = e^{t_1} / (e^{t_1} + S)$ with the scaled scores
$t_j = q \cdot k_j / \sqrt{d_k}$ and $S = \sum_{j \geq 2} e^{t_j}$ the other keys' share. It is
strictly increasing in $t_1$, from 0 to 1, so a weight in $(0, 1)$ comes from one score:
$e^{t_1} = \frac{a_1}{1 - a_1} S$. With two keys that is the logit difference
$t_1 - t_2 = \ln \frac{a_1}{1 - a_1}$. At hard the score is $q \cdot k_1$ with one entry
$k_{1j}$ unknown and $q_j \neq 0$: linear in it, so one entry gives it.

>>> from quizgen.topics import get
>>> p = Params(q=[1, 1, 0, 0], others=[[1, 0, 0, 0]], weight=0.8)
>>> round(get("attention", "inverse").solve(p).answer["score"], 4)
3.7726
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.draw import grid_matrix, grid_vector, pick
from quizgen.core.latex import dot, num, paren, vec
from quizgen.core.mathfn import matmul
from quizgen.core.model import Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import Matrix, Num, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import require_mistakes_to_show
from quizgen.topics.attention import Params as ForwardParams
from quizgen.topics.attention import solve as forward_solve

DESCRIPTION = "the score of a key that gives a stated attention weight; at hard an entry of it"

DECIMALS = 4
Scale = Literal["sqrt", "none", "d_k"]


class Params(ParamsModel):
    #: the query
    q: Vector
    #: the keys other than key 1, one row each
    others: Matrix
    #: the query's attention weight on key 1
    weight: Annotated[Num, Field(gt=0, lt=1)]
    #: at hard, key 1 with its one unknown entry as null
    k1: tuple[Num | None, ...] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        d_k = len(self.q)
        if any(len(k) != d_k for k in self.others):
            raise ValueError(f"every key must have d_k = {d_k} entries, like q")
        if self.k1 is not None:
            if len(self.k1) != d_k or self.k1.count(None) != 1:
                raise ValueError(f"k1 must have {d_k} entries, exactly one of them null")
            if self.q[self.k1.index(None)] == 0:
                raise ValueError("the query's entry at k1's unknown one must not be 0")
        return self


def _root(p: Params, scale: Scale = "sqrt") -> float:
    """What the scores are divided by (``scale``: the mistakes' none or d_k)."""
    d_k = len(p.q)
    return {"sqrt": math.sqrt(d_k), "none": 1.0, "d_k": float(d_k)}[scale]


def _known(p: Params) -> list[float]:
    """The raw scores q . k_j of the other keys."""
    return [float(matmul(p.q, k)) for k in p.others]


def _score(p: Params, *, scale: Scale = "sqrt", upside: bool = False, own: bool = True) -> float:
    """Key 1's raw score q . k_1. The keywords are the mistakes: ``scale`` "none" or "d_k"
    another scaling, ``upside`` the ratio (1 - a) / a, ``own`` False leaves e^{t_1} out of the
    softmax's sum (e^{t_1} = a S)."""
    root = _root(p, scale)
    share = sum(math.exp(s / root) for s in _known(p))
    ratio = p.weight / (1 - p.weight) if own else p.weight
    return root * math.log((1 / ratio if upside else ratio) * share)


def _entry(p: Params, score: float, *, others: bool = True) -> float:
    """Key 1's unknown entry from its score (``others`` False: as if q_j k_1j were the whole
    dot product, the mistake)."""
    assert p.k1 is not None
    j = p.k1.index(None)
    rest = sum(q * k for q, k in zip(p.q, p.k1) if k is not None) if others else 0.0
    return (score - rest) / p.q[j]


def _answer(p: Params, *, others: bool = True, **score: Any) -> dict[str, float]:
    value = _score(p, **score)
    return {"score": value} | ({} if p.k1 is None else {"entry": _entry(p, value, others=others)})


def solve(p: Params) -> dict[str, float]:
    return _answer(p)


def follow(p: Params, given: dict[str, Any]) -> dict[str, float]:
    """The unknown entry from the student's own score."""
    return {} if p.k1 is None or "score" not in given else {"entry": _entry(p, given["score"])}


def parts(p: Params) -> list[Part]:
    rounded = Precision(DECIMALS)
    score = Part("score", r"key 1's score $q \cdot k_1$ (before scaling)", rounded)
    if p.k1 is None:
        return [score]
    return [score, Part("entry", f"the unknown entry $k_{{1,{p.k1.index(None) + 1}}}$", rounded)]


#: attention weights a student can take the logit of; never 0.5, which two keys share equally
WEIGHTS = (0.1, 0.2, 0.25, 0.4, 0.6, 0.75, 0.8, 0.9)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: two keys, d_k = 2 or 4. Medium: three keys, d_k = 2 or 3. Hard: two or three keys,
    d_k = 2 or 3, and key 1 given but for one entry. Integer entries in [-1, 2], the weight
    from a short list; the known keys' scores differ (else the question is the easy one)."""
    keys, d_k = {
        "easy": (2, pick(rng, (2, 4))),
        "medium": (3, pick(rng, (2, 3))),
        "hard": (pick(rng, (2, 3)), pick(rng, (2, 3))),
    }[difficulty]
    q = grid_vector(rng, d_k, -1, 2, 1)
    others = grid_matrix(rng, keys - 1, d_k, -1, 2, 1)
    k1: list[int | float | None] | None = None
    if difficulty == "hard":
        k1 = list(grid_vector(rng, d_k, -1, 2, 1))
        k1[int(rng.integers(d_k))] = None
        if q[k1.index(None)] == 0:
            raise Degenerate
    p = Params(q=q, others=others, weight=pick(rng, WEIGHTS), k1=k1)
    if not any(q) or len(set(_known(p))) < len(others):
        raise Degenerate
    require_mistakes_to_show(MISCONCEPTIONS, p, parts(p), solve(p))
    return p


def _key_name(j: int) -> str:
    return f"k_{j + 2}"


def stem(p: Params) -> Stem:
    d_k = len(p.q)
    keys = ", ".join(f"${_key_name(j)} = {vec(k)}$" for j, k in enumerate(p.others))
    if p.k1 is None:
        unknown = r"What must key 1's score $q \cdot k_1$ be?"
    else:
        entry = p.k1.index(None) + 1
        shown = [r"?" if v is None else num(v) for v in p.k1]
        unknown = (
            rf"Key 1 is $k_1 = [{', '.join(shown)}]$ with its entry $k_{{1,{entry}}}$ unknown. "
            rf"What are key 1's score $q \cdot k_1$ and $k_{{1,{entry}}}$?"
        )
    return Stem(
        f"In scaled dot-product attention, a query $q = {vec(p.q)}$ ($d_k = {d_k}$) attends to "
        f"{len(p.others) + 1} keys: key 1 and {keys}. Its weights are a softmax of the scaled "
        rf"scores $q \cdot k_j / \sqrt{{d_k}}$, and its weight on key 1 is "
        rf"$a_1 = {num(p.weight)}$. {unknown}"
    )


def steps(p: Params, answer: dict[str, float]) -> list[Step]:
    d = DECIMALS
    root = _root(p)
    d_k = len(p.q)
    scaled = [s / root for s in _known(p)]
    share = sum(math.exp(t) for t in scaled)
    t1 = answer["score"] / root
    out = [
        Step(
            rf"The other keys' scaled scores $t_j = q \cdot k_j / \sqrt{{{d_k}}}$",
            tuple(
                rf"t_{j + 2} = \frac{{{dot(p.q, k)}}}{{{num(root)}}} = {num(t, d)}"
                for j, (k, t) in enumerate(zip(p.others, scaled))
            ),
        ),
        Step(
            r"Invert the softmax: $a_1 = \frac{e^{t_1}}{e^{t_1} + S}$ with "
            r"$S = \sum_{j \geq 2} e^{t_j}$",
            (
                rf"S = {' + '.join(f'e^{{{num(t, d)}}}' for t in scaled)} = {num(share, d)}",
                rf"e^{{t_1}} = \frac{{a_1}}{{1 - a_1}} S = \frac{{{num(p.weight)}}}"
                rf"{{{num(1 - p.weight)}}} \cdot {num(share, d)} = {num(math.exp(t1), d)}",
                rf"t_1 = \ln {num(math.exp(t1), d)} = {num(t1, d)}, \quad "
                rf"q \cdot k_1 = \sqrt{{{d_k}}} \, t_1 = {num(answer['score'], d)}",
            ),
        ),
    ]
    if p.k1 is not None:
        j = p.k1.index(None)
        qs = [q for q, k in zip(p.q, p.k1) if k is not None]
        ks = [k for k in p.k1 if k is not None]
        rest = sum(q * k for q, k in zip(qs, ks))
        out.append(
            Step(
                rf"The unknown entry: $q \cdot k_1 = q_{j + 1} k_{{1,{j + 1}}} + "
                rf"\sum_{{i \neq {j + 1}}} q_i k_{{1,i}}$",
                (
                    rf"k_{{1,{j + 1}}} = \frac{{q \cdot k_1 - ({dot(qs, ks)})}}"
                    rf"{{{num(p.q[j])}}} = \frac{{{num(answer['score'], d)} - {paren(rest)}}}"
                    rf"{{{num(p.q[j])}}} = {num(answer['entry'], d)}",
                ),
            )
        )
    weights = _forward_weights(p, answer)
    out.append(
        Step(
            "Check with the forward formula",
            (
                rf"\text{{softmax}}({vec([t1, *scaled], d)}) = {vec(weights, d)}, \quad "
                rf"a_1 = {num(weights[0], d)} \quad \text{{(as stated)}}",
            ),
        )
    )
    return out


def _forward_weights(p: Params, answer: dict[str, float]) -> list[float]:
    """The query's weights by the forward topic, with key 1 filled in: the stated key with its
    entry, or (at easy and medium) the key along q that has the score."""
    if p.k1 is None:
        k1 = (np.array(p.q, float) * answer["score"] / float(matmul(p.q, p.q))).tolist()
    else:
        k1 = [answer["entry"] if k is None else k for k in p.k1]
    keys = [k1, *p.others]
    values = np.eye(len(keys)).tolist()
    forward = forward_solve(ForwardParams(Q=[p.q] * len(keys), K=keys, V=values))
    return forward["weights"][0]


def _mistake(**switches: Any) -> Any:
    return lambda p: _answer(p, **switches)


MISCONCEPTIONS = (
    Misconception(
        "did not scale the scores",
        r"The softmax acts on $q \cdot k_j / \sqrt{d_k}$: the score is $\sqrt{d_k}$ times the "
        "logarithm.",
        _mistake(scale="none"),
    ),
    Misconception(
        "scaled by d_k instead of sqrt(d_k)",
        r"The scale is $1 / \sqrt{d_k}$: multiply the logarithm back by $\sqrt{d_k}$, not by "
        "$d_k$.",
        _mistake(scale="d_k"),
    ),
    Misconception(
        "took the ratio upside down",
        r"A weight above the others' means a larger score: $e^{t_1} = \frac{a_1}{1 - a_1} S$, "
        r"not $\frac{1 - a_1}{a_1} S$.",
        _mistake(upside=True),
    ),
    Misconception(
        "left key 1 out of the softmax's sum",
        r"The softmax divides by the sum over every key, key 1's $e^{t_1}$ too: "
        r"$a_1 = e^{t_1} / (e^{t_1} + S)$, not $e^{t_1} / S$.",
        _mistake(own=False),
    ),
    Misconception(
        "took one term for the whole dot product",
        r"$q \cdot k_1$ sums every $q_i k_{1,i}$: subtract the known terms before dividing by "
        r"$q_j$.",
        lambda p: None if p.k1 is None else _answer(p, others=False),
    ),
)
