"""Pieces the inverse forms share (not a topic: the registry skips ``_`` modules)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from quizgen.core.grading import same_answer
from quizgen.core.model import Misconception, Part
from quizgen.topics import Degenerate


def require_mistakes_to_show(
    misconceptions: Sequence[Misconception],
    params: Any,
    parts: Sequence[Part],
    answer: Mapping[str, Any],
) -> None:
    """Raise :class:`Degenerate` for a draw on which a mistake that can arise gives the right
    answer at the printed precision: that draw would tell nobody anything about the mistake,
    and would name a right answer as it."""
    for mistake in misconceptions:
        wrong = mistake.solve(params)
        if wrong is not None and same_answer(parts, wrong, answer):
            raise Degenerate
