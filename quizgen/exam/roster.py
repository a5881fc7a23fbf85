"""Class rosters: a CSV with ``id`` and ``name`` columns (others ignored), one student a row.

Every bad row is reported with its line number, and nothing is built until all rows are good.
Ids become file names, so they may hold letters, digits, ``-``, ``_`` and ``.`` only.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

from quizgen.core.errors import QuizgenError
from quizgen.core.record_files import read_text
from quizgen.exam.model import Student

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def read_roster(path: Path) -> list[Student]:
    text = read_text(path, "utf-8-sig")  # a spreadsheet's CSV may start with a BOM
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in ("id", "name") if c not in columns]
    if missing:
        raise QuizgenError(
            f"{path.name}: line 1: missing column(s) {', '.join(missing)}; "
            f"the header has {', '.join(columns) or 'nothing'}"
        )
    reader.fieldnames = columns
    students: list[Student] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        sid, name = (row.get("id") or "").strip(), (row.get("name") or "").strip()
        if not sid:
            problems.append(f"{path.name}: line {line}: empty id")
        elif not _SAFE_ID.match(sid):
            problems.append(
                f'{path.name}: line {line}: id "{sid}" may hold only letters, '
                "digits, '-', '_' and '.'"
            )
        elif sid in seen:
            problems.append(f'{path.name}: line {line}: id "{sid}" repeats line {seen[sid]}')
        elif not name:
            problems.append(f'{path.name}: line {line}: empty name for id "{sid}"')
        else:
            seen[sid] = line
            students.append(Student(sid, name))
    if problems:
        raise QuizgenError("\n".join(problems))
    if not students:
        raise QuizgenError(f"{path.name}: no students")
    return students


def select(students: Sequence[Student], only_ids: Sequence[str], source: str) -> list[Student]:
    """The students named in ``only_ids`` (all of them when none is named), in roster order;
    an id the roster (file name ``source``) lacks is an error."""
    if not only_ids:
        return list(students)
    known = {s.id for s in students}
    unknown = [i for i in only_ids if i not in known]
    if unknown:
        raise QuizgenError(f"--only: {', '.join(unknown)} not in {source}")
    return [s for s in students if s.id in only_ids]


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` -> (K, N), 1 <= K <= N."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise QuizgenError(f'--shard "{text}": expected K/N with 1 <= K <= N, e.g. 2/8')
    return int(match.group(1)), int(match.group(2))


def in_shard(student_id: str, shard: tuple[int, int]) -> bool:
    """Shard membership from a hash of the id: stable under reordering and roster edits.

    >>> sorted(k for k in range(1, 4) if in_shard("s001", (k, 3)))
    [3]
    """
    k, n = shard
    digest = hashlib.blake2b(student_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % n == k - 1
