"""Papers and keys: blueprint validation, no answers on the paper, versions, determinism, safety."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from quizgen.cli import cli
from quizgen.core.errors import QuizgenError
from quizgen.exam.blueprint import load_blueprint
from quizgen.exam.build import build_exam
from quizgen.exam.model import Item
from quizgen.exam.problems import problem_for_code
from quizgen.publish.papers import make_papers
from quizgen.render.html import render
from quizgen.topics import registry

EXAMS = Path(__file__).resolve().parent.parent / "banks" / "exams"
MIDTERM = EXAMS / "midterm.yaml"
BANK_BY_TOPIC = """title: T
sections:
  - title: S
    items:
      - {bank: {topic: rnn, kind: derive}, marks: 4}
"""
QUIZ = EXAMS / "quiz.yaml"


def write(tmp_path: Path, text: str, name: str = "bp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """title: T
sections:
  - title: S
    items:
      - {topic: sigmoid, marks: 2}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace("sigmoid", "sigmoidd"),
            'line 5: sections[0].items[0].topic: unknown topic "sigmoidd"',
        ),
        (GOOD.replace(", marks: 2", ""), "line 5: sections[0].items[0].marks: Field required"),
        (
            GOOD.replace("marks: 2", "marks: 2, difficulty: brutal"),
            "sections[0].items[0].difficulty: Input should be 'easy', 'medium' or 'hard'",
        ),
        (
            GOOD.replace("title: T", "title: T\ndurration: 1h"),
            "line 2: durration: unknown key (a typo?); allowed here: title, course",
        ),
        (
            GOOD.replace("marks: 2", "marks: 2, cuont: 3"),
            "sections[0].items[0].cuont: unknown key (a typo?)",
        ),
        ("title: [unclosed\n", "line 2: malformed YAML"),
    ],
)
def test_blueprint_errors_name_the_file_line_and_field(tmp_path, text, message):
    with pytest.raises(QuizgenError) as error:
        load_blueprint(write(tmp_path, text))
    assert str(error.value).startswith("bp.yaml: ")
    assert message in str(error.value)


def test_shipped_blueprints_load_and_the_midterm_covers_the_seed_guides_ten_sections():
    load_blueprint(QUIZ)
    midterm = load_blueprint(MIDTERM)
    topics = {item.topic for section in midterm.sections for item in section.items if item.topic}
    assert topics == {t.name for t in registry().values() if t.section <= 10}
    assert any(item.bank for section in midterm.sections for item in section.items)


def test_the_final_covers_every_topic_of_the_guide():
    final = load_blueprint(EXAMS / "final.yaml")
    topics = {item.topic for section in final.sections for item in section.items if item.topic}
    assert topics == set(registry())


def test_a_bank_item_may_name_its_topic_instead_of_a_section(tmp_path):
    path = write(tmp_path, BANK_BY_TOPIC)
    exam = build_exam(load_blueprint(path), 1, 1)
    (item,) = exam.versions[0].items
    assert item.bank.section == registry()["rnn"].section


def test_a_bank_item_may_draw_from_a_range_of_sections(tmp_path):
    text = BANK_BY_TOPIC.replace("topic: rnn", "sections: [11, 15]")
    exam = build_exam(load_blueprint(write(tmp_path, text)), 1, 6)
    assert {v.items[0].bank.section for v in exam.versions} <= set(range(11, 16))


def test_the_midterm_draws_its_derivations_from_the_seed_guides_sections():
    exam = build_exam(load_blueprint(MIDTERM), 2026, 4)
    bank = [i for v in exam.versions for i in v.items if not isinstance(i, Item)]
    assert bank and all(i.bank.section <= 10 for i in bank)


def test_a_bank_item_for_an_unknown_topic_is_an_error(tmp_path):
    with pytest.raises(QuizgenError, match='unknown topic "rnm"'):
        load_blueprint(write(tmp_path, BANK_BY_TOPIC.replace("rnn", "rnm")))


