"""Solvers stay finite and accurate far from exam-friendly numbers."""

from __future__ import annotations

import math
import warnings

import pytest

from quizgen.topics import get


def solve(topic: str, params: dict):
    t = get(topic)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning fails the test
        return t.solve(t.parse(params)).answer


def test_sigmoid_of_minus_800_is_zero_without_overflow():
    assert solve("sigmoid", {"z": -800}) == {"sigma": 0.0, "dsigma": 0.0}


def test_sigmoid_derivative_keeps_relative_precision_in_the_tail():
    assert math.isclose(solve("sigmoid", {"z": 30})["dsigma"], math.exp(-30), rel_tol=1e-9)


def test_softmax_of_huge_logits_is_finite():
    answer = solve("softmax", {"z": [1000, 0, -1000]})
    assert answer["probs"] == [1.0, 0.0, 0.0]
    assert all(math.isfinite(v) for row in answer["jacobian"] for v in row)


def test_bce_loss_at_z_800_with_label_0_is_800():
    answer = solve("bce", {"x": [1, 1], "w": [0, 800], "y": 0})
    assert answer["loss"] == 800.0
    assert answer["grad"] == [1.0, 1.0]


def test_bce_loss_for_a_confident_right_answer_is_tiny_not_zero():
    assert 0 < solve("bce", {"x": [1], "w": [40], "y": 1})["loss"] < 1e-17


@pytest.mark.parametrize(("target", "loss"), [(0, 0.0), (1, 1000.0), (2, 2000.0)])
def test_cce_loss_of_logits_plus_minus_1000_is_exact(target, loss):
    assert solve("cce", {"z": [1000, 0, -1000], "target": target})["loss"] == loss


def test_backprop_with_huge_output_logits_is_finite():
    answer = solve(
        "backprop",
        {
            "x": [100, 100],
            "W1": [[1, 1], [1, 1]],
            "b1": [0, 0],
            "W2": [[5, -5], [5, -5]],
            "b2": [0, 0],
            "hidden": "relu",
            "output": "softmax",
            "y": [0, 1],
        },
    )
    assert answer["loss"] == 4000.0
    assert all(math.isfinite(v) for row in answer["dW1"] for v in row)


def test_perceptron_decides_z_equal_zero_exactly_with_decimal_weights():
    # 0.1 + 0.2 - 0.3 is not 0 in floats, but it is exactly 0 here: sign(0) = +1, no update
    answer = solve(
        "perceptron",
        {"w": [0.3, -0.1, -0.2], "eta": 0.1, "steps": 1, "samples": [{"x": [1, 1], "t": 1}]},
    )
    assert answer["trace"][0]["z"] == 0
    assert answer["trace"][0]["y_hat"] == 1
    assert answer["w_final"] == [0.3, -0.1, -0.2]
