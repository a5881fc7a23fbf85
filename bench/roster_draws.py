"""Seconds of ``roster_draws`` for the shipped mid-term (run by hand, not in CI's tests).

    python3 bench/roster_draws.py [students] [--jobs N]     # default 1000 students, 1 job

Prints the wall and CPU time of drawing the roster's picks (CPU: this process's and, with
``--jobs`` above 1, that of the worker processes a class set draws the first draws in, their
start included), and a digest of the picks so that two runs (before and after a change, or
with different ``--jobs``) can be seen to pick alike.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import tempfile
import time
from pathlib import Path

from quizgen.exam.blueprint import load_blueprint
from quizgen.exam.build import roster_draws
from quizgen.exam.model import Student
from quizgen.publish.classset import ClassSet, _drawn_first_by, _working

BLUEPRINT = Path(__file__).resolve().parent.parent / "banks" / "exams" / "midterm.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("students", type=int, nargs="?", default=1000)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    blueprint = load_blueprint(BLUEPRINT)
    students = [Student(f"s{i:04d}", f"Student {i}") for i in range(args.students)]
    with tempfile.TemporaryDirectory() as folder:
        job = ClassSet(blueprint, "", "", 2026, Path(folder), ("html",), None)
        started, cpu = time.perf_counter(), time.process_time()
        with _working(job, args.jobs) as pool:
            drawn_first = None if pool is None else _drawn_first_by(pool, {})
            drawn = roster_draws(blueprint, 2026, students, drawn_first)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    digest = hashlib.sha256(
        json.dumps([drawn.picks, drawn.warnings], sort_keys=True).encode()
    ).hexdigest()[:16]
    print(
        f"{args.students} students, {args.jobs} job(s): roster_draws {wall:.2f} s wall, "
        f"{cpu:.2f} s CPU here, {workers.ru_utime + workers.ru_stime:.2f} s in workers; "
        f"picks digest {digest}"
    )


if __name__ == "__main__":
    main()
