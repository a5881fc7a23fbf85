r"""Scaled dot-product attention, softmax(Q K^T / sqrt(d_k)) V, with an optional causal mask
(section 15). One row per token; the softmax runs along each row (over the keys).

>>> a = solve(Params(Q=[[1, 0], [0, 1]], K=[[1, 0], [1, 1]], V=[[1, 0], [0, 2]], causal=True))
>>> [[round(v, 4) for v in row] for row in a["weights"]]
[[1.0, 0.0], [0.3302, 0.6698]]
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import grid_matrix, pick
from quizgen.core.latex import dot, mat, num, paren, vec
from quizgen.core.mathfn import exp, matmul
from quizgen.core.model import Difficulty, Part, Precision, Stem, Step
from quizgen.core.mutation import Computation, Div, Fn, Line, MatMul, Prod, Q, T, diff, fields
from quizgen.core.params import Matrix, ParamsModel
from quizgen.topics import Degenerate
from quizgen.topics._shared import switched

TITLE = "Scaled dot-product attention"
CODE = "AT"
SECTION = 15
SECTION_TITLE = "Attention"
DESCRIPTION = "scores Q K^T / sqrt(d_k), row-wise softmax, weighted values; causal mask at hard"

DECIMALS = 4


class Params(ParamsModel):
    Q: Matrix
    K: Matrix
    V: Matrix
    causal: bool = False

    @model_validator(mode="after")
    def _shapes(self) -> Params:
        n, d_k = len(self.Q), len(self.Q[0])
        if (len(self.K), len(self.K[0])) != (n, d_k):
            raise ValueError(f"K must be {n} x {d_k}, like Q (one key per token)")
        if len(self.V) != n:
            raise ValueError(f"V must have {n} rows, one value per token")
        return self


def _answer(
    p: Params,
    *,
    scale: Literal["sqrt", "none", "d_k"] = "sqrt",
    axis: int = 1,
    masked: bool = True,
    mask_value: float = -np.inf,
) -> dict[str, Any]:
    """Scores, weights and output. The keywords are the mistakes: ``scale`` "none" leaves the
    scores unscaled and "d_k" divides by d_k; ``axis`` 0 takes the softmax down each column;
    ``masked`` False ignores the causal mask; ``mask_value`` sets the masked scores to that
    value (0: masked, but still in the softmax)."""
    Q, K, V = (np.array(m, float) for m in (p.Q, p.K, p.V))
    d_k = Q.shape[1]
    scores = matmul(Q, K.T) / {"sqrt": math.sqrt(d_k), "none": 1.0, "d_k": d_k}[scale]
    logits = scores.copy()
    if p.causal and masked:
        logits[np.triu_indices(len(Q), k=1)] = mask_value
    shifted = exp(logits - logits.max(axis=axis, keepdims=True))
    weights = shifted / shifted.sum(axis=axis, keepdims=True)
    return {
        "scores": scores.tolist(),
        "weights": weights.tolist(),
        "output": (matmul(weights, V)).tolist(),
    }


def solve(p: Params) -> dict[str, Any]:
    return _answer(p)


def solve_with(p: Params, **switches: Any) -> dict[str, Any]:
    """The answer with some mistakes' switches set (two mistakes made at once)."""
    return _answer(p, **switches)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: two tokens, d_k = 2. Medium: three tokens, d_k = 2 or 3. Hard: three or four tokens
    with a causal mask. Integer queries and keys in [-1, 2], values in [-2, 2] with d_v = 2.
    Never a score matrix that is symmetric (a softmax down the columns would then look right)
    or has a row of equal scores (scaling would change nothing there)."""
    n, d_k = {
        "easy": (2, 2),
        "medium": (3, pick(rng, (2, 3))),
        "hard": (pick(rng, (3, 4)), pick(rng, (2, 3))),
    }[difficulty]
    p = Params(
        Q=grid_matrix(rng, n, d_k, -1, 2, 1),
        K=grid_matrix(rng, n, d_k, -1, 2, 1),
        V=grid_matrix(rng, n, 2, -2, 2, 1),
        causal=difficulty == "hard",
    )
    scores = matmul(np.array(p.Q), np.array(p.K).T)
    rows = scores[1:] if p.causal else scores  # a causal first row attends to itself only
    if np.allclose(scores, scores.T) or any(len(set(row)) == 1 for row in rows.tolist()):
        raise Degenerate
    if np.ptp(np.array(p.V), axis=0).min() == 0:
        raise Degenerate  # a value column that is constant gives the same output whatever
    return p


def parts(p: Params) -> list[Part]:
    rounded = Precision(DECIMALS)
    return [
        Part("scores", r"scaled scores $Q K^T / \sqrt{d_k}$", rounded, "matrix"),
        Part("weights", r"attention weights $A$ (rows sum to 1)", rounded, "matrix"),
        Part("output", "output $A V$", rounded, "matrix"),
    ]


def stem(p: Params) -> Stem:
    n, d_k = len(p.Q), len(p.Q[0])
    mask = (
        r" The attention is causal: token $i$ attends only to tokens $j \leq i$ (scores with "
        r"$j > i$ are set to $-\infty$ before the softmax)."
        if p.causal
        else ""
    )
    return Stem(
        f"Self-attention over {n} tokens has queries $Q = {mat(p.Q)}$, keys $K = {mat(p.K)}$ "
        f"and values $V = {mat(p.V)}$ (one row per token, $d_k = {d_k}$). Compute the scaled "
        r"scores $Q K^T / \sqrt{d_k}$, the attention weights $A$ (a softmax along each row) and "
        r"the output $A V$." + mask
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    d = DECIMALS
    d_k = len(p.Q[0])
    root = math.sqrt(d_k)
    raw = [[score * root for score in row] for row in answer["scores"]]
    out = [
        Step(
            r"Scores $s_{ij} = q_i \cdot k_j$",
            tuple(
                rf"s_{{{i + 1}{j + 1}}} = {dot(q, k)} = {num(raw[i][j], d)}"
                for i, q in enumerate(p.Q)
                for j, k in enumerate(p.K)
            ),
        ),
        Step(
            rf"Scale by $1 / \sqrt{{d_k}} = 1 / \sqrt{{{d_k}}} = {num(1 / root, d)}$",
            (rf"\frac{{Q K^T}}{{\sqrt{{{d_k}}}}} = {mat(answer['scores'], d)}",),
        ),
    ]
    if p.causal:
        out.append(
            Step(
                r"Causal mask: $-\infty$ above the diagonal ($j > i$), so $e^{-\infty} = 0$",
                tuple(
                    rf"\text{{row }} {i + 1}: "
                    + vec(row[: i + 1], d)
                    + (r" \text{ and } -\infty" * (len(row) - i - 1))
                    for i, row in enumerate(answer["scores"])
                ),
            )
        )
    lines = []
    for i, (row, weights) in enumerate(zip(answer["scores"], answer["weights"])):
        kept = row[: i + 1] if p.causal else row
        exps = [math.exp(v - max(kept)) for v in kept]
        lines += [
            rf"e^{{s_{i + 1} - {paren(max(kept), d)}}} = {vec(exps, d)}, \quad "
            rf"\text{{sum}} = {num(sum(exps), d)}",
            rf"a_{i + 1} = {vec(exps, d)} / {num(sum(exps), d)} = {vec(weights, d)}",
        ]
    out += [
        Step(
            r"Softmax along each row (subtracting the row's largest score first)",
            tuple(lines),
        ),
        Step(
            "Output: each token's weights times the values",
            (rf"A V = {mat(answer['weights'], d)} {mat(p.V)} = {mat(answer['output'], d)}",),
        ),
    ]
    return out


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """The weights from the student's scores (masked as the stem says), the output from their
    weights."""
    right = solve(p)
    logits = np.array(given.get("scores", right["scores"]), float)
    if p.causal:
        logits[np.triu_indices(len(p.Q), k=1)] = -np.inf
    shifted = exp(logits - logits.max(axis=1, keepdims=True))
    weights = np.array(given.get("weights", right["weights"]), float)
    return {
        "weights": (shifted / shifted.sum(axis=1, keepdims=True)).tolist(),
        "output": (matmul(weights, np.array(p.V, float))).tolist(),
    }


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation). The
    causal mask is the 0/1 matrix ``keep`` (1 where j <= i) multiplying the exponentials, which
    is what the -infinity scores amount to; without a mask, applying one is an edit."""
    n, d_k = len(p.Q), len(p.Q[0])
    scores, keep = Q("scores", "S"), Q("keep", "M")
    if p.causal:
        shifted = diff(scores, Fn("keptmax", (scores, keep)))
        exponentials = Prod((Fn("exp", (shifted,)), keep))
    else:
        shifted = diff(scores, Fn("rowmax", (scores,)))
        exponentials = Prod((Fn("exp", (shifted,)),), absent=(keep,))
    softmax = 4 if p.causal else 3
    e = Q("e", "e")
    return Computation(
        inputs={"Q": p.Q, "K": p.K, "V": p.V, "d_k": d_k, "n": n, "keep": np.tri(n)},
        lines=(
            Line("raw", MatMul(Q("Q"), T(Q("K"))), 1, "Q K^T"),
            Line("scores", Div(Q("raw", "Q K^T"), Fn("sqrt", (Q("d_k"),))), 2, "S"),
            Line("e", exponentials, softmax),
            Line("weights", Div(e, Fn("rowsum", (e,))), softmax, "A"),
            Line("output", MatMul(Q("weights", "A"), Q("V")), softmax + 1, "A V"),
        ),
        answer=fields(scores="scores", weights="weights", output="output"),
        # the unscaled scores in the softmax; the scores or the exponentials for the weights;
        # the number of tokens for d_k
        neighbours={"scores": ("raw",), "weights": ("scores", "e"), "d_k": ("n",)},
        shown={"d_k": "d_k"},
    )


MISCONCEPTIONS = (
    switched(
        solve_with,
        "did not scale the scores",
        r"Scores are divided by $\sqrt{d_k}$ before the softmax, so that their spread does not "
        r"grow with $d_k$.",
        scale="none",
    ),
    switched(
        solve_with,
        "scaled by d_k instead of sqrt(d_k)",
        r"The scale is $1 / \sqrt{d_k}$: a dot product of $d_k$ unit-variance terms has "
        r"standard deviation $\sqrt{d_k}$.",
        scale="d_k",
    ),
    switched(
        solve_with,
        "took the softmax over the wrong axis",
        "Each query's weights over the keys sum to 1: the softmax runs along each row.",
        axis=0,
    ),
    switched(
        solve_with,
        "ignored the causal mask",
        r"With a causal mask token $i$ sees only tokens $j \leq i$: later tokens get weight 0.",
        when=lambda p: p.causal,
        masked=False,
    ),
    switched(
        solve_with,
        "set the masked scores to 0 instead of -infinity",
        r"A masked score is $-\infty$, so that $e^{-\infty} = 0$ gives it no weight: a score of 0 "
        r"still gets $e^0 = 1$ in the softmax.",
        when=lambda p: p.causal,
        mask_value=0.0,
    ),
)
