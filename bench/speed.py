"""Seconds per copy (paper + key) for HTML, Typst and WeasyPrint, on the 10-question exam that
was timed against R/exams 2.4-2 (5 sigmoid, 5 convolution-shape questions).

    python3 bench/speed.py [--copies 60] [--skip-weasyprint]

Each output is timed in one warm process (imports and the first copy excluded), over N
versions with fresh numbers each, on one core; formula caches start empty (every copy brings
new numbers, as a class set does). R/exams' figures, measured on this kind of machine in one
paired run: 1.41 s per PDF copy, 0.36 s per HTML copy.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ["QUIZGEN_CACHE_DIR"] = "off"  # no formula cached from an earlier run

from quizgen.exam.blueprint import Blueprint, ItemSpec, Section
from quizgen.exam.build import build_exam
from quizgen.publish.papers import override, write_exam

R_EXAMS = {"pdf": 1.41, "html": 0.36}
EXAM = Blueprint(
    title="Sigmoid and convolutions",
    sections=[
        Section(
            title="Questions",
            items=[
                ItemSpec(topic="sigmoid", count=5, marks=2),
                ItemSpec(topic="conv_shape", count=5, marks=3),
            ],
        )
    ],
)


def per_copy(engine: str, fmt: str, copies: int) -> float:
    blueprint = override(EXAM, None, engine)
    with tempfile.TemporaryDirectory() as folder:
        warm = build_exam(blueprint, 1, 1)
        write_exam(warm, "bench.yaml", Path(folder) / "warm", [fmt])
        start = time.perf_counter()
        exam = build_exam(blueprint, 2, copies)
        write_exam(exam, "bench.yaml", Path(folder) / "timed", [fmt])
        return (time.perf_counter() - start) / copies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=60)
    parser.add_argument("--skip-weasyprint", action="store_true")
    args = parser.parse_args()
    runs = [("HTML (MathML)", "typst", "html"), ("PDF, Typst", "typst", "pdf")]
    if not args.skip_weasyprint:
        runs.append(("PDF, WeasyPrint", "weasyprint", "pdf"))
    print("| output | seconds per copy | R/exams | faster |")
    print("|---|---|---|---|")
    for label, engine, fmt in runs:
        copies = args.copies if engine == "typst" else max(4, args.copies // 10)
        seconds = per_copy(engine, fmt, copies)
        ratio = R_EXAMS[fmt] / seconds
        print(f"| {label} | {seconds:.3f} | {R_EXAMS[fmt]:.2f} | {ratio:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
