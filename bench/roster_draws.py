"""CPU seconds of ``roster_draws`` for the shipped mid-term (run by hand, not in CI's tests).

    python3 bench/roster_draws.py [students]      # default 1000

Prints the CPU time (process_time) of drawing the roster's picks, and a digest of the picks so
that two runs (before and after a change) can be seen to pick alike.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

from quizgen.exam.blueprint import load_blueprint
from quizgen.exam.build import roster_draws
from quizgen.exam.model import Student

BLUEPRINT = Path(__file__).resolve().parent.parent / "banks" / "exams" / "midterm.yaml"


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    blueprint = load_blueprint(BLUEPRINT)
    students = [Student(f"s{i:04d}", f"Student {i}") for i in range(size)]
    started = time.process_time()
    drawn = roster_draws(blueprint, 2026, students)
    elapsed = time.process_time() - started
    digest = hashlib.sha256(
        json.dumps([drawn.picks, drawn.warnings], sort_keys=True).encode()
    ).hexdigest()[:16]
    print(f"{size} students: roster_draws {elapsed:.2f} s CPU, picks digest {digest}")


if __name__ == "__main__":
    main()
