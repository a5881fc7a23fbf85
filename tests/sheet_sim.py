"""Simulated students filling real answer sheets, and scanners and phones degrading them: the
sheets are rasterised from the PDFs ``paper --sheet`` wrote, marks are drawn into the boxes
the layout names, and the pages are turned, blurred, shadowed and compressed as real scans are.
Used by the scanning tests and bench/scan.py."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from quizgen.exam.answer_range import GridSize, grid_symbols

STYLES = ("fill", "tick", "cross", "pencil")


@dataclass(frozen=True)
class Mark:
    """A box to mark, and how: fill, tick, cross, pencil (a light fill), cancel, faint (a
    mark between the thresholds, planted to be reviewed)."""

    box: dict
    style: str


def rasterise(pdf: Path, dpi: int) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    try:
        return [
            document[i].render(scale=dpi / 72, grayscale=True).to_numpy().copy()
            for i in range(len(document))
        ]
    finally:
        document.close()


def page_layouts(layout_path: Path) -> tuple[dict, dict[str, list[dict]]]:
    data = json.loads(layout_path.read_text(encoding="utf-8"))
    return data, {
        s["student"] or s["version"]: data["layouts"][s["layout"]] for s in data["sheets"]
    }


def field_boxes(page: dict, f: dict) -> dict[int, dict[str, dict]]:
    """A field's boxes, by column then symbol."""
    out: dict[int, dict[str, dict]] = {}
    for b in page["boxes"]:
        if (b["question"], b["part"], b["entry"]) == (f["question"], f["part"], f["entry"]):
            out.setdefault(b["column"], {})[b["symbol"]] = b
    return out


def symbols_for(f: dict, text: str) -> list[str]:
    """The symbol to fill in each column of a number or order field to write ``text``."""
    if f["kind"] == "number":
        grid = GridSize(f["signed"], f["integers"], f["decimals"], *f["range"])
        return grid_symbols(float(text), grid)
    return text.split()


def marks_for(page: dict, f: dict, text: str, rng: np.random.Generator, style: str | None = None):
    """The marks that write ``text`` in field ``f``."""
    boxes = field_boxes(page, f)
    if f["kind"] in ("choice", "marks"):
        chosen = [b for column in boxes.values() for s, b in column.items() if s == text]
        return [Mark(chosen[0], style or _style(rng))]
    if f["kind"] == "id":
        columns = sorted(boxes)
        digits = list(text)
        offset = len(columns) - len(digits)
        return [
            Mark(boxes[columns[offset + k]][d], style or _style(rng)) for k, d in enumerate(digits)
        ]
    symbols = symbols_for(f, text)
    return [
        Mark(boxes[column][symbol], style or _style(rng))
        for column, symbol in zip(sorted(boxes), symbols)
        if symbol
    ]


def _style(rng: np.random.Generator) -> str:
    return STYLES[int(rng.integers(len(STYLES)))]


def draw(image: np.ndarray, marks: Iterable[Mark], dpi: int, rng: np.random.Generator) -> None:
    """Draw the marks into a page rasterised at ``dpi`` (in place)."""
    s = dpi / 72
    for mark in marks:
        b = mark.box
        x0, y0, x1, y1 = (b["x"] * s, b["y"] * s, (b["x"] + b["w"]) * s, (b["y"] + b["h"]) * s)
        jitter = rng.normal(0, 0.4 * s, 2)
        x0, x1, y0, y1 = x0 + jitter[0], x1 + jitter[0], y0 + jitter[1], y1 + jitter[1]
        pen = max(1, round(1.1 * s))
        if mark.style in ("fill", "pencil", "faint", "cancel"):
            grow = {"cancel": 2.2 * s, "fill": -0.7 * s}.get(mark.style, -0.9 * s)
            shade = {"pencil": 150, "faint": 232}.get(mark.style, 25)
            if mark.style == "faint":  # a stray half-fill: between the thresholds
                x1 = x0 + (x1 - x0) * 0.42
                y1 = y0 + (y1 - y0) * 0.42
                shade = 60
            pts = np.array(
                [
                    (x0 - grow, y0 - grow),
                    (x1 + grow, y0 - grow),
                    (x1 + grow, y1 + grow),
                    (x0 - grow, y1 + grow),
                ]
            )
            cv2.fillPoly(image, [np.round(pts * 16).astype(np.int32)], shade, cv2.LINE_AA, 4)
        elif mark.style == "tick":
            pts = [
                (x0 + 0.1 * (x1 - x0), y0 + 0.55 * (y1 - y0)),
                (x0 + 0.4 * (x1 - x0), y1 - 0.1 * (y1 - y0)),
                (x1 + 0.1 * (x1 - x0), y0 - 0.15 * (y1 - y0)),
            ]
            cv2.polylines(
                image,
                [np.round(np.array(pts) * 16).astype(np.int32)],
                False,
                30,
                pen + 1,
                cv2.LINE_AA,
                4,
            )
        else:  # cross
            for a, c in (((x0, y0), (x1, y1)), ((x1, y0), (x0, y1))):
                cv2.line(
                    image,
                    tuple(np.round(np.array(a) * 16).astype(int)),
                    tuple(np.round(np.array(c) * 16).astype(int)),
                    30,
                    pen + 1,
                    cv2.LINE_AA,
                    4,
                )


