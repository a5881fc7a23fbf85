"""Categorical cross-entropy's inverse form, checked by the forward solver: logits that give
the answered probability have the stated loss; the answered class and probabilities give the
stated gradient; the answered logit gives the stated loss. The form's mistakes are named as
themselves by the shared checker."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from form_students import drawn, named_mistakes

from quizgen import topics
from quizgen.core.model import DIFFICULTIES

FORWARD = topics.get("cce")
INVERSE = topics.get("cce", "inverse")
SEEDS = range(150)


def forward(z, target: int) -> dict:
    return FORWARD.solve(FORWARD.parse({"z": list(z), "target": target})).answer


def logits_giving(prob: float) -> list[float]:
    """Two-class logits whose first class gets ``prob`` (one pre-image, for the forward solver)."""
    return [math.log(prob / (1 - prob)), 0.0]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_inverse_answer_gives_back_the_stated_loss_or_gradient_through_the_forward_solver(
    difficulty,
):
    for seed in SEEDS:
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        answer = INVERSE.solve(p).answer
        if p.asked == "prob":
            assert forward(logits_giving(answer["prob"]), 0)["loss"] == pytest.approx(p.loss)
        elif p.asked == "class":
            probs = answer["probs"]
            there = forward([math.log(v) for v in probs], answer["true_class"] - 1)
            assert there["probs"] == pytest.approx(probs, abs=1e-12)
            assert there["grad"] == pytest.approx(list(p.grad), abs=1e-12)
        else:
            c = p.z.index(None)
            z = [answer["z"] if v is None else v for v in p.z]
            there = forward(z, c)
            assert there["loss"] == pytest.approx(p.loss, abs=1e-12)
            assert there["probs"][c] == pytest.approx(answer["prob"], abs=1e-12)


def test_the_inverse_asks_a_probability_a_class_and_a_logit_by_difficulty():
    kinds = {(p.difficulty, p.params.asked) for p in drawn("cce", "inverse", range(20))}
    assert kinds == {("easy", "prob"), ("medium", "class"), ("hard", "logit")}


def test_the_probability_is_unique_because_the_loss_falls_strictly_as_it_rises():
    for seed in range(20):
        p = INVERSE.generate(np.random.default_rng(seed), "easy")
        prob = INVERSE.solve(p).answer["prob"]
        grid = [prob * f for f in (0.5, 0.9, 0.99, 1)] + [
            prob + (1 - prob) * f for f in (0.01, 0.5)
        ]
        losses = [forward(logits_giving(v), 0)["loss"] for v in grid]
        assert all(b < a for a, b in itertools.pairwise(losses))


def test_a_brute_force_search_of_every_class_finds_only_the_answered_one():
    """Every class tried as the true one, with the probabilities the gradient then implies: only
    the answered class gives probabilities (all in (0, 1)) that reproduce the gradient."""
    for problem in drawn("cce", "inverse", range(40)):
        p = problem.params
        if p.asked != "class":
            continue
        fits = []
        for c in range(len(p.grad)):
            probs = [g + (k == c) for k, g in enumerate(p.grad)]
            if all(0 < v < 1 for v in probs):
                there = forward([math.log(v) for v in probs], c)
                fits += [c + 1] if there["grad"] == pytest.approx(list(p.grad)) else []
        assert fits == [INVERSE.solve(p).answer["true_class"]]


def test_the_stated_losses_and_gradients_are_on_a_grid():
    for problem in drawn("cce", "inverse", range(40)):
        p = problem.params
        values = list(p.grad) if p.asked == "class" else [p.loss]
        step = 0.05 if p.asked == "class" else 0.1
        assert all(abs(v / step - round(v / step)) < 1e-9 for v in values)


def test_a_gradient_with_two_entries_below_zero_is_refused():
    with pytest.raises(topics.QuizgenError, match="one entry below 0"):
        INVERSE.parse({"asked": "class", "grad": [-0.5, -0.5, 1]})


def test_a_student_making_each_mistake_of_the_inverse_is_told_that_mistake():
    named = named_mistakes("cce", "inverse", range(25))
    assert set(named) == {m.label for m in INVERSE.misconceptions}
