"""The sigmoid's what-if form, checked by the forward solver on the changed logit (found here
from the record, not by the form's code), and its mistakes named through the shared checker."""

from __future__ import annotations

import math

import numpy as np
import pytest
from form_students import assert_parts_show_different_numbers, named_mistakes
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen import topics
from quizgen.core.errors import ParamsError
from quizgen.core.model import DIFFICULTIES, Problem
from quizgen.practice.checking import check_typed

FORWARD = topics.get("sigmoid")
WHATIF = topics.get("sigmoid", "whatif")


def _forward(z: float) -> dict[str, float]:
    return dict(FORWARD.solve(FORWARD.parse({"z": z})).answer)


def _expected(record: dict) -> dict[str, float]:
    """The what-if's answer from the forward solver: before and after the change."""
    if record["change"] == "negate":
        s = record["value"]
        return _forward(-math.log(s / (1 - s)))
    z, by = record["z"], record["by"]
    before, after = _forward(z), _forward(z + by if record["change"] == "shift" else by * z)
    if record["change"] == "shift":
        return {**after, "change": after["sigma"] - before["sigma"]}
    return {**after, "factor": after["dsigma"] / before["dsigma"]}


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_whatif_answers_are_the_forward_solver_on_the_changed_logit(difficulty: str) -> None:
    for seed in range(200):
        params = WHATIF.generate(np.random.default_rng(seed), difficulty)
        answer = WHATIF.solve(params).answer
        assert answer == pytest.approx(_expected(params.to_record()), rel=1e-12, abs=1e-12)


@settings(max_examples=100)
@given(
    st.sampled_from(["shift", "scale"]),
    st.floats(-6, 6).filter(lambda z: abs(z) > 1e-3),
    st.floats(-4, 4).filter(lambda by: abs(by) > 1e-3 and abs(by - 1) > 1e-3),
)
def test_whatif_answers_hold_for_any_logit_and_change(change: str, z: float, by: float) -> None:
    record = {"change": change, "z": z, "by": by}
    answer = WHATIF.solve(WHATIF.parse(record)).answer
    assert answer == pytest.approx(_expected(record), rel=1e-9, abs=1e-12)


def test_each_difficulty_asks_its_own_change() -> None:
    changes = {
        d: {WHATIF.generate(np.random.default_rng(s), d).change for s in range(30)}
        for d in DIFFICULTIES
    }
    assert changes == {"easy": {"negate"}, "medium": {"shift"}, "hard": {"scale"}}


def test_negating_states_only_sigma_so_the_symmetry_is_what_is_asked() -> None:
    params = WHATIF.parse({"change": "negate", "value": 0.8})
    text = WHATIF.stem(params).text
    assert r"\sigma(z) = 0.8" in text and "z = " not in text
    assert WHATIF.solve(params).answer == pytest.approx({"sigma": 0.2, "dsigma": 0.16})


def test_a_changed_derivative_is_asked_with_its_factor_of_change() -> None:
    params = WHATIF.parse({"change": "scale", "z": 1, "by": 2})
    keys = [part.key for part in WHATIF.parts(params)]
    assert keys == ["sigma", "dsigma", "factor"]
    answer = WHATIF.solve(params).answer
    assert answer["factor"] == pytest.approx(0.104994 / 0.196612, rel=1e-5)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"change": "negate", "value": 0.5}, "not 0.5"),
        ({"change": "negate", "value": 0.8, "z": 1}, 'z is not used when change is "negate"'),
        ({"change": "shift", "z": 1}, 'change "shift" needs by'),
        ({"change": "scale", "z": 1, "by": 1}, "by not 0 or 1"),
    ],
)
def test_a_whatif_record_that_changes_nothing_is_refused(record: dict, message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        WHATIF.parse(record)


def test_a_student_making_a_whatif_mistake_is_told_that_mistake() -> None:
    named = named_mistakes("sigmoid", "whatif", range(25))
    assert set(named) == {m.label for m in topics.get("sigmoid", "whatif").misconceptions}


@pytest.mark.parametrize("difficulty", ["medium", "hard"])
def test_a_change_worked_from_the_rounded_values_shown_is_marked_right(difficulty: str) -> None:
    """The stem shows sigma(z) and sigma'(z) at four decimals; a student who works the change
    or factor from those and their own rounded new values is right."""
    for seed in range(200):
        params = WHATIF.generate(np.random.default_rng(seed), difficulty)
        old = {k: round(v, 4) for k, v in _forward(params.z).items()}
        new = {k: round(v, 4) for k, v in WHATIF.solve(params).answer.items()}
        if params.change == "shift":
            last = new["sigma"] - old["sigma"]
        else:
            last = new["dsigma"] / old["dsigma"]
        problem = Problem("sigmoid", params, seed, difficulty, "whatif")
        checks = check_typed(problem, [f"{new['sigma']}", f"{new['dsigma']}", f"{last:.4f}"])
        assert all(c.verdict and c.verdict.correct for c in checks), (params, last)


def test_a_derivative_and_change_from_a_wrong_new_sigma_get_follow_through() -> None:
    params = WHATIF.parse({"change": "shift", "z": 1, "by": 1})
    sigma = 0.8  # wrong: sigma(2) = 0.8808
    old = _forward(1)["sigma"]
    typed = [str(sigma), f"{sigma * (1 - sigma):.4f}", f"{sigma - old:.4f}"]
    checks = check_typed(Problem("sigmoid", params, form="whatif"), typed)
    assert [c.verdict.correct for c in checks] == [False, True, True]
    assert all(c.verdict.follow_through for c in checks[1:])


def test_no_two_parts_of_a_whatif_show_the_same_number() -> None:
    assert_parts_show_different_numbers("sigmoid", "whatif")
