"""Marking each part exactly as the printed key says.

Numeric parts: the key's tolerance rule, the item's marks shared over its parts as the key
prints them, full marks for a part worked right from the student's own wrong earlier answer
(follow-through), and the mistake behind a wrong number named when one known mistake explains
it (``practice.checking``, as the quiz judges). Multiple choice: the right letter; a distractor
names the mistake it was built from. Derivation questions by their marking scheme: fill and
choice by the letter, order one mark per step in its place (a single neighbouring pair swapped
loses one step's mark), derive by the marks the marker entered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from typing_extensions import assert_never

from quizgen.core.latex import answer_text
from quizgen.core.model import Edit, Solution, Step, VerdictWord, part_letter
from quizgen.exam.model import BankItem, Item
from quizgen.marking.papers import Paper, describe
from quizgen.practice.answers import read_order
from quizgen.practice.checking import check_typed
from quizgen.topics import topic_of_section


@dataclass(frozen=True)
class Answer:
    """One typed answer: to a part (a, b, ...; "" for a one-answer question), from a line of
    an answer file. ``points`` are marks an LMS or a marker already gave (essays)."""

    student: str
    question: int
    part: str
    text: str
    where: str
    points: Fraction | None = None


@dataclass(frozen=True)
class PartMark:
    """One marked part of one student's question: a row of marks.csv."""

    student: str
    name: str
    question: int
    part: str
    slot: str
    what: str  # the topic, or the bank question's kind
    topic: str
    answer: str
    mark: Fraction
    max: int
    verdict: VerdictWord
    follow_through: bool = False
    mistake: str = ""
    explanation: str = ""
    expected: str = ""
    fix: Step | None = None  # the worked step that gives this part's answer
    bank: bool = False  # a derivation-bank question (its topic differs from paper to paper)
    form: str = "forward"  # how a generated problem's topic was asked
    #: the single edits of the worked solution behind ``mistake`` (several: equally good)
    edits: tuple[Edit, ...] = ()

    @property
    def lost(self) -> bool:
        return self.mark < self.max


def parts_of(item: Item | BankItem) -> list[str]:
    """The part names a marker may write for a question: a, b, ... for a worked problem with
    several parts; "a" alone otherwise (a blank part means "a" too)."""
    if isinstance(item, Item) and not item.choices:
        return [part_letter(i) for i in range(len(item.solution.parts))]
    return ["a"]


def mark_paper(paper: Paper, answers: Mapping[tuple[int, str], Answer]) -> list[PartMark]:
    """Every part of every question of ``paper``, marked; ``answers`` by (question, part)."""
    rows: list[PartMark] = []
    for item in paper.items:
        given = {part: a for (q, part), a in answers.items() if q == item.number}
        if isinstance(item, BankItem):
            rows.append(_bank(paper, item, given.get("a")))
        elif item.choices:
            rows.append(_choice(paper, item, given.get("a")))
        else:
            rows += _worked(paper, item, given)
    return rows


def _row(paper: Paper, item: Item | BankItem, part: str, **fields) -> PartMark:
    topic = item.problem.topic if isinstance(item, Item) else topic_of_section(item.bank.section)
    return PartMark(
        student=paper.student,
        name=paper.name,
        question=item.number,
        part=part,
        slot=item.slot,
        what=describe(item),
        topic=topic,
        bank=isinstance(item, BankItem),
        form=item.problem.form if isinstance(item, Item) else "forward",
        **fields,
    )


