"""Words both engines print come from one place, with plurals right."""

from __future__ import annotations

import pytest

from quizgen.core.model import Precision
from quizgen.render import html, typst_pdf, wording


def test_one_decimal_place_is_singular():
    assert wording.rounding(Precision(decimals=1)) == " (to 1 decimal place)"


def test_several_decimal_places_are_plural():
    assert wording.rounding(Precision(decimals=3)) == " (to 3 decimal places)"


def test_an_exact_answer_asks_for_no_rounding():
    assert wording.rounding(Precision(exact=True)) == ""


@pytest.mark.parametrize(
    "template",
    ["{{ tolerance_rule }}", "{{ order_rule }}", "{{ part_letter(2) }}", "{{ p | rounding }}"],
)
def test_html_and_typst_templates_print_the_same_words(template):
    given = {"p": Precision(decimals=1)}
    shown_html = html.environment("mathml").from_string(template).render(**given)
    shown_typst = typst_pdf.environment().from_string(template).render(**given)
    assert shown_typst.replace("\\", "") == shown_html
