"""Scanning accuracy and speed: a class's mid-term answer sheets, filled by simulated students
(full fills, ticks, crosses, light pencil, cancelled boxes), degraded as scanners and phones
degrade them (turns of up to 5 degrees and 180, scale, perspective, blur, noise, salt and
pepper, JPEG 30, shadows, 150 dpi, a covered corner mark, a page scanned twice, pages
shuffled), then read by ``quizgen scan``. Prints the share of filled answers read right, the
wrong readings that escaped the review queue (must be none), the review rate and pages/s.

    python bench/scan.py --students 200 --jobs 2
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import sheet_sim as sim  # noqa: E402
from class_sim import sit  # noqa: E402
from PIL import Image  # noqa: E402

from quizgen.marking.papers import version_paper, versions_exam  # noqa: E402
from quizgen.publish.papers import write_exam  # noqa: E402
from quizgen.publish.sheets import write_version_sheets  # noqa: E402
from quizgen.scan.run import run_scan  # noqa: E402

SEED = 2026
VERSIONS = 4


def same(read: str, written: str) -> bool:
    try:
        return abs(float(read) - float(written)) < 1e-9
    except ValueError:
        return read == written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument("--keep", type=Path, default=None, help="Keep the scans and results here.")
    args = parser.parse_args()
    rng = np.random.default_rng(26)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        printed, scans = folder / "printed", folder / "scans"
        scans.mkdir(parents=True, exist_ok=True)
        exam = versions_exam("midterm", SEED, VERSIONS, None)
        write_exam(exam, "midterm", printed, ["pdf"])
        write_version_sheets(exam, "midterm", printed)
        _, layouts = sim.page_layouts(printed / "sheet-layout.json")
        rasters = {
            v.code: sim.rasterise(printed / f"midterm-{SEED}-{v.code}-sheet.pdf", args.dpi)
            for v in exam.versions
        }
        papers = [
            version_paper(exam, exam.versions[i % VERSIONS].code, f"{20260000 + i}", str(i))
            for i in range(args.students)
        ]
        answered = sit(papers, rng, mistake_rate=0.3, blank_rate=0.03)
        rows = {(s, q, p): t for s, q, p, t in answered.rows}
        truth: dict[tuple[str, int, str], str] = {}
        started = time.perf_counter()
        names = []
        for paper in papers:
            for page, raster in zip(layouts[paper.version], rasters[paper.version]):
                marks, written = sim.page_marks(page, paper.student, rows, rng)
                image = raster.copy()
                cancelled = _cancel_some(page, marks, rng)
                sim.draw(image, [*marks, *cancelled], args.dpi, rng)
                key = f"v:{paper.version}:{paper.student}"
                for label, text in written.items():
                    if text:
                        truth[(key, page["page"], label)] = text
                degraded = sim.degrade(image, sim.random_degradation(rng), rng)
                name = f"{rng.integers(1 << 40):010x}.jpg"  # shuffled by name
                Image.fromarray(degraded).save(scans / name, quality=92)
                names.append(name)
        twice = scans / names[0]
        (scans / f"zz-again-{names[0]}").write_bytes(twice.read_bytes())
        print(f"simulated {len(names)} pages in {time.perf_counter() - started:.0f} s")
        started, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        summary, batch = run_scan([scans], printed, folder / "read", jobs=args.jobs)
        seconds = time.perf_counter() - started
        parent_cpu = time.process_time() - cpu
        worker_cpu = _children_cpu() - children
    queued = {r.key for r in batch.review}
    fields = sum(len(p.readings) for p in batch.pages)
    right = wrong_silent = wrong_queued = 0
    for key, text in truth.items():
        read = batch.answers.get(key[0], {}).get(key)
        if read is not None and same(read, text):
            right += 1
        elif read is not None:
            wrong_silent += 1
            print(f"  SILENT MISREAD {key}: wrote {text}, read {read}")
        else:
            wrong_queued += 1 if key in queued else 0
    pages = summary.pages
    print(f"students {args.students}, sheet pages {pages}, fields {fields}")
    print(f"filled answers read right: {right / len(truth):.4%} ({right} of {len(truth)})")
    print(f"wrong readings not in the review queue: {wrong_silent}")
    print(f"fields sent to review: {len(queued) / fields:.3%} ({len(queued)})")
    print(f"unreadable pages: {len(summary.unreadable)}")
    print(f"speed: {pages / seconds:.1f} pages/s wall ({seconds:.1f} s, {args.jobs} processes)")
    cpu = parent_cpu + worker_cpu
    print(
        f"CPU: {cpu:.1f} s ({worker_cpu:.1f} s in the workers, {parent_cpu:.1f} s in the "
        f"parent), {cpu / pages * 1000:.0f} ms per page: {pages / cpu * 2:.1f} pages/s on 2 "
        "cores had they been free"
    )
    print(f"load average while it ran: {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores")


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (the scan's workers, once joined)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cancel_some(page: dict, marks: list, rng: np.random.Generator) -> list:
    """Now and then a student fills a wrong box first and cancels it: blackened past its
    edges, beside the box they meant."""
    out = []
    taken = {(m.box["x"], m.box["y"]) for m in marks}
    for mark in marks:
        if rng.random() < 0.03:
            column = [
                b
                for b in page["boxes"]
                if b["column"] == mark.box["column"]
                and (b["question"], b["part"], b["entry"])
                == (mark.box["question"], mark.box["part"], mark.box["entry"])
                and (b["x"], b["y"]) not in taken
            ]
            if column:
                out.append(sim.Mark(column[int(rng.integers(len(column)))], "cancel"))
    return out


if __name__ == "__main__":
    main()
