"""MathML is converted once per shape of formula (its numbers left out) and the numbers put
back: the same bytes as converting each formula on its own, for every topic's formulas."""

from __future__ import annotations

import pytest

from quizgen import topics
from quizgen.core.errors import QuizgenError
from quizgen.core.latex import segments
from quizgen.exam.problems import make_problem
from quizgen.render import math


def _direct(latex: str, display: bool) -> str:
    return math._latex2mathml(latex, display)


def _formulas(name: str, form: str) -> set[tuple[str, bool]]:
    """The formulas (inline or display) of a few problems of one topic in one form: stem,
    tables, worked steps and part labels, as the practice page shows them."""
    topic = topics.get(name, form)
    found: set[tuple[str, bool]] = set()
    for seed in range(4):
        problem = make_problem(name, seed, "medium", form)  # type: ignore[arg-type]
        stem, solution = topic.stem(problem.params), topic.solve(problem.params)
        texts = [stem.text, *(part.label for part in solution.parts)]
        for table in (stem.table, solution.table):
            if table:
                texts += [*table.header, *(cell for row in table.rows for cell in row)]
        for step in (*stem.worked, *solution.steps):
            texts.append(step.title)
            found |= {(line, True) for line in (*step.lines, step.result) if line}
        found |= {(piece, False) for text in texts for is_math, piece in segments(text) if is_math}
    return found


@pytest.mark.parametrize(
    ("name", "form"), [(name, form) for name, t in topics.registry().items() for form in t.forms]
)
def test_every_formula_of_a_topic_is_the_mathml_it_converts_to_on_its_own(name, form):
    for latex, display in _formulas(name, form):
        assert math._by_shape(latex, display) == _direct(latex, display), latex


def test_two_formulas_of_one_shape_are_converted_once():
    math._shape.cache_clear()
    math.mathml.cache_clear()
    math.mathml(r"z = 0.5 \cdot 1.25 + 3 = 3.625")
    math.mathml(r"z = 2.5 \cdot 0.75 + 1 = 2.875")
    assert (math._shape.cache_info().misses, math._shape.cache_info().hits) == (1, 1)


@pytest.mark.parametrize(
    "latex",
    [
        r"x^12 + s_3 = 4",  # a script takes one digit, as in TeX
        r"\text{step 5: } 0.25",  # a number inside text is no <mn>
        r"\mathbf{1}_{z > 0} = 1",  # a bold number is an <mn> of its own kind
        r"1.2.3 + .5",
    ],
)
def test_a_number_that_is_not_one_plain_mn_still_converts_as_it_would_alone(latex):
    assert math._by_shape(latex, False) == _direct(latex, False)


def test_a_formula_latex2mathml_cannot_read_is_said_of_the_formula_itself():
    with pytest.raises(QuizgenError, match=r"^\$\\left\( 2\$ cannot be written as MathML"):
        math.mathml(r"\left( 2")
