"""Pieces that several topics and forms share: mistakes as switches, drawing helpers, the checks
an inverse or what-if form makes of its draws (not a topic: the registry skips ``_`` modules)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from quizgen.core.draw import on_grid
from quizgen.core.grading import same_answer
from quizgen.core.latex import num, paren, vec
from quizgen.core.model import Difficulty, Misconception, Part, Step
from quizgen.core.mutation import Div, Fn, Line, Q, diff
from quizgen.topics import Degenerate


def switched(
    solve_with: Callable[..., Any],
    label: str,
    explanation: str,
    *,
    when: Callable[[Any], bool] | None = None,
    **switches: Any,
) -> Misconception:
    """A mistake that is a set of switches of the topic's ``solve_with``: its answer is
    computed from them (so it also combines with another mistake's, two at once); ``when``
    says on which problems it can arise (elsewhere it gives no answer)."""

    def solve(p: Any) -> Any:
        return solve_with(p, **switches) if when is None or when(p) else None

    return Misconception(label, explanation, solve, switches=switches)


def changing(
    solve_with: Callable[..., Any],
    label: str,
    explanation: str,
    *,
    when: Callable[[Any], bool] | None = None,
    **switches: Any,
) -> Misconception:
    """:func:`switched`, arising only on problems where the switches change the answer: a
    form's mistake that gives the right answer there cannot be told from knowing the method."""

    def arises(p: Any) -> bool:
        return (when is None or when(p)) and solve_with(p, **switches) != solve_with(p)

    return switched(solve_with, label, explanation, when=arises, **switches)


def dropped_loss_minus(solve: Callable[[Any], dict[str, Any]]) -> Misconception:
    """Cross-entropy written without its minus sign: the loss comes out negative (the rest of
    the answer is unchanged)."""
    return Misconception(
        "dropped the minus sign of the loss",
        r"Cross-entropy is $-\log$ of the probability given to the true class, so it is never "
        "negative.",
        lambda p: {**solve(p), "loss": -solve(p)["loss"]},
    )


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


#: Beyond this, exponentials are shown after subtracting the largest logit.
SHIFT_ABOVE = 20


def softmax_steps(z: Sequence[float], probs: Sequence[float], decimals: int) -> list[Step]:
    """Exponentials, their sum S, and y_hat_k = e^{z_k} / S, as the seed computes softmax.
    Huge logits are first shifted by the largest one (softmax does not change), as a careful
    student would, so that every number shown is finite."""
    shift = max(z) if max(abs(v) for v in z) > SHIFT_ABOVE else 0
    exps = [math.exp(v - shift) for v in z]
    total = sum(exps)
    steps = []
    if shift:
        steps.append(
            Step(
                "Subtract the largest logit (softmax is unchanged by a shift)",
                (rf"z - {num(shift)} = {vec([v - shift for v in z])}",),
            )
        )
    exponent = (lambda v: f"{num(v)} - {paren(shift)}") if shift else num
    return [
        *steps,
        Step(
            "Exponentials",
            tuple(rf"e^{{{exponent(v)}}} = {num(e, decimals)}" for v, e in zip(z, exps)),
        ),
        Step(
            "Normaliser",
            (
                rf"S = {' + '.join(num(e, decimals) for e in exps)}"
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


def softmax_lines(z: Sequence[float]) -> tuple[dict[str, float], list[Line]]:
    """Softmax as :func:`softmax_steps` works it, as data for mistakes nobody listed: the
    exponentials (of the shifted logits when shifted), their sum S and y_hat = e / S."""
    shifted = max(abs(v) for v in z) > SHIFT_ABOVE
    first = 2 if shifted else 1
    exponent = diff(Q("z"), Q("m", "max z")) if shifted else Q("z")
    return {"m": max(z) if shifted else 0.0}, [
        Line("e", Fn("exp", (exponent,)), first, "e^z"),
        Line("S", Fn("sum", (Q("e", "e^z"),)), first + 1),
        Line("probs", Div(Q("e", "e^z"), Q("S")), first + 2, "y_hat"),
    ]


def a_mistake_is_right(
    params: Any,
    solve: Callable[[Any], dict[str, Any]],
    parts: Callable[[Any], Sequence[Part]],
    mistakes: Sequence[Misconception],
) -> bool:
    """Does one of a form's named mistakes give the right answer on ``params`` (at the parts'
    precision)? A form's generator redraws such a draw: a student making that mistake would be
    marked right, and the mistake could not be named."""
    return a_mistake_gives(mistakes, params, parts(params), solve(params))


def a_mistake_gives(
    mistakes: Sequence[Misconception],
    params: Any,
    parts: Sequence[Part],
    answer: Mapping[str, Any],
) -> bool:
    """Does one of ``mistakes`` that can arise give ``answer`` at the parts' precision?"""
    for mistake in mistakes:
        wrong = mistake.solve(params)
        if wrong is not None and same_answer(parts, wrong, answer):
            return True
    return False


def short_decimal(value: float, decimals: int = 4) -> int | float:
    """``value`` as a question states it (an int when whole), or Degenerate when it needs more
    than ``decimals`` decimals: a stated number must be exact, not rounded."""
    shown = round(value, decimals)
    if abs(shown - value) > 1e-9:
        raise Degenerate
    return int(shown) if shown == int(shown) else shown


def require_mistakes_to_show(
    misconceptions: Sequence[Misconception],
    params: Any,
    parts: Sequence[Part],
    answer: Mapping[str, Any],
) -> None:
    """Raise :class:`Degenerate` for a draw on which a mistake that can arise gives the right
    answer at the printed precision: that draw would tell nobody anything about the mistake,
    and would name a right answer as it."""
    if a_mistake_gives(misconceptions, params, parts, answer):
        raise Degenerate


def require_fields(params: Any, switch: str, needs: Mapping[str, Sequence[str]]) -> None:
    """Each case of a form's question (the value of the field ``switch``, a key of ``needs``)
    has its own fields: a ValueError names one it lacks, or one given that it does not use."""
    case = getattr(params, switch)
    used = needs[case]
    for name in dict.fromkeys(f for fields in needs.values() for f in fields):
        if name in used and getattr(params, name) is None:
            raise ValueError(f'{switch} "{case}" needs {name}')
        if name not in used and getattr(params, name) is not None:
            raise ValueError(f'{name} is not used when {switch} is "{case}"')


def clean(value: float) -> int | float:
    """A computed target as a record states it: rounded off float noise (10 decimals), an int
    when whole (``5``, not ``5.0000000001``)."""
    rounded = round(value, 10)
    return int(rounded) if rounded == int(rounded) else rounded
