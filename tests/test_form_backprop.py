"""Backprop's inverse form, checked by the forward solver: each answer is put into a full
two-layer network (quizgen.topics.backprop) built to have the stated errors, and the forward
and backward pass give back the stated dW1, W2 entry after a step, or delta1. The form's
mistakes are named as themselves by the shared checker."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from form_students import drawn, named_mistakes

from quizgen import topics
from quizgen.core.model import DIFFICULTIES

FORWARD = topics.get("backprop")
INVERSE = topics.get("backprop", "inverse")
SEEDS = range(150)


def network(x, W1, b1, W2, y_hat, target: int) -> dict:
    """The forward solver's pass through a ReLU / softmax network whose output is ``y_hat``
    (b2 chosen for it), with true class ``target``."""
    h1 = np.maximum(np.array(x, float) @ np.array(W1, float) + np.array(b1, float), 0)
    b2 = np.log(np.array(y_hat, float)) - h1 @ np.array(W2, float)
    params = {
        "x": list(x),
        "W1": np.array(W1, float).tolist(),
        "b1": list(b1),
        "W2": np.array(W2, float).tolist(),
        "b2": b2.tolist(),
        "hidden": "relu",
        "output": "softmax",
        "y": [int(k == target) for k in range(len(y_hat))],
    }
    return FORWARD.solve(FORWARD.parse(params)).answer


def input_network(x, delta1) -> dict:
    """A network with input ``x`` whose backward pass gives ``delta1``: every hidden unit at
    z1 = 1, two classes at y_hat = [1/2, 1/2], W2 = delta1^T delta2 / |delta2|^2."""
    delta2 = np.array([-0.5, 0.5])
    W2 = np.outer(delta1, delta2) / (delta2 @ delta2)
    return network(x, np.zeros((len(x), len(delta1))), [1.0] * len(delta1), W2, [0.5, 0.5], 0)


def target_network(p, true_class: int) -> dict:
    """A one-input network with z1 as stated (W1 = z1, b1 = 0) and output y_hat."""
    return network([1], [list(p.z1)], [0] * len(p.z1), p.W2, p.y_hat, true_class - 1)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_inverse_answer_gives_back_the_stated_numbers_through_the_forward_solver(difficulty):
    for seed in SEEDS:
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        answer = INVERSE.solve(p).answer
        if p.asked == "input":
            there = input_network(answer["x"], p.delta1)
            assert there["delta1"] == pytest.approx(list(p.delta1), abs=1e-12)
            assert np.allclose(there["dW1"], p.dW1, rtol=0, atol=1e-12)
        elif p.asked == "eta":
            c = int(np.argmin(p.delta2))
            y_hat = [d + (k == c) for k, d in enumerate(p.delta2)]
            there = network(p.x, p.W1, p.b1, p.W2, y_hat, c)
            assert there["h1"] == answer["h1"]
            assert there["delta2"] == pytest.approx(list(p.delta2), abs=1e-12)
            j, k = p.index
            stepped = p.W2[j][k] - answer["eta"] * there["dW2"][j][k]
            assert stepped == pytest.approx(p.value, abs=1e-12)
        else:
            there = target_network(p, answer["true_class"])
            assert there["delta1"] == pytest.approx(list(p.delta1), abs=1e-12)
            assert there["delta2"] == pytest.approx(answer["delta2"], abs=1e-12)


def test_the_inverse_asks_the_input_the_learning_rate_and_the_class_by_difficulty():
    kinds = {(p.difficulty, p.params.asked) for p in drawn("backprop", "inverse", range(20))}
    assert kinds == {("easy", "input"), ("medium", "eta"), ("hard", "target")}


def test_a_brute_force_search_of_every_class_finds_only_the_answered_one():
    for problem in drawn("backprop", "inverse", range(40)):
        p = problem.params
        if p.asked == "target":
            fits = [
                c
                for c in range(1, len(p.y_hat) + 1)
                if np.allclose(target_network(p, c)["delta1"], p.delta1, atol=1e-9)
            ]
            assert fits == [INVERSE.solve(p).answer["true_class"]]


def test_a_brute_force_search_of_whole_inputs_finds_only_the_answered_one():
    for problem in drawn("backprop", "inverse", range(8)):
        p = problem.params
        if p.asked == "input":
            fits = [
                list(x)
                for x in itertools.product(range(-4, 5), repeat=len(p.dW1))
                if np.allclose(np.outer(x, p.delta1), p.dW1, atol=1e-9)
            ]
            assert fits == [INVERSE.solve(p).answer["x"]]


def test_the_learning_rate_is_unique_because_the_stepped_weight_moves_linearly_with_it():
    for problem in drawn("backprop", "inverse", range(20)):
        p = problem.params
        if p.asked == "eta":
            eta = INVERSE.solve(p).answer["eta"]
            c = int(np.argmin(p.delta2))
            y_hat = [d + (k == c) for k, d in enumerate(p.delta2)]
            j, k = p.index
            gradient = network(p.x, p.W1, p.b1, p.W2, y_hat, c)["dW2"][j][k]
            stepped = [p.W2[j][k] - eta * f * gradient for f in (0.5, 1, 1.5, 2)]
            assert np.diff(stepped) == pytest.approx([np.diff(stepped)[0]] * 3)
            assert abs(np.diff(stepped)[0]) > 1e-9


def test_every_stated_number_is_exact_on_a_grid():
    for problem in drawn("backprop", "inverse", range(40)):
        record = problem.params.to_record()
        numbers = [v for k, v in record.items() if k not in ("asked", "index")]
        flat = np.hstack([np.ravel(v) for v in numbers])
        assert all(abs(v * 1e6 - round(v * 1e6)) < 1e-6 for v in flat), record
        assert all(math.isfinite(v) for v in flat)


def test_a_dw1_that_is_not_an_outer_product_is_refused():
    with pytest.raises(topics.QuizgenError, match="not x\\^T delta1"):
        INVERSE.parse({"asked": "input", "delta1": [0.5, 1], "dW1": [[1, 1], [2, 4]]})


def test_a_student_making_each_mistake_of_the_inverse_is_told_that_mistake():
    named = named_mistakes("backprop", "inverse", range(25))
    assert set(named) == {m.label for m in INVERSE.misconceptions}


def test_the_learning_rate_follows_through_from_the_students_own_hidden_outputs():
    p = next(q.params for q in drawn("backprop", "inverse", range(5)) if q.params.asked == "eta")
    j, k = p.index
    own = [2.0 * v + 1 for v in INVERSE.solve(p).answer["h1"]]
    moved = p.W2[j][k] - p.value
    assert INVERSE.follow(p, {"h1": own})["eta"] == pytest.approx(moved / (own[j] * p.delta2[k]))
