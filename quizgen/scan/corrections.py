"""What a person decided about queued fields, kept beside the scans in ``corrections.csv``
(``sheet,page,field,answer``) and applied on every later run: a rescan changes only the rows of
the pages scanned again, and a decision once made is never asked for twice."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from quizgen.core.errors import QuizgenError
from quizgen.core.record_files import read_text
from quizgen.scan.batch import FieldKey

FILE = "corrections.csv"
HEADER = ["sheet", "page", "field", "answer"]


def corrections_path(scans: list[Path]) -> Path:
    """Beside the scans: in the folder of the first one (or the folder given)."""
    first = scans[0]
    return (first if first.is_dir() else first.parent) / FILE


def read_corrections(path: Path) -> dict[FieldKey, str]:
    if not path.is_file():
        return {}
    rows = list(csv.reader(read_text(path, "utf-8-sig").splitlines()))
    if not rows or [h.strip().lower() for h in rows[0]] != HEADER:
        raise QuizgenError(f"{path}: line 1: expected the header {','.join(HEADER)}")
    found: dict[FieldKey, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 4 or not row[1].strip().isdigit():
            raise QuizgenError(f"{path}: line {line}: expected sheet,page,field,answer")
        found[(row[0].strip(), int(row[1]), row[2].strip())] = row[3].strip()
    return found


def write_corrections(path: Path, corrections: dict[FieldKey, str]) -> None:
    from quizgen.publish.papers import atomic_write

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for (sheet, page, label), answer in sorted(corrections.items()):
        writer.writerow([sheet, page, label, answer])
    atomic_write(path, lambda target: target.write_text(out.getvalue(), encoding="utf-8"))
