"""Class sets: a paper and a key for every student of a roster, in parallel, resumable.

Each student's paper depends only on (exam seed, student id), so a roster can be reordered,
extended or split into shards (``--shard K/N``, by a hash of the id) without changing anyone's
paper. Workers render and write their students' files themselves and send back only a manifest
row, so memory stays flat however long the roster. Merged print files pad every paper to an even
page count, so that on a duplex printer each starts on a front page.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizgen.banks import BankQuestion
from quizgen.blueprint import Blueprint
from quizgen.build import Student, build_for_student
from quizgen.errors import QuizgenError
from quizgen.papers import atomic_write, prepare_out_dir, write_copy
from quizgen.roster import in_shard
from quizgen.seeds import child_seed

WORKER_TASKS = 40
MANIFEST_FIELDS = (
    "id",
    "name",
    "version",
    "exam_seed",
    "student_seed",
    "total_marks",
    "paper_pages",
    "key_pages",
    "files",
)


@dataclass(frozen=True)
class ClassSet:
    """Everything a worker needs, sent once to each worker process."""

    blueprint: Blueprint
    blueprint_name: str
    blueprint_sha256: str
    seed: int
    out_dir: Path
    formats: tuple[str, ...]
    bank: tuple[BankQuestion, ...] | None


_JOB: ClassSet | None = None


def _init_worker(job: ClassSet) -> None:
    global _JOB
    _JOB = job
    if "pdf" in job.formats and job.blueprint.engine == "weasyprint":
        import weasyprint  # noqa: F401 - load once per worker, not once per student


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pages(path: Path) -> int:
    import pikepdf

    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def render_student(student: Student, job: ClassSet | None = None) -> dict[str, Any]:
    """Write one student's paper and key; return their manifest row."""
    job = job or _JOB
    assert job is not None
    exam = build_for_student(job.blueprint, job.seed, student, job.bank)
    version = exam.versions[0]
    files = write_copy(exam, version, job.out_dir / student.id, job.formats, job.blueprint_name)
    row: dict[str, Any] = {
        "id": student.id,
        "name": student.name,
        "version": version.code,
        "exam_seed": job.seed,
        "student_seed": child_seed(job.seed, "student", student.id),
        "total_marks": job.blueprint.total_marks,
        "files": {kind: path.name for kind, path in files.items()},
        "sha256": {kind: _sha256(path) for kind, path in files.items()},
    }
    if "pdf" in job.formats:
        row["paper_pages"] = _pages(files["paper.pdf"])
        row["key_pages"] = _pages(files["key.pdf"])
    return row


def _in_workers(students: Sequence[Student], job: ClassSet, workers: int) -> Iterator[dict]:
    """Manifest rows from worker processes, in roster order.

    Workers are spawned, not forked: a forked child can inherit a lock held by a thread of the
    parent (Typst's compiler runs threads) and hang. A fresh pool serves each batch of
    WORKER_TASKS students per worker, which keeps memory flat however long the roster,
    whatever the libraries cache between documents (``max_tasks_per_child`` would do the same,
    but it hangs on Python 3.11).
    """
    context = multiprocessing.get_context("spawn")
    batch = WORKER_TASKS * workers
    for start in range(0, len(students), batch):
        with ProcessPoolExecutor(workers, context, _init_worker, (job,)) as pool:
            yield from pool.map(render_student, students[start : start + batch], chunksize=1)


def manifest_name(shard: tuple[int, int] | None) -> str:
    return "manifest" if shard is None else f"manifest-{shard[0]}-of-{shard[1]}"


def _complete(row: dict[str, Any], job: ClassSet) -> bool:
    """Are the student's files all there, exactly as the manifest recorded them?"""
    if row.get("exam_seed") != job.seed:
        return False
    try:
        return all(
            _sha256(job.out_dir / name) == row["sha256"][kind]
            for kind, name in row["files"].items()
        ) and set(row["files"]) == {f"{k}.{f}" for k in ("paper", "key") for f in job.formats}
    except (OSError, KeyError):
        return False


