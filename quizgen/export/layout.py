"""How an export lays out a built exam: one slot's variants side by side, each question's
text as LMS HTML, every number a student types (``entries``) with its share of the marks, the
mistakes worth feedback. The exporters write these, and the LMS-report readers of marking read
them back, so both sides import this one contract.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from html import escape as _escape
from typing import Any

from quizgen.core.grading import entry_name
from quizgen.core.latex import fixed, segments
from quizgen.core.model import Difficulty, Part, Step
from quizgen.exam.banks import BankQuestion
from quizgen.exam.blueprint import Blueprint, ItemSpec, Section
from quizgen.exam.build import build_exam
from quizgen.exam.model import BankItem, Exam, Item


def topic_exam(
    asked: Sequence[str | tuple[str, str]], variants: int, seed: int, difficulty: Difficulty
) -> Exam:
    """``variants`` variants of each topic asked (a name, asked forward, or a (name, form)
    pair), as an exam with one item per topic and form and one version per variant."""
    pairs = [(a, "forward") if isinstance(a, str) else a for a in asked]
    specs = [
        ItemSpec(
            topic=name,
            form=form,
            difficulty=difficulty,
            marks=1,
            id=name if form == "forward" else f"{name}-{form}",
        )
        for name, form in pairs
    ]
    topic_names = list(dict.fromkeys(name for name, _ in pairs))
    title = topic_names[0] if len(topic_names) == 1 else "topics"
    blueprint = Blueprint(
        title=f"quizgen: {title}", sections=[Section(title=title, shuffle=False, items=specs)]
    )
    return build_exam(blueprint, seed, variants)


def blueprint_exam(
    blueprint: Blueprint, variants: int, seed: int, bank: Sequence[BankQuestion] | None = None
) -> Exam:
    """Each slot's ``variants`` come from the exam's versions; section order is kept."""
    unshuffled = blueprint.model_copy(
        update={"sections": [s.model_copy(update={"shuffle": False}) for s in blueprint.sections]}
    )
    return build_exam(unshuffled, seed, variants, bank)


@dataclass(frozen=True)
class Slot:
    """One blueprint slot with its variants (one per version), in version order."""

    slot: str
    title: str
    items: tuple[Item | BankItem, ...]


def slots(exam: Exam) -> list[Slot]:
    by_slot: dict[str, list[Item | BankItem]] = {}
    for version in exam.versions:
        for item in version.items:
            by_slot.setdefault(item.slot, []).append(item)
    out = []
    for slot, items in by_slot.items():
        first = items[0]
        what = asked_as(first) if isinstance(first, Item) else f"{first.kind} question"
        title = what if slot == what else f"{slot} {what}"
        out.append(Slot(slot, title, tuple(items)))
    return out


def asked_as(item: Item) -> str:
    """The topic and, for a form other than forward, the form: "sigmoid", "sigmoid-inverse"
    (as ``export --topic T --form F`` names its slots)."""
    problem = item.problem
    return problem.topic if problem.form == "forward" else f"{problem.topic}-{problem.form}"


def escape(text: str) -> str:
    """HTML-escape text for a text node (quotes may stay as they are)."""
    return _escape(text, quote=False)


@lru_cache(maxsize=4096)
def html(text: str) -> str:
    """Text with $math$ as HTML for an LMS: text escaped, math in \\( \\) for MathJax.
    Remembered: the same stems and mistakes' explanations come back in every variant."""
    return "".join(
        f"\\({escape(piece)}\\)" if is_math else escape(piece) for is_math, piece in segments(text)
    )


def display(latex: str) -> str:
    return f"\\[{escape(latex)}\\]"


def stem_html(item: Item) -> str:
    """The question as HTML: stem, data table and the worked solution it shows (a spot
    form's steps to check, a numbered list)."""
    parts = [f"<p>{html(item.stem.text)}</p>"]
    if item.stem.table:
        header = "".join(f"<th>{html(c)}</th>" for c in item.stem.table.header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html(c)}</td>" for c in row) + "</tr>"
            for row in item.stem.table.rows
        )
        parts.append(f'<table border="1"><tr>{header}</tr>{rows}</table>')
    if item.stem.worked:
        parts.append(steps_html(item.stem.worked))
    return "".join(parts)


def order_html(item: BankItem) -> str:
    """An ordering question as both LMSs get it (multiple choice among orders): the prompt,
    the shown steps, and the question."""
    shown = "".join(f"<li>\\({s.formula}\\)</li>" for s in item.shown_steps)
    return f"<p>{html(item.bank.question.prompt)}</p><ol>{shown}</ol><p>Which order is right?</p>"


def steps_html(steps: Sequence[Step]) -> str:
    """Steps as a numbered HTML list: each step's title, then its lines and result."""
    out = ["<ol>"]
    for step in steps:
        lines = "".join(display(line) for line in step.lines)
        result = display(step.result) if step.result else ""
        out.append(f"<li>{html(step.title)}{lines}{result}</li>")
    out.append("</ol>")
    return "".join(out)


def solution_html(item: Item) -> str:
    """The worked solution as HTML, for general feedback and card backs."""
    return steps_html(item.solution.steps)


