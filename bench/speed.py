"""Issue 22's figures in one run: one copy's wall time, seconds per copy (paper + key) for HTML,
Typst and WeasyPrint and CPU seconds per Moodle XML and QTI variant on the 10-question exam
that was timed against R/exams 2.4-2 (5 sigmoid, 5 convolution-shape questions), and a class
set of the shipped mid-term with -j 2 (PDF + HTML): wall seconds, output size, merged print
files, peak memory.

    python3 bench/speed.py [--copies 60] [--skip-weasyprint] [--students 1000 | --students 0]
    python3 bench/speed.py --class-set-only --students 100

One copy: ``quizgen paper quiz --versions 1 --format html`` as a user runs it (a fresh process,
the user's cache warm from the run before), wall and CPU seconds, best of 5 (CPU seconds hold
better than wall seconds on a shared machine). Per copy: each output timed in one warm process
(imports and the first copy excluded), over N versions with fresh numbers each, on one core;
formula caches start empty (every copy brings new numbers, as a class set does). R/exams'
figures, measured on this kind of machine in one paired run: 1.41 s per PDF copy, 0.36 s per
HTML copy, 0.70 s per Moodle variant (issue 22's table).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["QUIZGEN_CACHE_DIR"] = "off"  # no formula cached from an earlier run

from quizgen.exam.blueprint import Blueprint, ItemSpec, Section
from quizgen.exam.build import build_exam
from quizgen.publish.papers import override, write_exam

R_EXAMS = {"pdf": 1.41, "html": 0.36, "moodle": 0.70}
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


def one_copy(runs: int = 5) -> tuple[float, float]:
    """Best wall and CPU seconds of ``quizgen paper quiz --versions 1 --format html``."""
    env = {k: v for k, v in os.environ.items() if k != "QUIZGEN_CACHE_DIR"}  # the user's cache
    best_wall = best_cpu = float("inf")
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "quizgen", "paper", "quiz", "--versions", "1"]
        command += ["--format", "html", "--out", folder]
        for _ in range(runs + 1):  # the first fills the user's cache, as any earlier run did
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return best_wall, best_cpu


def per_lms_variant(fmt: str, variants: int) -> float:
    """CPU seconds per variant of the Moodle XML or QTI export (the variants built untimed)."""
    from quizgen.export import write

    with tempfile.TemporaryDirectory() as folder:
        write(fmt, build_exam(EXAM, 1, 1), Path(folder) / "warm")
        exam = build_exam(EXAM, 2, variants)
        start = time.process_time()
        write(fmt, exam, Path(folder) / "timed")
        return (time.process_time() - start) / variants


def class_set(students: int) -> dict[str, float]:
    """The shipped mid-term for ``students`` students, -j 2, PDF + HTML, in a fresh process
    with an empty formula cache: wall and CPU seconds (the command and its workers), output
    MB, merged files' MB, peak MiB of the largest process (its VmHWM, the kernel's own high
    mark) and of all together (their resident memory summed, polled every 50 ms)."""
    from classset import roster  # bench/classset.py, beside this script

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "class"
        env = {**os.environ, "QUIZGEN_CACHE_DIR": str(Path(folder) / "cache")}
        command = [sys.executable, "-m", "quizgen", "paper", "midterm", "--roster"]
        command += [str(roster(Path(folder), students)), "--out", str(out), "-j", "2"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        largest = together = 0
        while process.poll() is None:
            memory = memory_kib_by_process(process.pid)
            largest = max(largest, *(peak for _, peak in memory))
            together = max(together, sum(resident for resident, _ in memory))
            time.sleep(0.05)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers are reaped by it
        if process.returncode:
            raise SystemExit(f"the class set failed (exit status {process.returncode})")
        mb = 1e6
        return {
            "wall": wall,
            "cpu": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
            "output": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / mb,
            "papers": (out / "all-papers.pdf").stat().st_size / mb,
            "keys": (out / "all-keys.pdf").stat().st_size / mb,
            "largest": largest / 1024,
            "together": together / 1024,
        }


def memory_kib_by_process(pid: int) -> list[tuple[int, int]]:
    """(resident, peak resident) KiB of a process and each of its descendants, from /proc."""
    sizes, stack = [], [pid]
    while stack:
        current = stack.pop()
        try:
            status = dict(
                line.split(":", 1)
                for line in Path(f"/proc/{current}/status").read_text().splitlines()
            )
            sizes.append((int(status["VmRSS"].split()[0]), int(status["VmHWM"].split()[0])))
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            stack += [int(c) for c in children]
        except (OSError, KeyError, ValueError):
            continue
    return sizes or [(0, 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=60)
    parser.add_argument("--skip-weasyprint", action="store_true")
    parser.add_argument("--students", type=int, default=1000, help="class set size; 0: none")
    parser.add_argument("--class-set-only", action="store_true", help="only the class set")
    args = parser.parse_args()
    if not args.class_set_only:
        per_copy_figures(args.copies, args.skip_weasyprint)
    if args.students:
        figures = class_set(args.students)
        print(
            f"Class set, mid-term, {args.students} students, -j 2, PDF + HTML: "
            f"{figures['wall']:.1f} s wall, {figures['cpu']:.1f} s CPU; output "
            f"{figures['output']:.0f} MB; all-papers.pdf {figures['papers']:.1f} MB, "
            f"all-keys.pdf {figures['keys']:.1f} MB; peak memory {figures['largest']:.0f} MiB "
            f"in one process, {figures['together']:.0f} MiB in all; load average "
            f"{os.getloadavg()[0]:.1f}"
        )


def per_copy_figures(copies: int, skip_weasyprint: bool) -> None:
    wall, cpu = one_copy()
    print(f"One HTML copy of quiz.yaml: {wall:.2f} s wall, {cpu:.2f} s CPU (goal: < 0.4 s wall)")
    runs = [("HTML (MathML)", "typst", "html"), ("PDF, Typst", "typst", "pdf")]
    if not skip_weasyprint:
        runs.append(("PDF, WeasyPrint", "weasyprint", "pdf"))
    print("| output | seconds per copy | R/exams | faster |")
    print("|---|---|---|---|")
    for label, engine, fmt in runs:
        count = copies if engine == "typst" else max(4, copies // 10)
        seconds = per_copy(engine, fmt, count)
        ratio = R_EXAMS[fmt] / seconds
        print(f"| {label} | {seconds:.3f} | {R_EXAMS[fmt]:.2f} | {ratio:.1f}x |", flush=True)
    seconds = per_lms_variant("moodle", max(10, copies))
    ratio = R_EXAMS["moodle"] / seconds
    print(
        f"| Moodle XML, CPU per variant | {seconds:.4f} | {R_EXAMS['moodle']:.2f} | {ratio:.1f}x |"
    )
    print(f"| QTI, CPU per variant | {per_lms_variant('qti', max(10, copies)):.4f} | | |")


if __name__ == "__main__":
    main()
