"""Softmax's inverse and what-if forms, checked by the forward solver: an inverse answer put
back into softmax gives the stated probability; a what-if answer is softmax of the changed
logits. Each form's mistakes are named as themselves by the shared checker."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from form_students import drawn, named_mistakes
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen import topics
from quizgen.core.model import DIFFICULTIES

FORWARD = topics.get("softmax")
INVERSE = topics.get("softmax", "inverse")
WHATIF = topics.get("softmax", "whatif")
SEEDS = range(150)


def forward_probs(z: list[float]) -> list[float]:
    return FORWARD.solve(FORWARD.parse({"z": z})).answer["probs"]


def filled(z, value: float) -> list[float]:
    return [value if v is None else v for v in z]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_inverse_answer_gives_back_the_stated_probabilities_through_softmax(difficulty):
    for seed in SEEDS:
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        answer = INVERSE.solve(p).answer
        if p.asked == "logit":
            k = p.z.index(None)
            assert forward_probs(filled(p.z, answer["z"]))[k] == pytest.approx(p.prob, abs=1e-12)
        else:
            shift = float(np.random.default_rng(seed).uniform(-5, 5))
            logits = [math.log(v) + shift for v in p.probs]  # one pre-image of the outputs
            assert forward_probs(logits) == pytest.approx(list(p.probs), abs=1e-12)
            i, j = p.pair
            assert logits[i] - logits[j] == pytest.approx(answer["gap"], abs=1e-12)


def test_the_unknown_logit_is_unique_because_its_probability_rises_strictly_with_it():
    for seed in range(10):
        p = INVERSE.generate(np.random.default_rng(seed), "hard")
        k, z = p.z.index(None), INVERSE.solve(p).answer["z"]
        below = [forward_probs(filled(p.z, z - step))[k] for step in (8, 4, 2, 1, 0.5, 0.01)]
        above = [forward_probs(filled(p.z, z + step))[k] for step in (0.01, 0.5, 1, 2, 4, 8)]
        rising = [*below, forward_probs(filled(p.z, z))[k], *above]
        assert all(b > a for a, b in itertools.pairwise(rising))  # so p is met at z alone


def test_the_gap_is_unique_because_the_ratio_of_two_probabilities_rises_strictly_with_it():
    p = INVERSE.generate(np.random.default_rng(0), "medium")
    i, j = p.pair
    gap = INVERSE.solve(p).answer["gap"]
    ratios = []
    for candidate in np.linspace(gap - 3, gap + 3, 61):
        z = [0.0] * len(p.probs)
        z[i] = float(candidate)
        probs = forward_probs(z)
        ratios.append(probs[i] / probs[j])
    assert all(b > a for a, b in itertools.pairwise(ratios))


def test_the_inverse_asks_the_logit_at_easy_and_hard_and_the_gap_at_medium():
    kinds = {(p.difficulty, p.params.asked) for p in drawn("softmax", "inverse", range(20))}
    assert kinds == {("easy", "logit"), ("medium", "gap"), ("hard", "logit")}


def test_the_inverse_draws_are_exam_friendly():
    for problem in drawn("softmax", "inverse", range(60)):
        p = problem.params
        if p.asked == "gap":
            assert all(round(v * 20, 9) == round(v * 20) for v in p.probs)
            assert sum(p.probs) == pytest.approx(1)
        else:
            assert round(p.prob * 20, 9) == round(p.prob * 20)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_whatif_answer_is_softmax_of_the_changed_logits(difficulty):
    for seed in SEEDS:
        p = WHATIF.generate(np.random.default_rng(seed), difficulty)
        answer = WHATIF.solve(p).answer
        z = list(p.z)
        if p.change == "shift":
            changed = [v + p.by for v in z]
        elif p.change == "scale":
            changed = [v * p.by for v in z]
        else:
            changed = [v + math.log(2) if k == p.by else v for k, v in enumerate(z)]
        assert answer["probs"] == pytest.approx(forward_probs(changed), abs=1e-12)
        assert answer["before"] == pytest.approx(forward_probs(z), abs=1e-12)


def test_a_shift_of_every_logit_leaves_the_probabilities_as_they_were():
    for problem in drawn("softmax", "whatif", range(60)):
        p = problem.params
        if p.change == "shift":
            assert WHATIF.solve(p).answer["probs"] == pytest.approx(forward_probs(list(p.z)))


def test_raising_one_logit_by_ln_2_doubles_its_exponential():
    p = WHATIF.parse({"z": [1, 0, -1], "change": "up", "by": 1})
    before, after = (WHATIF.solve(p).answer[k] for k in ("before", "probs"))
    assert after[1] == pytest.approx(2 * before[1] / (1 + before[1]))
    assert after[0] / after[2] == pytest.approx(before[0] / before[2])


def test_every_change_is_asked_at_every_difficulty():
    kinds = {(p.difficulty, p.params.change) for p in drawn("softmax", "whatif", range(30))}
    assert kinds == {(d, c) for d in DIFFICULTIES for c in ("shift", "up", "scale")}


@pytest.mark.parametrize("form", ["inverse", "whatif"])
def test_a_student_making_each_mistake_of_a_form_is_told_that_mistake(form):
    named = named_mistakes("softmax", form, range(25))
    assert set(named) == {m.label for m in topics.get("softmax", form).misconceptions}


def test_a_student_following_through_from_wrong_first_probabilities_is_not_marked_down():
    p = WHATIF.parse({"z": [1, 0, -1], "change": "scale", "by": 2})
    own = [0.6, 0.3, 0.1]
    assert WHATIF.follow(p, {"before": own})["probs"] == pytest.approx(
        [v**2 / sum(w**2 for w in own) for v in own]
    )


@settings(max_examples=60)
@given(
    known=st.lists(st.integers(-40, 40).map(lambda v: v / 10), min_size=1, max_size=4),
    where=st.integers(0, 4),
    prob=st.integers(1, 99).map(lambda v: v / 100),
)
def test_any_logit_question_is_answered_with_a_logit_that_gives_its_probability(known, where, prob):
    z = list(known)
    z.insert(min(where, len(z)), None)
    p = INVERSE.parse({"asked": "logit", "z": z, "prob": prob})
    answer = INVERSE.solve(p).answer["z"]
    assert forward_probs(filled(z, answer))[z.index(None)] == pytest.approx(prob, abs=1e-12)
