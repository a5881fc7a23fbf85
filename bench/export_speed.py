"""CPU seconds per variant of the Moodle XML and QTI writers, best of several runs, on
bench/speed.py's 10-question exam (and, with --midterm, the shipped mid-term): the figures
issue 22 asks to halve, steadier than speed.py's single run on a shared machine.

    python3 bench/export_speed.py [--variants 60] [--runs 5] [--midterm] [--profile qti]

Each run exports a freshly built exam (the build untimed), so nothing one run remembered
about its problems helps the next beyond what a real export of new variants would reuse
(per-process caches of text that repeats: stems, labels, explanations). ``--profile FMT``
prints cProfile's top functions by own time for one export instead.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from speed import EXAM

from quizgen.exam.blueprint import Blueprint
from quizgen.exam.build import build_exam
from quizgen.export import write


def blueprint(midterm: bool) -> Blueprint:
    if not midterm:
        return EXAM
    from quizgen.exam.blueprint import load_blueprint

    return load_blueprint(Path(__file__).parent.parent / "banks/exams/midterm.yaml")


def per_variant(fmt: str, exam_blueprint: Blueprint, variants: int, runs: int) -> float:
    """Best CPU seconds per variant over ``runs`` exports, each of a new draw."""
    best = float("inf")
    with tempfile.TemporaryDirectory() as folder:
        write(fmt, build_exam(exam_blueprint, 1, 1), Path(folder) / "warm")
        for run in range(runs):
            exam = build_exam(exam_blueprint, 2 + run, variants)
            start = time.process_time()
            write(fmt, exam, Path(folder) / "timed")
            best = min(best, (time.process_time() - start) / variants)
    return best


def profile(fmt: str, exam_blueprint: Blueprint, variants: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write(fmt, build_exam(exam_blueprint, 1, 1), Path(folder) / "warm")
        exam = build_exam(exam_blueprint, 2, variants)
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        write(fmt, exam, Path(folder) / "timed")
        profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--midterm", action="store_true", help="the shipped mid-term instead")
    parser.add_argument("--profile", choices=("moodle", "qti"))
    args = parser.parse_args()
    exam_blueprint = blueprint(args.midterm)
    if args.profile:
        profile(args.profile, exam_blueprint, args.variants)
        return
    for fmt in ("moodle", "qti"):
        seconds = per_variant(fmt, exam_blueprint, args.variants, args.runs)
        print(f"{fmt}: {seconds:.5f} CPU s per variant", flush=True)


if __name__ == "__main__":
    main()
