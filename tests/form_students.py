"""Simulated students for a topic's form: one who makes each of the form's named mistakes
types that mistake's answer at the paper's precision, and ``quizgen check``'s own judging
(quizgen.practice.checking) must name that mistake, and no other (as tests/test_diagnosis.py
does for the forward forms). A mistake that leaves a part unanswerable (a probability above 1
has no logit) leaves that part blank, as a student would."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import Any

import numpy as np

from quizgen import topics
from quizgen.core.grading import agrees, distinct_misconceptions, distinct_pairs
from quizgen.core.latex import answer_text
from quizgen.core.latex_check import check, check_text
from quizgen.core.model import DIFFICULTIES, Problem
from quizgen.practice.checking import check_typed


@cache
def drawn(name: str, form: str, seeds: range) -> tuple[Problem, ...]:
    """The form's problems for ``seeds`` at every difficulty, drawn once per test process: a
    spot form's draw searches many edits, and several checks read the same draws."""
    topic = topics.get(name, form)
    return tuple(
        Problem(
            topic=name,
            form=topic.form,
            params=topic.generate(np.random.default_rng(seed), difficulty),
            seed=seed,
            difficulty=difficulty,
        )
        for difficulty in DIFFICULTIES
        for seed in seeds
    )


def typed(answer: Any, parts: Any) -> list[str]:
    """An answer as a student writes it: every part at its printed precision, blank where the
    answer has none."""
    return [answer_text(answer[p.key], p.precision) if p.key in answer else "" for p in parts]


def named_mistakes(name: str, form: str, seeds: range) -> Counter[str]:
    """How often each of the form's mistakes was made and named, over the draws of ``seeds``;
    fails on a mistake that is named as another, or not named at all."""
    topic = topics.get(name, form)
    named: Counter[str] = Counter()
    for problem in drawn(name, form, seeds):
        solution = topic.solve(problem.params)
        for mistake, answer in distinct_misconceptions(
            topic.misconceptions, problem.params, solution
        ):
            checks = check_typed(problem, typed(answer, solution.parts))
            wrong = [c for c in checks if c.verdict and not c.verdict.correct]
            assert wrong, (problem, mistake.label, "marked right")
            names = {c.verdict.misconception for c in wrong} - {None}
            assert names == {mistake}, (problem, mistake.label, [m.label for m in names])
            named[mistake.label] += 1
    return named


@cache
def named_share(name: str, form: str, seeds: range) -> tuple[int, int, frozenset[str]]:
    """How many simulated mistakes that show at the printed precision were named (as
    themselves), how many showed, and the labels of those that showed. Fails at once on a
    mistake named as another: a wrong name is worse than none. Kept per test process, as two
    tests read it (a failing sweep is not kept, so each of them fails)."""
    topic = topics.get(name, form)
    named = asked = 0
    seen = set()
    for problem in drawn(name, form, seeds):
        solution = topic.solve(problem.params)
        offered = distinct_misconceptions(topic.misconceptions, problem.params, solution)
        for mistake, answer in offered:
            checks = check_typed(problem, typed(answer, solution.parts))
            wrong = [c for c in checks if c.verdict and not c.verdict.correct]
            if not wrong:
                continue  # the mistake changes nothing at the printed precision
            asked += 1
            seen.add(mistake.label)
            names = {c.verdict.misconception for c in wrong} - {None}
            assert names <= {mistake}, (problem, mistake.label, [m.label for m in names])
            named += mistake in names
    return named, asked, frozenset(seen)


def latex_problems(name: str, form: str, seeds: range) -> list[tuple[Problem, str]]:
    """Each stem, part label, step title or line of the form outside the LaTeX subset that
    every writer renders, with what is wrong with it."""
    topic = topics.get(name, form)
    found = []
    for problem in drawn(name, form, seeds):
        solution = topic.solve(problem.params)
        stem = topic.stem(problem.params)
        texts = [stem.text, *(p.label for p in solution.parts)]
        steps = [*solution.steps, *stem.worked]
        texts += [step.title for step in steps]
        lines = [line for step in steps for line in (*step.lines, step.result) if line]
        problems = [check_text(text) for text in texts] + [check(line) for line in lines]
        found += [(problem, why) for why in problems if why]
    return found


def _slipped(value: Any, rng: np.random.Generator) -> Any:
    """One entry off by an amount no method explains."""
    if isinstance(value, list):
        index = int(rng.integers(len(value)))
        return [*value[:index], _slipped(value[index], rng), *value[index + 1 :]]
    return value + float(rng.choice([-1, 1])) * (7.31 + abs(value) * 0.173)


def slips_named(name: str, form: str, seeds: range) -> list[str]:
    """The mistakes a student who slips on one part (no method) is wrongly told, over the draws
    of ``seeds`` (empty when the checker names no mistake for a slip)."""
    topic = topics.get(name, form)
    rng = np.random.default_rng(2026)
    named = []
    for problem in drawn(name, form, seeds):
        solution = topic.solve(problem.params)
        part = solution.parts[int(rng.integers(len(solution.parts)))]
        methods = [
            a for _, a in distinct_misconceptions(topic.misconceptions, problem.params, solution)
        ]
        for _ in range(20):  # a slip that lands on a method's answer is that method, not a slip
            value = _slipped(solution.answer[part.key], rng)
            if not any(part.key in a and agrees(value, a[part.key], part) for a in methods):
                break
        answer = {**solution.answer, part.key: value}
        named += [
            c.verdict.misconception.label
            for c in check_typed(problem, typed(answer, solution.parts))
            if c.verdict and c.verdict.misconception
        ]
    return named


def assert_parts_show_different_numbers(name: str, form: str, seeds: range = range(200)) -> None:
    """No two parts of a drawn problem show the same number at their printed precision: one
    number asked twice tests nothing twice (sigma and sigma' far out on the curve)."""
    topic = topics.get(name, form)
    for problem in drawn(name, form, seeds):
        solution = topic.solve(problem.params)
        shown = [answer_text(solution.answer[p.key], p.precision) for p in solution.parts]
        assert len(set(shown)) == len(shown), (problem, shown)


def assert_two_mistakes_are_told(problems: Iterable[Problem]) -> None:
    """For problems whose mistakes are switches of one solver: two made at once are named as
    those two (never another) on at least 85 % of the problems where they show (the forward
    forms' test in tests/test_diagnosis.py and the forms' own use this one check)."""
    named = asked = 0
    for problem in problems:
        topic = topics.get(problem.topic, problem.form)
        solution = topic.solve(problem.params)
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
