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

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from quizgen.exam.banks import Fill
from quizgen.exam.model import BankItem, Exam, Item, shares
from quizgen.export.layout import (
    Entry,
    Numbers,
    derivation_html,
    html,
    number,
    numbers_per_part,
    order_html,
    slots,
    solution_html,
    stem_html,
)
from quizgen.export.xml_text import SPACE, document, leaf, parent, text

PENALTY = "0.3333333"


#: a question's children, one level inside ``<quiz>``, and theirs
IN, IN2 = SPACE * 2, SPACE * 3
HTML = ' format="html"'


def _text(pad: str, tag: str, escaped: str, attrs: str = "") -> str:
    """Moodle's text field: ``<tag><text>...</text></tag>``, the text already escaped."""
    return f"{pad}<{tag}{attrs}>\n{leaf(pad + SPACE, 'text', escaped)}{pad}</{tag}>\n"


def _question(kind: str, name: str, text_html: str, feedback: str, marks: int) -> str:
    """A question's opening and the fields every type has; the caller adds the rest and
    :data:`END`."""
    return (
        f'{SPACE}<question type="{kind}">\n'
        + _text(IN, "name", text(name))
        + _text(IN, "questiontext", text(text_html), HTML)
        + _text(IN, "generalfeedback", text(feedback), HTML)
        + f"{IN}<defaultgrade>{marks}</defaultgrade>\n"
        + f"{IN}<penalty>{PENALTY}</penalty>\n"
        + f"{IN}<hidden>0</hidden>\n"
    )


END = f"{SPACE}</question>\n"
#: a single-answer multiple-choice question's settings, with and without its numbering
SINGLE = f"{IN}<single>true</single>\n{IN}<shuffleanswers>1</shuffleanswers>\n"
NUMBERED = SINGLE + f"{IN}<answernumbering>ABCD</answernumbering>\n"


def _answer(fraction: int, answer: str, feedback: str, tolerance: float | None = None) -> str:
    within = "" if tolerance is None else f"{IN2}<tolerance>{number(tolerance)}</tolerance>\n"
    return (
        f'{IN}<answer fraction="{fraction}" format="html">\n'
        + leaf(IN2, "text", text(answer))
        + within
        + _text(IN2, "feedback", text(feedback), HTML)
        + f"{IN}</answer>\n"
    )


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


def _cloze(entry: Entry, wrong: Sequence[tuple[float, str]], weight: int) -> str:
    tol = number(entry.tolerance)
    options = [f"={number(entry.value)}:{tol}#Correct."]
    options += [f"%0%{number(v)}:{tol}#{_cloze_html(fb)}" for v, fb in wrong]
    return f"{{{weight}:NUMERICAL:" + "~".join(options) + "}"


def whole_weights(item: Item, scale: int = 1) -> list[int]:
    """Each number's cloze weight: the part's marks (as the key shows them) times ``scale``,
    shared in whole marks over the part's numbers; they add up to the item's marks times
    ``scale``."""
    weights: list[int] = []
    for boxes, marks in zip(numbers_per_part(item), item.part_marks, strict=True):
        weights += shares(marks * scale, boxes)
    return weights


def mark_scale(exam: Exam) -> int:
    """The smallest whole factor of every question's marks that gives every cloze box a
    weight of one or more (1 when the marks already do; a part the key gives no marks has
    none to share whatever the factor)."""
    scale = 1
    for version in exam.versions:
        for item in version.items:
            if isinstance(item, BankItem) or item.choices:
                continue
            counts = numbers_per_part(item)
            if sum(counts) < 2:
                continue
            for boxes, marks in zip(counts, item.part_marks, strict=True):
                if marks:
                    scale = max(scale, -(-boxes // marks))
    return scale


def _generated(item: Item, name: str, scale: int, numbers: Numbers) -> tuple[str, bool]:
    """The item as a question, its marks times ``scale``; and whether some of its numbers
    carry no weight (a part the key gives no marks)."""
    feedback = solution_html(item)
    marks = item.marks * scale
    if item.choices:
        question = stem_html(item) + f"<p>{html(item.choice_prompt)}</p>"
        out = [_question("multichoice", name, question, feedback, marks), NUMBERED]
        for choice in item.choices:
            why = (
                "Correct."
                if choice.correct
                else (f"It looks like you {choice.misconception}: {choice.explanation}")
            )
            out.append(_answer(100 if choice.correct else 0, html(choice.text), html(why)))
        return "".join(out) + END, False
    found = numbers.of(item)
    if len(found) == 1:
        ((entry, wrong),) = found
        question = stem_html(item) + f"<p>{html(entry.part.label)} = ?</p>"
        out = [_question("numerical", name, question, feedback, marks)]
        out.append(_answer(100, number(entry.value), "Correct.", entry.tolerance))
        out += [_answer(0, number(value), html(why), entry.tolerance) for value, why in wrong]
        out.append(_answer(0, "*", f"The answer is {entry.shown}.", 0))
        return "".join(out) + END, False
    weights = whole_weights(item, scale)
    blanks = "".join(
        f"<p>{html(entry.label)} = {_cloze(entry, wrong, w)}</p>"
        for (entry, wrong), w in zip(found, weights, strict=True)
    )
    return _question("cloze", name, stem_html(item) + blanks, feedback, marks) + END, 0 in weights


def _bank(item: BankItem, name: str, scale: int) -> str:
    prompt = f"<p>{html(item.bank.question.prompt)}</p>"
    feedback = derivation_html(item)
    marks = item.marks * scale
    if item.kind == "derive":
        scheme = ", ".join(str(s.marks * scale) for s in item.bank.steps)
        return (
            _question("essay", name, prompt, feedback, marks)
            + f"{IN}<responseformat>editor</responseformat>\n"
            + _text(IN, "graderinfo", text(f"{feedback}<p>Marks per step: {scheme}</p>"), HTML)
            + END
        )
    if item.kind == "order":
        out = [_question("multichoice", name, order_html(item), feedback, marks), SINGLE]
        for answer, right in _orders(item):
            why = "Correct." if right else f"The derivation runs {item.right_order}."
            out.append(_answer(100 if right else 0, answer, why))
        return "".join(out) + END
    asked = item.bank.question  # a choice or fill question: the others are written above
    if isinstance(asked, Fill):  # the derivation with its blank step as "?"
        prompt += feedback.replace(item.bank.steps[asked.blank - 1].formula, "?")
    out = [_question("multichoice", name, prompt, feedback, marks), SINGLE]
    for option in item.options:
        why = option.why or ("Correct." if option.correct else "Not this one.")
        out.append(_answer(100 if option.correct else 0, html(option.text), html(why)))
    return "".join(out) + END


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
    questions = []
    notes = []
    unweighted: list[str] = []
    scale = mark_scale(exam)
    numbers = Numbers()
    for slot in slots(exam):
        path = f"$course$/top/quizgen/{exam.blueprint.title}/{slot.title}"
        questions.append(
            f'{SPACE}<question type="category">\n{_text(IN, "category", text(path))}{END}'
        )
        for variant, item in enumerate(slot.items, start=1):
            name = f"{slot.title} variant {variant} ({item.code})"
            if isinstance(item, BankItem):
                questions.append(_bank(item, name, scale))
                continue
            question, some_unweighted = _generated(item, name, scale, numbers)
            questions.append(question)
            if some_unweighted and slot.title not in unweighted:
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
    target.write_text(document(parent("", "quiz", "".join(questions))), encoding="utf-8")
    return notes
