r"""The LaTeX subset covers what a deep-learning course writes, in every math path: `bank check`
accepts it, and the Typst papers, the HTML pages (MathML), the WeasyPrint papers (ziamath SVG)
and the terminal (Unicode) all write it without a command left over as text."""

from __future__ import annotations

import re

import pytest

from quizgen.core import latex_tree
from quizgen.core.latex_check import check
from quizgen.render.math import mathml, svg
from quizgen.render.typst_math import to_typst
from quizgen.render.unicode_math import to_unicode
from tests.typst_reader import from_latex, from_typst

typst = pytest.importorskip("typst")

#: the notation of the course guide and of a deep-learning course, as a teacher types it
COURSE_NOTATION = [
    r"a = \tanh(z)",
    r"\tanh'(z) = 1 - \tanh^2(z)",
    r"\sigma(z) = \frac{1}{1 + \exp(-z)}",
    r"\ell = -\log \hat{y}_c",
    r"\mathrm{ReLU}(z) = \max(0, z)",
    r"\min_i x_i \le \max_i x_i",
    r"\hat{c} = \argmax_k p_k",
    r"\hat{c} = \operatorname{argmax}_k p_k",
    r"\delta^{(1)} = (W^{(2)})^\top \delta^{(2)} \odot \sigma'(z^{(1)})",
    r"\frac{\partial L}{\partial w_{ij}} = \delta_i a_j",
    r"\nabla_z \ell = \hat{y} - y",
    r"\nabla_{W} L = \delta x^{\top}",
    r"x \in \mathbb{R}^{n}, \; W \in \mathbb{R}^{m \times n}",
    r"\boldsymbol{\theta} \leftarrow \boldsymbol{\theta} - \eta \nabla_{\boldsymbol{\theta}} J",
    r"\operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_{j=1}^{K} e^{z_j}}",
    r"p(y) = \prod_{i=1}^{N} p_i^{y_i}",
    r"\sum\limits_{i=1}^{n} x_i",
    r"\mathrm{ReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0 & \text{otherwise} \end{cases}",
    r"\mathbf{W}\mathbf{x} + \mathbf{b}",
    r"\tilde{x} = \bar{x} + \epsilon",
    r"a \cdot b \times c",
    r"a \ne b, \; a \ge 0, \; b \approx 0.5",
    r"n \to \infty",
    r"\sqrt[3]{x} + \sqrt{y}",
    r"\left( \frac{1}{2} \right)^2",
    r"\lVert w \rVert_2^2 = \sum_j w_j^2",
    r"\left\lVert x - y \right\rVert",
    r"\lim_{n \to \infty} \left(1 + \frac{1}{n}\right)^n = e",
    r"\mathcal{L}(\theta) = \mathbb{E}[\ell]",
    r"\sigma(z)\,\bigl(1 - \sigma(z)\bigr)",
    r"f \circ g, \; A \subseteq B, \; \kappa \ll \Lambda",
]


@pytest.mark.parametrize("latex", COURSE_NOTATION)
def test_course_notation_passes_bank_check(latex):
    assert check(latex) is None


@pytest.mark.parametrize("latex", COURSE_NOTATION)
def test_course_notation_keeps_its_structure_in_typst(latex):
    assert from_typst(to_typst(latex)) == from_latex(latex_tree.parse(latex))


def test_course_notation_compiles_in_typst():
    document = "\n\n".join(f"$ {to_typst(latex)} $" for latex in COURSE_NOTATION)
    assert typst.compile(document.encode(), format="pdf").startswith(b"%PDF")


def _leftover_commands(markup: str) -> list[str]:
    """Backslash commands in a MathML or SVG element outside its alttext and aria-label (where
    the LaTeX is kept on purpose): latex2mathml writes a command it does not know as text."""
    body = re.sub(r'(alttext|aria-label)="[^"]*"', "", markup)
    body = re.sub(r"<annotation.*?</annotation>", "", body, flags=re.S)
    return re.findall(r"\\[A-Za-z]+", body)


@pytest.mark.parametrize("latex", COURSE_NOTATION)
def test_course_notation_is_mathml_with_no_command_left_as_text(latex):
    assert _leftover_commands(mathml(latex)) == []


@pytest.mark.parametrize("latex", COURSE_NOTATION)
def test_course_notation_reads_in_the_terminal_with_no_command_left(latex):
    assert "\\" not in to_unicode(latex)


def test_course_notation_typesets_as_svg_for_weasyprint():
    for latex in COURSE_NOTATION:
        assert svg(latex).startswith("<svg"), latex


def _every_symbol_command() -> list[str]:
    return sorted(latex_tree.SYMBOLS)


@pytest.mark.parametrize("name", _every_symbol_command())
def test_every_symbol_of_the_subset_has_a_terminal_spelling(name):
    assert "\\" not in to_unicode(f"a \\{name} b")


@pytest.mark.parametrize("name", _every_symbol_command())
def test_every_symbol_of_the_subset_has_a_mathml_spelling(name):
    assert _leftover_commands(mathml(f"a \\{name} b")) == []


@pytest.mark.parametrize("name", sorted(latex_tree.ACCENTS | latex_tree.STYLES))
def test_every_accent_and_style_reads_in_the_terminal(name):
    assert "\\" not in to_unicode(f"\\{name}{{x}}")


@pytest.mark.parametrize(
    ("latex", "terminal"),
    [
        (r"\tanh(z)", "tanh(z)"),
        (r"\log \hat{y}", "log ŷ"),
        (r"W^\top x", "Wᵀ x"),
        (r"x \in \mathbb{R}^n", "x ∈ ℝⁿ"),
        (r"a \le b \ge c \ne d", "a ≤ b ≥ c ≠ d"),
        (r"\min_i x_i", "minᵢ xᵢ"),
        (r"\sum\limits_{i} x_i", "∑ᵢ xᵢ"),
        (r"\sqrt[3]{x}", "³√x"),
        (r"\max\{a, b\}", "max{a, b}"),
        (r"\begin{cases} z & z > 0 \\ 0 & \text{otherwise} \end{cases}", "{z, z > 0; 0, otherwise"),
        (r"\nabla_z \ell", "∇[z] ℓ"),
    ],
)
def test_terminal_spellings(latex, terminal):
    assert to_unicode(latex) == terminal


@pytest.mark.parametrize(
    ("latex", "typst_math"),
    [
        (r"\tanh(z)", "tanh(z)"),
        (r"\argmax_k p_k", 'op("arg max", limits: #true)_(k) p_(k)'),
        (r"\sqrt[3]{x}", "root(3, x)"),
        (r"\sum\limits_{i} x_i", "sum_(i) x_(i)"),
        (r"\begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}", "cases(1 & z > 0, 0 & z <= 0)"),
        (r"\bigl( x \bigr)", "( x )"),
        (r"\lvert x \rvert", "bar.v x bar.v"),
    ],
)
def test_typst_spellings(latex, typst_math):
    assert to_typst(latex) == typst_math


def test_mathml_sets_a_thin_space_after_a_function_name_before_its_operand():
    assert '<mi>log</mi><mspace width="0.1667em">' in mathml(r"-\log \hat{y}")


def test_mathml_sets_no_space_between_a_function_name_and_its_parenthesis():
    assert "<mi>log</mi><mo" in mathml(r"\log(x)")
