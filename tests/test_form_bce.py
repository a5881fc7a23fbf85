"""BCE's inverse form, checked by the forward solver: a logistic unit with the answer's logit
(as its bias weight) and the answer's label gives back the loss, dl/dz or weight gradient that
the question states; uniqueness by brute force over the labels and monotonicity over y_hat."""

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

FORWARD = topics.get("bce")
INVERSE = topics.get("bce", "inverse")


def _forward(x: list, z: float, y: int) -> dict:
    """The forward solver on a unit whose logit is z: bias weight z, other weights 0."""
    w = [z] + [0] * (len(x) - 1)
    return dict(FORWARD.solve(FORWARD.parse({"x": x, "w": w, "y": y})).answer)


def _draws(difficulty: str, count: int = 200):
    for seed in range(count):
        params = INVERSE.generate(np.random.default_rng(seed), difficulty)
        yield params, INVERSE.solve(params).answer


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_inverse_answers_give_back_the_stated_values_through_the_forward_solver(
    difficulty: str,
) -> None:
    for params, answer in _draws(difficulty):
        x = list(params.x) if params.given == "grad" else [1]
        y = answer.get("y", params.y)
        there = _forward(x, answer["z"], y)
        assert there["y_hat"] == pytest.approx(answer["y_hat"], abs=1e-12)
        if params.given == "loss":
            assert there["loss"] == pytest.approx(params.value, abs=1e-12)
        elif params.given == "dldz":
            assert there["grad"][0] == pytest.approx(params.value, abs=1e-12)
        else:
            assert there["grad"] == pytest.approx(list(params.grad), abs=1e-12)
        if "loss" in answer:
            assert there["loss"] == pytest.approx(answer["loss"], abs=1e-12)


def test_a_weight_gradient_fits_only_one_label() -> None:
    """Brute force over both labels: only the answer's leaves y_hat = y + (y_hat - y) a
    probability."""
    for params, answer in _draws("hard"):
        fitting = [y for y in (0, 1) if 0 < y + params.grad[0] < 1]
        assert fitting == [answer["y"]]


@pytest.mark.parametrize("y", [0, 1])
def test_the_loss_meets_a_stated_value_at_one_prediction_only(y: int) -> None:
    """Monotonicity, checked: on a fine grid of y_hat the loss minus any drawn target changes
    sign once, next to the answer."""
    grid = np.linspace(1e-4, 1 - 1e-4, 20_001)
    losses = -np.log(grid if y == 1 else 1 - grid)
    for params, answer in _draws("easy"):
        if params.y != y:
            continue
        crossings = np.flatnonzero(np.diff(np.sign(losses - params.value)))
        assert len(crossings) == 1
        assert grid[crossings[0]] == pytest.approx(answer["y_hat"], abs=1e-4)


def test_a_gradient_that_is_no_multiple_of_the_input_is_refused() -> None:
    with pytest.raises(ParamsError, match=r"grad must be \(y_hat - y\) x"):
        INVERSE.parse({"given": "grad", "x": [1, 2], "grad": [-0.2, 0.3]})


def test_a_gradient_that_leaves_no_probability_is_refused() -> None:
    with pytest.raises(ParamsError, match="y_hat in"):
        INVERSE.parse({"given": "dldz", "y": 1, "value": 0.2})


def test_a_student_making_an_inverse_mistake_is_told_that_mistake() -> None:
    named = named_mistakes("bce", "inverse", range(25))
    assert set(named) == {m.label for m in topics.get("bce", "inverse").misconceptions}


@settings(max_examples=100)
@given(st.sampled_from([0, 1]), st.floats(0.01, 8))
def test_any_positive_loss_is_met_by_the_found_logit(y: int, loss: float) -> None:
    params = INVERSE.parse({"given": "loss", "y": y, "value": loss})
    answer = INVERSE.solve(params).answer
    assert _forward([1], answer["z"], y)["loss"] == pytest.approx(loss, rel=1e-9)


def test_a_logit_worked_from_the_rounded_prediction_is_marked_right() -> None:
    for seed in range(200):
        params = INVERSE.generate(np.random.default_rng(seed), "easy")
        y_hat = round(INVERSE.solve(params).answer["y_hat"], 4)
        z = math.log(y_hat / (1 - y_hat))
        problem = Problem("bce", params, seed, "easy", "inverse")
        checks = check_typed(problem, [f"{y_hat:.4f}", f"{z:.4f}"])
        assert all(c.verdict and c.verdict.correct for c in checks), (params, z)


def test_a_logit_and_loss_from_a_wrong_prediction_get_follow_through() -> None:
    params = INVERSE.parse({"given": "dldz", "y": 1, "value": -0.2})  # y_hat = 0.8
    typed = ["0.7", f"{math.log(0.7 / 0.3):.4f}", f"{-math.log(0.7):.4f}"]
    checks = check_typed(Problem("bce", params, form="inverse"), typed)
    assert [c.verdict.correct for c in checks] == [False, True, True]
    assert all(c.verdict.follow_through for c in checks[1:])


def test_no_two_parts_of_an_inverse_show_the_same_number() -> None:
    assert_parts_show_different_numbers("bce", "inverse")
