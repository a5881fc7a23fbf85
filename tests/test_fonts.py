"""Names in any script: printed by both engines with the shipped fonts where they cover the
script, with a --font or else a font installed on the machine (fontconfig) where they do not,
and never silently left blank: a name no font covers, not even an installed one, stops the run
before anything is written, naming the student and the script.

The Noto fonts come from Debian's fonts-noto-core and fonts-noto-cjk (.ci/run installs them);
without them those cases are skipped here and fail under CI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from quizgen.cli import cli
from quizgen.render.fonts import script

pytestmark = pytest.mark.slow  # prints names in every script with both engines

SHIPPED = {  # covered by DejaVu Sans, which quizgen ships
    "latin": "Zoë Ñúñez-Ørsted",
    "greek": "Ελένη Παπαδοπούλου",
    "cyrillic": "Анна Иванова",
    "arabic": "محمد علي",
    "hebrew": "שרה כהן",
}
NEED_A_FONT = {  # script: (name, the Noto font that covers it)
    "cjk": ("李小龍", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    "devanagari": ("अनन्या शर्मा", "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf"),
}
ENGINES = ["typst", "weasyprint"]


def roster(tmp_path: Path, names: dict[str, str]) -> Path:
    path = tmp_path / "class.csv"
    rows = "".join(f"{sid},{name}\n" for sid, name in names.items())
    path.write_text("id,name\n" + rows, encoding="utf-8")
    return path


def class_set(tmp_path: Path, names: dict[str, str], engine: str, *extra: str):
    out = tmp_path / "out"
    args = ["paper", "quiz", "--roster", str(roster(tmp_path, names)), "--out", str(out)]
    args += ["--engine", engine, "--format", "pdf", "-j", "1", *extra]
    return CliRunner().invoke(cli, args), out


def printed_name(paper: Path) -> str:
    first = PdfReader(paper).pages[0].extract_text()
    return next(line for line in first.splitlines() if "Name" in line)


def letters(text: str) -> set[str]:
    return {ch for ch in text if ch.isalpha()}


def noto(path: str) -> str:
    if not Path(path).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} missing: .ci/run installs fonts-noto-core and fonts-noto-cjk")
        pytest.skip(f"{path} not installed")
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_names_in_the_shipped_fonts_scripts_are_printed(tmp_path, engine):
    result, out = class_set(tmp_path, SHIPPED, engine)
    assert result.exit_code == 0, result.output
    for sid, name in SHIPPED.items():
        assert letters(name) <= letters(printed_name(out / f"{sid}-paper.pdf")), sid


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("which", list(NEED_A_FONT))
def test_a_name_no_font_covers_stops_the_run_before_anything_is_written(
    tmp_path, engine, which, monkeypatch
):
    monkeypatch.setattr("quizgen.render.fonts.installed_font_for", lambda chars: None)
    name, _ = NEED_A_FONT[which]
    result, out = class_set(tmp_path, {"s1": "Ada", "s2": name}, engine)
    assert result.exit_code == 1
    assert f'class.csv: student s2: "{name}": no font covers the {script(name[0])}' in (
        result.stderr
    )
    assert "--font" in result.stderr and not out.exists()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("which", list(NEED_A_FONT))
def test_a_name_is_printed_with_a_font_that_covers_it(tmp_path, engine, which):
    name, font = NEED_A_FONT[which]
    result, out = class_set(tmp_path, {"s1": name}, engine, "--font", noto(font))
    assert result.exit_code == 0, result.output
    assert letters(name) <= letters(printed_name(out / "s1-paper.pdf"))
    assert (out / "fonts" / Path(font).name).is_file()  # the papers carry their fonts along


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("which", list(NEED_A_FONT))
def test_a_name_is_printed_with_an_installed_font_that_covers_it(tmp_path, engine, which):
    name, font = NEED_A_FONT[which]
    noto(font)
    result, out = class_set(tmp_path, {"s1": "Ada", "s2": name}, engine)
    assert result.exit_code == 0, result.output
    assert letters(name) <= letters(printed_name(out / "s2-paper.pdf"))
    assert (out / "fonts" / Path(font).name).is_file()
    assert f"covers the {script(name[0])} script: using Noto Sans" in result.stderr
    assert str(font) in result.stderr


def test_an_installed_font_is_a_regular_sans_face_that_draws_every_letter():
    from quizgen.render.fonts import installed_font_for

    font = noto(NEED_A_FONT["devanagari"][1])
    assert installed_font_for(NEED_A_FONT["devanagari"][0].replace(" ", "")) == Path(font)


def test_a_blueprint_title_no_font_covers_is_refused_with_its_field(tmp_path, monkeypatch):
    monkeypatch.setattr("quizgen.render.fonts.installed_font_for", lambda chars: None)
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text(
        "title: 期中考试\nsections:\n  - title: S\n    items:\n      - {topic: relu, marks: 2}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["paper", str(blueprint), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert 'bp.yaml: title: "期中考试": no font covers the Han' in result.stderr


def test_a_font_that_does_not_exist_is_one_line(tmp_path):
    result = CliRunner().invoke(
        cli, ["paper", "quiz", "--font", str(tmp_path / "nope.ttf"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert "nope.ttf: no such font file or folder" in result.stderr


@pytest.fixture
def font_cache(tmp_path, monkeypatch):
    """An empty user cache of this test's own, and no font remembered in memory."""
    from quizgen.render import fonts

    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "cache"))
    fonts.cache_folder.cache_clear()
    fonts._font.cache_clear()
    yield
    fonts.cache_folder.cache_clear()
    fonts._font.cache_clear()


def test_a_fonts_coverage_comes_from_the_cache_once_read(tmp_path, monkeypatch, font_cache):
    from quizgen.render import fonts

    font = tmp_path / "Text.ttf"
    font.write_bytes(fonts.builtin().read_bytes())
    first = fonts._font(font)
    fonts._font.cache_clear()
    monkeypatch.setattr(fonts, "_read_font", lambda path: pytest.fail("read again"))
    assert fonts._font(font) == first


def test_a_changed_font_file_is_read_again_never_taken_from_the_cache(tmp_path, font_cache):
    from quizgen.render import fonts, html

    font = tmp_path / "Text.ttf"
    font.write_bytes(fonts.builtin().read_bytes())
    text_font = fonts._font(font)
    font.write_bytes(html.math_font_path().read_bytes())  # same name, another font
    fonts._font.cache_clear()
    math_font = fonts._font(font)
    assert "DejaVu" in text_font[1] and "STIX" in math_font[1]
    assert text_font[0] != math_font[0]
