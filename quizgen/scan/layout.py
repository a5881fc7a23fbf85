"""``sheet-layout.json`` read back (schema ``quizgen.sheet-layout/1``, docs/sheet-layout.md):
the scanner finds boxes from this file and nothing else."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from quizgen.core.errors import QuizgenError
from quizgen.core.record_files import read_text

SCHEMA = "quizgen.sheet-layout/1"


@dataclass(frozen=True)
class FieldLayout:
    """One answer field of a page: its kind and names, its boxes (indexes into the page's)."""

    kind: str
    question: int | None
    part: str | None
    entry: tuple[int, ...] | None
    label: str
    rect: tuple[float, float, float, float]
    boxes: tuple[int, ...]
    signed: bool = False
    integers: int = 0
    decimals: int = 0
    low: float = 0.0
    high: float = 0.0


@dataclass(frozen=True)
class PageLayout:
    number: int
    width: float
    height: float
    corners: np.ndarray  # 4 x 2 centres, in points
    corner_side: float
    qr: tuple[float, float, float, float]
    rects: np.ndarray  # boxes x 4: x, y, w, h in points
    columns: np.ndarray  # each box's column within its field
    symbols: tuple[str, ...]
    fields: tuple[FieldLayout, ...]


@dataclass(frozen=True)
class SheetLayout:
    version: str
    student: str | None
    name: str | None
    pages: tuple[PageLayout, ...]

    @property
    def who(self) -> str:
        return f"s:{self.student}" if self.student is not None else f"v:{self.version}"


@dataclass(frozen=True)
class Layout:
    path: Path
    exam: str
    blueprint: str
    seed: int
    versions: int | None  # None: a class set (one sheet per student)
    sheets: dict[str, SheetLayout]  # by "v:A" or "s:ID", as the QR codes say


def read_layout(path: Path) -> Layout:
    """The layout at ``path``; a manifest or folder names the one beside it."""
    if path.is_dir():
        path = path / "sheet-layout.json"
    elif path.name != "sheet-layout.json" and (path.parent / "sheet-layout.json").is_file():
        path = path.parent / "sheet-layout.json"
    if not path.is_file():
        raise QuizgenError(f"{path}: no sheet-layout.json (print the sheets with paper --sheet)")
    try:
        data = json.loads(read_text(path))
        if data.get("schema") != SCHEMA:
            raise QuizgenError(f"{path.name}: not a {SCHEMA} file")
        pages = {name: [_page(p) for p in pages] for name, pages in data["layouts"].items()}
        sheets = {}
        for s in data["sheets"]:
            sheet = SheetLayout(s["version"], s["student"], s["name"], tuple(pages[s["layout"]]))
            sheets[sheet.who] = sheet
        return Layout(
            path, data["exam"], data["blueprint"], int(data["seed"]), data["versions"], sheets
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, QuizgenError):
            raise
        raise QuizgenError(f"{path.name}: not a readable sheet layout ({exc!r})") from None


def _page(record: dict[str, Any]) -> PageLayout:
    boxes = record["boxes"]
    by_field: dict[tuple, list[int]] = {}
    for i, b in enumerate(boxes):
        key = (b["question"], b["part"], tuple(b["entry"]) if b["entry"] else None)
        by_field.setdefault(key, []).append(i)
    fields = []
    for f in record["fields"]:
        entry = tuple(f["entry"]) if f["entry"] else None
        rect = f["rect"]
        low, high = f.get("range", (0.0, 0.0))
        fields.append(
            FieldLayout(
                f["kind"],
                f["question"],
                f["part"],
                entry,
                f["label"],
                (rect["x"], rect["y"], rect["w"], rect["h"]),
                tuple(by_field.get((f["question"], f["part"], entry), ())),
                f.get("signed", False),
                f.get("integers", 0),
                f.get("decimals", 0),
                low,
                high,
            )
        )
    corners = np.array(
        [(c["x"] + c["w"] / 2, c["y"] + c["h"] / 2) for c in record["corners"]], dtype=np.float64
    )
    qr = record["qr"]
    return PageLayout(
        int(record["page"]),
        float(record["width"]),
        float(record["height"]),
        corners,
        float(record["corners"][0]["w"]),
        (qr["x"], qr["y"], qr["w"], qr["h"]),
        np.array([(b["x"], b["y"], b["w"], b["h"]) for b in boxes], dtype=np.float64),
        np.array([b["column"] for b in boxes], dtype=np.int32),
        tuple(b["symbol"] for b in boxes),
        tuple(fields),
    )
