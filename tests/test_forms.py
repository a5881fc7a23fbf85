"""Every form of every topic, at every difficulty: the shape the registry promises.

Each form's answers are checked by an independent method in its own test file
(tests/test_form_<topic>.py: an inverse answer put through the forward solver gives the target
back; a spot problem's first wrong step is the first whose value differs). This file holds what
every form shares, so a form added without those properties fails here: its draws solve, its
records read back, and simulated students (tests/form_students.py) making each of its named
mistakes are told that mistake while a slip is told none.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from form_students import latex_problems, named_share, slips_named

from quizgen import topics
from quizgen.core.grading import same_answer
from quizgen.core.model import DIFFICULTIES

FORMS = [(name, form) for name, topic in topics.registry().items() for form in topic.forms]
SEEDS = range(25)


def _finite(value: object) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    return isinstance(value, (int, float)) and math.isfinite(value)


@pytest.mark.parametrize(("name", "form"), FORMS)
def test_every_form_solves_every_draw_with_an_answer_for_each_part(name: str, form: str) -> None:
    topic = topics.get(name, form)
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            params = topic.generate(np.random.default_rng(seed), difficulty)
            solution = topic.solve(params)
            assert solution.parts and solution.steps
            for part in solution.parts:
                assert _finite(solution.answer[part.key]), (difficulty, seed, part.key)
            assert topic.stem(params).text


@pytest.mark.parametrize(("name", "form"), FORMS)
def test_every_form_reads_back_the_params_it_draws(name: str, form: str) -> None:
    topic = topics.get(name, form)
    for difficulty in DIFFICULTIES:
        params = topic.generate(np.random.default_rng(7), difficulty)
        assert topic.parse(params.to_record()) == params


@pytest.mark.parametrize(("name", "form"), [f for f in FORMS if f[1] != "forward"])
def test_no_named_mistake_of_a_form_gives_the_right_answer(name: str, form: str) -> None:
    """A form's mistake that cannot arise for a draw says so (None) rather than give the right
    answer, which would name a right answer as a mistake."""
    topic = topics.get(name, form)
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            params = topic.generate(np.random.default_rng(seed), difficulty)
            solution = topic.solve(params)
            for mistake in topic.misconceptions:
                wrong = mistake.solve(params)
                if wrong is not None:
                    assert not same_answer(solution.parts, wrong, solution.answer), mistake.label


STUDENT_SEEDS = range(40)
#: one xdist worker per form for the sweeps below, which read the same cached draws
OTHER_FORMS = [
    pytest.param(name, form, marks=pytest.mark.xdist_group(f"form-{name}-{form}"))
    for name, form in FORMS
    if form != "forward"
]


@pytest.mark.parametrize(("name", "form"), OTHER_FORMS)
def test_a_student_making_a_named_mistake_of_a_form_is_told_that_mistake(
    name: str, form: str
) -> None:
    named, asked, _ = named_share(name, form, STUDENT_SEEDS)
    assert asked and named / asked >= 0.95, (named, asked)


@pytest.mark.parametrize(("name", "form"), OTHER_FORMS)
def test_every_named_mistake_of_a_form_arises_on_some_draw(name: str, form: str) -> None:
    seen = named_share(name, form, STUDENT_SEEDS)[2]
    assert seen == {m.label for m in topics.get(name, form).misconceptions}


@pytest.mark.parametrize(("name", "form"), OTHER_FORMS)
def test_a_slip_in_a_form_is_never_given_a_name(name: str, form: str) -> None:
    assert slips_named(name, form, STUDENT_SEEDS) == []


@pytest.mark.parametrize(("name", "form"), OTHER_FORMS)
def test_a_forms_stems_and_steps_are_in_the_latex_subset_every_writer_renders(
    name: str, form: str
) -> None:
    assert latex_problems(name, form, STUDENT_SEEDS) == []


def test_a_form_a_topic_lacks_is_refused_with_the_forms_it_has() -> None:
    with pytest.raises(topics.QuizgenError, match="its forms: forward"):
        topics.get("sigmoid", "no-such-form")


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_sigmoid_inverse_gives_back_its_target_through_the_forward_solver(
    difficulty: str,
) -> None:
    forward, inverse = topics.get("sigmoid"), topics.get("sigmoid", "inverse")
    for seed in range(200):
        params = inverse.generate(np.random.default_rng(seed), difficulty)
        z = inverse.solve(params).answer["z"]
        there = forward.solve(forward.parse({"z": z})).answer
        assert there[params.given] == pytest.approx(params.value, abs=1e-12)
        if params.given == "dsigma":
            assert z > 0  # the stem's constraint picks the one root


def test_a_sigmoid_inverse_record_out_of_range_is_refused_as_a_params_error() -> None:
    from quizgen.core.errors import ParamsError

    with pytest.raises(ParamsError, match=r"value must be in \(0, 1\)"):
        topics.get("sigmoid", "inverse").parse({"given": "sigma", "value": 2})
