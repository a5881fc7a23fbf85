"""Fifty students answering at once through the real server: every accepted answer is stored,
none lost, none refused. (How fast is measured by bench/web_load.py, not here.)"""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "web_load.py"


def test_fifty_students_at_once_lose_no_answer():
    spec = importlib.util.spec_from_file_location("web_load", BENCH)
    load = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(load)
    result = load.measure(students=50, answers=3, limit=240)
    assert result["accepted"] == [3] * 50
    assert result["stored"] == result["accepted"]