@dataclass(frozen=True)
class Degradation:
    angle: float = 0.0  # degrees
    upside_down: bool = False
    scale: float = 1.0
    perspective: float = 0.0  # share of the page's width the far corners move
    blur: float = 0.0  # Gaussian sigma in pixels
    noise: float = 0.0  # Gaussian noise sigma (grey levels)
    salt: float = 0.0  # share of pixels flipped black or white
    jpeg: int | None = None  # quality
    shadow: float = 0.0  # darkening across the page, 0..1
    cover_corner: int | None = None  # 0..3: a corner mark covered by white paper


def degrade(image: np.ndarray, d: Degradation, rng: np.random.Generator) -> np.ndarray:
    pad = int(0.08 * image.shape[1])  # the scanner's bed (or the photo) is larger than the page
    out = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=245)
    h, w = out.shape
    if d.cover_corner is not None:
        # the marks' centres lie 32 pt in from the edges of a 595 x 842 pt page
        page_w, page_h = image.shape[1], image.shape[0]
        cx = pad + (
            int(page_w * 0.0538) if d.cover_corner in (0, 2) else page_w - int(page_w * 0.0538)
        )
        cy = pad + (
            int(page_h * 0.038) if d.cover_corner in (0, 1) else page_h - int(page_h * 0.038)
        )
        r = int(0.026 * page_w)
        cv2.rectangle(out, (cx - r, cy - r), (cx + r, cy + r), 250, -1)
    if d.shadow:
        ramp = np.linspace(1.0, 1.0 - d.shadow, w, dtype=np.float32)[None, :]
        ramp = ramp * np.linspace(1.0, 1.0 - d.shadow / 2, h, dtype=np.float32)[:, None]
        out = np.clip(out.astype(np.float32) * ramp, 0, 255).astype(np.uint8)
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    shift = d.perspective * w
    target = np.float32([[0, 0], [w - shift, shift / 2], [w, h], [shift, h - shift / 3]])
    centre = (w / 2, h / 2)
    rotation = cv2.getRotationMatrix2D(centre, d.angle + (180 if d.upside_down else 0), d.scale)
    rotation = np.vstack([rotation, [0, 0, 1]])
    warp = rotation @ cv2.getPerspectiveTransform(source, target)
    out = cv2.warpPerspective(out, warp, (w, h), flags=cv2.INTER_LINEAR, borderValue=245)
    if d.blur:
        out = cv2.GaussianBlur(out, (0, 0), d.blur)
    if d.noise:
        out = np.clip(out + rng.normal(0, d.noise, out.shape), 0, 255).astype(np.uint8)
    if d.salt:
        flips = rng.random(out.shape)
        out[flips < d.salt / 2] = 0
        out[flips > 1 - d.salt / 2] = 255
    if d.jpeg:
        _, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, d.jpeg])
        out = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return out


def random_degradation(rng: np.random.Generator) -> Degradation:
    """A mix like the issue's: small turns, 180 degrees, scale, perspective, blur, noise,
    JPEG 30, a shadow, sometimes a covered corner."""
    return Degradation(
        angle=float(rng.uniform(-5, 5)),
        upside_down=bool(rng.random() < 0.15),
        scale=float(rng.uniform(0.97, 1.03)),
        perspective=float(rng.uniform(0, 0.012)),
        blur=float(rng.choice([0, 0.6, 1.0])),
        noise=float(rng.choice([0, 6, 10])),
        salt=float(rng.choice([0, 0.002])),
        jpeg=int(rng.choice([30, 60, 90])) if rng.random() < 0.6 else None,
        shadow=float(rng.choice([0, 0.25, 0.4])),
        cover_corner=int(rng.integers(4)) if rng.random() < 0.15 else None,
    )


def written_text(f: dict, value: float) -> str | None:
    """A number as a student writes it in field ``f``'s grid, or None if the grid cannot
    hold it (the student then leaves the field blank)."""
    text = f"{value:.{f['decimals']}f}"
    grid = GridSize(f["signed"], f["integers"], f["decimals"], *f["range"])
    if abs(float(text) - value) > 1e-9 or not grid.fits(value):
        return None
    return text if f["range"][0] <= value <= f["range"][1] else None


def field_value(text: str, entry: list[int] | None) -> float:
    value = json.loads(text) if text.startswith("[") else float(text)
    for index in entry or []:
        value = value[index]
    return float(value)


def page_marks(
    page: dict, student: str, rows: dict[tuple[str, int, str], str], rng: np.random.Generator
) -> tuple[list[Mark], dict[str, str | None]]:
    """The marks a student makes on one sheet page to write their answers (``rows``: what
    they answered, by (student, question, part)), and what each field then says, by label
    (None: the grid cannot hold the answer, left blank)."""
    marks: list[Mark] = []
    written: dict[str, str | None] = {}
    for f in page["fields"]:
        if f["kind"] == "id":
            marks += marks_for(page, f, student, rng, "fill")
            continue
        text = rows.get((student, f["question"], f["part"]))
        if text is None:
            continue
        if f["kind"] == "number":
            text = written_text(f, field_value(text, f["entry"]))
        elif f["kind"] == "choice":
            text = text.upper()
        written[f["label"]] = text
        if text is not None:
            marks += marks_for(page, f, text, rng)
    return marks, written
