"""Simulated students of a topic's inverse form (or another, with ``form``), shared by
tests/test_form_<topic>.py: one who makes a named mistake of the form is told that mistake, and
one who slips is told none. Their
answers go through the shared checker (quizgen.practice.checking.check_typed) as typed text at
the printed precision, the way a student would write them."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from quizgen import topics
from quizgen.core.grading import distinct_misconceptions
from quizgen.core.latex import answer_text
from quizgen.core.latex_check import check, check_text
from quizgen.core.model import DIFFICULTIES, Problem
from quizgen.practice.checking import check_typed


def inverse_problems(name: str, seeds: range, form: str = "inverse") -> Iterator[Problem]:
    """The form's problems of ``name`` at every difficulty, one per seed."""
    topic = topics.get(name, form)
    for difficulty in DIFFICULTIES:
        for seed in seeds:
            params = topic.generate(np.random.default_rng(seed), difficulty)
            yield Problem(name, params, seed, difficulty, form=form)


def typed(answer: dict, parts) -> list[str]:
    """An answer as a student writes it: every part at its printed precision."""
    return [answer_text(answer[p.key], p.precision) for p in parts]


def named_mistakes(name: str, seeds: range, form: str = "inverse") -> tuple[int, int, set[str]]:
    """How many simulated mistakes were named (as themselves), how many were asked, and the
    labels of the mistakes that came up. Fails at once on a mistake named as another."""
    topic = topics.get(name, form)
    named = asked = 0
    seen = set()
    for problem in inverse_problems(name, seeds, form):
        solution = topic.solve(problem.params)
        offered = distinct_misconceptions(topic.misconceptions, problem.params, solution)
        for mistake, answer in offered:
            checks = check_typed(problem, typed(dict(answer), solution.parts))
            wrong = [c for c in checks if c.verdict and not c.verdict.correct]
            if not wrong:
                continue  # the mistake changes nothing at the printed precision
            asked += 1
            seen.add(mistake.label)
            names = {c.verdict.misconception for c in wrong} - {None}
            assert names <= {mistake}, (problem, mistake.label, [m.label for m in names])
            named += mistake in names
    return named, asked, seen


def _shifted(value, shift):
    """Every entry of a scalar, vector, matrix or list of shapes moved by ``shift``."""
    return [_shifted(v, shift) for v in value] if isinstance(value, list) else value + shift


def slips_named(name: str, seeds: range, form: str = "inverse") -> list[Problem]:
    """The problems on which an answer off by an amount no method explains got a name."""
    topic = topics.get(name, form)
    rng = np.random.default_rng(2026)
    wrongly = []
    for problem in inverse_problems(name, seeds, form):
        solution = topic.solve(problem.params)
        answer = dict(solution.answer)
        part = solution.parts[int(rng.integers(len(solution.parts)))]
        shift = float(rng.choice([-1, 1])) * (7 if part.kind == "shapes" else 7.31)  # whole sides
        answer[part.key] = _shifted(answer[part.key], shift)
        checks = check_typed(problem, typed(answer, solution.parts))
        if any(c.verdict is not None and c.verdict.misconception for c in checks):
            wrongly.append(problem)
    return wrongly


def latex_problems(name: str, seeds: range, form: str = "inverse") -> list[tuple[Problem, str]]:
    """Each stem, part label, step title or line of the form outside the LaTeX subset that
    every writer renders, with what is wrong with it."""
    topic = topics.get(name, form)
    found = []
    for problem in inverse_problems(name, seeds, form):
        solution = topic.solve(problem.params)
        texts = [topic.stem(problem.params).text, *(p.label for p in solution.parts)]
        texts += [step.title for step in solution.steps]
        lines = [line for step in solution.steps for line in (*step.lines, step.result) if line]
        problems = [check_text(text) for text in texts] + [check(line) for line in lines]
        found += [(problem, why) for why in problems if why]
    return found
