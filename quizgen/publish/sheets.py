"""``quizgen paper --sheet``: an answer sheet per version or student, and ``sheet-layout.json``
beside them, the layout the scanner reads the sheets by."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from quizgen.exam.banks import BankQuestion
from quizgen.exam.blueprint import Blueprint
from quizgen.exam.build import build_for_student
from quizgen.exam.model import Exam, Student, Version
from quizgen.publish.merged import merge_for_duplex
from quizgen.publish.papers import atomic_write
from quizgen.render import sheet as sheets
from quizgen.render import sheet_html, sheet_typst, typst_pdf

LAYOUT_FILE = "sheet-layout.json"
DEFAULT_ID_DIGITS = 8


def write_sheet(exam: Exam, sheet: sheets.Sheet, target: Path) -> None:
    """One sheet's PDF, whole or not at all, by the blueprint's engine."""
    if exam.blueprint.engine == "typst":
        source = sheet_typst.source(sheet, typst_pdf.text_fonts(exam.blueprint.fonts))
        atomic_write(target, lambda path: typst_pdf.write_pdf(source, path))
        return
    from quizgen.render.pdf import write_pdf

    page = sheet_html.document(sheet)
    atomic_write(target, lambda path: write_pdf(page, target.parent, path))


def write_sheets(
    exam: Exam,
    blueprint_name: str,
    out_dir: Path,
    copies: Sequence[tuple[Version, Path]],
    id_digits: int | None,
) -> list[Path]:
    """The sheet of each (version, target file), then the layout of them all; returns the
    files written. ``id_digits``: a student-id grid on every page (papers by version)."""
    key = sheets.exam_id(exam)
    laid = [
        (sheets.layout_sheet(exam, version, id_digits=id_digits, exam_key=key), target)
        for version, target in copies
    ]
    for sheet, target in laid:
        write_sheet(exam, sheet, target)
    files = {sheet.student or sheet.version: target.name for sheet, target in laid}
    record = sheets.layout_record(exam, blueprint_name, [s for s, _ in laid], files)
    return [target for _, target in laid] + [_write_layout(out_dir, record)]


def _write_layout(out_dir: Path, record: dict) -> Path:
    text = json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n"
    layout = out_dir / LAYOUT_FILE
    atomic_write(layout, lambda path: path.write_text(text, encoding="utf-8"))
    return layout


def _with_other_shards(out_dir: Path, record: dict) -> dict:
    """A class set's layout with the sheets of its other shards kept: the students that a
    layout already in ``out_dir`` holds for the same exam, and that this run did not write, stay
    in it, so that one sheet-layout.json reads the whole class however it was printed."""
    try:
        old = json.loads((out_dir / LAYOUT_FILE).read_text(encoding="utf-8"))
        same = old["exam"] == record["exam"] and old["versions"] is None
        kept = [s for s in old["sheets"] if same and s["student"] not in record_students(record)]
        layouts = {name: old["layouts"][name] for name in {s["layout"] for s in kept}}
    except (OSError, ValueError, KeyError, TypeError):
        return record
    return {
        **record,
        "sheets": kept + record["sheets"],
        "layouts": {**layouts, **record["layouts"]},
    }


def record_students(record: dict) -> set[str]:
    return {s["student"] for s in record["sheets"]}


def write_version_sheets(
    exam: Exam, blueprint_name: str, out_dir: Path, id_digits: int = DEFAULT_ID_DIGITS
) -> list[Path]:
    """``paper --versions N --sheet``: ``midterm-2026-A-sheet.pdf`` ... beside the papers, each
    page with a student-id grid (one sheet is photocopied for every student of a version)."""
    stem = f"{Path(blueprint_name).stem}-{exam.seed}"
    copies = [(v, out_dir / f"{stem}-{v.code}-sheet.pdf") for v in exam.versions]
    return write_sheets(exam, blueprint_name, out_dir, copies, id_digits)


def write_roster_sheets(
    blueprint: Blueprint,
    blueprint_name: str,
    seed: int,
    students: Sequence[Student],
    out_dir: Path,
    manifest: dict,
    bank: Sequence[BankQuestion] | None = None,
) -> list[Path]:
    """``paper --roster R --sheet``: ``ID-sheet.pdf`` per student (name and id printed, the
    id in every QR code), ``all-sheets.pdf``, and each sheet after its paper in the merged
    print file ``all-papers.pdf``."""
    copies = []
    exam = None
    picks = {row["id"]: row.get("redraws", {}) for row in manifest["students"]}
    students = [s for s in students if s.id in picks]  # a shard's, as its manifest lists them
    for student in students:
        exam = build_for_student(blueprint, seed, student, bank, picks.get(student.id))
        copies.append((exam, exam.versions[0], out_dir / f"{student.id}-sheet.pdf"))
    if exam is None:
        return []
    key = sheets.exam_id(exam)
    laid = []
    for one, version, target in copies:
        sheet = sheets.layout_sheet(one, version, exam_key=key)
        write_sheet(one, sheet, target)
        laid.append((sheet, target))
    written = [target for _, target in laid]
    files = {sheet.student or sheet.version: target.name for sheet, target in laid}
    record = sheets.layout_record(exam, blueprint_name, [s for s, _ in laid], files)
    written.append(_write_layout(out_dir, _with_other_shards(out_dir, record)))
    shard = manifest.get("shard")
    suffix = "" if not shard else "-{}-of-{}".format(*shard.split("/"))
    merged = out_dir / f"all-sheets{suffix}.pdf"
    atomic_write(merged, lambda path: merge_for_duplex(written[:-1], path))
    written.append(merged)
    if "merged_papers" in manifest:
        rows = {row["id"]: row for row in manifest["students"]}
        together = []
        for student, (_, target) in zip(students, laid):
            together += [out_dir / rows[student.id]["files"]["paper.pdf"], target]
        papers = out_dir / manifest["merged_papers"]
        atomic_write(papers, lambda path: merge_for_duplex(together, path))
    return written