def _worked(paper: Paper, item: Item, given: Mapping[str, Answer]) -> list[PartMark]:
    names = parts_of(item)
    typed = [given[n].text if n in given else "" for n in names]
    rows = []
    for name, check, share in zip(names, check_typed(item.problem, typed), item.part_marks):
        verdict = check.verdict
        mistake = verdict.misconception if verdict else None
        if mistake and verdict and verdict.also:
            label = f"{mistake.label} and {verdict.also.label}"
        else:
            label = mistake.label if mistake else ""
        if mistake and mistake.edits:  # "step 4" says nothing without its topic in a class report
            label = f"{item.problem.topic}: {label}"
        right = bool(verdict and verdict.correct)
        rows.append(
            _row(
                paper,
                item,
                name,
                answer=check.typed or "",
                mark=Fraction(share if right else 0),
                max=share,
                verdict=check.word,
                follow_through=bool(verdict and verdict.follow_through),
                mistake=label,
                explanation=mistake.explanation if mistake else "",
                expected=answer_text(check.expected, check.part.precision),
                fix=None if right else step_for(item.solution, check.part.key),
                edits=mistake.edits if mistake else (),
            )
        )
    return rows


def step_for(solution: Solution, key: str) -> Step | None:
    """The worked step that establishes part ``key``: the first whose result shows that part's
    numbers in a row, else the first that shows them all somewhere, else the last step."""
    part = next(p for p in solution.parts if p.key == key)
    wanted = [float(n) for n in _NUMBER.findall(answer_text(solution.answer[key], part.precision))]

    def near(a: float, b: float) -> bool:
        return part.precision.accepts(a, b) or abs(a - b) < 1e-9

    def numbers(text: str) -> list[float]:
        return [float(n) for n in _NUMBER.findall(text)]

    def in_a_row(found: list[float]) -> bool:
        width = len(wanted)
        return any(
            all(near(f, w) for f, w in zip(found[i : i + width], wanted))
            for i in range(len(found) - width + 1)
        )

    for step in solution.steps:
        if wanted and in_a_row(numbers(step.result or (step.lines[-1] if step.lines else ""))):
            return step
    for step in solution.steps:
        found = numbers(" ".join((*step.lines, step.result)))
        if wanted and all(any(near(f, w) for f in found) for w in wanted):
            return step
    return solution.steps[-1] if solution.steps else None


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _letter(text: str) -> str:
    return text.strip().strip(".)").upper()


def _choice(paper: Paper, item: Item, answer: Answer | None) -> PartMark:
    right = next(c for c in item.choices if c.correct)
    expected = f"{right.letter} ({right.text})"
    if answer is None or not answer.text.strip():
        return _row(
            paper,
            item,
            "a",
            answer="",
            mark=Fraction(0),
            max=item.marks,
            verdict="missing",
            expected=expected,
        )
    chosen = next(
        (c for c in item.choices if _letter(answer.text) in (c.letter, c.text.upper())), None
    )
    if chosen is None:
        return _row(
            paper,
            item,
            "a",
            answer=answer.text,
            mark=Fraction(0),
            max=item.marks,
            verdict="unreadable",
            expected=expected,
        )
    return _row(
        paper,
        item,
        "a",
        answer=chosen.letter,
        mark=Fraction(item.marks if chosen.correct else 0),
        max=item.marks,
        verdict="correct" if chosen.correct else "wrong",
        mistake=chosen.misconception or "",
        explanation=chosen.explanation or "",
        expected=expected,
        fix=None if chosen.correct else step_for(item.solution, item.asked.key),
    )


def order_steps_right(item: BankItem, numbers: Sequence[int]) -> int:
    """Steps in their right place, one neighbouring pair swapped counting as one step lost."""
    if item.accepts_order(numbers):
        return len(item.order)
    groups = item.bank.step_groups()
    placed = [groups[item.order[n - 1]] for n in numbers]
    right = sum(a == b for a, b in zip(placed, groups))
    for i in range(len(placed) - 1):
        swapped = [*numbers]
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        if item.accepts_order(swapped):
            return len(item.order) - 1
    return right


