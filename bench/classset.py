"""Benchmark of class sets on the shipped mid-term (run by hand, not in CI's tests).

    python3 bench/classset.py            # the README's table (about 15 minutes on 2 cores)
    python3 bench/classset.py --quick    # smaller rosters, for a first look

Reports seconds per copy (paper + key) for HTML and for PDF with -j 1 and -j all, the overhead
ratio (end-to-end time over the time WeasyPrint alone needs to lay out and write the same HTML
files in one warm process), the share of time spent converting math, and peak memory (all
processes together) as the roster grows. Every run starts with an empty formula cache.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLUEPRINT = ROOT / "banks" / "exams" / "midterm.yaml"


def roster(folder: Path, size: int) -> Path:
    path = folder / f"roster-{size}.csv"
    path.write_text("id,name\n" + "".join(f"s{i:04d},Student {i}\n" for i in range(size)))
    return path


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(
                next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
            )
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            stack += [int(c) for c in children]
        except (OSError, StopIteration):
            continue
    return total


def run_cli(args: list[str], cache: Path) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MiB) of one ``quizgen paper`` run."""
    env = {**os.environ, "QUIZGEN_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "quizgen.cli", "paper", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kib(process.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(process.stderr.read().decode())
    return elapsed, peak // 1024


def engine_alone(engine: str, folder: Path, size: int) -> tuple[float, int]:
    """An engine's own floor: the time it alone needs to lay out and write the same documents
    (HTML for WeasyPrint, Typst source for Typst) in one warm process; and the pages written."""
    os.environ["QUIZGEN_CACHE_DIR"] = str(folder / "cache-floor")
    from quizgen.exam.blueprint import load_blueprint
    from quizgen.exam.build import build_for_student
    from quizgen.exam.roster import read_roster
    from quizgen.publish.papers import override

    blueprint = override(load_blueprint(BLUEPRINT), None, engine)
    documents = []
    for student in read_roster(roster(folder, size)):
        exam = build_for_student(blueprint, 2026, student)
        for kind in ("paper", "key"):
            if engine == "typst":
                from quizgen.render.typst_pdf import source

                documents.append(source(exam, exam.versions[0], kind, BLUEPRINT.name))
            else:
                from quizgen.render.html import render

                documents.append(render(exam, exam.versions[0], kind, BLUEPRINT.name))
    out = folder / f"floor-{engine}"
    out.mkdir(exist_ok=True)
    if engine == "typst":
        from quizgen.render.typst_pdf import write_pdf

        write_pdf(documents[0], out / "warm.pdf")
        started = time.perf_counter()
        for k, document in enumerate(documents):
            write_pdf(document, out / f"{k}.pdf")
    else:
        import logging

        from weasyprint import HTML

        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
        HTML(string="<p>warm up</p>").write_pdf(out / "warm.pdf")
        started = time.perf_counter()
        for k, document in enumerate(documents):
            HTML(string=document, base_url=str(ROOT / "output") + "/").write_pdf(out / f"{k}.pdf")
    elapsed = time.perf_counter() - started
    from pypdf import PdfReader

    pages = sum(len(PdfReader(out / f"{k}.pdf").pages) for k in range(len(documents)))
    return elapsed, pages


def math_share(size: int, folder: Path) -> float:
    """Share of a -j 1 HTML + PDF run spent converting LaTeX to SVG (in this process)."""
    os.environ["QUIZGEN_CACHE_DIR"] = str(folder / "cache-share")
    from quizgen.exam.blueprint import load_blueprint
    from quizgen.exam.roster import read_roster
    from quizgen.publish.classset import ClassSetOptions, run_class_set
    from quizgen.render import math

    math.svg.cache_clear()  # earlier measurements in this process filled the caches
    math.cache_dir.cache_clear()
    spent = [0.0]
    convert = math._convert

    def timed(latex: str, display: bool) -> str:
        started = time.perf_counter()
        try:
            return convert(latex, display)
        finally:
            spent[0] += time.perf_counter() - started

    math._convert = timed
    students = read_roster(roster(folder, size))
    started = time.perf_counter()
    options = ClassSetOptions(formats=("html", "pdf"), jobs=1)
    run_class_set(
        load_blueprint(BLUEPRINT), BLUEPRINT, 7, students, folder / "share", options=options
    )
    return spent[0] / (time.perf_counter() - started)


def paper_run(folder: Path, name: str, size: int, *options: str) -> tuple[float, int]:
    """``quizgen paper`` on the mid-term for a roster of ``size``, with an empty cache."""
    args = [str(BLUEPRINT), "--roster", str(roster(folder, size)), "--out", str(folder / name)]
    return run_cli([*args, *options], folder / f"cache-{name}")


def speed(folder: Path, engines: list[str], cores: int, quick: bool) -> list[tuple[str, ...]]:
    rows = []
    for jobs in sorted({1, cores}):
        size = (4 if quick else 20) * jobs
        seconds, _ = paper_run(folder, f"html-{jobs}", size, "-f", "html", "-j", str(jobs))
        rows.append(
            (
                f"HTML, -j {jobs}",
                f"{seconds / size:.3f} s per copy",
                f"{size} copies in {seconds:.1f} s",
            )
        )
    for engine in engines:
        for jobs in sorted({1, cores}):
            size = (4 if quick else (40 if engine == "typst" else 10)) * jobs
            seconds, _ = paper_run(
                folder, f"{engine}-{jobs}", size, "-f", "pdf", "--engine", engine, "-j", str(jobs)
            )
            rows.append(
                (
                    f"PDF ({engine}), -j {jobs}",
                    f"{seconds / size:.3f} s per copy",
                    f"{size} copies in {seconds:.1f} s",
                )
            )
        size = 4 if quick else 10
        seconds, _ = paper_run(
            folder, f"ratio-{engine}", size, "-f", "pdf", "--engine", engine, "-j", "1"
        )
        floor, pages = engine_alone(engine, folder, size)
        rows.append(
            (
                f"overhead ratio ({engine}, -j 1)",
                f"{seconds / floor:.2f}",
                f"{seconds:.1f} s end to end / {floor:.1f} s {engine} alone; "
                f"{pages / seconds:.1f} pages per second",
            )
        )
    return rows


def memory(folder: Path, engines: list[str], cores: int, quick: bool) -> list[tuple[str, ...]]:
    rows = []
    for engine in engines:
        for size in [10, 20] if quick else [30, 100, 300]:
            seconds, peak = paper_run(
                folder,
                f"mem-{engine}-{size}",
                size,
                "-f",
                "pdf",
                "--engine",
                engine,
                "-j",
                str(cores),
            )
            rows.append(
                (
                    f"peak memory, {size} students ({engine}, -j {cores})",
                    f"{peak} MiB",
                    f"{seconds:.0f} s, {seconds / size:.2f} s per copy",
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small rosters")
    parser.add_argument("--engine", choices=["weasyprint", "typst", "both"], default="both")
    parser.add_argument(
        "--measure", default="speed,memory,share", help="comma-separated: speed, memory, share"
    )
    options = parser.parse_args()
    cores = os.cpu_count() or 1
    engines = ["weasyprint", "typst"] if options.engine == "both" else [options.engine]
    measures = options.measure.split(",")
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "speed" in measures:
            rows += speed(folder, engines, cores, options.quick)
        if "memory" in measures:
            rows += memory(folder, engines, cores, options.quick)
        if "share" in measures:
            share = math_share(2 if options.quick else 5, folder)
            rows.append(
                (
                    "math conversion share (WeasyPrint path)",
                    f"{100 * share:.0f} %",
                    "cold cache, -j 1, HTML and PDF",
                )
            )
    print("| measure | value | detail |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
