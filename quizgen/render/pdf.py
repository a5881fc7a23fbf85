"""PDF writer: WeasyPrint over the same HTML (imported only when a PDF is asked for: ~1.5 s).

WeasyPrint writes identical bytes for identical HTML and adds no dates unless the HTML asks for
them, so a rerun with the same seed reproduces every PDF byte for byte.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import cache
from itertools import islice
from math import atan2, pi
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
    """Lay out ``html`` (relative URLs resolved against ``base_dir``, formulas' images
    fetched from their LaTeX) into ``target``."""
    HTML, fetcher = _weasyprint()
    HTML(string=html, base_url=str(base_dir) + "/", url_fetcher=fetcher).write_pdf(target)


@cache
def _weasyprint() -> tuple[Any, Any]:
    """WeasyPrint's ``HTML``, quiet, dated and drawing each SVG path once per process, and a
    URL fetcher that hands over formulas' SVG (``math.image``)."""
    import logging

    from weasyprint import HTML, __version__  # type: ignore[import-untyped]
    from weasyprint.svg import TAGS  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

    from quizgen.render.math import fetched

    class Fetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            svg = fetched(url)
            if svg is None:
                return super().fetch(url, headers)
            return URLFetcherResponse(url, svg, {"Content-Type": "image/svg+xml"})

    # fontTools subsets our one font well; WeasyPrint's advice to install HarfBuzz is noise here
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    os.environ.setdefault("SOURCE_DATE_EPOCH", FIXED_EPOCH)
    if __version__.split(".")[0] in DRAWER_CHECKED:
        TAGS["path"] = drawing_once(glyphs_first(TAGS["path"]))
    return HTML, Fetcher()


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


#: the arguments of each command a glyph outline from ziafont is written in (absolute moves,
#: lines, quadratic curves and closes, each command's numbers after it, space-separated)
_GLYPH_ARGUMENTS = {"M": 2, "L": 2, "Q": 4, "Z": 0}
#: a number as ziafont writes it, read by WeasyPrint's parser as ``float`` reads it
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def glyphs_first(draw: Callable[[Any, Any, float], None]) -> Callable[[Any, Any, float], None]:
    """WeasyPrint's SVG ``path`` drawer with a fast road for glyph outlines: its parser
    rewrites and rescans the whole ``d`` for every command (most of a new formula's drawing
    time), where an outline's plain commands can be read in one split. The road writes the
    operators and vertices WeasyPrint's own parser writes for them (the same arithmetic in
    the same order); any other path data goes to ``draw``."""

    def draw_path(svg: Any, node: Any, font_size: float) -> None:
        commands = _glyph_commands(node.get("d", ""))
        if commands is None:
            draw(svg, node, font_size)
        else:
            _draw_glyph_commands(svg.stream, node.vertices, commands)

    return draw_path


def _glyph_commands(d: str) -> list[tuple[str, list[float]]] | None:
    """``d`` as (command, numbers) pairs, or None when it is not all plain glyph commands, a
    subpath opened by a move."""
    tokens = d.split()
    commands: list[tuple[str, list[float]]] = []
    index, last = 0, "Z"
    while index < len(tokens):
        letter = tokens[index]
        count = _GLYPH_ARGUMENTS.get(letter)
        if count is None or (last == "Z" and letter != "M"):
            return None
        numbers = tokens[index + 1 : index + 1 + count]
        if len(numbers) != count or not all(map(_PLAIN_NUMBER.fullmatch, numbers)):
            return None
        commands.append((letter, [float(number) for number in numbers]))
        index, last = index + 1 + count, letter
    return commands


def _draw_glyph_commands(
    stream: Any, vertices: Any, commands: list[tuple[str, list[float]]]
) -> None:
    """What WeasyPrint 70's ``svg.path.path`` writes for these commands (its branches for
    M, L, Q and Z, in its order)."""
    x, y = 0.0, 0.0
    stream.move_to(0, 0)
    start: tuple[float, float] | None = None
    last = None
    for letter, numbers in commands:
        if letter == "M":
            if last is not None and last != "Z":
                vertices.append(None)
            x, y = numbers
            stream.move_to(x, y)
            start = None
        elif letter == "Z":
            if start:
                vertices.append(None)
                stream.close()
                x, y = start
        else:
            if start is None:
                start = x, y
            if letter == "L":
                new_x, new_y = numbers
                angle = atan2(new_y - y, new_x - x)
                vertices.append((pi - angle, angle))
                stream.line_to(new_x, new_y)
            else:
                control_x, control_y, new_x, new_y = numbers
                stream.curve_to(
                    control_x * 2 / 3 + x / 3,
                    control_y * 2 / 3 + y / 3,
                    control_x * 2 / 3 + new_x / 3,
                    control_y * 2 / 3 + new_y / 3,
                    new_x,
                    new_y,
                )
                vertices.append((0, 0))
            x, y = new_x, new_y
        if letter != "Z":
            vertices.append((x, y))
        last = letter
