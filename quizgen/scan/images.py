"""Scans as grey pages: every page of a PDF (rasterised by pdfium) or of an image file (PNG,
JPEG, TIFF, multi-page TIFF), with the file and page number it came from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

PDF_DPI = 200
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}


@dataclass(frozen=True)
class ScanPage:
    file: Path
    page: int  # from 1, within its file
    image: np.ndarray | None  # grey, uint8; None when the page could not be decoded
    problem: str | None = None

    @property
    def where(self) -> str:
        return f"{self.file.name} page {self.page}"


def scan_pages(path: Path) -> Iterator[ScanPage]:
    """The pages of one scan file; a file that cannot be read yields one page saying why."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        yield from _pdf_pages(path)
    elif suffix in IMAGE_SUFFIXES:
        ok, images = cv2.imreadmulti(str(path), flags=cv2.IMREAD_GRAYSCALE)
        if not ok or not images:
            yield ScanPage(path, 1, None, "not an image that can be decoded")
            return
        for index, image in enumerate(images, start=1):
            yield ScanPage(path, index, _grey(image))
    else:
        yield ScanPage(path, 1, None, f"not a PDF or image file ({suffix or 'no suffix'})")


def _grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.dtype != np.uint8:
        image = cv2.normalize(image, np.empty_like(image), 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return image


def _pdf_pages(path: Path) -> Iterator[ScanPage]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as exc:
        yield ScanPage(path, 1, None, f"not a readable PDF ({exc})")
        return
    try:
        for index in range(len(document)):
            bitmap = document[index].render(scale=PDF_DPI / 72, grayscale=True)
            yield ScanPage(path, index + 1, _grey(bitmap.to_numpy()))
    finally:
        document.close()