def derivation_html(item: BankItem) -> str:
    return (
        "<ol>"
        + "".join(
            f"<li>{display(s.formula)} <em>{html(s.reason)}</em></li>" for s in item.bank.steps
        )
        + "</ol>"
    )


@dataclass(frozen=True)
class Entry:
    """One number to type: a scalar part, or one entry of a vector, matrix or shape list."""

    part: Part
    index: tuple[int, ...]
    value: float
    marks: float = 1.0

    @property
    def where(self) -> str:
        """Which entry of the part, in words: "entry 2", "row 1, column 2", "layer 2: width"."""
        return entry_name(self.part, self.index)

    @property
    def label(self) -> str:
        """The part's label (with $math$) and, for one entry of a list, which one."""
        return f"{self.part.label}, {self.where}" if self.where else self.part.label

    @cached_property
    def tolerance(self) -> float:
        """The absolute tolerance the paper's one rule gives this value (remembered: each
        mistake's value is held to it)."""
        return 0.0 if self.part.precision.exact else self.part.precision.tolerance(self.value)

    @property
    def shown(self) -> str:
        return fixed(self.value, self.part.precision)


def _walk(value: Any, index: tuple[int, ...], out: list[tuple[tuple[int, ...], float]]) -> None:
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _walk(v, (*index, i), out)
    else:
        out.append((index, float(value)))


def _count(value: Any) -> int:
    if isinstance(value, (list, tuple)):
        return sum(_count(v) for v in value)
    return 1


def numbers_per_part(item: Item) -> list[int]:
    """How many numbers each part asks for (the entries of its list answer, or one)."""
    answer = item.solution.answer
    return [_count(answer[part.key]) for part in item.solution.parts]


def entries(item: Item) -> list[Entry]:
    """Every number the item asks for, each with its share of the part's marks."""
    out = []
    for part, marks in zip(item.solution.parts, item.part_marks, strict=True):
        found: list[tuple[tuple[int, ...], float]] = []
        _walk(item.solution.answer[part.key], (), found)
        out += [Entry(part, index, value, marks / len(found)) for index, value in found]
    return out


class Numbers:
    """Each item's numbers with its known mistakes' values (:func:`wrong_values`), for one
    export. A problem's are worked out once: a topic with few distinct problems (sigmoid at
    medium difficulty has 16) brings the same ones back in many variants, under other seeds.
    They depend on the problem alone (an item's solution is its topic's solution of its
    params; its marks change only the entries' shares): its topic, form, difficulty and params,
    told apart by their exact ``repr``."""

    def __init__(self) -> None:
        self._wrong: dict[tuple[str, str, str | None, str], list[list[tuple[float, str]]]] = {}

    def of(self, item: Item) -> list[tuple[Entry, list[tuple[float, str]]]]:
        problem = item.problem
        key = (problem.topic, problem.form, problem.difficulty, repr(problem.params))
        found = entries(item)
        wrong = self._wrong.get(key)
        if wrong is None:
            known = mistakes(item)
            wrong = self._wrong[key] = [wrong_values(entry, known) for entry in found]
        return list(zip(found, wrong, strict=True))


@lru_cache(maxsize=4096)
def plain(text: str) -> str:
    """Text with $math$ as plain Unicode, for fields an LMS shows as plain text (titles).
    Remembered, as ``html``: the same labels come back in every variant."""
    from quizgen.render.unicode_math import inline

    return inline(text)


def value_at(answer: Any, index: tuple[int, ...]) -> float | None:
    """The entry at ``index`` of a (possibly nested) answer, or None if its shape differs."""
    for i in index:
        if not isinstance(answer, (list, tuple)) or i >= len(answer):
            return None
        answer = answer[i]
    return None if isinstance(answer, (list, tuple)) else float(answer)


def mistakes(item: Item) -> list[tuple[str, str, dict]]:
    """(label, explanation, answer) of each known mistake that gives a distinct answer."""
    from quizgen import topics
    from quizgen.core.grading import distinct_misconceptions

    topic = topics.get(item.problem.topic, item.problem.form)
    found = distinct_misconceptions(topic.misconceptions, item.problem.params, item.solution)
    return [(m.label, m.explanation, dict(answer)) for m, answer in found]


def wrong_values(
    entry: Entry, mistakes: Sequence[tuple[str, str, dict]]
) -> list[tuple[float, str]]:
    """(value, "It looks like you ...") for each mistake whose value of this entry lies
    outside the right answer's tolerance (and apart from the others)."""
    key, index, right, tolerance = entry.part.key, entry.index, entry.value, entry.tolerance
    # ``accepts(value, right)`` for every mistake, with the tolerance of ``right`` worked out once
    within = entry.part.precision.tolerance(right)
    out: list[tuple[float, str]] = []
    for label, explanation, answer in mistakes:
        given = answer.get(key)
        if given is None:  # a mistake that gives no value for this part
            continue
        value = value_at(given, index)
        if value is None or not math.isfinite(value) or abs(value - right) <= within:
            continue
        if all(abs(value - v) > tolerance for v, _ in out):
            out.append((value, f"It looks like you {label}: {explanation}"))
    return out


def number(value: float) -> str:
    """A number as an LMS reads it: at most 12 significant digits, no float noise."""
    text = format(value, ".12g")
    return "0" if text in ("-0", "-0.0") else text
