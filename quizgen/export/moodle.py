"""Moodle XML: numerical questions with the paper's tolerance, cloze for multi-part problems,
multiple choice whose wrong options explain the mistake behind them, one category per slot.

Math is written in ``\\( \\)`` and ``\\[ \\]``, which Moodle's MathJax filter typesets.

Moodle gives a cloze question the sum of its sub-question weights as its mark (it ignores
``<defaultgrade>``), and the weights are whole numbers (``{2:NUMERICAL:...}``): each part's
marks as the key shows them, shared over the part's numbers. When a part has more numbers than
marks, a box would carry no weight (a box filled for nothing), so every question's mark is
multiplied by one whole factor, the smallest that gives every box a weight of one or more
(:func:`mark_scale`): the questions keep the blueprint's proportions, and the quiz's
"Maximum grade" set to the blueprint's total brings the marks back exactly.

Cloze feedback goes through Moodle's parser, which ends it at ``~`` or ``}``, then decodes
HTML entities and unescapes only ``\\}`` and ``\\#``: it is written as HTML whose special
characters are numeric entities.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from quizgen.exam.banks import Fill
from quizgen.exam.model import BankItem, Exam, Item, shares
from quizgen.export.layout import (
    Entry,
    derivation_html,
    entries,
    html,
    mistakes,
    number,
    order_html,
    slots,
    solution_html,
    stem_html,
    wrong_values,
)
from quizgen.export.xml_text import indented

PENALTY = "0.3333333"


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "text").text = text
    return element


def _question(
    quiz: ET.Element, kind: str, name: str, text: str, feedback: str, marks: int
) -> ET.Element:
    question = ET.SubElement(quiz, "question", type=kind)
    _text(question, "name", name)
    _text(question, "questiontext", text, format="html")
    _text(question, "generalfeedback", feedback, format="html")
    ET.SubElement(question, "defaultgrade").text = str(marks)
    ET.SubElement(question, "penalty").text = PENALTY
    ET.SubElement(question, "hidden").text = "0"
    return question


def _answer(
    question: ET.Element, fraction: int, text: str, feedback: str, tolerance: float | None = None
) -> None:
    answer = ET.SubElement(question, "answer", fraction=str(fraction), format="html")
    ET.SubElement(answer, "text").text = text
    if tolerance is not None:
        ET.SubElement(answer, "tolerance").text = number(tolerance)
    _text(answer, "feedback", feedback, format="html")


#: ``&`` first (Moodle decodes entities), then the characters its cloze parser reads as syntax;
#: one ``str.translate`` pass, not a join over characters (a tenth of an export's time)
_CLOZE_SPECIAL = str.maketrans(
    {"&": "&amp;", "~": "&#126;", "}": "&#125;", "{": "&#123;", "#": "&#35;", "\\": "&#92;"}
)


def cloze_feedback(html_text: str) -> str:
    r"""HTML feedback as it must stand inside a cloze answer so that Moodle stores exactly
    ``html_text``: every ``&`` escaped once more (Moodle decodes entities), and the characters
    its parser reads as syntax written as numeric entities.

    >>> cloze_feedback("a &lt; b ~ {c} #1 \\(x\\)")
    'a &amp;lt; b &#126; &#123;c&#125; &#35;1 &#92;(x&#92;)'
    """
    return html_text.translate(_CLOZE_SPECIAL)


@lru_cache(maxsize=4096)
def _cloze_html(text: str) -> str:
    """``text`` (with $math$) as cloze feedback; remembered, as a mistake's feedback comes back
    for every number and variant."""
    return cloze_feedback(html(text))


def _cloze(entry: Entry, known: Sequence[tuple[str, str, dict]], weight: int) -> str:
    tol = number(entry.tolerance)
    options = [f"={number(entry.value)}:{tol}#Correct."]
    options += [f"%0%{number(v)}:{tol}#{_cloze_html(fb)}" for v, fb in wrong_values(entry, known)]
    return f"{{{weight}:NUMERICAL:" + "~".join(options) + "}"


def whole_weights(item: Item, scale: int = 1) -> list[int]:
    """Each number's cloze weight: the part's marks (as the key shows them) times ``scale``,
    shared in whole marks over the part's numbers; they add up to the item's marks times
    ``scale``."""
    found = entries(item)
    weights: list[int] = []
    for part, marks in zip(item.solution.parts, item.part_marks, strict=True):
        weights += shares(marks * scale, sum(e.part is part for e in found))
    return weights


def mark_scale(exam: Exam) -> int:
    """The smallest whole factor of every question's marks that gives every cloze box a
    weight of one or more (1 when the marks already do; a part the key gives no marks has
    none to share whatever the factor)."""
    scale = 1
    for slot in slots(exam):
        for item in slot.items:
            if isinstance(item, BankItem) or item.choices:
                continue
            found = entries(item)
            if len(found) < 2:
                continue
            for part, marks in zip(item.solution.parts, item.part_marks, strict=True):
                boxes = sum(e.part is part for e in found)
                if marks:
                    scale = max(scale, -(-boxes // marks))
    return scale


def _generated(quiz: ET.Element, item: Item, name: str, scale: int) -> bool:
    """Write the item, its marks times ``scale``; True when some of its numbers carry no
    weight (a part the key gives no marks)."""
    feedback = solution_html(item)
    if item.choices:
        question = _question(
            quiz,
            "multichoice",
            name,
            stem_html(item) + f"<p>{html(item.choice_prompt)}</p>",
            feedback,
            item.marks * scale,
        )
        ET.SubElement(question, "single").text = "true"
        ET.SubElement(question, "shuffleanswers").text = "1"
        ET.SubElement(question, "answernumbering").text = "ABCD"
        for choice in item.choices:
            why = (
                "Correct."
                if choice.correct
                else (f"It looks like you {choice.misconception}: {choice.explanation}")
            )
            _answer(question, 100 if choice.correct else 0, html(choice.text), html(why))
        return False
    found = entries(item)
    known = mistakes(item)
    if len(found) == 1:
        (entry,) = found
        question = _question(
            quiz,
            "numerical",
            name,
            stem_html(item) + f"<p>{html(entry.part.label)} = ?</p>",
            feedback,
            item.marks * scale,
        )
        _answer(question, 100, number(entry.value), "Correct.", entry.tolerance)
        for value, why in wrong_values(entry, known):
            _answer(question, 0, number(value), html(why), entry.tolerance)
        _answer(question, 0, "*", f"The answer is {entry.shown}.", 0)
        return False
    weights = whole_weights(item, scale)
    blanks = "".join(
        f"<p>{html(e.label)} = {_cloze(e, known, w)}</p>"
        for e, w in zip(found, weights, strict=True)
    )
    _question(quiz, "cloze", name, stem_html(item) + blanks, feedback, item.marks * scale)
    return 0 in weights


def _bank(quiz: ET.Element, item: BankItem, name: str, scale: int) -> None:
    prompt = f"<p>{html(item.bank.question.prompt)}</p>"
    feedback = derivation_html(item)
    if item.kind == "derive":
        question = _question(quiz, "essay", name, prompt, feedback, item.marks * scale)
        ET.SubElement(question, "responseformat").text = "editor"
        _text(
            question,
            "graderinfo",
            feedback
            + "<p>Marks per step: "
            + ", ".join(str(s.marks * scale) for s in item.bank.steps)
            + "</p>",
            format="html",
        )
        return
    if item.kind == "order":
        question = _question(
            quiz,
            "multichoice",
            name,
            order_html(item),
            feedback,
            item.marks * scale,
        )
        ET.SubElement(question, "single").text = "true"
        ET.SubElement(question, "shuffleanswers").text = "1"
        for text, right in _orders(item):
            _answer(
                question,
                100 if right else 0,
                text,
                "Correct." if right else f"The derivation runs {item.right_order}.",
            )
        return
    asked = item.bank.question  # a choice or fill question: the others are written above
    if isinstance(asked, Fill):  # the derivation with its blank step as "?"
        prompt += feedback.replace(item.bank.steps[asked.blank - 1].formula, "?")
    question = _question(quiz, "multichoice", name, prompt, feedback, item.marks * scale)
    ET.SubElement(question, "single").text = "true"
    ET.SubElement(question, "shuffleanswers").text = "1"
    for option in item.options:
        _answer(
            question,
            100 if option.correct else 0,
            html(option.text),
            html(option.why or ("Correct." if option.correct else "Not this one.")),
        )


def _orders(item: BankItem) -> list[tuple[str, bool]]:
    """A right order and up to three near misses (two neighbouring steps swapped) that the
    derivation does not allow (swapping interchangeable steps is still right)."""
    right = [item.order.index(j) + 1 for j in range(len(item.order))]
    out = [(" ".join(map(str, right)), True)]
    for i in range(len(right) - 1):
        wrong = [*right]
        wrong[i], wrong[i + 1] = wrong[i + 1], wrong[i]
        if item.accepts_order(wrong):
            continue
        out.append((" ".join(map(str, wrong)), False))
        if len(out) == 4:
            break
    return out


def write_moodle(exam: Exam, target: Path) -> list[str]:
    quiz = ET.Element("quiz")
    notes = []
    unweighted: list[str] = []
    scale = mark_scale(exam)
    for slot in slots(exam):
        category = ET.SubElement(quiz, "question", type="category")
        _text(category, "category", f"$course$/top/quizgen/{exam.blueprint.title}/{slot.title}")
        for variant, item in enumerate(slot.items, start=1):
            name = f"{slot.title} variant {variant} ({item.code})"
            if isinstance(item, BankItem):
                _bank(quiz, item, name, scale)
            elif _generated(quiz, item, name, scale) and slot.title not in unweighted:
                unweighted.append(slot.title)
        if isinstance(slot.items[0], BankItem) and slot.items[0].kind == "order":
            notes.append(
                f"{slot.title}: ordering exported as multiple choice among orders "
                "(Moodle's ordering type is not on every site)"
            )
    if scale > 1:
        total = exam.blueprint.total_marks
        notes.append(
            f"every question's marks are multiplied by {scale} (the quiz totals "
            f"{total * scale} for the paper's {total}) so that every cloze box carries a whole "
            "weight, as Moodle's weights are whole marks: set the quiz's Maximum grade to "
            f"{total} and Moodle scales the marks back exactly"
        )
    if unweighted:
        notes.append(
            f"{len(unweighted)} cloze slot(s) ({', '.join(unweighted)}) have parts the key "
            "gives no marks, so their boxes carry none (give those items more marks in the "
            "blueprint to weight every box)"
        )
    data = '<?xml version="1.0" encoding="UTF-8"?>\n' + indented(quiz) + "\n"
    target.write_text(data, encoding="utf-8")
    return notes
