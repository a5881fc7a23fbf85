"""Reading a class's answers, one module per file format: a long CSV typed by markers
(``long``), Moodle's quiz Responses report (``moodle``) or Canvas's quiz Student Analysis report
(``canvas``). Every bad row is reported with its line; nothing is marked until all are good."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

AnswerFormat = Literal["long", "moodle", "canvas"]
FORMATS: tuple[AnswerFormat, ...] = ("long", "moodle", "canvas")


def sniff(header: Sequence[str]) -> AnswerFormat:
    """Which report a CSV header belongs to: long, moodle or canvas."""
    names = [h.strip().lower() for h in header]
    if any(re.fullmatch(r"response \d+", n) for n in names):
        return "moodle"
    if "n correct" in names and "section_sis_id" in names:
        return "canvas"
    return "long"
