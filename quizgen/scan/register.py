"""Finding a sheet page in a scan: its QR code says whose page it is and, by its four corners,
roughly where the page lies (any angle, upside down); the four corner marks, looked for where
that estimate puts them, then fix the transform. One corner may be damaged or missing: the fit
is refitted without the corner that agrees least, as auto-multiple-choice does.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from quizgen.scan.layout import PageLayout

SCALE = 3.0  # pixels per point of the straightened page (216 dpi)
SEARCH = 0.08  # corner marks are looked for this share of the page's diagonal around the estimate
MIN_CORNERS = 3
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
QR_TOLERANCE = 3.0  # points: the corner marks' fit must put the QR code's corners this near


@dataclass(frozen=True)
class QRCode:
    text: str
    points: np.ndarray  # 4 x 2 image points: the symbol's top-left, top-right, bottom-right, ...


@dataclass(frozen=True)
class Registered:
    """A page straightened into layout coordinates (``SCALE`` pixels per point)."""

    image: np.ndarray
    rotation: float  # degrees the scan was turned, counter-clockwise
    corners_found: int
    residual: float  # how far the fit puts the QR code's corners from where they are, points


def read_qr(image: np.ndarray) -> list[QRCode]:
    """Every QR code on the page; when none is found, tried again on cleaned copies: salt and
    pepper removed, JPEG blocks smoothed, then enlarged (small modules at 150 dpi)."""
    found = _qr(image)
    if found:
        return found
    for cleaned, scale in (
        (cv2.medianBlur(image, 3), 1.0),
        (cv2.GaussianBlur(image, (0, 0), 1.2), 1.0),
        (cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 2.0),
    ):
        found = [QRCode(q.text, q.points / scale) for q in _qr(cleaned)]
        if found:
            return found
    return []


def _qr(image: np.ndarray) -> list[QRCode]:
    codes = []
    for result in zxingcpp.read_barcodes(image, formats=QR_ONLY):
        p = result.position
        points = [p.top_left, p.top_right, p.bottom_right, p.bottom_left]
        codes.append(QRCode(result.text, np.array([(q.x, q.y) for q in points], np.float64)))
    return codes


def qr_points(page: PageLayout) -> np.ndarray:
    x, y, w, h = page.qr
    return np.array([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], dtype=np.float64)


def register(image: np.ndarray, page: PageLayout, qr: QRCode) -> Registered | None:
    """The page straightened, or None when too few corner marks are found."""
    # a turn, a scale and a shift from the QR code alone: a small square extrapolates badly
    # with more freedom than that
    estimate, _ = cv2.estimateAffinePartial2D(qr_points(page), qr.points)
    if estimate is None:
        return None
    predicted = cv2.transform(page.corners.reshape(-1, 1, 2), estimate).reshape(-1, 2)
    pixels_per_point = np.linalg.norm(qr.points[1] - qr.points[0]) / page.qr[2]
    mark_side = page.corner_side * pixels_per_point
    radius = SEARCH * np.hypot(page.width, page.height) * pixels_per_point
    found = [_corner(image, centre, radius, mark_side) for centre in predicted]
    chosen = [i for i, f in enumerate(found) if f is not None]
    if len(chosen) < MIN_CORNERS:
        return None
    transform, residual = _fit(page, found, chosen, qr, pixels_per_point)
    if transform is None:
        return None
    target = np.diag([SCALE, SCALE, 1.0]) @ np.linalg.inv(transform)
    size = (round(page.width * SCALE), round(page.height * SCALE))
    straight = cv2.warpPerspective(image, target, size, flags=cv2.INTER_LINEAR, borderValue=255)
    across = cv2.perspectiveTransform(
        np.array([[[0.0, 0.0]], [[page.width, 0.0]]]), transform
    ).reshape(-1, 2)
    dx, dy = across[1] - across[0]
    rotation = float(np.degrees(np.arctan2(-dy, dx)))
    return Registered(straight, rotation, len(chosen), residual)


def _corner(image: np.ndarray, centre: np.ndarray, radius: float, side: float) -> np.ndarray | None:
    """The centre of the dark square of about ``side`` pixels nearest ``centre``, if any."""
    h, w = image.shape
    x0, y0 = max(0, int(centre[0] - radius)), max(0, int(centre[1] - radius))
    x1, y1 = min(w, int(centre[0] + radius)), min(h, int(centre[1] + radius))
    if x1 - x0 < side or y1 - y0 < side:
        return None
    window = cv2.GaussianBlur(image[y0:y1, x0:x1], (3, 3), 0)
    white = float(np.percentile(window, 95))
    dark: np.ndarray = (window < 0.55 * white).astype(np.uint8)
    dark = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, _, stats, centroids = cv2.connectedComponentsWithStats(dark)
    best, best_distance = None, np.inf
    for k in range(1, count):
        bw, bh, area = stats[k, cv2.CC_STAT_WIDTH], stats[k, cv2.CC_STAT_HEIGHT], stats[k, 4]
        # a square of the mark's size, at any angle: area and fill within 20-35 % of a square's
        if not 0.64 * side**2 <= area <= 1.44 * side**2:
            continue
        if max(bw, bh) > 1.6 * side or min(bw, bh) < 0.7 * side or area < 0.45 * bw * bh:
            continue
        left, top = stats[k, cv2.CC_STAT_LEFT] + x0, stats[k, cv2.CC_STAT_TOP] + y0
        if left <= 0 or top <= 0 or left + bw >= w or top + bh >= h:
            continue  # cut by the edge of the scan: its centre is not the mark's
        point = centroids[k] + (x0, y0)
        distance = float(np.linalg.norm(point - centre))
        if distance < best_distance:
            best, best_distance = point, distance
    return best


def _fit(
    page: PageLayout,
    found: list[np.ndarray | None],
    chosen: list[int],
    qr: QRCode,
    pixels_per_point: float,
) -> tuple[np.ndarray | None, float]:
    """The transform from the corner marks alone (a homography from four, an affine map from
    three), checked against the QR code's corners; when four disagree with the QR code, each
    three of them are tried and the one that agrees best is kept."""
    fits = (
        [chosen] if len(chosen) == 3 else [chosen, *([c for c in chosen if c != k] for k in chosen)]
    )
    best: tuple[np.ndarray | None, float] = (None, np.inf)
    for corners in fits:
        source = page.corners[corners]
        target = np.array([found[i] for i in corners], dtype=np.float64)
        if len(corners) == 4:
            transform = cv2.getPerspectiveTransform(
                source.astype(np.float32), target.astype(np.float32)
            )
        else:
            affine = cv2.getAffineTransform(source.astype(np.float32), target.astype(np.float32))
            transform = np.vstack([affine, [0.0, 0.0, 1.0]])
        mapped = cv2.perspectiveTransform(qr_points(page).reshape(-1, 1, 2), transform)
        error = float(np.max(np.linalg.norm(mapped.reshape(-1, 2) - qr.points, axis=1)))
        error /= pixels_per_point
        if error < best[1]:
            best = (transform, error)
        if len(corners) == 4 and error <= QR_TOLERANCE:
            break
    return best if best[1] <= QR_TOLERANCE else (None, best[1])
