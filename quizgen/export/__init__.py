"""Exporters to where teaching happens: Moodle XML, Canvas QTI 1.2, Anki decks, JSON Lines.

Every exporter reads the same built exam: each blueprint slot becomes one category (Moodle),
question group (Canvas) or set of cards (Anki) holding the slot's variants, one variant per
exam version. What a format cannot carry is said in one line (``notes``) and given a fallback;
nothing is dropped silently.
"""

from __future__ import annotations

from pathlib import Path

from quizgen.exam.model import Exam

FORMATS = ("moodle", "qti", "anki", "jsonl")
SUFFIX = {"moodle": ".xml", "qti": ".zip", "anki": ".apkg", "jsonl": ".jsonl"}


def write(fmt: str, exam: Exam, target: Path, deck_name: str | None = None) -> list[str]:
    """Write ``exam`` as ``fmt`` to ``target``; returns the one-line notes for the user."""
    if fmt == "moodle":
        from quizgen.export.moodle import write_moodle

        return write_moodle(exam, target)
    if fmt == "qti":
        from quizgen.export.qti import write_qti

        return write_qti(exam, target)
    if fmt == "anki":
        from quizgen.export.anki import write_anki

        return write_anki(exam, target, deck_name or exam.blueprint.title)
    from quizgen.export.jsonl import write_jsonl

    return write_jsonl(exam, target)
