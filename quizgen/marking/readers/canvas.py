"""Canvas (classic quizzes, Quiz Statistics > Student Analysis): ``name, id, sis_id, section,
section_id, section_sis_id, submitted, attempt``, then a text column and a points column per
question, then ``n correct, n incorrect, score``. One report is one quiz, so one version of
``quizgen export --format qti``; the question texts tell which."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from typing_extensions import assert_never

from quizgen.core.errors import QuizgenError
from quizgen.exam.model import BankItem, Exam, Item
from quizgen.marking.mark import Answer
from quizgen.marking.papers import Paper, Question
from quizgen.marking.readers.lms import answers_for, entry_texts, plain, similar
from quizgen.marking.readers.submissions import Answers, Submissions, rows_of

CANVAS_FIXED = (
    "name",
    "id",
    "sis_id",
    "root_account",
    "section",
    "section_id",
    "section_sis_id",
    "submitted",
    "attempt",
)


def canvas_questions(item: Question) -> list[tuple[Question, int | None, str]]:
    """The Canvas questions one item became in the QTI export: (item, entry, question text)."""
    from quizgen.export.layout import entries, order_html, stem_html
    from quizgen.export.layout import html as to_html

    if isinstance(item, BankItem):
        match item.kind:
            case "order":
                return [(item, None, plain(order_html(item)))]
            case "derive" | "fill" | "choice":
                return [(item, None, plain(to_html(item.bank.question.prompt)))]
            case unknown:
                assert_never(unknown)
    if item.choices:
        return [(item, None, plain(stem_html(item)))]
    return [
        (item, k, plain(stem_html(item) + f"<p>Give {to_html(e.label)}.</p>"))
        for k, e in enumerate(entries(item))
    ]


def read_canvas(path: Path, exam: Exam, version: str | None) -> Submissions:
    """Canvas's Student Analysis report of one quiz (one version) of ``exam``'s QTI export."""
    rows = rows_of(path)
    name = path.name
    header = [h.strip() for h in rows[0]] if rows else []
    lower = [h.lower() for h in header]
    end = lower.index("n correct") if "n correct" in lower else 0
    fixed = [i for i, h in enumerate(lower[:end]) if h in CANVAS_FIXED]
    if "name" not in lower or not fixed:
        raise QuizgenError(
            f"{name}: line 1: not a Canvas Student Analysis report (it starts with name, id, "
            "sis_id, ... and ends with n correct, n incorrect, score)"
        )
    start = max(fixed) + 1
    texts = [re.sub(r"^\d+:\s*", "", header[i]) for i in range(start, end, 2)]
    column = {h: i for i, h in enumerate(lower[:start])}
    candidates = [v for v in exam.versions if version in (None, v.code)]
    if not candidates:
        raise QuizgenError(
            f"--version {version}: the export has versions "
            f"{', '.join(v.code for v in exam.versions)}"
        )

    def fit(v) -> float:
        asked = [q for item in v.items for q in canvas_questions(item)]
        if len(asked) != len(texts):
            return 0.0
        return min((similar(plain(t), q[2]) for t, q in zip(texts, asked)), default=1.0)

    scored = sorted(((fit(v), n) for n, v in enumerate(candidates)), reverse=True)
    if not scored or scored[0][0] < 0.6:
        raise QuizgenError(
            f"{name}: line 1: its {len(texts)} questions match no version of the export; "
            "give --seed and --variants as used for the export (and --version if you know it)"
        )
    chosen = candidates[scored[0][1]]
    asked = [q for item in chosen.items for q in canvas_questions(item)]
    out = Submissions()
    attempts: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):

        def cell(key: str, row: list[str] = row) -> str:
            i = column.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        student = cell("sis_id") or cell("id")
        if not student:
            continue
        attempt = int(cell("attempt")) if cell("attempt").isdigit() else 1
        if attempts.get(student, 0) > attempt:
            continue  # Canvas lists every attempt with "all versions": the latest counts
        attempts[student] = attempt
        where = f"{name}: line {line}"
        values: dict[int, dict[int, str]] = {}
        answers: Answers = {}
        for k, (item, entry, _) in enumerate(asked):
            text = row[start + 2 * k].strip() if start + 2 * k < len(row) else ""
            points = row[start + 2 * k + 1].strip() if start + 2 * k + 1 < len(row) else ""
            if entry is not None:
                values.setdefault(item.number, {})[entry] = text
                continue
            if isinstance(item, BankItem) and item.kind == "derive":
                given = Fraction(points) if re.fullmatch(r"\d+(\.\d+)?", points) else None
                if text or given is not None:
                    answers[(item.number, "a")] = Answer(
                        student, item.number, "a", text, where, given
                    )
                continue
            if text:
                typed = answers_for(item, text)["a"]
                answers[(item.number, "a")] = Answer(student, item.number, "a", typed, where)
        for number, typed_values in values.items():
            item = chosen.items[number - 1]
            assert isinstance(item, Item)
            for part, text in entry_texts(item, typed_values).items():
                answers[(number, part)] = Answer(student, number, part, text, where)
        paper = Paper(student, cell("name") or student, chosen.code, tuple(chosen.items))
        out.papers[student] = paper
        out.answers[student] = answers
    out.notes.append(f"{name}: Canvas quiz of version {chosen.code}")
    return out
