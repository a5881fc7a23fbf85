"""A field's boxes read as an answer, or a reason a person must look: never a guess.

Every column of a field holds one symbol: a number's sign and digits, a letter, the step at one
position of an order, a mark. A column is blank, or exactly one filled box, or unclear (a mark
between the thresholds, two boxes filled). A number may leave leading digits blank; a blank
column after its first digit, or any decimal column blank, sends it to review, as does a value
outside the slot's range of answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from quizgen.scan.layout import FieldLayout, PageLayout
from quizgen.scan.marks import State

BLANK = ""


@dataclass(frozen=True)
class FieldReading:
    """What a field says: ``text`` (BLANK when nothing is marked) or a ``doubt`` naming why a
    person must decide, with ``guess``, the reading's best guess, shown to them."""

    field: FieldLayout
    text: str
    doubt: str | None = None
    guess: str = ""


def columns_of(field: FieldLayout, page: PageLayout, states: tuple[State, ...]) -> list:
    """Per column (left to right): BLANK, the one symbol filled, or None (unclear), with the
    reason for the first unclear one."""
    by_column: dict[int, list[int]] = {}
    for i in field.boxes:
        by_column.setdefault(int(page.columns[i]), []).append(i)
    values: list[str | None] = []
    reasons: list[str] = []
    guesses: list[str] = []
    for column in sorted(by_column):
        boxes = by_column[column]
        filled = [i for i in boxes if states[i] == "filled"]
        unclear = [i for i in boxes if states[i] == "unclear"]
        if unclear:
            reasons.append("a mark between empty and filled")
            values.append(None)
        elif len(filled) > 1:
            reasons.append("two boxes filled in one column")
            values.append(None)
        else:
            values.append(page.symbols[filled[0]] if filled else BLANK)
        guesses.append(page.symbols[(filled or unclear)[0]] if filled or unclear else "_")
    return [values, reasons, guesses]


def read_field(field: FieldLayout, page: PageLayout, states: tuple[State, ...]) -> FieldReading:
    values, reasons, guesses = columns_of(field, page, states)
    if field.kind == "number":
        guess = _number_guess(field, guesses)
    elif field.kind == "order":
        guess = " ".join(guesses)
    else:
        guess = "".join(g for g in guesses if g != "_")
    if reasons:
        return FieldReading(field, "", reasons[0], guess)
    if field.kind == "number":
        return _number(field, values, guess)
    if field.kind == "id":
        digits = "".join(values)
        if not digits:
            return FieldReading(field, "", "no student id marked", guess)
        if BLANK in values[values.index(digits[0]) :] if digits else False:
            return FieldReading(field, "", "a blank column inside the student id", guess)
        return FieldReading(field, digits)
    if field.kind == "order":
        if all(v == BLANK for v in values):
            return FieldReading(field, BLANK)
        if BLANK in values:
            return FieldReading(field, "", "a position of the order left blank", guess)
        return FieldReading(field, " ".join(values))
    chosen = [v for v in values if v != BLANK]
    if len(chosen) > 1:
        what = "two marks given" if field.kind == "marks" else "two answers marked"
        return FieldReading(field, "", what, guess)
    if not chosen and field.kind == "marks":
        return FieldReading(field, "", "no mark given by the marker", guess)
    return FieldReading(field, chosen[0] if chosen else BLANK)


def _number_guess(field: FieldLayout, guesses: list[str]) -> str:
    sign = guesses[0] if field.signed else "_"
    digits = guesses[1:] if field.signed else guesses
    whole = "".join(digits[: field.integers])
    fraction = "".join(digits[field.integers :])
    return ("-" if sign == "-" else "") + whole + ("." + fraction if fraction else "")


def _number(field: FieldLayout, values: list[str], guess: str) -> FieldReading:
    negative = field.signed and values[0] == "-"
    digits = values[1:] if field.signed else values
    if not negative and all(d == BLANK for d in digits):
        return FieldReading(field, BLANK)
    whole, fraction = digits[: field.integers], digits[field.integers :]
    started = [i for i, d in enumerate(whole) if d != BLANK]
    if started and BLANK in whole[started[0] :]:
        return FieldReading(field, "", "a blank column inside the number", guess)
    if BLANK in fraction:
        return FieldReading(field, "", "a decimal column left blank", guess)
    text = ("".join(whole).lstrip("0") or "0") + ("." + "".join(fraction) if fraction else "")
    value = float(text) * (-1 if negative else 1)
    if negative and value == 0:
        return FieldReading(field, "", "a minus sign on zero", guess)
    text = ("-" if negative else "") + text
    if not field.low <= value <= field.high:
        return FieldReading(field, "", "outside the range of this question's answers", text)
    return FieldReading(field, text)
