"""The site's own files (stylesheet, two fonts, icon) under names that carry a hash of their
bytes, so a browser may keep them for a year: a new quizgen with other bytes has other names."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

FOREVER = "public, max-age=31536000, immutable"
TYPES = {
    ".css": "text/css; charset=utf-8",
    ".ttf": "font/ttf",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Asset:
    name: str  # hashed: DejaVuSans.3f2a9c01d4.ttf
    body: bytes
    media_type: str


def _hashed(name: str, body: bytes) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(body).hexdigest()[:10]}{dot}{suffix}"


def build() -> dict[str, Asset]:
    """Every file the site serves, by its original name (``site.css``); the stylesheet names
    the fonts by their hashed names."""
    from quizgen.core.resources import TEMPLATES
    from quizgen.render.html import font_path, math_font_path

    fonts: dict[str, Path] = {
        "DejaVuSans.ttf": font_path(),
        "STIXTwoMath-Regular.ttf": math_font_path(),
    }
    assets = {}
    for name, path in fonts.items():
        body = path.read_bytes()
        assets[name] = Asset(_hashed(name, body), body, TYPES[".ttf"])
    css = (TEMPLATES / "web" / "site.css").read_text(encoding="utf-8")
    for name, asset in assets.items():
        css = css.replace(f"/static/{name}", f"/static/{asset.name}")
    for name, text in (("site.css", css), ("icon.svg", _read(TEMPLATES / "web" / "icon.svg"))):
        body = text.encode()
        assets[name] = Asset(_hashed(name, body), body, TYPES[Path(name).suffix])
    return assets


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")
