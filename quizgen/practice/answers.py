r"""Reading typed answers: forgiving about format, never about the numbers.

Scalars take integers, decimals, fractions and scientific notation (``3``, ``-0.25``, ``1/2``,
``2.5e-3``); vectors take brackets or not, commas or spaces (``[-2, -2, -2]``, ``-2 -2 -2``);
matrices take nested brackets or rows split by ``;`` (``[[1, 2], [3, 4]]``, ``1 2; 3 4``); shape
lists take ``28x28x32, 14x14x32`` or ``28,28,32; 14,14,32``.

>>> parse("1/2", "scalar"), parse("[-2, -2, -2]", "vector"), parse("-2 -2 -2", "vector")
(0.5, [-2.0, -2.0, -2.0], [-2.0, -2.0, -2.0])
>>> parse("1 2; 3 4", "matrix"), parse("28x28x32, 14x14x32", "shapes")
([[1.0, 2.0], [3.0, 4.0]], [[28, 28, 32], [14, 14, 32]])
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from quizgen.core.errors import QuizgenError

EXAMPLES = {
    "scalar": "0.731, -2, 1/2 or 2.5e-3",
    "vector": "[-2, -2, -2] or -2 -2 -2",
    "matrix": "[[1, 2], [3, 4]] or 1 2; 3 4",
    "shapes": "28x28x32, 14x14x32 or 28,28,32; 14,14,32",
}


class AnswerFormatError(QuizgenError):
    """Input that is not an answer of the expected kind; the message shows an example."""


def _number(token: str) -> float:
    token = token.strip().replace("−", "-")
    try:
        if "/" in token:
            return float(Fraction(token.replace(" ", "")))
        return float(token)
    except (ValueError, ZeroDivisionError):
        raise ValueError(token) from None


def _numbers(text: str) -> list[float]:
    tokens = [t for t in re.split(r"[,\s]+", text.strip().strip("[]()").strip()) if t]
    if not tokens:
        raise ValueError(text)
    return [_number(t) for t in tokens]


def _rows(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("[["):
        return [row for row in re.findall(r"\[([^\[\]]*)\]", text)]
    return [row for row in re.split(r"[;\n]", text) if row.strip()]


def parse(text: str, kind: str) -> Any:
    """The answer typed as ``text`` for a part of ``kind``, or AnswerFormatError."""
    try:
        if kind == "scalar":
            return _number(text.strip().strip("[]"))
        if kind == "vector":
            return _numbers(text)
        if kind == "matrix":
            rows = [_numbers(row) for row in _rows(text)]
            if not rows or len({len(r) for r in rows}) != 1:
                raise ValueError(text)
            return rows
        if kind == "shapes":
            shapes = []
            for chunk in re.split(r"[;\n]|(?<=\d)\s*,\s*(?=\d+\s*[x×*])|\]\s*,?\s*\[", text):
                numbers = [n for n in re.split(r"[x×*,\s\[\]]+", chunk) if n]
                if numbers:
                    shapes.append([int(n) for n in numbers])
            flat = [n for s in shapes for n in s]
            if any(len(s) != 3 for s in shapes) and flat and len(flat) % 3 == 0:
                shapes = [flat[i : i + 3] for i in range(0, len(flat), 3)]  # 28,28,32, 14,14,32
            if not shapes or any(len(s) != 3 for s in shapes):
                raise ValueError(text)
            return shapes
    except ValueError:
        pass
    raise AnswerFormatError(f"could not read that as a {kind}; type e.g. {EXAMPLES[kind]}")


def read_order(text: str, steps: int) -> list[int] | None:
    """Step numbers typed in order (``3 1 4 2``, commas or brackets allowed): None unless each
    of 1 to ``steps`` appears exactly once.

    >>> read_order("3, 1, 4, 2", 4), read_order("3 1 1 2", 4)
    ([3, 1, 4, 2], None)
    """
    numbers = text.translate(str.maketrans(",()[]", "     ")).split()
    if sorted(numbers) != sorted(str(k) for k in range(1, steps + 1)):
        return None
    return [int(n) for n in numbers]
