"""A scan run kept in its output folder, so that its review queue can be settled later without
reading the scans again: ``scan-state.json`` (schema ``quizgen.scan-state/1``: the layout, the
corrections file beside the scans, and what was read from every page) and ``review/``, a PNG
crop of every queued field. ``quizgen scan --review DIR`` and ``quizgen serve --review DIR``
load it, apply the corrections and write the run's outputs again."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from quizgen.core.errors import QuizgenError
from quizgen.core.record_files import read_text
from quizgen.scan.batch import Batch, FieldKey, PageRead, Review, settle
from quizgen.scan.corrections import read_corrections, write_corrections
from quizgen.scan.fields import FieldReading
from quizgen.scan.images import ScanPage
from quizgen.scan.layout import Layout, read_layout

SCHEMA = "quizgen.scan-state/1"
FILE = "scan-state.json"
CROPS = "review"


def crop_name(key: FieldKey) -> str:
    """A queued field's crop file within ``review/``, the same on every run."""
    sheet, page, label = key
    return re.sub(r"[^A-Za-z0-9.-]+", "_", f"{sheet}-p{page}-{label}") + ".png"


def _page_record(page: PageRead) -> dict[str, Any]:
    def numbers(values: np.ndarray | None) -> list[float] | None:
        return None if values is None else values.tolist()  # exact: JSON keeps every digit

    return {
        "file": str(page.scan.file.resolve()),
        "page": page.scan.page,
        "problem": page.problem,
        "sheet": page.sheet.who if page.sheet else None,
        "sheet_page": page.layout.number if page.layout else None,
        "student": page.student,
        "rotation": page.rotation,
        "corners": page.corners,
        "readings": [[r.field.label, r.text, r.doubt, r.guess] for r in page.readings],
        "ink": numbers(page.ink),
        "halo": numbers(page.halo),
    }


def _page_read(record: dict[str, Any], layout: Layout) -> PageRead:
    sheet = layout.sheets[record["sheet"]] if record["sheet"] else None
    page = sheet.pages[record["sheet_page"] - 1] if sheet and record["sheet_page"] else None
    fields = {f.label: f for f in page.fields} if page else {}
    read = PageRead(
        ScanPage(Path(record["file"]), int(record["page"]), None),
        record["problem"],
        sheet,
        page,
        record["student"],
        float(record["rotation"]),
        int(record["corners"]),
        [
            FieldReading(fields[label], text, doubt, guess)
            for label, text, doubt, guess in (record["readings"])
        ],
    )
    for name in ("ink", "halo"):
        if record[name] is not None:
            setattr(read, name, np.array(record[name], dtype=np.float64))
    return read


def save_state(batch: Batch, out_dir: Path, corrections: Path) -> list[Path]:
    """``scan-state.json`` and the crops of the fields queued now; returns the files written."""
    from quizgen.publish.papers import atomic_write

    crops = out_dir / CROPS
    crops.mkdir(parents=True, exist_ok=True)
    written = []
    for item in batch.review:
        if item.crop is not None and item.crop.size:
            picture = crops / crop_name(item.key)
            ok, data = cv2.imencode(".png", item.crop)
            if ok:
                atomic_write(picture, partial(Path.write_bytes, data=data.tobytes()))
                written.append(picture)
    record = {
        "schema": SCHEMA,
        "layout": str(batch.layout.path.resolve()),
        "corrections": str(corrections.resolve()),
        "pages": [_page_record(p) for p in batch.pages],
    }
    text = json.dumps(record, separators=(",", ":"))
    atomic_write(out_dir / FILE, lambda target: target.write_text(text, encoding="utf-8"))
    return [out_dir / FILE, *written]


def is_run(folder: Path) -> bool:
    return (folder / FILE).is_file()


def load_state(out_dir: Path) -> tuple[Layout, list[PageRead], Path]:
    """The layout, the pages read and the corrections file of the run written to ``out_dir``."""
    path = out_dir / FILE
    if not path.is_file():
        raise QuizgenError(f"{out_dir}: not the output folder of a scan run (no {FILE} there)")
    try:
        data = json.loads(read_text(path))
        if data.get("schema") != SCHEMA:
            raise QuizgenError(f"{path}: not a {SCHEMA} file")
        layout = read_layout(Path(data["layout"]))
        pages = [_page_read(p, layout) for p in data["pages"]]
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        if isinstance(exc, QuizgenError):
            raise
        raise QuizgenError(f"{path}: not a readable scan state ({exc!r})") from None
    return layout, pages, Path(data["corrections"])


def settled(
    layout: Layout, pages: list[PageRead], corrections: dict[FieldKey, str], out_dir: Path
) -> Batch:
    """The batch with the corrections applied; queued fields' crops from ``review/`` where the
    pages' images are not at hand (a run loaded from its folder)."""
    batch = Batch(layout, pages)
    settle(batch, corrections)
    crops = out_dir / CROPS
    for index, item in enumerate(batch.review):
        picture = crops / crop_name(item.key)
        if item.crop is None and picture.is_file():
            batch.review[index] = replace(item, crop=cv2.imread(str(picture), cv2.IMREAD_GRAYSCALE))
    return batch


def answerable(batch: Batch) -> list[Review]:
    """The queued fields a person can settle here (an unreadable page must be scanned again)."""
    return [r for r in batch.review if r.key[2] != "page" and r.key[1] > 0]


def correct(
    out_dir: Path,
    given: dict[FieldKey, str],
    state: tuple[Layout, list[PageRead], Path] | None = None,
) -> tuple[Batch, list[Path]]:
    """Record ``given`` answers in the run's corrections file and write its outputs again
    (returns the batch settled and the files written); ``state``: the run already loaded."""
    from quizgen.scan.outputs import write_outputs

    layout, pages, kept = state or load_state(out_dir)
    corrections = read_corrections(kept)
    if given:
        if not kept.parent.is_dir():
            raise QuizgenError(
                f"{kept.parent}: the folder of this run's scans is gone, and its "
                f"{kept.name} is kept there (scan the pages again with quizgen scan)"
            )
        corrections.update(given)
        write_corrections(kept, corrections)
    batch = settled(layout, pages, corrections, out_dir)
    return batch, write_outputs(batch, out_dir, boxes=False)
