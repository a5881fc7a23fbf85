"""Exact arithmetic for solvers whose answers hinge on equality (the perceptron's z = 0)."""

from __future__ import annotations

from fractions import Fraction


def exact(x: int | float) -> Fraction:
    """The number a person means by ``x``: 0.1 is 1/10, not the binary float nearest to it.

    >>> exact(0.1) * 3 == Fraction(3, 10)
    True
    """
    return Fraction(x) if isinstance(x, int) else Fraction(repr(float(x)))


def number(q: Fraction) -> int | float:
    """A fraction as a record value: an int when whole, else the nearest float."""
    return int(q) if q.denominator == 1 else float(q)