def read_marks(text: str, out_of: int) -> Fraction | None:
    """A marker's entry for a derivation: ``3``, ``2.5`` or ``3/5`` (out of the item's)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+)\s*)?", text)
    if not match:
        return None
    if match.group(2) and int(match.group(2)) != out_of:
        return None
    value = Fraction(match.group(1))
    return value if 0 <= value <= out_of else None


def _bank(paper: Paper, item: BankItem, answer: Answer | None) -> PartMark:
    text = answer.text.strip() if answer else ""
    match item.kind:
        case "derive":
            return _derivation(paper, item, text, answer.points if answer else None)
        case _ if not text:
            return _row(
                paper,
                item,
                "a",
                mark=Fraction(0),
                max=item.marks,
                answer="",
                verdict="missing",
                expected=item.glance,
            )
        case "order":
            return _order(paper, item, text)
        case "fill" | "choice":
            return _option(paper, item, text)
        case unknown:
            assert_never(unknown)


def _derivation(paper: Paper, item: BankItem, text: str, points: Fraction | None) -> PartMark:
    """A written derivation: the marks an LMS or the marker gave, else waiting for them."""
    base = {"max": item.marks, "answer": text}
    expected = f"marked by the scheme ({item.marks} marks)"
    if points is None and text:
        points = read_marks(text, item.marks)
    if points is None:
        verdict: VerdictWord = "to mark" if text else "missing"
        return _row(paper, item, "a", mark=Fraction(0), verdict=verdict, expected=expected, **base)
    return _row(paper, item, "a", mark=points, verdict="marked", expected=expected, **base)


def _order(paper: Paper, item: BankItem, text: str) -> PartMark:
    """Steps put in order: one mark per step in its place."""
    base = {"max": item.marks, "answer": text, "expected": item.right_order}
    numbers = read_order(text, len(item.order))
    if numbers is None:
        return _row(paper, item, "a", mark=Fraction(0), verdict="unreadable", **base)
    in_place = order_steps_right(item, numbers)
    mark = Fraction(item.marks * in_place, len(item.order))
    if in_place == len(item.order):
        return _row(paper, item, "a", mark=mark, verdict="correct", explanation="", **base)
    explanation = f"The derivation runs {item.right_order}."
    return _row(paper, item, "a", mark=mark, verdict="wrong", explanation=explanation, **base)


def _option(paper: Paper, item: BankItem, text: str) -> PartMark:
    """A fill or choice question: the letter of the right option."""
    expected = item.right_option.letter
    chosen = next((o for o in item.options if o.letter == _letter(text)), None)
    if chosen is None:
        return _row(
            paper,
            item,
            "a",
            mark=Fraction(0),
            max=item.marks,
            answer=text,
            verdict="unreadable",
            expected=expected,
        )
    return _row(
        paper,
        item,
        "a",
        mark=Fraction(item.marks if chosen.correct else 0),
        max=item.marks,
        answer=chosen.letter,
        verdict="correct" if chosen.correct else "wrong",
        explanation="" if chosen.correct else (chosen.why or ""),
        expected=expected,
    )


def unreadable(item: Item | BankItem, part: str, text: str) -> str | None:
    """Why a marker's ``text`` cannot be an answer to ``part`` of ``item`` (None: it can)."""
    from quizgen.practice.answers import AnswerFormatError, parse

    if isinstance(item, BankItem):
        match item.kind:
            case "derive":
                ok = read_marks(text, item.marks) is not None
                return None if ok else f"give the marks awarded, 0 to {item.marks} (e.g. 3 or 3/5)"
            case "order":
                ok = read_order(text, len(item.order)) is not None
                return None if ok else f"give the step numbers 1 to {len(item.order)} in order"
            case "fill" | "choice":
                letters = [o.letter for o in item.options]
                return None if _letter(text) in letters else f"give one of {', '.join(letters)}"
            case unknown:
                assert_never(unknown)
    if item.choices:
        letters = [c.letter for c in item.choices]
        return None if _letter(text) in letters else f"give one of {', '.join(letters)}"
    kind = item.solution.parts[parts_of(item).index(part)].kind
    try:
        parse(text, kind)
    except AnswerFormatError as error:
        return str(error)
    return None
