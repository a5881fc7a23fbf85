"""Shared by the site's tests: a class on disk, the form token of a page, and the problem
behind the item code a practice page shows (worked out independently of the server)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from quizgen import topics
from quizgen.core.latex import answer_text
from quizgen.exam.problems import problem_for_code

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
    problem = problem_for_code(CODE.search(html).group(1))
    return problem, topics.get(problem.topic, problem.form).solve(problem.params)


def typed(solution, key: str) -> str:
    part = next(p for p in solution.parts if p.key == key)
    return answer_text(solution.answer[key], part.precision)


def serve_command(*args: str) -> list[str]:
    """``quizgen serve ARGS`` on any free port, as this Python runs it."""
    return [sys.executable, "-m", "quizgen", "serve", "--port", "0", *args]


def start_site(argv: list[str], **popen) -> tuple[subprocess.Popen, str, list[str]]:
    """Start a ``quizgen serve`` command and wait for its banner: (the process, the base URL it
    serves on, the lines it printed). Raises RuntimeError with them if it stops instead."""
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, **popen)
    lines: list[str] = []
    while not lines or "serving on" not in lines[-1]:
        line = process.stderr.readline()
        if not line:
            process.kill()
            raise RuntimeError("the site did not start:\n" + "".join(lines))
        lines.append(line)
    return process, re.search(r"(http://\S+?)/ ", lines[-1])[1], lines
