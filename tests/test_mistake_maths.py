r"""Named mistakes say their maths as maths: written once in LaTeX (``$...$`` in the supported
subset) and typeset in every face that shows them: the terminal (Unicode), the web page
(MathML), Moodle and Canvas (MathJax's ``\( \)``), the keys (SVG for WeasyPrint, Typst math)."""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.core.latex import segments
from quizgen.core.latex_check import check_text
from quizgen.exam.blueprint import load_blueprint
from quizgen.exam.build import build_exam
from quizgen.exam.item_codes import encode
from quizgen.export.layout import html
from quizgen.export.moodle import cloze_feedback
from quizgen.render.html import render
from quizgen.render.typst_math import to_typst
from quizgen.render.typst_pdf import source
from quizgen.topics import registry

MISTAKES = [(t.name, m) for t in registry().values() for m in t.misconceptions]
#: what maths written as ASCII looks like: operators, scripts, Greek and function names
ASCII_MATHS = re.compile(
    r"[=^_*/<>|]|\b(?:sigma|eta|delta|theta|y_hat|dl|dz|grad|exp|floor|ceil|act|x0|w0)\b"
)
BLUEPRINT = """title: T
sections:
  - title: S
    items:
      - {topic: sigmoid, marks: 2, form: choice, difficulty: medium}
"""


@pytest.mark.parametrize(("topic", "mistake"), MISTAKES, ids=[m.id for _, m in MISTAKES])
def test_a_mistakes_explanation_is_in_the_latex_subset(topic, mistake):
    assert check_text(mistake.explanation) is None


@pytest.mark.parametrize(("topic", "mistake"), MISTAKES, ids=[m.id for _, m in MISTAKES])
def test_a_mistakes_explanation_writes_no_maths_as_ascii(topic, mistake):
    words = "".join(piece for is_math, piece in segments(mistake.explanation) if not is_math)
    assert not ASCII_MATHS.search(words), words


def test_the_terminal_names_a_mistake_with_its_maths_in_unicode(tmp_path):
    code = encode("sigmoid", "medium", 3778479469)  # z = -2.5: sigma 0.076, sigma' 0.070
    result = CliRunner().invoke(
        cli,
        ["check", code, "--db", str(tmp_path / "h.db"), "--no-color"],
        input="0.076\n0.076\n",
    )
    assert "The derivative is σ(z)(1 - σ(z)), not σ(z) itself." in result.output
    assert "$" not in result.output


@pytest.fixture(scope="module")
def choice_exam(tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("bp")) / "bp.yaml"
    path.write_text(BLUEPRINT, encoding="utf-8")
    return build_exam(load_blueprint(path), 3, 1)


def _explained(exam) -> list[str]:
    """The explanations of the distractors built from listed mistakes (one built from an edit
    of the worked solution explains itself in plain text: edits have no LaTeX yet)."""
    (item,) = exam.versions[0].items
    listed = {m.label for m in registry()[item.problem.topic].misconceptions}
    return [c.explanation for c in item.choices if c.explanation and c.misconception in listed]


def test_the_html_key_typesets_a_distractors_explanation(choice_exam):
    key = render(choice_exam, choice_exam.versions[0], "key", "bp.yaml")
    explanations = _explained(choice_exam)
    assert explanations
    for explanation in explanations:
        latex = next(piece for is_math, piece in segments(explanation) if is_math)
        assert f"${latex}$" not in key
        assert 'class="math"' in key


def test_the_typst_key_typesets_a_distractors_explanation(choice_exam):
    typst_key = source(choice_exam, choice_exam.versions[0], "key", "rebuild")
    for explanation in _explained(choice_exam):
        latex = next(piece for is_math, piece in segments(explanation) if is_math)
        assert f"${to_typst(latex)}$" in typst_key  # Typst math, not LaTeX escaped as text


def test_moodle_feedback_hands_a_mistakes_maths_to_mathjax(tmp_path):
    path = tmp_path / "bp.yaml"
    path.write_text(BLUEPRINT.replace(", form: choice", ""), encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["export", str(path), "--format", "moodle", "--seed", "3", "-o", str(tmp_path / "m.xml")],
    )
    assert result.exit_code == 0, result.output
    xml = (tmp_path / "m.xml").read_text(encoding="utf-8")
    in_cloze = cloze_feedback(html(r"The derivative is $\sigma(z)(1 - \sigma(z))$"))
    assert xml_escape(in_cloze) in xml  # Moodle decodes it to \(\sigma(z)(1 - \sigma(z))\)
    assert "sigma(z)(1 - sigma(z))" not in xml
