"""What a scan run writes: ``answers.csv`` (the long format ``quizgen grade`` reads),
``marks.csv`` (derivations' marks, for ``grade --marks``), ``review.csv``, ``scan-report.csv``,
``scan-boxes.csv`` (the darkness of every box read) and ``scan-report.html`` with a crop of
every queued field. Each file is written whole or not at all."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Sequence
from pathlib import Path

import cv2
from jinja2 import Environment, FileSystemLoader, select_autoescape

from quizgen.core.resources import TEMPLATES
from quizgen.publish.papers import atomic_write, output_folder
from quizgen.scan.batch import Batch, PageRead, Review, answer_rows


def _csv(rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _write(path: Path, text: str) -> None:
    atomic_write(path, lambda target: target.write_text(text, encoding="utf-8"))


def who(review: Review) -> str:
    if review.student and review.version and review.key[0].startswith("v:"):
        return f"{review.student} (version {review.version})"
    return review.student or review.key[0]


def page_row(page: PageRead) -> list[object]:
    filled = int((page.ink > 0.2).sum()) if page.ink is not None else ""
    return [
        page.scan.file.name,
        page.scan.page,
        page.key or "",
        page.student or "",
        page.layout.number if page.layout else "",
        f"{page.rotation:.1f}" if page.problem is None else "",
        page.corners if page.problem is None else "",
        filled,
        page.problem or "read",
    ]


def missing_rows(batch: Batch) -> list[list[object]]:
    """scan-report.csv's rows for the sheet pages no scan held (status ``missing``): of every
    copy with a page read, and for a class set of every student (one who sat nothing, or
    whose sheets are still to be scanned)."""
    rows: list[list[object]] = []
    for key, pages in sorted(batch.missing.items()):
        student = key.split(":", 2)[-1] if key.startswith("v:") else key.removeprefix("s:")
        rows += [["", "", key, student, n, "", "", "", "missing"] for n in pages]
    return rows


def write_outputs(batch: Batch, out_dir: Path, boxes: bool = True) -> list[Path]:
    """Every output of the batch in ``out_dir`` (``scan-boxes.csv`` only with ``boxes``: no
    correction changes it); returns the files written."""
    versions = batch.layout.versions is not None
    answers, marks = answer_rows(batch)
    head = ["student", *(["version"] if versions else []), "question", "part", "answer"]
    review_head = ["student", "version", "page", "question", "part", "entry", "field"]
    review_rows = [
        [
            r.student or "",
            r.version or "",
            r.key[1] or "",
            r.field.question if r.field and r.field.question else "",
            r.field.part if r.field and r.field.part else "",
            " ".join(str(i + 1) for i in r.field.entry) if r.field and r.field.entry else "",
            r.key[2],
            r.reason,
            r.guess,
            r.where,
            r.key[0],
        ]
        for r in batch.review
    ]
    page_head = ["file", "page", "sheet", "student", "sheet_page", "rotation", "corners"]
    files = {
        "answers.csv": _csv([head, *answers]),
        "marks.csv": _csv([["student", "question", "part", "answer"], *marks]),
        "review.csv": _csv([[*review_head, "reason", "guess", "scan", "sheet"], *review_rows]),
        "scan-report.csv": _csv(
            [
                [*page_head, "boxes_filled", "status"],
                *(page_row(p) for p in batch.pages),
                *missing_rows(batch),
            ]
        ),
        "scan-report.html": report_html(batch),
    }
    if boxes:
        files["scan-boxes.csv"] = boxes_csv(batch.pages)
    with output_folder(out_dir):
        for name, text in files.items():
            _write(out_dir / name, text)
    return [out_dir / name for name in files]


def boxes_csv(pages: Sequence[PageRead]) -> str:
    """scan-boxes.csv: a row per box read (800 pages hold about 400,000: written by page)."""
    chunks = [_csv([["file", "page", "sheet", "box", "ink", "halo"]])]
    for p in pages:
        if p.ink is None or p.halo is None:
            continue
        prefix = _csv([[p.scan.file.name, p.scan.page, p.key]]).rstrip("\n")
        chunks.append(
            "".join(
                f"{prefix},{b},{ink:.3f},{halo:.3f}\n"
                for b, (ink, halo) in enumerate(zip(p.ink.tolist(), p.halo.tolist()))
            )
        )
    return "".join(chunks)


def png_base64(image) -> str:
    ok, data = cv2.imencode(".png", image)
    return base64.b64encode(data.tobytes()).decode("ascii") if ok else ""


def report_html(batch: Batch) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    rows = [page_row(p) for p in batch.pages]
    pages = [
        {
            "where": p.scan.where,
            "who": row[2],
            "page": row[4],
            "rotation": row[5],
            "corners": row[6],
            "filled": row[7],
            "problem": p.problem,
        }
        for p, row in zip(batch.pages, rows)
    ]
    review = [
        {
            "who": who(r),
            "page": r.key[1] or "",
            "label": r.key[2],
            "reason": r.reason,
            "guess": r.guess,
            "where": r.where,
            "crop": png_base64(r.crop) if r.crop is not None and r.crop.size else "",
        }
        for r in batch.review
    ]
    return env.get_template("report/scan.html").render(
        title=Path(batch.layout.blueprint).name,
        pages=pages,
        unreadable=len(batch.unreadable),
        review=review,
        corrected=batch.corrected,
        missing=sorted((k, ", ".join(map(str, v))) for k, v in batch.missing.items()),
    )
