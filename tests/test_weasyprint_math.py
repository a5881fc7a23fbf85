"""How formulas reach WeasyPrint: as images of their SVG, one path per formula, each path
drawn once per process, with the PDF that WeasyPrint's own drawing of the inline SVG writes."""

from __future__ import annotations

import re

from quizgen.render import math, pdf

FORMULA = r"\sigma(z) = \frac{1}{1 + e^{-z}}"


def written(tmp_path, body: str, name: str) -> bytes:
    html = f"<style>svg.math {{ overflow: visible }}</style><p>{body}</p>"
    target = tmp_path / name
    pdf.write_pdf(html, tmp_path, target)
    return target.read_bytes()


def test_a_printed_formula_is_an_image_of_its_svg_placed_as_the_svg_is():
    svg, image = str(math.svg(FORMULA)), str(math.image(FORMULA))
    url = re.search(r'src="([^"]+)"', image).group(1)
    assert math.fetched(url) == svg.encode()
    lowering = re.search(r'style="(vertical-align:[-\d.]+em)"', svg).group(1)
    assert f'style="{lowering};overflow:visible"' in image
    assert 'class="math"' in image and 'class="math display"' in math.image(FORMULA, True)


def test_a_printed_formula_is_named_by_its_latex_and_its_style():
    inline, display = math.image("x < 1"), math.image("x < 1", display=True)
    assert 'src="quizgen-formula:inline,x%20%3C%201"' in inline
    assert (
        math.fetched("quizgen-formula:display,x%20%3C%201")
        == str(math.svg("x < 1", display=True)).encode()
    )
    assert 'src="quizgen-formula:display,' in display


def test_other_urls_are_not_formulas():
    assert math.fetched("fonts/DejaVuSans.ttf") is None
    assert math.fetched("data:image/svg+xml;base64,PHN2Zz4=") is None


def test_text_with_math_prints_its_formulas_as_images():
    assert math.inline(f"Find ${FORMULA}$.").startswith("Find <img ")


def test_a_formula_is_one_path_and_its_bars():
    svg = str(math.svg(FORMULA))
    assert svg.count("<path ") == 1 and svg.count("<rect ") == 1  # the fraction bar


def test_a_formula_as_an_image_prints_the_pdf_of_the_inline_svg(tmp_path):
    image = written(tmp_path, f"x {math.image(FORMULA)} y", "image.pdf")
    assert image == written(tmp_path, f"x {math.svg(FORMULA)} y", "svg.pdf")


def test_a_path_drawn_again_writes_what_weasyprint_draws(tmp_path, monkeypatch):
    from weasyprint.svg import TAGS
    from weasyprint.svg.path import path

    twice = f"x {math.image(FORMULA)} y {math.image(FORMULA)} z {math.image('z^2')}"
    remembered = written(tmp_path, twice, "remembered.pdf")
    assert pdf._drawn_paths  # drawn once, written again the second time
    monkeypatch.setitem(TAGS, "path", path)
    assert remembered == written(tmp_path, twice, "weasyprint.pdf")


def test_the_paths_kept_stay_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "PATHS_KEPT", 1)
    written(tmp_path, f"{math.image(FORMULA)} {math.image('z^2')} {math.image('y')}", "a.pdf")
    assert len(pdf._drawn_paths) == 1


def test_the_installed_weasyprint_is_one_the_path_drawer_was_checked_against():
    from weasyprint import __version__

    assert __version__.split(".")[0] in pdf.DRAWER_CHECKED, "check drawing_once, then add it"


class _Drawing:
    """What a path drawer is given: the stream it writes to and sizes read as WeasyPrint's SVG
    reads them (these tests' path data has no units or percentages)."""

    def __init__(self) -> None:
        import pydyf
        from weasyprint.svg.utils import size

        self.stream = pydyf.Stream()
        self.point = lambda x, y, font_size: (size(x, font_size), size(y, font_size))


class _Path(dict):
    def __init__(self, d: str) -> None:
        from collections import deque

        super().__init__(d=d)
        self.vertices: deque = deque()


def drawn(drawer, d: str) -> tuple[list[bytes], list]:
    drawing, node = _Drawing(), _Path(d)
    drawer(drawing, node, 12.0)
    return drawing.stream.stream, list(node.vertices)


GLYPH_PATHS = [
    "M 1 2 L 3 -4.5 Q 5 6 7.25 -0 Z M 8 9 L 10 11 Z",
    "M 1 2 M 3 4 L 5 6",  # a move after a move, an open subpath
    "M 1 2 Z M 3 4 Q 1 1 2 2",  # a subpath closed at once
]


def test_a_glyph_outline_writes_what_weasyprint_parses_from_it():
    from weasyprint.svg.path import path

    for d in GLYPH_PATHS:
        assert drawn(pdf.glyphs_first(path), d) == drawn(path, d), d


def test_every_path_of_a_formula_is_a_glyph_outline_drawn_as_weasyprint_draws_it():
    from weasyprint.svg.path import path

    formulas = [
        FORMULA,
        r"\sum_{i=1}^{n} x_i^2",
        r"\begin{bmatrix} 1 & -2 \\ 3.5 & 4 \end{bmatrix}^T",
    ]
    formulas += [
        rf"z = {n * 1.37 - 40:.3f} \cdot \frac{{{n}}}{{\sqrt{{{n * 7 % 13}}}}}" for n in range(40)
    ]
    for latex in formulas:
        for d in re.findall(r'<path d="([^"]*)"', str(math.svg(latex, display=True))):
            assert pdf._glyph_commands(d) is not None, latex
            assert drawn(pdf.glyphs_first(path), d) == drawn(path, d), latex


def test_other_path_data_is_left_to_weasyprint():
    for d in ["m 1 2 l 3 4 z", "M1,2 L3,4", "M 1 2 C 1 2 3 4 5 6", "M 1 2 3 4", "L 1 2", "M 1e2 3"]:
        assert pdf._glyph_commands(d) is None, d
