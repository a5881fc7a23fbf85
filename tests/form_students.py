"""Simulated students for one form of a topic, as tests/test_diagnosis.py simulates them for
forward problems: a student who uses a named mistake types its answer at the printed precision,
and ``quizgen check``'s own judging (checking.check_typed) names what it finds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from quizgen import topics
from quizgen.core.grading import distinct_misconceptions
from quizgen.core.latex import answer_text
from quizgen.core.model import DIFFICULTIES, Misconception, Problem
from quizgen.core.seeds import rng_for
from quizgen.practice.checking import check_typed


def form_problem(name: str, form: str, seed: int, difficulty: str) -> Problem:
    """The problem ``seed`` draws for this form, as make_problem draws a forward one."""
    params = topics.get(name, form).generate(rng_for(seed), difficulty)
    return Problem(topic=name, params=params, seed=seed, difficulty=difficulty, form=form)


def typed(answer: dict, parts) -> list[str]:
    """An answer as a student writes it: every part at its printed precision."""
    return [answer_text(answer[p.key], p.precision) for p in parts]


@dataclass(frozen=True)
class Diagnosis:
    """One simulated student: the mistake made, and the mistakes the check named for it."""

    mistake: Misconception
    named: frozenset[Misconception | None]


def diagnoses(name: str, form: str, seeds: range) -> Iterator[Diagnosis]:
    """Every offered mistake of the form on every drawn problem, typed and checked; a mistake
    whose typed answer is right at the printed precision is left out (it changes nothing)."""
    topic = topics.get(name, form)
    for difficulty in DIFFICULTIES:
        for seed in seeds:
            problem = form_problem(name, form, seed, difficulty)
            solution = topic.solve(problem.params)
            offered = distinct_misconceptions(topic.misconceptions, problem.params, solution)
            for mistake, answer in offered:
                checks = check_typed(problem, typed(answer, solution.parts))
                wrong = [c.verdict for c in checks if c.verdict and not c.verdict.correct]
                if wrong:
                    yield Diagnosis(mistake, frozenset(v.misconception for v in wrong))
