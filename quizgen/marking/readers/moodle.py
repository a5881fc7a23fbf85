"""Moodle (4.x, Results > Responses, downloaded as CSV with "Right answer" ticked): one row per
attempt, ``Response k`` / ``Right answer k`` for quiz slot k. The quiz draws one random question
per category of ``quizgen export --format moodle``, in the export's order; the right answer
tells which variant a student got."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from typing_extensions import assert_never

from quizgen.core.errors import QuizgenError
from quizgen.exam.model import BankItem, Exam, Item
from quizgen.marking.mark import Answer
from quizgen.marking.papers import Paper, Question
from quizgen.marking.readers.lms import answers_for, entry_texts, numbers, plain, similar
from quizgen.marking.readers.submissions import Submissions, rows_of

MOODLE_ID_COLUMNS = ("id number", "username", "email address")


def _moodle_subanswers(text: str) -> dict[int, str]:
    """``part 1: 0.731; part 2: 0.197`` (Moodle's cloze summary) as {0: "0.731", 1: ...}."""
    pieces = re.split(r"(?:^|;\s*)part (\d+):\s?", text)
    return {int(pieces[i]) - 1: pieces[i + 1].strip() for i in range(1, len(pieces) - 1, 2)}


def _moodle_right(item: Question) -> str:
    """What Moodle's "Right answer" column shows for a variant, compared loosely: an option's
    text as the export wrote it (math in ``\\( \\)``)."""
    from quizgen.export.layout import entries, html, number

    if isinstance(item, BankItem):
        match item.kind:
            case "derive":
                return ""
            case "order":
                return item.right_order
            case "fill" | "choice":
                return html(item.right_option.text)
            case unknown:
                assert_never(unknown)
    if item.choices:
        return html(next(c.text for c in item.choices if c.correct))
    found = entries(item)
    if len(found) == 1:
        return number(found[0].value)
    return "; ".join(f"part {k + 1}: {number(e.value)}" for k, e in enumerate(found))


def _variant(items: Sequence[Question], right: str, question: str = "") -> Question | None:
    """The variant whose right answer the report shows (numbers compared at their tolerance)."""
    from quizgen.export.layout import entries

    shown = numbers(right)
    for item in items:
        if isinstance(item, Item) and not item.choices:
            found = entries(item)
            if len(shown) == len(found) and all(
                abs(s - e.value) <= e.tolerance + 1e-9 for s, e in zip(shown, found)
            ):
                return item
    scored = [(similar(plain(right), plain(_moodle_right(i))), n) for n, i in enumerate(items)]
    best = max(scored, default=(0.0, 0))
    if best[0] <= 0.9:
        return None
    tied = [items[n] for score, n in scored if score == best[0]]
    if len(tied) > 1 and question:  # essays have no right answer: their text tells
        return max(tied, key=lambda i: similar(plain(question), _prompt(i)))
    return items[best[1]]


def _prompt(item: Question) -> str:
    return plain(item.bank.question.prompt) if isinstance(item, BankItem) else ""


def read_moodle(path: Path, exam: Exam) -> Submissions:
    """Moodle's Responses report for a quiz built from ``exam``'s export."""
    from quizgen.export.layout import slots

    rows = rows_of(path)
    name = path.name
    if not rows:
        raise QuizgenError(f"{name}: empty file")
    header = [h.strip().lower() for h in rows[0]]
    column = {h: i for i, h in enumerate(header)}
    quiz_slots = slots(exam)
    count = sum(1 for h in header if re.fullmatch(r"response \d+", h))
    problems = []
    if count != len(quiz_slots):
        problems.append(
            f"{name}: line 1: {count} responses a row, but the export has {len(quiz_slots)} "
            "questions (one random question per category, in the export's order)"
        )
    if not any(f"right answer {k}" in column for k in range(1, count + 1)):
        problems.append(
            f'{name}: line 1: no "Right answer" columns; download the Responses report with '
            '"Right answer" ticked (it tells which variant each student got)'
        )
    if problems:
        raise QuizgenError("\n".join(problems))
    id_column = next((c for c in MOODLE_ID_COLUMNS if c in column), None)
    last = "last name" if "last name" in column else "surname"
    out = Submissions()
    skipped = 0
    for line, row in enumerate(rows[1:], start=2):

        def cell(key: str, row: list[str] = row) -> str:
            i = column.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        full_name = " ".join(x for x in (cell("first name"), cell(last)) if x)
        state = cell("status") or cell("state")
        if not state and not any(cell(f"right answer {k}") for k in range(1, count + 1)):
            continue  # an "Overall average" row, or a blank line
        if state and state.lower() != "finished":
            skipped += 1
            continue
        student = cell(id_column) if id_column else full_name
        where = f"{name}: line {line}"
        items, answers = [], {}
        for k, slot in enumerate(quiz_slots, start=1):
            item = _variant(slot.items, cell(f"right answer {k}"), cell(f"question {k}"))
            if item is None:
                problems.append(
                    f"{where}: Right answer {k} matches no variant of {slot.title}; "
                    "give --seed and --variants as used for the export"
                )
                continue
            item = replace(item, number=k)
            items.append(item)
            response = cell(f"response {k}")
            if response in ("", "-"):
                continue
            if isinstance(item, Item) and not item.choices:
                subs = (
                    _moodle_subanswers(response) if response.startswith("part ") else {0: response}
                )
                typed = entry_texts(item, subs)
            else:
                typed = answers_for(item, response)
            for part, text in typed.items():
                answers[(k, part)] = Answer(student, k, part, text, where)
        if student in out.papers:
            out.notes.append(f"{where}: a later attempt by {student} replaces the earlier one")
        out.papers[student] = Paper(student, full_name or student, "Moodle", tuple(items))
        out.answers[student] = answers
    if problems:
        raise QuizgenError("\n".join(problems))
    if skipped:
        out.notes.append(f"{name}: {skipped} attempt(s) not finished were left out")
    return out