def test_versions_share_no_problem_and_ask_the_same_kinds_of_question():
    midterm = load_blueprint(MIDTERM)
    exam = build_exam(midterm, 2026, 4)
    problems = [
        (i.problem.topic, repr(i.problem.params))
        for v in exam.versions
        for i in v.items
        if isinstance(i, Item)
    ]
    drawn = sum(i.count for s in midterm.sections for i in s.items if i.topic)
    assert len(problems) == len(set(problems)) == 4 * drawn
    kinds = [sorted(i.problem.topic for i in v.items if isinstance(i, Item)) for v in exam.versions]
    assert all(k == kinds[0] for k in kinds)


def test_item_codes_regenerate_their_problems():
    exam = build_exam(load_blueprint(MIDTERM), 7, 2)
    for item in (i for i in exam.versions[1].items if isinstance(i, Item)):
        assert problem_for_code(item.code) == item.problem


def _math_labels(html: str) -> set[str]:
    """The LaTeX of every formula on a printable page: an inline ``<svg>``'s aria-label or a
    display formula's ``<img>`` alt text."""
    return set(re.findall(r'(?:aria-label|alt)="([^"]*)"', html.replace("&#34;", '"')))


def test_paper_html_holds_no_answer_or_step_from_its_key():
    exam = build_exam(load_blueprint(MIDTERM), 2026, 1)
    version = exam.versions[0]
    paper = render(exam, version, "paper", "midterm.yaml")
    key = render(exam, version, "key", "midterm.yaml")
    paper_math = _math_labels(paper)
    assert _math_labels(key) - paper_math, "the key should show worked steps"
    for item in (i for i in version.items if isinstance(i, Item)):
        shown = {line for step in item.stem.worked for line in step.lines}  # a spot question's
        for step in item.solution.steps:
            for line in set(step.lines) - shown:
                assert line not in paper_math
    assert 'class="answer"' not in paper and "Answers at a glance" not in paper
    assert "Answers at a glance" in key


def test_blueprint_text_cannot_inject_markup(tmp_path):
    hostile = GOOD.replace("title: T", 'title: "<script>alert(1)</script> \\" } body { color: red"')
    exam = build_exam(load_blueprint(write(tmp_path, hostile)), 1, 1)
    html = render(exam, exam.versions[0], "paper", "bp.yaml")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'color: red"' not in html.split("</style>")[0]


def test_choice_items_offer_distinct_options_with_one_right_answer(tmp_path):
    text = GOOD.replace(
        "{topic: sigmoid, marks: 2}", "{topic: conv_shape, marks: 2, answer: choice}"
    )
    exam = build_exam(load_blueprint(write(tmp_path, text)), 3, 3)
    for version in exam.versions:
        (item,) = version.items
        texts = [c.text for c in item.choices]
        assert len(texts) == len(set(texts)) >= 3
        assert sum(c.correct for c in item.choices) == 1
        assert all(c.misconception for c in item.choices if not c.correct)
        paper = render(exam, version, "paper", "bp.yaml")
        key = render(exam, version, "key", "bp.yaml")
        assert all(f"{c.letter}. {c.text}" in paper for c in item.choices)
        assert all(c.misconception in key for c in item.choices if not c.correct)


def test_html_is_byte_identical_on_rerun(tmp_path):
    first = make_papers(QUIZ, 11, 2, tmp_path / "a", ["html"])
    second = make_papers(QUIZ, 11, 2, tmp_path / "b", ["html"])
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_pdfs_are_byte_identical_and_the_paper_text_has_no_key(tmp_path):
    first = make_papers(QUIZ, 5, 1, tmp_path / "a", ["pdf"])
    second = make_papers(QUIZ, 5, 1, tmp_path / "b", ["pdf"])
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    paper, key = (PdfReader(p) for p in first)
    paper_text = "".join(page.extract_text() for page in paper.pages)
    key_text = "".join(page.extract_text() for page in key.pages)
    exam = build_exam(load_blueprint(QUIZ), 5, 1)
    for item in exam.versions[0].items:
        assert f"Question {item.number}" in paper_text and item.code in paper_text
    assert f"Page 1 of {len(paper.pages)}" in paper_text and "version A" in paper_text
    assert f"Page {len(paper.pages)} of {len(paper.pages)}" in paper_text
    assert "Answers at a glance" in key_text and "Answers at a glance" not in paper_text
    assert "0.2 %" in key_text and "0.2 %" not in paper_text


