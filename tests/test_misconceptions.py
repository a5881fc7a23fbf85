"""Misconceptions are real alternatives: each differs from the right answer on generated problems,
and the ones that coincide with it on a problem are dropped for that problem."""

from __future__ import annotations

import pytest

from quizgen.core.grading import agrees, distinct_misconceptions, same_answer
from quizgen.core.model import DIFFICULTIES
from quizgen.exam.problems import make_problem, solve
from quizgen.topics import registry

CASES = [(topic.name, m.label) for topic in registry().values() for m in topic.misconceptions]
SEEDS = range(60)


def test_every_topic_has_at_least_three_misconceptions():
    assert all(len(t.misconceptions) >= 3 for t in registry().values())


@pytest.mark.parametrize(("topic", "label"), CASES)
def test_misconception_differs_from_the_right_answer_on_generated_problems(topic, label):
    misconception = next(m for m in registry()[topic].misconceptions if m.label == label)
    differs = total = 0
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            problem = make_problem(topic, seed, difficulty)
            solution = solve(problem)
            answer = misconception.solve(problem.params)
            total += 1
            if answer is not None and not same_answer(solution.parts, answer, solution.answer):
                differs += 1
    # a misconception that rarely shows on generated problems would be dead weight
    assert differs / total >= 0.2, f"{topic}: '{label}' differs on only {differs}/{total}"


@pytest.mark.parametrize("topic", list(registry()))
def test_offered_misconceptions_never_match_the_right_answer_or_each_other(topic):
    t = registry()[topic]
    for seed in SEEDS:
        problem = make_problem(topic, seed, "medium")
        solution = solve(problem)
        offered = distinct_misconceptions(t.misconceptions, problem.params, solution)
        for i, (_, answer) in enumerate(offered):
            assert not same_answer(solution.parts, answer, solution.answer)
            for _, other in offered[:i]:
                assert not same_answer(solution.parts, answer, other)


@pytest.mark.parametrize("topic", list(registry()))
def test_misconceptions_have_a_label_and_one_sentence(topic):
    for m in registry()[topic].misconceptions:
        assert m.label and m.label == m.label.strip() and not m.label.endswith(".")
        assert m.explanation.endswith(".") and len(m.explanation) < 200


@pytest.mark.parametrize("topic", list(registry()))
def test_a_choice_form_has_a_distractor_on_nearly_every_generated_problem(topic):
    """A choice form asks for the last part and its distractors are the mistakes' values of
    it: some mistake must change that part, or the question has one option (Moodle refuses
    it). param_count's simplest nets are the known exception, about one problem in eight."""
    t = registry()[topic]
    single = total = 0
    for difficulty in DIFFICULTIES:
        for seed in range(40):
            problem = make_problem(topic, seed, difficulty)
            solution = solve(problem)
            last = solution.parts[-1]
            offered = distinct_misconceptions(t.misconceptions, problem.params, solution)
            total += 1
            single += all(
                agrees(answer[last.key], solution.answer[last.key], last) for _, answer in offered
            )
    assert single / total <= 0.15, (topic, single, total)
