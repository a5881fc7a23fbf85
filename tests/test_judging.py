"""Judging answers: tolerance, misconceptions and follow-through agree with the solvers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizgen.core.grading import agrees, distinct_misconceptions, judge
from quizgen.core.model import EXACT, Part, Precision
from quizgen.exam.problems import make_problem, solve
from quizgen.topics import registry

FOLLOWING = [name for name, t in registry().items() if hasattr(t.module, "follow")]


def test_rounded_answers_get_one_unit_in_the_last_place():
    part = Part("x", "x", Precision(3))
    assert agrees(0.732, 0.7310585, part) and not agrees(0.733, 0.7310585, part)


def test_large_rounded_answers_get_a_fifth_of_a_percent():
    part = Part("x", "x", Precision(4))
    assert agrees(801.5, 800.0, part) and not agrees(802.0, 800.0, part)


def test_exact_answers_must_match():
    part = Part("w", "w", EXACT, "vector")
    assert agrees([-2, -2, -2], [-2.0, -2.0, -2.0], part)
    assert not agrees([-2, -2, -1.999], [-2, -2, -2], part)


@pytest.mark.parametrize("topic", FOLLOWING)
@given(seed=st.integers(0, 2**32 - 1), difficulty=st.sampled_from(["easy", "medium", "hard"]))
def test_follow_through_from_right_answers_gives_the_right_answers(topic, seed, difficulty):
    problem = make_problem(topic, seed, difficulty)
    solution = solve(problem)
    t = registry()[topic]
    given_so_far = {}
    for part in solution.parts:
        followed = t.follow(problem.params, given_so_far)
        if part.key in followed:
            assert agrees(followed[part.key], solution.answer[part.key], part), part.key
        given_so_far[part.key] = solution.answer[part.key]


@pytest.mark.parametrize("topic", FOLLOWING)
def test_a_wrong_earlier_answer_changes_what_follows(topic):
    problem = make_problem(topic, 1, "medium")
    solution = solve(problem)
    changed = []
    for index, part in enumerate(solution.parts[:-1]):
        wrong = _nudge(solution.answer[part.key])
        followed = registry()[topic].follow(problem.params, {part.key: wrong})
        later = [p for p in solution.parts[index + 1 :] if p.key in followed]
        changed += [p.key for p in later if not agrees(followed[p.key], solution.answer[p.key], p)]
    assert changed


def _nudge(value):
    if isinstance(value, list):
        return [_nudge(value[0]), *value[1:]]
    return value * 0.5 + 0.3


def test_judge_names_a_misconception_and_credits_follow_through():
    problem = make_problem("sigmoid", 3778479469, "medium")
    t = registry()["sigmoid"]
    solution = solve(problem)
    offered = distinct_misconceptions(t.misconceptions, problem.params, solution)
    dsigma = solution.parts[1]
    named = judge(dsigma, 0.076, solution, {}, offered)
    assert not named.correct and named.misconception.label == "answered sigma(z) for the derivative"
    followed = t.follow(problem.params, {"sigma": 0.9})
    credited = judge(dsigma, 0.09, solution, followed, offered)
    assert credited.correct and credited.follow_through


def _vector_case():
    from quizgen.core.model import EXACT, Misconception, Part, Solution

    part = Part("v", "v", EXACT, "vector")
    solution = Solution(answer={"v": [1, 0, 0, 0]}, parts=(part,), steps=())
    mistake = Misconception("doubled it", "Say why.", lambda p: {"v": [1, 2, 3, 4]})
    return part, solution, [(mistake, {"v": [1, 2, 3, 4]})], mistake


def test_the_entries_that_are_off_are_named_in_words():
    from quizgen.core.grading import judge

    part, solution, offered, _ = _vector_case()
    verdict = judge(part, [1, 0, 7, 0], solution, {}, offered)
    assert verdict.wrong == ("entry 3",) and verdict.misconception is None


def test_a_mistake_made_in_some_entries_only_is_named_when_it_explains_them_all():
    from quizgen.core.grading import judge

    part, solution, offered, mistake = _vector_case()
    verdict = judge(part, [1, 2, 3, 0], solution, {}, offered)
    assert verdict.misconception is mistake and verdict.wrong == ("entry 2", "entry 3")
    unexplained = judge(part, [1, 2, 0, 9], solution, {}, offered)
    assert unexplained.misconception is None  # entry 4 is no part of that mistake


def test_check_json_says_which_layer_is_off():
    import json

    from click.testing import CliRunner

    from quizgen.cli import cli

    # conv_shape medium seed 7: [[48, 48, 128], [23, 23, 128], [11, 11, 128]]
    typed = "48x48x128, 23x24x128, 11x11x128"
    result = CliRunner().invoke(cli, ["check", "CSM-0000007", typed, "--format", "json"])
    (part,) = json.loads(result.stdout)["parts"]
    assert part["verdict"] == "wrong" and part["wrong_entries"] == ["layer 2: width"]


@pytest.mark.parametrize("name", [n for n, t in registry().items() if hasattr(t.module, "follow")])
def test_an_earlier_answer_of_the_wrong_shape_never_breaks_follow_through(name):
    topic = registry()[name]
    for seed in range(10):
        params = make_problem(name, seed, "medium").params
        right = topic.solve(params).answer
        for key, value in right.items():
            wrong = 0.0 if isinstance(value, list) else [0.0, 1.0]  # a number for a list, or back
            followed = topic.follow(params, {key: wrong})
            assert followed == topic.follow(params, {}), (name, seed, key)
