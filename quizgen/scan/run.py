"""``quizgen scan``: a batch of scans read by their layout, corrections applied, the queue
offered to a person where wanted, and everything written out; pages read in parallel."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from multiprocessing import get_context
from pathlib import Path

import cv2

from quizgen.core.errors import QuizgenError
from quizgen.scan import batch as batches
from quizgen.scan.corrections import corrections_path, read_corrections
from quizgen.scan.images import IMAGE_SUFFIXES, scan_pages
from quizgen.scan.layout import Layout, read_layout
from quizgen.scan.outputs import write_outputs
from quizgen.scan.state import (
    CROPS,
    answerable,
    correct,
    crop_name,
    load_state,
    save_state,
    settled,
)

#: a person's answer to a queued field: the text to record, or None to leave it queued
Ask = Callable[[batches.Review, Path | None], str | None]


@dataclass(frozen=True)
class Summary:
    layout: Layout
    pages: int
    unreadable: list[str]  # "file page N: why"
    review: int  # fields waiting for a person (unreadable pages are listed above instead)
    students: int
    files: list[Path]
    corrections: Path


def scan_files(paths: Sequence[Path]) -> list[Path]:
    """The scans named: files as given, folders as the PDFs and images inside, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p for p in path.iterdir() if p.suffix.lower() in {".pdf", *IMAGE_SUFFIXES}
            )
        elif path.is_file():
            found.append(path)
        else:
            raise QuizgenError(f"{path}: no such file or folder")
    if not found:
        raise QuizgenError(f"{', '.join(map(str, paths))}: no scans (PDF or image files) there")
    return found


@cache
def _layout(path: Path) -> Layout:
    return read_layout(path)


def _read_file(job: tuple[Path, Path]) -> list[batches.PageRead]:
    """Every page of one scan file (in a worker: one OpenCV thread, the layout read once)."""
    path, layout_path = job
    cv2.setNumThreads(1)
    layout = _layout(layout_path)
    return [batches.read_page(scan, layout) for scan in scan_pages(path)]


def run_scan(
    scans: Sequence[Path],
    manifest: Path,
    out_dir: Path,
    ask: Ask | None = None,
    jobs: int | None = None,
) -> tuple[Summary, batches.Batch]:
    """Read ``scans`` against the layout beside ``manifest``; with ``ask``, offer each queued
    field to a person and keep their answers in ``corrections.csv`` beside the scans."""
    layout = read_layout(manifest)
    files = scan_files(scans)
    kept = corrections_path(list(scans))
    corrections = read_corrections(kept)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(files)))
    batch = batches.Batch(layout)
    if workers == 1:
        read = [_read_file((f, layout.path)) for f in files]
    else:
        # spawned, not forked: a fork of a process whose OpenCV or Typst threads hold a lock
        # would wait for it for ever
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            read = list(pool.map(_read_file, [(f, layout.path) for f in files]))
    batch.pages = [page for pages in read for page in pages]
    batches.settle(batch, corrections)
    written = write_outputs(batch, out_dir)
    written += save_state(batch, out_dir, kept)[:1]
    if ask is not None:
        return review_run(out_dir, ask)
    return summarise(batch, written, kept), batch


def review_run(out_dir: Path, ask: Ask) -> tuple[Summary, batches.Batch]:
    """Offer each field queued by the run written to ``out_dir`` to a person, without reading
    the scans again; their answers go to the run's corrections file, and its outputs are
    written again with them applied."""
    layout, pages, kept = load_state(out_dir)
    batch = settled(layout, pages, read_corrections(kept), out_dir)
    given: dict[batches.FieldKey, str] = {}
    for item in answerable(batch):
        picture = out_dir / CROPS / crop_name(item.key)
        answer = ask(item, picture if picture.is_file() else None)
        if answer is not None:
            given[item.key] = answer
    batch, written = correct(out_dir, given)
    return summarise(batch, written, kept), batch


def summarise(batch: batches.Batch, written: list[Path], kept: Path) -> Summary:
    students = {k for k in batch.answers if not k.startswith("file:")}
    return Summary(
        batch.layout,
        len(batch.pages),
        [f"{p.scan.where}: {p.problem}" for p in batch.unreadable],
        sum(1 for r in batch.review if r.field is not None or r.key[2] != "page"),
        len(students),
        written,
        kept,
    )
