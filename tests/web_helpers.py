"""Shared by the site's tests: a class on disk, the form token of a page, and the problem
behind the item code a practice page shows (worked out independently of the server)."""

from __future__ import annotations

import re
from pathlib import Path

from quizgen import topics
from quizgen.core.latex import answer_text
from quizgen.exam.item_codes import decode
from quizgen.exam.problems import make_problem

CODE = re.compile(r'<span class="code">([^<]+)</span>')


def roster(folder: Path, names: list[tuple[str, str]]) -> Path:
    path = folder / "roster.csv"
    lines = ["id,name"] + [f'{sid},"{name}"' for sid, name in names]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def shown_problem(html: str):
    """(problem, solution) behind the item code printed on a practice page."""
    topic, difficulty, seed = decode(CODE.search(html).group(1))
    problem = make_problem(topic, seed, difficulty)
    return problem, topics.get(topic).solve(problem.params)


def typed(solution, key: str) -> str:
    part = next(p for p in solution.parts if p.key == key)
    return answer_text(solution.answer[key], part.precision)
