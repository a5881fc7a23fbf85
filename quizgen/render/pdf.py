"""PDF writer: WeasyPrint over the same HTML (imported only when a PDF is asked for: ~1.5 s).

WeasyPrint writes identical bytes for identical HTML and adds no dates unless the HTML asks for
them, so a rerun with the same seed reproduces every PDF byte for byte.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

#: fontTools stamps the font subsets it embeds with the time unless this is set: fixing it keeps
#: reruns byte-identical (2026-01-01T00:00:00Z).
FIXED_EPOCH = "1767225600"
#: SVG paths whose drawing is kept (about 1 kB each): a class set's worth of glyphs in formulas;
#: when full it starts again, so a long run's memory stays bounded
PATHS_KEPT = 16384

#: WeasyPrint's major versions whose SVG path drawer ``drawing_once`` was checked against (it
#: reads the drawer's stream and vertices): another version draws every path itself
DRAWER_CHECKED = frozenset({"70"})

#: an SVG path's ``d`` -> (the PDF operators WeasyPrint wrote for it, the vertices it noted)
_drawn_paths: dict[str, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}


def write_pdf(html: str, base_dir: Path, target: Path) -> None:
    """Lay out ``html`` (relative URLs resolved against ``base_dir``) into ``target``."""
    _weasyprint()(string=html, base_url=str(base_dir) + "/").write_pdf(target)


@cache
def _weasyprint() -> Any:
    """WeasyPrint's ``HTML``, quiet, dated and drawing each SVG path once per process."""
    import logging

    from weasyprint import HTML, __version__  # type: ignore[import-untyped]
    from weasyprint.svg import TAGS  # type: ignore[import-untyped]

    # fontTools subsets our one font well; WeasyPrint's advice to install HarfBuzz is noise here
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    os.environ.setdefault("SOURCE_DATE_EPOCH", FIXED_EPOCH)
    if __version__.split(".")[0] in DRAWER_CHECKED:
        TAGS["path"] = drawing_once(TAGS["path"])
    return HTML


def drawing_once(draw: Callable[[Any, Any, float], None]) -> Callable[[Any, Any, float], None]:
    """WeasyPrint's SVG ``path`` drawer, remembering what it writes for each ``d``: a formula's
    glyph paths recur in every copy, paper and key, and parsing them is most of WeasyPrint's
    time. Path data has no units (only plain numbers), so the operators depend on ``d`` alone
    and writing them again is what the drawer would write."""

    def draw_path(svg: Any, node: Any, font_size: float) -> None:
        d = node.get("d", "")
        operators, vertices = svg.stream.stream, node.vertices
        if (drawn := _drawn_paths.get(d)) is None:
            first_operator, first_vertex = len(operators), len(vertices)
            draw(svg, node, font_size)
            if len(_drawn_paths) >= PATHS_KEPT:
                _drawn_paths.clear()
            _drawn_paths[d] = (
                tuple(operators[first_operator:]),
                tuple(islice(vertices, first_vertex, None)),  # a deque: no slices
            )
            return
        operators.extend(drawn[0])
        vertices.extend(drawn[1])

    return draw_path
