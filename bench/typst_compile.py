"""Typst's share of a class set: CPU milliseconds to compile one mid-term student's paper and
key, as a class-set worker does (one reused compiler, the output's fonts, every student's own
document, so Typst's memo cache helps only as much as it does in a real class set).

    python3 bench/typst_compile.py [--students 20] [--rounds 3]

The documents are rendered first (Jinja, not timed); each round compiles every student's paper
then key, and the best round's mean is printed (CPU seconds hold better than wall seconds on a
shared machine; the load is printed too). Results: bench/typst-results-2026-12-02.md.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from quizgen.core.resources import BLUEPRINTS
from quizgen.exam.blueprint import load_blueprint
from quizgen.exam.build import build_for_student
from quizgen.exam.roster import Student
from quizgen.publish.papers import prepare_out_dir
from quizgen.render import typst_pdf


def sources(students: int) -> dict[str, list[str]]:
    """Each student's paper and key, as Typst source."""
    blueprint = load_blueprint(BLUEPRINTS / "midterm.yaml")
    documents: dict[typst_pdf.Kind, list[str]] = {"paper": [], "key": []}
    for number in range(students):
        student = Student(f"s{number:04d}", f"Student {number}")
        exam = build_for_student(blueprint, 2026, student)
        for kind in documents:
            documents[kind].append(typst_pdf.source(exam, exam.versions[0], kind, "bench"))
    return documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    documents = sources(args.students + 1)
    with tempfile.TemporaryDirectory() as folder:
        prepare_out_dir(Path(folder))
        target = Path(folder) / "out.pdf"
        for kind in documents:  # the first student warms the compiler, as in a worker
            typst_pdf.write_pdf(documents[kind].pop(0), target)
        best = {kind: float("inf") for kind in documents}
        for _ in range(args.rounds):
            for kind, texts in documents.items():
                started = time.process_time()
                for text in texts:
                    typst_pdf.write_pdf(text, target)
                best[kind] = min(best[kind], (time.process_time() - started) / len(texts))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{args.students} mid-term students, best of {args.rounds} rounds, load {load}")
    for kind, texts in documents.items():
        size = sum(map(len, texts)) // len(texts)
        print(f"{kind:5s}: {best[kind] * 1000:6.1f} ms CPU per compile ({size:,} characters)")


if __name__ == "__main__":
    main()
