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


def weasyprint_alone(html_files: list[Path], out: Path) -> float:
    """WeasyPrint's own floor: lay out and write the same HTML files in one warm process."""
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    HTML(string="<p>warm up</p>").write_pdf(out / "warm.pdf")
    started = time.perf_counter()
    for path in html_files:
        HTML(filename=str(path)).write_pdf(out / f"{path.stem}.floor.pdf")
    return time.perf_counter() - started


def math_share(size: int, folder: Path) -> float:
    """Share of a -j 1 HTML + PDF run spent converting LaTeX to SVG (in this process)."""
    os.environ["QUIZGEN_CACHE_DIR"] = str(folder / "cache-share")
    from quizgen.blueprint import load_blueprint
    from quizgen.classset import run_class_set
    from quizgen.render import math
    from quizgen.roster import read_roster

    spent = [0.0]
    convert = math._convert

    def timed(latex: str, display: bool) -> str:
        started = time.perf_counter()
        try:
            return convert(latex, display)
        finally:
            spent[0] += time.perf_counter() - started

    math._convert = timed
    started = time.perf_counter()
    run_class_set(
        load_blueprint(BLUEPRINT),
        BLUEPRINT,
        2026,
        read_roster(roster(folder, size)),
        folder / "share",
        ("html", "pdf"),
        jobs=1,
    )
    return spent[0] / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small rosters")
    options = parser.parse_args()
    cores = os.cpu_count() or 1
    per_copy, memory = (4, [10, 20]) if options.quick else (10, [30, 100, 300])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for fmt in ("html", "pdf"):
            for jobs in sorted({1, cores}):
                size = per_copy * (4 if fmt == "html" else 1) * jobs
                out = folder / f"{fmt}-{jobs}"
                seconds, _ = run_cli(
                    [
                        str(BLUEPRINT),
                        "--roster",
                        str(roster(folder, size)),
                        "-f",
                        fmt,
                        "-j",
                        str(jobs),
                        "--out",
                        str(out),
                    ],
                    folder / f"cache-{fmt}-{jobs}",
                )
                rows.append(
                    (
                        f"{fmt.upper()}, -j {jobs}",
                        f"{seconds / size:.3f} s",
                        f"{size} copies in {seconds:.1f} s",
                    )
                )
        # overhead: end to end (HTML and PDF, -j 1) against WeasyPrint alone on the same HTML
        size = per_copy
        out = folder / "both"
        seconds, _ = run_cli(
            [
                str(BLUEPRINT),
                "--roster",
                str(roster(folder, size)),
                "-f",
                "html",
                "-f",
                "pdf",
                "-j",
                "1",
                "--out",
                str(out),
            ],
            folder / "cache-both",
        )
        floor = weasyprint_alone(sorted(out.glob("s*-*.html")), folder)
        rows.append(
            (
                "overhead ratio (-j 1)",
                f"{seconds / floor:.2f}",
                f"{seconds:.1f} s end to end / {floor:.1f} s WeasyPrint alone",
            )
        )
        share = math_share(max(2, per_copy // 2), folder)
        rows.append(("math conversion share", f"{100 * share:.0f} %", "cold cache, -j 1"))
        for size in memory:
            seconds, peak = run_cli(
                [
                    str(BLUEPRINT),
                    "--roster",
                    str(roster(folder, size)),
                    "-f",
                    "pdf",
                    "-j",
                    str(cores),
                    "--out",
                    str(folder / f"mem{size}"),
                ],
                folder / f"cache-mem{size}",
            )
            rows.append(
                (
                    f"peak memory, {size} students (PDF, -j {cores})",
                    f"{peak} MiB",
                    f"{seconds:.0f} s, {seconds / size:.2f} s per copy",
                )
            )
    print("| measure | value | detail |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