def test_letter_paper_is_an_option_and_a4_the_default(tmp_path):
    (a4,) = make_papers(QUIZ, 1, 1, tmp_path / "a4", ["pdf"])[:1]
    (letter,) = make_papers(QUIZ, 1, 1, tmp_path / "letter", ["pdf"], paper_size="Letter")[:1]
    a4_box = PdfReader(a4).pages[0].mediabox
    letter_box = PdfReader(letter).pages[0].mediabox
    assert (round(float(a4_box.width)), round(float(a4_box.height))) == (595, 842)
    assert (round(float(letter_box.width)), round(float(letter_box.height))) == (612, 792)


def test_paper_command_writes_paper_and_key_per_version(tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "paper",
            str(QUIZ),
            "--seed",
            "3",
            "--versions",
            "2",
            "--out",
            str(tmp_path),
            "--format",
            "html",
        ],
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.glob("*.html"))
    assert names == [
        "quiz-3-A-key.html",
        "quiz-3-A-paper.html",
        "quiz-3-B-key.html",
        "quiz-3-B-paper.html",
    ]
    assert not list(tmp_path.glob(".*.part"))


def test_paper_command_reports_a_bad_blueprint_in_one_line(tmp_path):
    bad = write(tmp_path, GOOD.replace("sigmoid", "sigmod"))
    result = CliRunner().invoke(cli, ["paper", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: bp.yaml: line 5: sections[0].items[0].topic: unknown")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_the_keys_rebuild_line_rebuilds_the_files_byte_for_byte(tmp_path, engine):
    import re
    import shlex

    from click.testing import CliRunner
    from pypdf import PdfReader

    from quizgen.cli import cli

    first = tmp_path / "first"
    args = ["paper", "quiz", "--seed", "9", "--versions", "2", "--engine", engine]
    result = CliRunner().invoke(cli, [*args, "--format", "pdf", "--out", str(first)])
    assert result.exit_code == 0, result.output
    text = " ".join(page.extract_text() for page in PdfReader(first / "quiz-9-B-key.pdf").pages)
    line = re.search(r"Rebuild this key with (quizgen paper .+?)\. Rounded", " ".join(text.split()))
    assert line is not None, text[:500]
    words = shlex.split(line.group(1))
    assert words[:3] == ["quizgen", "paper", "quiz"] and "--engine" in words
    again = tmp_path / "again"
    result = CliRunner().invoke(cli, [*words[1:], "--out", str(again)])
    assert result.exit_code == 0, result.output
    for name in ("quiz-9-A-key.pdf", "quiz-9-B-key.pdf", "quiz-9-B-paper.pdf"):
        assert (again / name).read_bytes() == (first / name).read_bytes()


def test_html_files_carry_math_as_mathml_with_their_own_fonts_and_no_network(tmp_path):
    import re

    from click.testing import CliRunner

    from quizgen.cli import cli

    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["paper", "quiz", "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for page in out.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<math" in html and "<svg" not in html
        addresses = set(re.findall(r"https?://[^\s\"')]+", html))
        assert addresses <= {"http://www.w3.org/1998/Math/MathML"}, addresses
        for font in re.findall(r'url\("([^"]+)"\)', html):
            assert (out / font).is_file(), font


def test_every_formula_is_written_as_mathml_with_its_latex_kept():
    from quizgen.render.math import mathml
    from tests.test_typst import all_formulas

    for latex in sorted(all_formulas()):
        element = str(mathml(latex))
        assert element.startswith("<math alttext=") and element.endswith("</math>"), latex


def test_inline_math_is_prepared_for_ziamath_as_tex_would_set_it():
    from quizgen.render.math import _for_ziamath

    latex = r"\hat{y}_i = \nabla_w J - (-1) + \hat{x}"
    assert _for_ziamath(latex) == r"ŷ_i = {\nabla}_w J - ({-}1) + \hat{x}"


def test_inline_fractions_are_set_at_a_readable_size():
    import re

    from quizgen.render.math import svg

    def height(markup) -> float:
        return float(re.search(r'height="([\d.]+)em"', str(markup)).group(1))

    inline, display = svg(r"\frac{1}{1 + e^{-z}}"), svg(r"\frac{1}{1 + e^{-z}}", display=True)
    assert height(inline) == height(display)  # display style, not script-size text style


def test_a_choice_item_asks_a_question_that_reads_whatever_its_label(tmp_path):
    text = GOOD.replace(
        "{topic: sigmoid, marks: 2}", "{topic: conv_shape, marks: 2, answer: choice}"
    )
    exam = build_exam(load_blueprint(write(tmp_path, text)), 3, 1)
    (item,) = exam.versions[0].items
    assert item.choice_prompt == (
        r"Output shape $H \times W \times C$ after each layer: which option is right?"
    )
    assert "Which is output shape" not in render(exam, exam.versions[0], "paper", "bp.yaml")


@pytest.fixture
def user_cache(tmp_path, monkeypatch):
    """An empty user cache of this test's own."""
    from quizgen.core import resources

    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "cache"))
    resources.cache_folder.cache_clear()
    yield tmp_path / "cache"
    resources.cache_folder.cache_clear()


def fresh_environment(folder: Path):
    from jinja2 import Environment, FileSystemLoader

    from quizgen.render.html import _OPTIONS, compiled_templates

    return Environment(
        loader=FileSystemLoader(folder), bytecode_cache=compiled_templates(), **_OPTIONS
    )


def test_templates_compiled_by_an_earlier_run_are_not_compiled_again(
    tmp_path, monkeypatch, user_cache
):
    from jinja2 import Environment

    (tmp_path / "t.html").write_text("<p>{{ x }}</p>", encoding="utf-8")
    fresh_environment(tmp_path).get_template("t.html")
    monkeypatch.setattr(Environment, "compile", lambda *a, **k: pytest.fail("compiled again"))
    assert fresh_environment(tmp_path).get_template("t.html").render(x="<b>") == "<p>&lt;b&gt;</p>"


def test_a_template_changed_since_it_was_compiled_is_compiled_again(tmp_path, user_cache):
    template = tmp_path / "t.html"
    template.write_text("<p>{{ x }}</p>", encoding="utf-8")
    fresh_environment(tmp_path).get_template("t.html")
    template.write_text("<div>{{ x }}</div>", encoding="utf-8")
    assert fresh_environment(tmp_path).get_template("t.html").render(x=1) == "<div>1</div>"


def test_templates_are_compiled_on_every_run_when_the_cache_is_off(monkeypatch):
    from quizgen.core import resources
    from quizgen.render.html import compiled_templates

    monkeypatch.setenv("QUIZGEN_CACHE_DIR", "off")
    resources.cache_folder.cache_clear()
    try:
        assert compiled_templates() is None
    finally:
        resources.cache_folder.cache_clear()


def test_formulas_typeset_at_another_size_or_by_another_ziafont_are_kept_apart(
    monkeypatch, user_cache
):
    from quizgen.render import math

    size, real_version = math.FONT_PX, math.version
    first = math.cache_dir()
    monkeypatch.setattr(math, "FONT_PX", size + 1)
    bigger = math.cache_dir()
    monkeypatch.setattr(math, "FONT_PX", size)
    monkeypatch.setattr(
        math, "version", lambda name: "9" if name == "ziafont" else real_version(name)
    )
    math._versions.cache_clear()  # the versions are read once a process
    try:
        assert len({first, bigger, math.cache_dir()}) == 3
    finally:
        monkeypatch.undo()
        math._versions.cache_clear()
