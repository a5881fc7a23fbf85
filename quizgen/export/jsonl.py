"""JSON Lines: one problem record per variant, per the records contract."""

from __future__ import annotations

import json
from pathlib import Path

from quizgen.exam.model import BankItem, Exam
from quizgen.exam.problems import to_record
from quizgen.export.layout import slots


def write_jsonl(exam: Exam, target: Path) -> list[str]:
    lines, skipped = [], []
    for slot in slots(exam):
        for item in slot.items:
            if isinstance(item, BankItem):
                skipped.append(item.code)
                continue
            record = {
                **to_record(item.problem, item.solution),
                "slot": slot.slot,
                "code": item.code,
            }
            lines.append(json.dumps(record, ensure_ascii=False, allow_nan=False))
    target.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    if skipped:
        return [
            f"{len(skipped)} bank question(s) are not problem records and are not in the "
            "JSON Lines file (export them to Moodle, QTI or Anki)"
        ]
    return []
