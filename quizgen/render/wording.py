"""Words that both engines print (the HTML templates and the Typst ones), written once: the
tolerance rule, the ordering question's marking rule, how to round, the part letters.
``register`` puts them in a Jinja environment; the Typst environment escapes them itself."""

from __future__ import annotations

from jinja2 import Environment

from quizgen.core.model import RELATIVE_TOLERANCE, Precision, part_letter

RELATIVE_PERCENT = f"{100 * RELATIVE_TOLERANCE:g} %"
TOLERANCE_RULE = (
    "Rounded answers are accepted within one unit of the last decimal place shown or "
    f"{RELATIVE_PERCENT} of the value, whichever is larger; exact answers must match."
)
ORDER_RULE = "(one mark per step in its right place; follow-through for a pair swapped)"


def counted(number: int, noun: str) -> str:
    """``1 decimal place``, ``2 decimal places``: a number with its noun (regular plurals).

    >>> counted(1, "decimal place"), counted(3, "decimal place")
    ('1 decimal place', '3 decimal places')
    """
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def tolerance(precision: Precision) -> str:
    """The tolerance a key prints beside an answer: ``(± 0.001 or 0.2 %)``, or ``(exact)``."""
    if precision.exact:
        return "(exact)"
    return f"(± {10.0**-precision.decimals:.{precision.decimals}f} or {RELATIVE_PERCENT})"


def rounding(precision: Precision) -> str:
    """How to round, as a question says it: `` (to 3 decimal places)``, nothing if exact."""
    if precision.exact:
        return ""
    return f" (to {counted(precision.decimals, 'decimal place')})"


def percent(part: float, whole: float = 1) -> str:
    """``part`` of ``whole`` as a page shows it, to the nearest whole percent: ``67 %``.

    >>> percent(2, 3), percent(0.125)
    ('67 %', '12 %')
    """
    return f"{round(100 * part / whole)} %"


def register(env: Environment) -> None:
    env.globals.update(
        part_letter=part_letter,
        percent=percent,
        tolerance_rule=TOLERANCE_RULE,
        order_rule=ORDER_RULE,
    )
    env.filters.update(rounding=rounding, tolerance=tolerance)
