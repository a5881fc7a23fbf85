"""Reading a batch of scans: every page found, read and checked against the others, then put
together per student: answers that are sure, and a review queue of everything that is not.

A page that cannot be read (no QR code, too few corner marks, not an image) is reported by file
and page and the batch goes on; a page of another exam is refused by name. Two scans of one
page must agree field by field, or the field goes to review. Corrections a person made earlier
(``corrections.csv`` beside the scans, see :mod:`quizgen.scan.corrections`) settle the fields
they name, on this run and every later one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from quizgen.render.sheet import parse_qr
from quizgen.scan.fields import BLANK, FieldReading, read_field
from quizgen.scan.images import ScanPage, scan_pages
from quizgen.scan.layout import FieldLayout, Layout, PageLayout, SheetLayout
from quizgen.scan.marks import read_boxes
from quizgen.scan.register import read_qr, register

ID_LABEL = "student id"
#: a field's key within a batch: (sheet key, sheet page, field label)
FieldKey = tuple[str, int, str]


@dataclass
class PageRead:
    """One scanned page and what was read from it (``problem`` says why nothing was)."""

    scan: ScanPage
    problem: str | None = None
    sheet: SheetLayout | None = None
    layout: PageLayout | None = None
    student: str | None = None  # the id: from the QR (class sets) or the page's id grid
    rotation: float = 0.0
    corners: int = 0
    readings: list[FieldReading] = field(default_factory=list)
    ink: np.ndarray | None = None
    halo: np.ndarray | None = None
    straight: np.ndarray | None = None  # kept while the page has a field to review

    @property
    def key(self) -> str | None:
        """Whose copy: ``s:ID`` for a class set, ``v:A:ID`` for a student of a version, or
        ``file:NAME#PAGE`` while a version's student id is unknown."""
        if self.sheet is None:
            return None
        if self.sheet.student is not None:
            return self.sheet.who
        if self.student is None:
            return f"file:{self.scan.file.name}#{self.scan.page}"
        return f"v:{self.sheet.version}:{self.student}"


@dataclass(frozen=True)
class Review:
    """A field a person must decide: where it is, why, the reading's best guess, and a crop."""

    key: FieldKey
    version: str | None
    student: str | None
    field: FieldLayout | None
    reason: str
    guess: str
    where: str
    crop: np.ndarray | None = None


@dataclass
class Batch:
    layout: Layout
    pages: list[PageRead] = field(default_factory=list)
    answers: dict[str, dict[FieldKey, str]] = field(default_factory=dict)  # by copy key
    review: list[Review] = field(default_factory=list)
    missing: dict[str, list[int]] = field(default_factory=dict)  # copy key -> sheet pages
    corrected: int = 0

    @property
    def unreadable(self) -> list[PageRead]:
        return [p for p in self.pages if p.problem is not None]


def read_page(scan: ScanPage, layout: Layout) -> PageRead:
    """Find, straighten and read one scanned page."""
    if scan.image is None:
        return PageRead(scan, scan.problem or "could not be decoded")
    codes = read_qr(scan.image)
    ours = [(c, parsed) for c in codes if (parsed := parse_qr(c.text)) is not None]
    if not ours:
        blank = float(np.std(scan.image)) < 8.0
        return PageRead(scan, "a blank page" if blank else "no answer-sheet QR code found")
    code, (exam, who, number) = ours[0]
    if exam != layout.exam:
        return PageRead(
            scan,
            f"refused: a sheet of another exam ({exam}; {layout.path.name} is exam {layout.exam})",
        )
    sheet = layout.sheets.get(who)
    if sheet is None or not 1 <= number <= len(sheet.pages):
        return PageRead(scan, f"refused: {who} page {number} is not in {layout.path.name}")
    page = sheet.pages[number - 1]
    registered = register(scan.image, page, code)
    if registered is None:
        return PageRead(scan, "too few corner marks found", sheet, page)
    boxes = read_boxes(registered.image, page.rects)
    readings = [read_field(f, page, boxes.states) for f in page.fields]
    read = PageRead(
        scan,
        None,
        sheet,
        page,
        sheet.student,
        registered.rotation,
        registered.corners_found,
        [r for r in readings if r.field.kind != "id"],
        boxes.ink,
        boxes.halo,
    )
    ids = [r for r in readings if r.field.kind == "id"]
    if ids and ids[0].doubt is None:
        read.student = ids[0].text
    elif ids:
        read.readings.insert(0, ids[0])
    if any(r.doubt for r in read.readings):
        read.straight = registered.image
    return read


def crop(page: PageRead, rect: tuple[float, float, float, float]) -> np.ndarray | None:
    """The field's part of the straightened page, a little wider than the field."""
    if page.straight is None:
        return None
    from quizgen.scan.register import SCALE

    x, y, w, h = (v * SCALE for v in rect)
    pad = 4 * SCALE
    y0, y1 = max(0, int(y - pad)), int(y + h + pad)
    x0, x1 = max(0, int(x - pad)), int(x + w + pad)
    return page.straight[y0:y1, x0:x1].copy()


def scan_batch(
    paths: Sequence[Path],
    layout: Layout,
    corrections: dict[FieldKey, str] | None = None,
    progress: Callable[[PageRead], None] = lambda page: None,
) -> Batch:
    """Read every page of every scan; settle fields by the corrections; queue the rest."""
    batch = Batch(layout)
    for path in paths:
        for scan in scan_pages(path):
            read = read_page(scan, layout)
            progress(read)
            batch.pages.append(read)
    settle(batch, corrections or {})
    return batch


