"""Pieces that several topics share (not a topic: the registry skips ``_`` modules)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from quizgen.draw import on_grid
from quizgen.latex import num, vec
from quizgen.model import Difficulty, Step
from quizgen.topics import Degenerate


def draw_logits(rng: np.random.Generator, difficulty: Difficulty) -> list[int | float]:
    """Logits a student can exponentiate by hand: K = 3 or 4, never near a tie (a near tie
    makes the probabilities hard to tell apart at the shown precision)."""
    if difficulty == "easy":
        k, step, gap = 3, 1.0, 1.0
    elif difficulty == "medium":
        k, step, gap = 3, 0.5, 0.5
    else:
        k, step, gap = 4, 0.1, 0.3
    z = [on_grid(rng, -2, 3, step) for _ in range(k)]
    if min(abs(a - b) for i, a in enumerate(z) for b in z[i + 1 :]) < gap - 1e-9:
        raise Degenerate
    return z


def softmax_steps(z: Sequence[float], probs: Sequence[float], decimals: int) -> list[Step]:
    """Exponentials, their sum S, and y_hat_k = e^{z_k} / S, as the seed computes softmax."""
    exps = [math.exp(v) for v in z]
    total = sum(exps)
    return [
        Step(
            "Exponentials",
            tuple(
                rf"e^{{z_{k + 1}}} = e^{{{num(v)}}} = {num(e, decimals)}"
                for k, (v, e) in enumerate(zip(z, exps))
            ),
        ),
        Step(
            "Normaliser",
            (
                rf"S = \sum_k e^{{z_k}} = {' + '.join(num(e, decimals) for e in exps)}"
                rf" = {num(total, decimals)}",
            ),
        ),
        Step(
            r"Probabilities $\hat{y}_k = e^{z_k} / S$",
            tuple(
                rf"\hat{{y}}_{k + 1} = \frac{{{num(e, decimals)}}}{{{num(total, decimals)}}}"
                rf" = {num(p, decimals)}"
                for k, (e, p) in enumerate(zip(exps, probs))
            ),
            rf"\hat{{y}} = {vec(probs, decimals)}",
        ),
    ]
