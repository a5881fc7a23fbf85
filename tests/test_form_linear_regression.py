"""Linear regression's inverse and what-if forms, checked by the forward solver: an inverse
answer put into the forward problem gives the stated prediction, weight or gradient entry back;
a what-if answer is the forward solver's on the changed set-up. Each form's mistakes are named
as themselves by the shared checker."""

from __future__ import annotations

import numpy as np
import pytest
from form_students import drawn, named_mistakes
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen import topics
from quizgen.core.model import DIFFICULTIES

FORWARD = topics.get("linear_regression")
INVERSE = topics.get("linear_regression", "inverse")
WHATIF = topics.get("linear_regression", "whatif")
SEEDS = range(150)


def forward(X, y, w, eta=0.1) -> dict:
    return FORWARD.solve(FORWARD.parse({"X": X, "y": y, "w": w, "eta": eta})).answer


def filled(values, value):
    return [value if v is None else v for v in values]


def stated(p, answer: float) -> float:
    """What the inverse question states, recomputed by the forward solver from the answer."""
    if p.asked == "input":
        return forward([filled(p.X[0], answer)], [0], p.w)["y_hat"][0]
    if p.asked == "eta":
        return forward(p.X, p.y, p.w, eta=answer)["w_new"][p.index]
    return forward(p.X, filled(p.y, answer), p.w)["grad"][p.index]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_inverse_answer_gives_back_the_stated_value_through_the_forward_solver(difficulty):
    for seed in SEEDS:
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        (answer,) = INVERSE.solve(p).answer.values()
        assert stated(p, answer) == pytest.approx(p.value, abs=1e-9), (seed, p)


def test_the_inverse_asks_an_input_at_easy_a_learning_rate_at_medium_and_a_target_at_hard():
    kinds = {
        (p.difficulty, p.params.asked) for p in drawn("linear_regression", "inverse", range(20))
    }
    assert kinds == {("easy", "input"), ("medium", "eta"), ("hard", "target")}


def test_every_inverse_answer_is_on_a_grid_a_student_can_reach_by_hand():
    for problem in drawn("linear_regression", "inverse", range(60)):
        (answer,) = INVERSE.solve(problem.params).answer.values()
        if problem.params.asked == "eta":
            assert round(answer, 9) in (0.05, 0.1, 0.2, 0.25, 0.5)
        else:
            assert answer == pytest.approx(round(answer), abs=1e-9)  # a whole number


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_inverse_answer_is_unique_because_the_stated_value_moves_linearly_with_it(difficulty):
    """The stated value is affine in the unknown with a non-zero slope: one root only. Checked
    on the forward solver: equal steps of the unknown move it by equal, non-zero amounts."""
    for seed in range(30):
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        (answer,) = INVERSE.solve(p).answer.values()
        step = answer / 2 if p.asked == "eta" else 1  # learning rates stay positive
        at = [stated(p, answer + t * step) for t in (-1, 0, 1, 2, 3)]
        moves = np.diff(at)
        assert abs(moves[0]) > 1e-9
        assert moves == pytest.approx([moves[0]] * 4)
        assert [abs(v - p.value) < 1e-9 for v in at] == [False, True, False, False, False]


def test_a_brute_force_search_of_whole_targets_finds_only_the_answer():
    for seed in range(8):
        p = INVERSE.generate(np.random.default_rng(seed), "hard")
        fits = [t for t in range(-30, 31) if abs(stated(p, t) - p.value) < 1e-9]
        assert fits == [round(INVERSE.solve(p).answer["y"])]


def test_a_target_the_stated_gradient_entry_does_not_depend_on_is_refused():
    raw = {"asked": "target", "X": [[1, 0], [1, 2]], "w": [0, 1], "y": [None, 1]}
    with pytest.raises(topics.QuizgenError, match="does not depend on the unknown target"):
        INVERSE.parse({**raw, "index": 1, "value": 0.5})


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_whatif_answer_is_the_forward_solvers_on_the_changed_set_up(difficulty):
    for seed in SEEDS:
        p = WHATIF.generate(np.random.default_rng(seed), difficulty)
        answer = WHATIF.solve(p).answer
        if p.change == "duplicated":
            there = forward([*p.X, p.X[p.sample]], [*p.y, p.y[p.sample]], p.w, p.eta)
            assert answer["cost"] == pytest.approx(there["cost"], abs=1e-12)
            assert answer["grad"] == pytest.approx(there["grad"], abs=1e-12)
        elif p.change == "eta_doubled":
            w_new = forward(p.X, p.y, p.w, 2 * p.eta)["w_new"]
            assert answer["w_new"] == pytest.approx(w_new, abs=1e-12)
            assert answer["cost_after"] == pytest.approx(forward(p.X, p.y, w_new)["cost"])
        else:
            w_new = forward(p.X, p.y, p.w, p.eta)["w_new"]
            assert answer["w_new"] == pytest.approx(w_new, abs=1e-12)
            w_second = forward(p.X, p.y, w_new, p.eta)["w_new"]
            assert answer["w_second"] == pytest.approx(w_second, abs=1e-12)


def test_doubling_the_learning_rate_doubles_the_step():
    for problem in drawn("linear_regression", "whatif", range(40)):
        p = problem.params
        if p.change == "eta_doubled":
            step = np.subtract(WHATIF.solve(p).answer["w_new"], p.w)
            once = np.subtract(forward(p.X, p.y, p.w, p.eta)["w_new"], p.w)
            assert step == pytest.approx(2 * once)


def test_every_change_is_asked_at_every_difficulty():
    kinds = {
        (p.difficulty, p.params.change) for p in drawn("linear_regression", "whatif", range(30))
    }
    changes = ("second_step", "eta_doubled", "duplicated")
    assert kinds == {(d, c) for d in DIFFICULTIES for c in changes}


def test_the_second_step_follows_through_from_the_students_own_first_step():
    p = WHATIF.parse(
        {"X": [[1, 1], [1, 3]], "y": [2, 4], "w": [0, 1], "eta": 0.1, "change": "second_step"}
    )
    own = [0.5, 0.5]
    assert WHATIF.follow(p, {"w_new": own})["w_second"] == pytest.approx(
        forward(p.X, p.y, own, p.eta)["w_new"]
    )


@pytest.mark.parametrize("form", ["inverse", "whatif"])
def test_a_student_making_each_mistake_of_a_form_is_told_that_mistake(form):
    named = named_mistakes("linear_regression", form, range(25))
    assert set(named) == {m.label for m in topics.get("linear_regression", form).misconceptions}


@settings(max_examples=60)
@given(
    features=st.lists(st.integers(-3, 3), min_size=3, max_size=3),
    targets=st.lists(st.integers(-4, 4), min_size=3, max_size=3),
    w=st.lists(st.integers(-4, 4).map(lambda v: v / 2), min_size=2, max_size=2),
    k=st.integers(0, 2),
    value=st.integers(-20, 20).map(lambda v: v / 4),
)
def test_any_target_question_is_answered_with_a_target_that_gives_its_gradient_entry(
    features, targets, w, k, value
):
    X = [[1, f] for f in features]
    y = [None if i == k else t for i, t in enumerate(targets)]
    p = INVERSE.parse({"asked": "target", "X": X, "w": w, "y": y, "index": 0, "value": value})
    assert stated(p, INVERSE.solve(p).answer["y"]) == pytest.approx(value, abs=1e-9)
