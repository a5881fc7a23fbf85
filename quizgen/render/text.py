"""Plain-text writer: a problem, its answer and its worked solution, readable in a terminal."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from quizgen import topics
from quizgen.core.latex import answer_text
from quizgen.core.model import DIFFICULTIES, Problem, Solution, Stem, Step, Table
from quizgen.render.unicode_math import inline, to_unicode
from quizgen.topics import get

INDENT = "  "


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def table_lines(table: Table) -> list[str]:
    """A table as aligned columns, math cells in Unicode."""
    cells = [[inline(c) for c in table.header]] + [[inline(c) for c in row] for row in table.rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(table.header))]

    def line(row: list[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return [line(cells[0]), rule] + [line(row) for row in cells[1:]]


def topic_lines() -> list[str]:
    """Every topic with its guide section, difficulties, forms and one-line description."""
    rows = tuple(
        (
            t.name,
            f"§{t.section} {t.section_title}",
            ", ".join(DIFFICULTIES),
            ", ".join(t.forms),
            t.description,
        )
        for t in topics.registry().values()
    )
    header = ("topic", "guide section", "difficulties", "forms", "description")
    return table_lines(Table(header, rows))


def problem_heading(problem: Problem, number: int | None = None) -> str:
    bits = [problem.topic]
    if problem.form != "forward":
        bits.append(problem.form)
    if problem.difficulty:
        bits.append(problem.difficulty)
    if problem.seed is not None:
        bits.append(f"seed {problem.seed}")
    prefix = f"Problem {number}" if number is not None else "Problem"
    return f"{prefix}  [{' · '.join(bits)}]"


def stem_lines(stem: Stem) -> list[str]:
    """The question: its text, its data table and the worked solution it shows (a spot
    form's steps to check, as "Step 1. ...")."""
    out = [inline(stem.text)]
    if stem.table:
        out += ["", *(INDENT + row for row in table_lines(stem.table))]
    if stem.worked:
        out += ["", *numbered_steps(stem.worked, "Step ")]
    return out


def answer_lines(solution: Solution) -> list[str]:
    return [
        f"{INDENT}{inline(part.label)} = {answer_text(solution.answer[part.key], part.precision)}"
        for part in solution.parts
    ]


def numbered_steps(steps: Sequence[Step], label: str = "") -> list[str]:
    """Steps numbered from 1 ("1. ..." in a solution, "Step 1. ..." in a question), each with
    its lines and result in Unicode."""
    out = []
    for index, step in enumerate(steps, start=1):
        out.append(f"{INDENT}{label}{index}. {inline(step.title)}")
        out += [INDENT * 2 + " " + to_unicode(line) for line in step.lines]
        if step.result:
            out.append(INDENT * 2 + " => " + to_unicode(step.result))
    return out


def step_lines(solution: Solution, with_table: bool = True) -> list[str]:
    """The worked solution: numbered steps, their lines, results and the summary table."""
    out = numbered_steps(solution.steps)
    if solution.table and with_table:
        out += ["", *(INDENT + row for row in table_lines(solution.table))]
    return out


def render_problem(problem: Problem, solution: Solution, number: int | None = None) -> str:
    """Stem, answer and worked solution of one problem as text."""
    stem = get(problem.topic, problem.form).stem(problem.params)
    out = [problem_heading(problem, number), *stem_lines(stem)]
    out += ["", "Answer", *answer_lines(solution), "", "Worked solution", *step_lines(solution)]
    return "\n".join(out) + "\n"