def settle(batch: Batch, corrections: dict[FieldKey, str]) -> None:
    """Answers per copy, field by field: the corrections first, then readings that are sure
    and agree across scans; everything else to review."""
    for page in batch.pages:  # a student id a person gave for a page whose id grid was unclear
        if page.key is not None and page.key.startswith("file:") and page.layout is not None:
            given = corrections.get((page.key, page.layout.number, ID_LABEL))
            if given:
                batch.corrected += 1
                page.student = given
                page.readings = [r for r in page.readings if r.field.kind != "id"]
    readings: dict[FieldKey, list[tuple[PageRead, FieldReading]]] = {}
    seen: dict[str, set[int]] = {}
    copies: dict[str, SheetLayout] = {}
    for page in batch.pages:
        if page.problem is not None or page.key is None or page.layout is None:
            continue
        assert page.sheet is not None
        copies[page.key] = page.sheet
        seen.setdefault(page.key, set()).add(page.layout.number)
        for reading in page.readings:
            key = (page.key, page.layout.number, reading.field.label)
            readings.setdefault(key, []).append((page, reading))
    for key, found in readings.items():
        page, reading = found[0]
        if key in corrections:
            batch.corrected += 1
            text = corrections[key]
        else:
            texts = {r.text for _, r in found if r.doubt is None}
            doubts = [r for _, r in found if r.doubt is not None]
            if doubts or len(texts) != 1:
                first = doubts[0] if doubts else reading
                reason = doubts[0].doubt if doubts and len(found) == 1 else None
                if reason is None:
                    reason = "two scans of this page disagree"
                guesses = " / ".join(dict.fromkeys(r.guess or r.text for _, r in found))
                where = "; ".join(p.scan.where for p, _ in found)
                batch.review.append(
                    Review(
                        key,
                        page.sheet.version if page.sheet else None,
                        page.student or (page.sheet.student if page.sheet else None),
                        first.field,
                        reason or "",
                        guesses,
                        where,
                        crop(page, first.field.rect) if page.straight is not None else None,
                    )
                )
                continue
            text = texts.pop()
        batch.answers.setdefault(key[0], {})[key] = text
    for page in batch.pages:  # unreadable pages: a person must look at the paper
        if page.problem is not None:
            batch.review.append(
                Review(
                    (f"file:{page.scan.file.name}#{page.scan.page}", 0, "page"),
                    None,
                    None,
                    None,
                    page.problem,
                    "",
                    page.scan.where,
                )
            )
    if batch.layout.versions is None:  # a class set: a student with no page scanned at all
        for who, sheet in batch.layout.sheets.items():
            copies.setdefault(who, sheet)
    for copy, sheet in copies.items():
        missing = [n for n in range(1, len(sheet.pages) + 1) if n not in seen.get(copy, ())]
        if missing:
            batch.missing[copy] = missing


def answer_rows(batch: Batch) -> tuple[list[list[str]], list[list[str]]]:
    """(answers.csv rows, marks.csv rows) of the copies whose student is known: worked parts
    joined from their entries, a part with an entry in review left out (it is queued), a part
    written only in some entries queued as well."""
    layout = batch.layout
    versions = layout.versions is not None
    queued = {(r.key[0], r.field.question, r.field.part) for r in batch.review if r.field}
    answers: list[list[str]] = []
    marks: list[list[str]] = []
    for copy, fields in sorted(batch.answers.items()):
        if copy.startswith("file:"):
            continue
        student = copy.split(":", 2)[-1] if versions else copy[2:]
        version = copy.split(":")[1] if versions else None
        sheet = layout.sheets[f"v:{version}" if versions else copy]
        by_part: dict[tuple[int, str], list[tuple[tuple[int, ...], str, FieldLayout]]] = {}
        for page in sheet.pages:
            for f in page.fields:
                if f.question is None:
                    continue
                text = fields.get((copy, page.number, f.label))
                if text is None:
                    continue
                by_part.setdefault((f.question, f.part or "a"), []).append((f.entry or (), text, f))
        for (question, part), entries in sorted(by_part.items()):
            if (copy, question, part) in queued:
                continue
            kind = entries[0][2].kind
            texts = [t for _, t, _ in entries]
            if all(t == BLANK for t in texts):
                continue
            if entries[0][0] and BLANK in texts:
                batch.review.append(
                    Review(
                        (copy, 0, f"{question}{part}"),
                        version,
                        student,
                        entries[0][2],
                        "some entries of this answer left blank",
                        _nested(entries, "_"),
                        copy,
                    )
                )
                continue
            answer = _nested(entries, "") if entries[0][0] else texts[0]
            if kind == "marks":
                marks.append([student, str(question), part, answer])
            else:
                which = [version] if version is not None else []
                answers.append([student, *which, str(question), part, answer])
    return answers, marks


def _nested(entries: Iterable[tuple[tuple[int, ...], str, FieldLayout]], blank: str) -> str:
    """Entries by index path as the key writes a list: ``[1, 2]``, ``[[1, 2], [3, 4]]``."""
    tree: dict = {}
    for path, text, _ in entries:
        node = tree
        for index in path[:-1]:
            node = node.setdefault(index, {})
        node[path[-1]] = text or blank

    def write(node: dict | str) -> str:
        if isinstance(node, str):
            return node
        return "[" + ", ".join(write(node[k]) for k in sorted(node)) + "]"

    return write(tree)
