"""The perceptron's inverse and what-if forms, checked by the forward solver: the inverse's
found target, learning rate or inputs make one forward update give the stated weights (and,
by brute force, nothing else on the grid does); the what-if's weights are the forward trace of
the changed set-up, built here from the record by hand."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from form_students import (
    assert_parts_show_different_numbers,
    assert_two_mistakes_are_told,
    drawn,
    named_mistakes,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen import topics
from quizgen.core.errors import ParamsError
from quizgen.core.exact import exact
from quizgen.core.latex import vec
from quizgen.core.model import DIFFICULTIES, Problem
from quizgen.practice.checking import check_typed

FORWARD = topics.get("perceptron")
INVERSE = topics.get("perceptron", "inverse")
LEVELS = {"bipolar": (-1, 1), "binary": (0, 1)}


def _one_update(record: dict, **known) -> dict:
    """The forward solver's one step on the record's set-up, the unknown filled from ``known``."""
    values = {k: record.get(k) for k in ("x", "t", "eta")} | known
    params = {
        "encoding": record["encoding"],
        "samples": [{"x": values["x"], "t": values["t"]}],
        "w": record["w"],
        "eta": values["eta"],
        "steps": 1,
    }
    return FORWARD.solve(FORWARD.parse(params)).answer["trace"][0]


def _exactly(weights) -> list:
    return [exact(v) for v in weights]


def _inverse_draws(difficulty: str, count: int = 200):
    for seed in range(count):
        params = INVERSE.generate(np.random.default_rng(seed), difficulty)
        yield params.to_record(), INVERSE.solve(params).answer


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_inverse_answers_give_back_the_stated_update_through_the_forward_solver(
    difficulty: str,
) -> None:
    for record, answer in _inverse_draws(difficulty):
        unknown = record["find"]
        step = _one_update(record, **{unknown: answer[unknown]})
        assert _exactly(step["w"]) == _exactly(record["w_new"])
        assert step["e"] == answer["e"]


def _fits(record: dict, **known) -> bool:
    """Does w <- w + eta (t - y_hat) x, the seed's rule written out here, give w_new?"""
    values = {k: record.get(k) for k in ("x", "t", "eta")} | known
    low, high = LEVELS[record["encoding"]]
    x = [1, *values["x"]]
    z = sum(exact(w) * exact(xi) for w, xi in zip(record["w"], x))
    e = exact(values["t"]) - (high if z >= 0 else low)
    after = [exact(w) + exact(values["eta"]) * e * exact(xi) for w, xi in zip(record["w"], x)]
    return after == _exactly(record["w_new"])


def test_only_the_found_target_gives_the_update() -> None:
    for record, answer in _inverse_draws("easy"):
        fitting = [t for t in LEVELS[record["encoding"]] if _fits(record, t=t)]
        assert fitting == [answer["t"]]


def test_only_the_found_learning_rate_gives_the_update() -> None:
    grid = [k / 20 for k in range(1, 101)]  # 0.05 to 5
    for record, answer in _inverse_draws("medium", 60):
        fitting = [eta for eta in grid if _fits(record, eta=eta)]
        assert fitting == [answer["eta"]]


def test_only_the_found_inputs_give_the_update() -> None:
    for record, answer in _inverse_draws("hard", 30):
        fitting = [
            list(x)
            for x in itertools.product(range(-2, 3), repeat=len(record["w"]) - 1)
            if _fits(record, x=list(x))
        ]
        assert fitting == [answer["x"]]


quarters = st.integers(-8, 8).map(lambda k: k / 4)


@settings(max_examples=100)
@given(st.sampled_from(["bipolar", "binary"]), st.data())
def test_any_single_update_is_read_back_whichever_quantity_is_unknown(encoding: str, data) -> None:
    n = data.draw(st.integers(1, 3))
    known = {
        "x": data.draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n)),
        "t": data.draw(st.sampled_from(LEVELS[encoding])),
        "eta": data.draw(st.sampled_from([0.1, 0.25, 0.5, 1, 2])),
    }
    w = data.draw(st.lists(quarters, min_size=n + 1, max_size=n + 1))
    step = _one_update({"encoding": encoding, "w": w}, **known)
    for find in ("t", "eta", "x"):
        if find != "t" and step["e"] == 0:
            continue  # no update: nothing to read eta or x from (such records are refused)
        stated = {k: v for k, v in known.items() if k != find}
        record = {"find": find, "encoding": encoding, "w": w, "w_new": step["w"], **stated}
        answer = INVERSE.solve(INVERSE.parse(record)).answer
        found = answer[find] if find == "x" else [answer[find]]
        assert _exactly(found) == _exactly(known[find] if find == "x" else [known[find]])


