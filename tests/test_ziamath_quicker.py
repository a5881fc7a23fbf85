"""ziamath with its two per-node costs taken out (``math._quicker``) typesets every formula
into the SVG that ziamath's own style parsing and size conversion give."""

from __future__ import annotations

import dataclasses

import pytest
from test_mathml_shapes import _formulas
from ziamath import styles
from ziamath.nodes.mnode import Mnode

from quizgen import topics
from quizgen.render import math

#: formulas with what the two costs serve: scripts (smaller glyphs), named and sized spaces,
#: fraction bars, stretched brackets, matrices and a transpose
FORMULAS = [
    (r"\sigma(z) = \frac{1}{1 + e^{-2.5}} = 0.924", False),
    (r"\sum_{i=1}^{n} x_i^2 \, \quad y", True),
    (r"\left( \frac{\partial L}{\partial w} \right)^2 \cdot \hat{y}", True),
    (r"\begin{bmatrix} 1 & -2 \\ 3.5 & 4 \end{bmatrix}^T", True),
    (r"\sqrt{x^{2^{k}} + 1} \; \log \hat{y} - \nabla_W L", False),
]


def _as_ziamath_typesets(monkeypatch, formulas):
    monkeypatch.setattr(styles, "asdict", dataclasses.asdict)
    monkeypatch.setattr(Mnode, "size_px", Mnode.size_px.__wrapped__)
    return [math._convert(latex, display) for latex, display in formulas]


def test_the_installed_ziamath_is_one_the_quickening_was_checked_against():
    import ziamath

    assert ziamath.__version__ in math.QUICKENED, "check math._quicker, then add it"


def test_quickened_ziamath_typesets_what_ziamath_does(monkeypatch):
    quick = [math._convert(latex, display) for latex, display in FORMULAS]
    assert quick == _as_ziamath_typesets(monkeypatch, FORMULAS)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "form"), [(name, form) for name, t in topics.registry().items() for form in t.forms]
)
def test_every_formula_of_a_topic_typesets_as_ziamath_does(monkeypatch, name, form):
    formulas = sorted(_formulas(name, form))
    quick = [math._convert(latex, display) for latex, display in formulas]
    assert quick == _as_ziamath_typesets(monkeypatch, formulas)
