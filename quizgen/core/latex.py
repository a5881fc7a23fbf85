"""Numbers and arrays as LaTeX, and answers as text, at a given number of decimals.

Worked steps show exact values as they are (``0.5``, ``-2``) and other values rounded; answers are
shown at the precision they are marked at, trailing zeros kept (``0.4750``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from quizgen.core.model import Precision

STEP_DECIMALS = 4
_INLINE_MATH = re.compile(r"\$(.+?)\$")


def segments(text: str) -> Iterator[tuple[bool, str]]:
    """Split text with inline ``$math$`` into (is_math, piece), for every writer to render.

    >>> list(segments("For $z = 1$, find it."))
    [(False, 'For '), (True, 'z = 1'), (False, ', find it.')]
    """
    last = 0
    for match in _INLINE_MATH.finditer(text):
        if match.start() > last:
            yield False, text[last : match.start()]
        yield True, match.group(1)
        last = match.end()
    if last < len(text):
        yield False, text[last:]


def round_half_up(x: float | int | Fraction, decimals: int) -> Decimal:
    """Round the way a student does by hand (0.25 -> 0.3), from the shortest decimal form of x.

    >>> str(round_half_up(0.25, 1)), str(round_half_up(-2.675, 2)), str(round_half_up(3, 0))
    ('0.3', '-2.68', '3')
    """
    exact = Decimal(repr(float(x))) if not isinstance(x, int) else Decimal(x)
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def num(x: float | int | Fraction, decimals: int = STEP_DECIMALS) -> str:
    """A number as it appears in a worked step: exact when short, rounded otherwise.

    >>> num(2.0), num(-0.5), num(0.7310585786300049, 3), num(-1e-12), num(0.25, 1)
    ('2', '-0.5', '0.731', '0', '0.3')
    """
    rounded = round_half_up(x, decimals)
    if rounded == 0:
        return "0"
    text = format(rounded.normalize(), "f")
    if abs(float(x) - float(rounded)) < 1e-12 * max(1.0, abs(float(x))):
        return text
    return format(rounded, "f")


def fixed(x: float | int, precision: Precision) -> str:
    """An answer as it is marked: exact values exactly, rounded ones with trailing zeros kept.

    >>> fixed(0.475, Precision(4)), fixed(-2.0, Precision(exact=True))
    ('0.4750', '-2')
    >>> fixed(-0.00001, Precision(3))
    '0.000'
    """
    if precision.exact:
        return num(x, 12)
    rounded = round_half_up(x, precision.decimals)
    return format(abs(rounded) if rounded == 0 else rounded, "f")


def paren(x: float | int | Fraction, decimals: int = STEP_DECIMALS) -> str:
    """A number to multiply by: negative values in parentheses, as in ``0\\cdot(-1)``."""
    text = num(x, decimals)
    return f"({text})" if text.startswith("-") else text


def signed(x: float | int, decimals: int = STEP_DECIMALS) -> str:
    """A number with an explicit sign, as the seed writes targets: ``+1``, ``-1``."""
    text = num(x, decimals)
    return text if text.startswith("-") else f"+{text}"


def vec(xs: Iterable[float], decimals: int = STEP_DECIMALS) -> str:
    """A vector the way the seed writes it: ``[1, -1, -1]``."""
    return "[" + ", ".join(num(x, decimals) for x in xs) + "]"


def mat(rows: Sequence[Sequence[float]], decimals: int = STEP_DECIMALS) -> str:
    """A matrix as a bracketed LaTeX matrix."""
    body = r" \\ ".join(" & ".join(num(x, decimals) for x in row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def answer_text(value: object, precision: Precision) -> str:
    """A scalar, vector, matrix or list of shapes as plain text at the marked precision.

    >>> answer_text([[1, 2.5], [3, 4]], Precision(2))
    '[[1.00, 2.50], [3.00, 4.00]]'
    """
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(answer_text(v, precision) for v in value) + "]"
    return fixed(value, precision)  # type: ignore[arg-type]


def dot(a: Iterable[float], b: Iterable[float], decimals: int = STEP_DECIMALS) -> str:
    r"""A dot product written out term by term: ``0\cdot 1 + 0\cdot(-1)``."""
    return " + ".join(
        f"{paren(x, decimals)}\\cdot {paren(y, decimals)}" for x, y in zip(a, b, strict=True)
    )


def exp_value(x: float, decimals: int = STEP_DECIMALS) -> str:
    r"""e^x as a number, in scientific notation once it is too large to write out.

    >>> exp_value(1, 3), exp_value(800)
    ('2.718', '2.7264 \\times 10^{347}')
    """
    if x < 20:
        return num(math.exp(x), decimals)
    power = x / math.log(10)
    exponent = math.floor(power)
    return rf"{num(10 ** (power - exponent), decimals)} \times 10^{{{exponent}}}"
