"""CPU seconds of building one student's paper of the shipped mid-term in a class-set worker
(``exam.build.build_for_student``, before it is rendered; run by hand, not in CI's tests),
with and without the first draws the roster pass drew in the workers.

    python3 bench/student_render.py [students]     # default 100

Each student's paper is built both ways (which goes first alternates), in one warm process
(process_time), and the two are checked to be equal.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from quizgen.exam.blueprint import load_blueprint
from quizgen.exam.build import build_for_student, first_draws, roster_draws
from quizgen.exam.model import Student

BLUEPRINT = Path(__file__).resolve().parent.parent / "banks" / "exams" / "midterm.yaml"


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    blueprint = load_blueprint(BLUEPRINT)
    students = [Student(f"s{i:04d}", f"Student {i}") for i in range(size)]
    picks = roster_draws(blueprint, 2026, students).picks
    seconds = {"drawn again": 0.0, "first draws given": 0.0}
    for number, student in enumerate(students):
        firsts = first_draws(blueprint, 2026, student)
        ways = [("drawn again", ()), ("first draws given", firsts)]
        built = []
        for way, given in ways if number % 2 else ways[::-1]:
            started = time.process_time()
            paper = build_for_student(blueprint, 2026, student, None, picks[student.id], given)
            built.append(paper)
            seconds[way] += time.process_time() - started
        assert built[0] == built[1], f"{student.id}: the two papers differ"
    for way, total in seconds.items():
        print(f"{way}: {1000 * total / size:.1f} ms CPU a student")


if __name__ == "__main__":
    main()
