"""What every reader returns (each student's paper and answers, notes for the teacher) and how
it reads the file's rows."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from quizgen.core.errors import QuizgenError
from quizgen.core.record_files import read_text
from quizgen.marking.mark import Answer
from quizgen.marking.papers import Paper

Answers = dict[tuple[int, str], Answer]


@dataclass
class Submissions:
    """Each student's paper and answers, and notes for the teacher."""

    papers: dict[str, Paper] = field(default_factory=dict)
    answers: dict[str, Answers] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def without_rows(self) -> list[str]:
        """The students whose papers are known but who have not one answer in the file."""
        return [sid for sid in self.papers if not self.answers.get(sid)]


def absent_note(found: Submissions, file_name: str, shown: int = 5) -> list[str]:
    """A note naming the students with not one row in the file (they are marked 0), if any."""
    absent = found.without_rows()
    if not absent:
        return []
    names = ", ".join(absent[:shown]) + (
        f" and {len(absent) - shown} more" if absent[shown:] else ""
    )
    return [
        f"{len(absent)} of {len(found.papers)} students have no rows at all in {file_name} "
        f"({names}): marked 0 on every question"
    ]


def rows_of(path: Path) -> list[list[str]]:
    text = read_text(path, "utf-8-sig")  # spreadsheets and LMSs often start with a BOM
    try:
        return list(csv.reader(text.splitlines()))
    except csv.Error as error:
        raise QuizgenError(f"{path.name}: not a CSV file ({error})") from None
