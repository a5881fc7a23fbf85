"""The long CSV a marker types: ``student,question,part,answer`` (or ``version`` beside or
instead of ``student``); question is its number on that paper, part a, b, c ... (blank for a
one-answer question). It is read against a class set's papers or the versions a blueprint
printed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from quizgen.core.errors import QuizgenError
from quizgen.exam.model import Exam
from quizgen.marking.mark import Answer, parts_of, unreadable
from quizgen.marking.papers import Paper, version_paper
from quizgen.marking.readers.submissions import Submissions, rows_of


@dataclass(frozen=True)
class ClassPapers:
    """A class set's papers by student id: every student on it sat the exam."""

    papers: dict[str, Paper]


@dataclass(frozen=True)
class PrintedVersions:
    """Papers printed by ``--versions``: ``build(count)`` rebuilds the exam of ``count``
    versions, called once the file has told how many there were."""

    build: Callable[[int], Exam]


PrintedPapers = ClassPapers | PrintedVersions


def version_index(code: str) -> int | None:
    """A=0 ... Z=25, V27=26 ... V1000=999; None for anything else."""
    if re.fullmatch(r"[A-Z]", code):
        return ord(code) - ord("A")
    match = re.fullmatch(r"V(\d{2,4})", code)
    return int(match.group(1)) - 1 if match and 26 < int(match.group(1)) <= 1000 else None


class _Table:
    """The file's rows with their header's columns found by name."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        rows = rows_of(path)
        if not rows:
            raise QuizgenError(f"{self.name}: empty file")
        header = [h.strip().lower() for h in rows[0]]
        self.who = "student" if "student" in header else "version" if "version" in header else ""
        missing = [c for c in ("question", "answer") if c not in header]
        missing += [] if self.who else ["student or version"]
        if missing:
            raise QuizgenError(
                f"{self.name}: line 1: missing column(s) {', '.join(missing)}; "
                f"the header has {', '.join(header) or 'nothing'}"
            )
        self.header = header
        self.column = {h: i for i, h in enumerate(header)}
        self.rows = rows[1:]

    def cell(self, row: list[str], key: str) -> str:
        i = self.column.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    def student(self, row: list[str]) -> str:
        """Who wrote the row: the student's id, else (papers by version) the version code."""
        return self.cell(row, "student") or self.cell(row, "version")


def _versions_exam(table: _Table, printed: PrintedVersions) -> Exam:
    """The exam of as many versions as the file's highest version code names."""
    if "version" not in table.header:
        raise QuizgenError(
            f"{table.name}: line 1: papers printed by --versions need a version column"
        )
    indexes = [version_index(table.cell(r, "version")) for r in table.rows]
    return printed.build(max([i for i in indexes if i is not None], default=0) + 1)


def _paper_of(
    table: _Table, row: list[str], against: ClassPapers | Exam, found: Submissions
) -> Paper | str:
    """The paper the row's student wrote, or what is wrong with the row's student or version."""
    student = table.student(row)
    if isinstance(against, ClassPapers):
        paper = against.papers.get(student)
        return paper or f'unknown student "{student}" (not in the manifest)'
    code = table.cell(row, "version")
    paper = version_paper(against, code, student, student)
    if paper is None:
        return f'unknown version "{code}"'
    earlier = found.papers.get(student)
    if earlier is not None and earlier.version != code:
        return f'student "{student}" wrote version {earlier.version} above'
    return paper


def _answer_of(table: _Table, row: list[str], paper: Paper, where: str) -> Answer | str:
    """The row's answer, or what is wrong with its question, part or answer."""
    student, text = table.student(row), table.cell(row, "question")
    if not text.isdigit() or not 1 <= int(text) <= len(paper.items):
        return f'question "{text}" out of range (1 to {len(paper.items)} on {student}\'s paper)'
    item = paper.items[int(text) - 1]
    part = table.cell(row, "part").lower() or "a"
    allowed = parts_of(item)
    if part not in allowed:
        return f'question {text} has no part "{part}" (parts: {", ".join(allowed)})'
    if table.cell(row, "part") == "" and len(allowed) > 1:
        return f"question {text} has parts {', '.join(allowed)}: say which"
    answer = table.cell(row, "answer")
    why = unreadable(item, part, answer) if answer else None
    if why:
        return f'unreadable answer "{answer}" to question {text}{part}: {why}'
    return Answer(student, int(text), part, answer, where)


def read_long(path: Path, against: PrintedPapers) -> Submissions:
    """A marker's CSV, against a class set's papers (by student id) or the versions printed."""
    table = _Table(path)
    papers = against if isinstance(against, ClassPapers) else _versions_exam(table, against)
    out, problems = Submissions(), []
    seen: dict[tuple[str, int, str], int] = {}
    for line, row in enumerate(table.rows, start=2):
        if not any(c.strip() for c in row):
            continue
        where = f"{table.name}: line {line}"
        paper = _paper_of(table, row, papers, out)
        if isinstance(paper, str):
            problems.append(f"{where}: {paper}")
            continue
        answer = _answer_of(table, row, paper, where)
        if isinstance(answer, str):
            problems.append(f"{where}: {answer}")
            continue
        key = (answer.student, answer.question, answer.part)
        if key in seen:
            problems.append(
                f"{where}: duplicate row for {answer.student}, question "
                f"{answer.question}{answer.part} (line {seen[key]} has it)"
            )
            continue
        seen[key] = line
        out.papers[answer.student] = paper
        out.answers.setdefault(answer.student, {})[(answer.question, answer.part)] = answer
    if problems:
        raise QuizgenError("\n".join(problems))
    if isinstance(against, ClassPapers):  # a student with no rows sat the exam, wrote nothing
        for sid, paper in against.papers.items():
            out.papers.setdefault(sid, paper)
            out.answers.setdefault(sid, {})
    return out
