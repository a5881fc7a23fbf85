"""Pieces the inverse forms share (not a topic: the registry skips ``_`` modules)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from quizgen.core.model import Misconception, Part
from quizgen.topics import Degenerate
from quizgen.topics._shared import a_mistake_gives


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
