"""Typst's share of a class set: CPU milliseconds to compile one mid-term student's paper and
key, as a class-set worker does (one reused compiler, the output's fonts, every student's own
document, so Typst's memo cache helps only as much as it does in a real class set).

    python3 bench/typst_compile.py [--students 20] [--rounds 3]
    python3 bench/typst_compile.py --instructions [--students 2]

The documents are rendered first (Jinja, not timed); each round compiles every student's paper
then key, and the best round's mean is printed (CPU seconds hold better than wall seconds on a
shared machine; the load is printed too). ``--instructions`` counts instructions instead, which
the machine's load does not move: a process under ``valgrind --tool=callgrind`` compiles the
first student (the warm-up a worker has) and then N more, the same process compiles the first
alone, and the difference over N is one student's paper or key. Results:
bench/typst-results-2026-12-02.md.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
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


def compile_files(files: list[str]) -> None:
    """Compile these Typst files in turn as a worker does (one compiler, the output's fonts)."""
    with tempfile.TemporaryDirectory() as folder:
        prepare_out_dir(Path(folder))
        for name in files:
            typst_pdf.write_pdf(Path(name).read_text(encoding="utf-8"), Path(folder) / "out.pdf")


def instructions(files: list[Path]) -> int:
    """Instructions a process that compiles these files executes, counted by callgrind."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    command += [sys.executable, __file__, "--compile", *map(str, files)]
    report = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    found = re.search(r"Collected : (\d+)", report)
    if found is None:
        raise SystemExit(f"no instruction count from callgrind:\n{report[-2000:]}")
    return int(found.group(1))


def count_instructions(documents: dict[typst_pdf.Kind, list[str]]) -> None:
    """Print instructions per student's paper and key: warm-up plus N, minus warm-up alone."""
    with tempfile.TemporaryDirectory() as folder:
        for kind, texts in documents.items():
            files = [Path(folder) / f"{kind}-{number}.typ" for number in range(len(texts))]
            for path, text in zip(files, texts):
                path.write_text(text, encoding="utf-8")
            per_student = (instructions(files) - instructions(files[:1])) / (len(files) - 1)
            print(f"{kind:5s}: {per_student / 1e6:6.1f} M instructions per compile")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--instructions", action="store_true", help="callgrind counts, not CPU")
    parser.add_argument("--compile", nargs="+", help=argparse.SUPPRESS)  # what callgrind runs
    args = parser.parse_args()
    if args.compile:
        compile_files(args.compile)
        return
    documents = sources(args.students + 1)
    if args.instructions:
        print(f"{args.students} mid-term students after a warm-up student, callgrind")
        count_instructions(documents)
        return
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
