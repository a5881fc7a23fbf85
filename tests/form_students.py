"""Simulated students for a topic's form, as tests/test_diagnosis.py has them for the forward
form: one who makes a named mistake types its answer at the printed precision and must be told
that mistake, through the shared checker (quizgen.practice.checking); one who slips must never
be given a name. A mistake that leaves a part unanswerable (a probability above 1 has no
logit) leaves that part blank, as a student would."""

from __future__ import annotations

import numpy as np

from quizgen import topics
from quizgen.core.grading import distinct_misconceptions, distinct_pairs
from quizgen.core.latex import answer_text
from quizgen.core.model import DIFFICULTIES, Problem
from quizgen.practice.checking import check_typed


def typed(answer, parts) -> list[str]:
    """An answer as a student writes it: every part at its printed precision."""
    return [answer_text(answer[p.key], p.precision) if p.key in answer else "" for p in parts]


def problems(name: str, form: str, seeds: range):
    """The form's drawn problems, every difficulty and seed, with their solutions."""
    topic = topics.get(name, form)
    for difficulty in DIFFICULTIES:
        for seed in seeds:
            params = topic.generate(np.random.default_rng(seed), difficulty)
            yield Problem(name, params, seed, difficulty, form), topic.solve(params)


def assert_parts_show_different_numbers(name: str, form: str, seeds: range = range(200)) -> None:
    """No two parts of a drawn problem show the same number at their printed precision: one
    number asked twice tests nothing twice (sigma and sigma' far out on the curve)."""
    for problem, solution in problems(name, form, seeds):
        shown = [answer_text(solution.answer[p.key], p.precision) for p in solution.parts]
        assert len(set(shown)) == len(shown), (problem, shown)


def assert_named_mistakes_are_told(name: str, form: str, seeds: range = range(40)) -> None:
    """Each of the form's mistakes, made alone, is named as itself (never as another) on at
    least 95 % of the problems where it shows; every mistake shows somewhere."""
    topic = topics.get(name, form)
    named = asked = 0
    shown = set()
    for problem, solution in problems(name, form, seeds):
        offered = distinct_misconceptions(topic.misconceptions, problem.params, solution)
        for mistake, answer in offered:
            checks = check_typed(problem, typed(answer, solution.parts))
            wrong = [c for c in checks if c.verdict and not c.verdict.correct]
            if not wrong:
                continue  # the mistake changes nothing at the printed precision
            asked += 1
            names = {c.verdict.misconception for c in wrong} - {None}
            assert names <= {mistake}, (problem, mistake.label, [n.label for n in names])
            named += mistake in names
            shown.add(mistake.label)
    assert asked and named / asked >= 0.95, (named, asked)
    assert shown == {m.label for m in topic.misconceptions}


def assert_two_mistakes_are_told(name: str, form: str, seeds: range = range(20)) -> None:
    """For a form whose mistakes are switches of one solver: two made at once are named as
    those two (never another) on at least 85 % of the problems where they show."""
    topic = topics.get(name, form)
    named = asked = 0
    for problem, solution in problems(name, form, seeds):
        singles = distinct_misconceptions(topic.misconceptions, problem.params, solution)
        for (first, second), answer in distinct_pairs(topic, problem.params, solution, singles):
            checks = check_typed(problem, typed(answer, solution.parts))
            wrong = [c.verdict for c in checks if c.verdict and not c.verdict.correct]
            if not wrong:
                continue
            asked += 1
            names = {v.misconception for v in wrong} | {v.also for v in wrong}
            assert names - {None} <= {first, second}, (problem, first.label, second.label)
            named += any(v.also for v in wrong)
    assert asked and named / asked >= 0.85, (named, asked)


def assert_slips_are_not_named(name: str, form: str, seeds: range = range(40)) -> None:
    """One part off by an amount no method explains is never given a mistake's name."""
    rng = np.random.default_rng(2026)
    for problem, solution in problems(name, form, seeds):
        part = solution.parts[int(rng.integers(len(solution.parts)))]
        answer = dict(solution.answer)
        answer[part.key] = _slip(answer[part.key], rng)
        for check in check_typed(problem, typed(answer, solution.parts)):
            if check.verdict is not None:
                assert check.verdict.misconception is None, (problem, part.key)


def _slip(value, rng: np.random.Generator):
    if isinstance(value, list):
        index = int(rng.integers(len(value)))
        return [_slip(v, rng) if i == index else v for i, v in enumerate(value)]
    return value + float(rng.choice([-1, 1])) * (7.31 + abs(value) * 0.173)
