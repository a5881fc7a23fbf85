"""Simulated students: one who makes a named mistake is told that mistake, part by part, on
generated problems of every topic and difficulty; one who makes a random slip is never given a
wrong name. The answers go through ``quizgen check``'s own judging (grading.check_typed), as
typed text at the paper's precision, the way a student would write them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from form_students import assert_two_mistakes_are_told, typed

from quizgen.core.grading import distinct_misconceptions
from quizgen.exam.problems import make_problem
from quizgen.practice.checking import check_typed
from quizgen.topics import registry

DIFFICULTIES = ("easy", "medium", "hard")
SEEDS = range(40)


@pytest.mark.parametrize("name", list(registry()))
def test_a_student_who_makes_a_named_mistake_is_told_that_mistake(name):
    topic = registry()[name]
    named = asked = 0
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            problem = make_problem(name, seed, difficulty)
            solution = topic.solve(problem.params)
            offered = distinct_misconceptions(topic.misconceptions, problem.params, solution)
            for mistake, answer in offered:
                checks = check_typed(problem, typed(answer, solution.parts))
                wrong = [c for c in checks if c.verdict and not c.verdict.correct]
                if not wrong:
                    continue  # the mistake changes nothing at the printed precision
                asked += 1
                names = {c.verdict.misconception for c in wrong} - {None}
                assert names <= {mistake}, (name, seed, mistake.label, names)
                named += mistake in names
    assert asked and named / asked >= 0.95, (name, named, asked)


def slip(value, rng: np.random.Generator):
    """A random slip: one entry off by an amount no method explains."""
    if isinstance(value, list):
        copy = json.loads(json.dumps(value))
        flat = copy
        while isinstance(flat, list) and flat and isinstance(flat[0], list):
            flat = flat[int(rng.integers(len(flat)))]
        index = int(rng.integers(len(flat)))
        flat[index] = slip(flat[index], rng)
        return copy
    return value + float(rng.choice([-1, 1])) * (7.31 + abs(value) * 0.173)


@pytest.mark.parametrize("name", list(registry()))
def test_a_random_slip_is_never_given_a_name(name):
    topic = registry()[name]
    rng = np.random.default_rng(2026)
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            problem = make_problem(name, seed, difficulty)
            solution = topic.solve(problem.params)
            part = solution.parts[int(rng.integers(len(solution.parts)))]
            answer = dict(solution.answer)
            answer[part.key] = slip(answer[part.key], rng)
            for check in check_typed(problem, typed(answer, solution.parts)):
                if check.verdict is not None:
                    assert check.verdict.misconception is None, (name, seed, part.key)


COMBINING = [name for name, topic in registry().items() if hasattr(topic.module, "solve_with")]


@pytest.mark.parametrize("name", COMBINING)
def test_a_student_who_makes_two_mistakes_at_once_is_told_both(name):
    assert_two_mistakes_are_told(
        make_problem(name, seed, difficulty) for difficulty in DIFFICULTIES for seed in range(20)
    )


def test_most_topics_combine_their_mistakes():
    assert len(COMBINING) >= 6
