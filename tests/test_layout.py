"""Layout rules of printed papers and keys, stated and checked on the PDFs themselves:

- answer space follows the blueprint's ``answer_space`` (auto, none, lines N);
- no page is left more than half blank while the exam goes on (questions follow each other,
  their ruled answer space may run on to the next page);
- no heading (a section's, or "Question N") ends a page apart from its body;
- the key's at-a-glance table does not take a page of its own.

Pages are rasterised with poppler's pdftoppm (Debian's poppler-utils, which .ci/run installs).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from quizgen.cli import cli
from quizgen.core.errors import QuizgenError
from quizgen.core.resources import shipped_blueprints
from quizgen.exam.blueprint import load_blueprint
from quizgen.exam.build import build_exam
from quizgen.publish.papers import override, write_exam

pytestmark = pytest.mark.slow  # prints and measures whole PDFs


def _bench_layout():
    """bench/layout.py, whose measure the benchmark reports: the test holds the same rule."""
    path = Path(__file__).resolve().parent.parent / "bench" / "layout.py"
    spec = importlib.util.spec_from_file_location("bench_layout", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


measure = _bench_layout().measure

CASES = [("midterm", "typst"), ("midterm", "weasyprint"), ("quiz", "typst"), ("quiz", "weasyprint")]


#: each printed exam's tests on one xdist worker, which prints it once
PRINTED = [
    pytest.param(case, id="-".join(case), marks=pytest.mark.xdist_group("layout-" + "-".join(case)))
    for case in CASES
]


@pytest.fixture(scope="module", params=PRINTED)
def printed(request, tmp_path_factory) -> tuple[Path, list[Path]]:
    name, engine = request.param
    out = tmp_path_factory.mktemp(f"{name}-{engine}")
    blueprint = override(load_blueprint(shipped_blueprints()[name]), None, engine)
    write_exam(build_exam(blueprint, 2026, 2), f"{name}.yaml", out, ["pdf"])
    return out, sorted(out.glob("*.pdf"))


def test_no_page_but_the_last_is_more_than_half_blank(printed):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    out, pdfs = printed
    for pdf in pdfs:
        shares = measure(pdf, out)
        assert all(share < 0.5 for share in shares[:-1]), (pdf.name, shares)


def body_lines(page) -> list[str]:
    lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
    return [line for line in lines if not re.search(r"Page \d+ of \d+", line)]


def test_no_heading_ends_a_page(printed):
    _, pdfs = printed
    for pdf in pdfs:
        reader = PdfReader(pdf)
        titles = {"Answers at a glance"}
        for page in reader.pages[:-1]:
            lines = body_lines(page)
            last = lines[-1] if lines else ""
            assert not re.fullmatch(r"Question \d+ \[\d+ marks?\].*", last), (pdf.name, last)
            assert last not in titles and not last.startswith("Part "), (pdf.name, last)


def test_the_keys_glance_table_shares_its_page_with_the_first_question(printed):
    _, pdfs = printed
    for pdf in pdfs:
        if pdf.name.endswith("-key.pdf"):
            first = PdfReader(pdf).pages[0].extract_text()
            assert "Answers at a glance" in first and "Question " in first.split("glance", 1)[1]


def answer_rules(html: str) -> list[int]:
    spaces = re.findall(r'<div class="space">(.*?)</div>\s*</div>', html, flags=re.S)
    return [space.count('class="rule"') for space in spaces]


@pytest.mark.parametrize(
    ("setting", "expected"), [("none", []), ("lines 3", "three"), ("auto", "sized")]
)
def test_answer_space_follows_the_blueprint(tmp_path, setting, expected):
    source = shipped_blueprints()["quiz"].read_text(encoding="utf-8")
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text(f"answer_space: {setting}\n" + source, encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "paper",
            str(blueprint),
            "--seed",
            "2026",
            "--format",
            "html",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    rules = answer_rules((tmp_path / "out" / "bp-2026-A-paper.html").read_text())
    if expected == "three":
        assert rules and set(rules) == {3}
    elif expected == "sized":
        assert len(set(rules)) > 1  # each question's own need
    else:
        assert rules == expected


def test_a_bad_answer_space_names_its_line(tmp_path):
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text(
        "title: T\nanswer_space: lots\nsections:\n  - title: S\n    items:\n"
        "      - {topic: relu, marks: 2}\n"
    )
    with pytest.raises(QuizgenError, match=r'line 2: answer_space: expected "auto", "none"'):
        load_blueprint(blueprint)
