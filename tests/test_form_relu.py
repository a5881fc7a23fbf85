"""ReLU's inverse form, checked by the forward solver: pre-activations with the answer's signs
give back the stated delta; the answer's bias switches on enough units and one less does not.
Uniqueness by brute force: every mask of the layer, every whole bias in [-20, 20]."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from form_students import assert_parts_show_different_numbers, named_mistakes
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen import topics
from quizgen.core.errors import ParamsError
from quizgen.core.model import DIFFICULTIES, Problem
from quizgen.practice.checking import check_typed

FORWARD = topics.get("relu")
INVERSE = topics.get("relu", "inverse")
BIASES = range(-20, 21)


def _forward(z: list, upstream) -> dict:
    return dict(FORWARD.solve(FORWARD.parse({"z": z, "upstream": list(upstream)})).answer)


def _signs(mask, inactive: float) -> list:
    """Pre-activations with these signs: 2 where active, ``inactive`` (0 or below) elsewhere."""
    return [2 if m else inactive for m in mask]


def _draws(difficulty: str, count: int = 200):
    for seed in range(count):
        params = INVERSE.generate(np.random.default_rng(seed), difficulty)
        yield params, INVERSE.solve(params).answer


@pytest.mark.parametrize("inactive", [0, -1.5])
def test_a_found_mask_gives_back_the_stated_delta_through_the_forward_solver(
    inactive: float,
) -> None:
    for params, answer in _draws("easy"):
        there = _forward(_signs(answer["drelu"], inactive), params.upstream)
        assert there["drelu"] == answer["drelu"]
        assert there["delta"] == list(params.delta)


def test_no_other_mask_gives_the_stated_delta() -> None:
    for params, answer in _draws("easy", 100):
        fitting = [
            list(mask)
            for mask in itertools.product([0, 1], repeat=len(params.upstream))
            if _forward(_signs(mask, -1), params.upstream)["delta"] == list(params.delta)
        ]
        assert fitting == [answer["drelu"]]


def _active(params, b: int) -> int:
    return sum(_forward([a + b for a in params.a], params.upstream)["drelu"])


@pytest.mark.parametrize("difficulty", ["medium", "hard"])
def test_a_found_bias_switches_on_enough_units_and_one_less_does_not(difficulty: str) -> None:
    for params, answer in _draws(difficulty):
        b = answer["b"]
        assert _active(params, b) >= params.active > _active(params, b - 1)
        there = _forward([a + b for a in params.a], params.upstream)
        assert answer["delta"] == there["delta"]


@pytest.mark.parametrize("difficulty", ["medium", "hard"])
def test_the_found_bias_is_the_smallest_whole_one_by_brute_force(difficulty: str) -> None:
    for params, answer in _draws(difficulty, 100):
        enough = [b for b in BIASES if _active(params, b) >= params.active]
        assert enough[0] == answer["b"]
        assert enough == list(range(answer["b"], BIASES.stop))  # more bias never switches off


def test_each_difficulty_asks_its_own_question() -> None:
    finds = {
        d: {INVERSE.generate(np.random.default_rng(s), d).find for s in range(20)}
        for d in DIFFICULTIES
    }
    assert finds == {"easy": {"mask"}, "medium": {"bias"}, "hard": {"bias"}}


def test_a_whole_threshold_needs_one_more_because_relu_prime_of_zero_is_zero() -> None:
    params = INVERSE.parse({"find": "bias", "a": [-2, 1], "upstream": [1, 1], "active": 2})
    assert INVERSE.solve(params).answer == {"b": 3, "delta": [1, 1]}


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"find": "mask", "upstream": [1, 0], "delta": [1, 0]}, "no entry 0"),
        ({"find": "mask", "upstream": [1, 2], "delta": [1, 1]}, r"delta\[1\] must be 0 or"),
        ({"find": "bias", "upstream": [1, 2], "a": [1, 2], "active": 3}, "at most the 2"),
        ({"find": "bias", "upstream": [1, 2], "delta": [1, 0]}, "delta is not used"),
    ],
)
def test_an_inverse_record_with_no_answer_is_refused(record: dict, message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        INVERSE.parse(record)


def test_a_student_making_an_inverse_mistake_is_told_that_mistake() -> None:
    named = named_mistakes("relu", "inverse", range(25))
    assert set(named) == {m.label for m in topics.get("relu", "inverse").misconceptions}


halves = st.integers(-10, 10).map(lambda k: k / 2)


@settings(max_examples=100)
@given(st.lists(halves, min_size=1, max_size=6), st.data())
def test_any_layer_gets_the_smallest_whole_bias_that_switches_on_k_units(a, data) -> None:
    active = data.draw(st.integers(1, len(a)))
    upstream = data.draw(st.lists(halves.filter(bool), min_size=len(a), max_size=len(a)))
    record = {"find": "bias", "a": a, "upstream": upstream, "active": active}
    params = INVERSE.parse(record)
    b = INVERSE.solve(params).answer["b"]
    assert _active(params, b) >= active > _active(params, b - 1)


def test_delta_at_a_students_own_wrong_bias_gets_follow_through() -> None:
    params = INVERSE.parse({"find": "bias", "a": [-2, 1], "upstream": [3, 4], "active": 2})
    checks = check_typed(Problem("relu", params, form="inverse"), ["2", "[0, 4]"])  # b = 3
    assert not checks[0].verdict.correct
    assert checks[0].verdict.misconception.label == "took ReLU'(0) as 1"
    assert checks[1].verdict.correct and checks[1].verdict.follow_through


def test_no_two_parts_of_an_inverse_show_the_same_number() -> None:
    assert_parts_show_different_numbers("relu", "inverse")