def _previous(out_dir: Path, name: str, blueprint_sha256: str) -> dict[str, dict[str, Any]]:
    path = out_dir / f"{name}.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    if data.get("blueprint_sha256") != blueprint_sha256:
        return {}
    return {row["id"]: row for row in data.get("students", [])}


def run_class_set(
    blueprint: Blueprint,
    blueprint_path: Path,
    seed: int,
    students: Sequence[Student],
    out_dir: Path,
    formats: Sequence[str] = ("pdf",),
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
    resume: bool = False,
    force: bool = False,
    bank: Sequence[BankQuestion] | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> dict[str, Any]:
    """Render the roster (or one shard of it); write the manifest and the merged print files."""
    chosen = [s for s in students if shard is None or in_shard(s.id, shard)]
    job = ClassSet(
        blueprint=blueprint,
        blueprint_name=blueprint_path.name,
        blueprint_sha256=_sha256(blueprint_path),
        seed=seed,
        out_dir=out_dir,
        formats=tuple(f for f in ("html", "pdf") if f in formats),
        bank=tuple(bank) if bank is not None else None,
    )
    name = manifest_name(shard)
    previous = _previous(out_dir, name, job.blueprint_sha256) if resume else {}
    done = {sid: row for sid, row in previous.items() if _complete(row, job)}
    todo = [s for s in chosen if s.id not in done]
    if not force and not resume:
        clash = [
            s.id for s in todo if any((out_dir / f"{s.id}-paper.{f}").exists() for f in job.formats)
        ]
        if clash:
            raise QuizgenError(
                f"{out_dir} already holds papers for {len(clash)} student(s) (e.g. "
                f"{clash[0]}); use --resume to skip complete ones or --force to overwrite"
            )
    prepare_out_dir(out_dir)
    rows = dict(done)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    progress(0, len(chosen) - len(todo))
    if workers == 1:
        for count, student in enumerate(todo, start=1):
            rows[student.id] = render_student(student, job)
            progress(count, len(chosen) - len(todo))
    else:
        for count, row in enumerate(_in_workers(todo, job, workers), start=1):
            rows[row["id"]] = row
            progress(count, len(chosen) - len(todo))
    ordered = [rows[s.id] for s in chosen]
    manifest = {
        "schema": "quizgen.classset/1",
        "blueprint": blueprint_path.name,
        "blueprint_sha256": job.blueprint_sha256,
        "exam_seed": seed,
        "shard": f"{shard[0]}/{shard[1]}" if shard else None,
        "students": ordered,
    }
    if "pdf" in job.formats and ordered:
        suffix = "" if shard is None else f"-{shard[0]}-of-{shard[1]}"
        for kind in ("paper", "key"):
            target = out_dir / f"all-{kind}s{suffix}.pdf"
            files = [out_dir / row["files"][f"{kind}.pdf"] for row in ordered]
            atomic_write(target, lambda p, files=files: merge_for_duplex(files, p))
            manifest[f"merged_{kind}s"] = target.name
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    atomic_write(out_dir / f"{name}.json", lambda p: p.write_text(text, encoding="utf-8"))
    table = _manifest_csv(ordered)
    atomic_write(out_dir / f"{name}.csv", lambda p: p.write_text(table, encoding="utf-8"))
    return manifest


def _manifest_csv(rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MANIFEST_FIELDS)
    for row in rows:
        writer.writerow(
            [
                *(row.get(field, "") for field in MANIFEST_FIELDS[:-1]),
                " ".join(row["files"].values()),
            ]
        )
    return out.getvalue()


def merge_for_duplex(files: Sequence[Path], target: Path) -> None:
    """Concatenate PDFs, padding each to an even page count so each starts on a front page.

    pikepdf (qpdf) copies pages without parsing their content: about 1 ms a paper.
    """
    import pikepdf

    with pikepdf.Pdf.new() as merged:
        for path in files:
            with pikepdf.open(path) as pdf:
                merged.pages.extend(pdf.pages)
                if len(pdf.pages) % 2:
                    box = [float(v) for v in pdf.pages[-1].mediabox]
                    merged.add_blank_page(page_size=(box[2] - box[0], box[3] - box[1]))
        merged.save(target, deterministic_id=True)