def test_each_difficulty_asks_for_its_own_unknown() -> None:
    finds = {
        d: {INVERSE.generate(np.random.default_rng(s), d).find for s in range(20)}
        for d in DIFFICULTIES
    }
    assert finds == {"easy": {"t"}, "medium": {"eta"}, "hard": {"x"}}


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"find": "t", "w": [0, 0, 0], "w_new": [1, 1, 1], "x": [1, 1], "eta": 1},
            "not one perceptron update",
        ),
        (
            {"find": "eta", "w": [0, 0, 0], "w_new": [0, 0, 0], "x": [1, 1], "t": 1},
            "no update",
        ),
        ({"find": "x", "w": [0, 0, 0], "w_new": [2, 2, 2], "x": [1, 1], "t": 1}, "needs t and eta"),
    ],
)
def test_an_inverse_record_with_no_answer_is_refused(record: dict, message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        INVERSE.parse(record)


def test_a_student_making_an_inverse_mistake_is_told_that_mistake() -> None:
    named = named_mistakes("perceptron", "inverse", range(25))
    assert set(named) == {m.label for m in topics.get("perceptron", "inverse").misconceptions}


WHATIF = topics.get("perceptron", "whatif")


def _forward_w(setup: dict) -> list:
    return _exactly(FORWARD.solve(FORWARD.parse(setup)).answer["w_final"])


def _changed_by_hand(record: dict) -> dict:
    """The changed set-up as a forward record, made here from the what-if's record."""
    setup = json.loads(json.dumps(record["setup"]))
    if record["change"] == "eta":
        setup["eta"] = record["eta"]
    elif record["change"] == "second_pass":
        setup["steps"] = 2 * len(setup["samples"])  # both passes, from the first start
    else:
        low, high = LEVELS[setup["encoding"]]
        sample = setup["samples"][record["sample"] - 1]
        sample["t"] = low if sample["t"] == high else high
        setup.pop("gate", None)
    return setup


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_whatif_weights_are_the_forward_trace_of_the_changed_set_up(difficulty: str) -> None:
    for seed in range(200):
        params = WHATIF.generate(np.random.default_rng(seed), difficulty)
        answer = WHATIF.solve(params).answer
        assert _exactly(answer["w_final"]) == _forward_w(_changed_by_hand(params.to_record()))


def test_from_zero_weights_a_new_learning_rate_only_scales_the_weights() -> None:
    for seed in range(100):
        params = WHATIF.generate(np.random.default_rng(seed), "easy")
        record = params.to_record()
        factor = exact(record["eta"]) / exact(record["setup"]["eta"])
        first = _forward_w(record["setup"])
        assert _exactly(WHATIF.solve(params).answer["w_final"]) == [factor * v for v in first]


def test_each_difficulty_asks_for_its_own_changes() -> None:
    changes = {
        d: {WHATIF.generate(np.random.default_rng(s), d).change for s in range(40)}
        for d in DIFFICULTIES
    }
    assert changes == {"easy": {"eta"}, "medium": {"eta", "second_pass"}, "hard": {"flip"}}


def test_a_whatif_stem_states_the_first_pass_and_the_change() -> None:
    params = WHATIF.generate(np.random.default_rng(3), "hard")
    text = WHATIF.stem(params).text
    first = FORWARD.solve(params.setup).answer["w_final"]
    assert f"After this pass its weights are $w = {vec(first)}$" in text
    assert f"Suppose instead sample {params.sample} had the target" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"change": "eta", "eta": 1}, "already 1"),
        ({"change": "eta"}, 'change "eta" needs eta'),
        ({"change": "flip", "sample": 5}, "sample must be 1 to 4"),
        ({"change": "second_pass", "sample": 2}, "sample is not used when change is"),
    ],
)
def test_a_whatif_record_that_changes_nothing_is_refused(change: dict, message: str) -> None:
    setup = WHATIF.generate(np.random.default_rng(0), "easy").to_record()["setup"]
    with pytest.raises(ParamsError, match=message):
        WHATIF.parse({"setup": setup, **change})


def test_a_whatif_set_up_of_more_than_one_pass_is_refused() -> None:
    setup = WHATIF.generate(np.random.default_rng(0), "easy").to_record()["setup"]
    with pytest.raises(ParamsError, match="one pass"):
        WHATIF.parse({"setup": {**setup, "steps": 6}, "change": "second_pass"})


def test_a_student_making_a_whatif_mistake_is_told_that_mistake() -> None:
    named = named_mistakes("perceptron", "whatif", range(25))
    assert set(named) == {m.label for m in topics.get("perceptron", "whatif").misconceptions}


def test_a_student_making_two_whatif_mistakes_at_once_is_told_both() -> None:
    assert_two_mistakes_are_told(drawn("perceptron", "whatif", range(10)))


def test_an_unknown_from_a_students_own_wrong_error_gets_follow_through() -> None:
    params = INVERSE.parse(
        {"find": "x", "w": [0, 0, 0], "w_new": [-1, 1, -1], "t": -1, "eta": 0.5}
    )  # e = -2, x = [-1, 1]
    checks = check_typed(Problem("perceptron", params, form="inverse"), ["-1", "[-2, 2]"])
    assert checks[0].verdict.misconception.label == "ignored the learning rate"
    assert checks[1].verdict.correct and checks[1].verdict.follow_through


def test_no_two_parts_of_an_inverse_show_the_same_number() -> None:
    assert_parts_show_different_numbers("perceptron", "inverse")
