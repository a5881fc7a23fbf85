"""Mistakes nobody listed: simulated students who make one random single edit of the worked
solution (drawn here by the tests' own generator from every edit of the computation) are told
that edit, on generated problems of every topic that describes its computation and every
difficulty; the computation gives the topic's own answer; the edits print as the formula."""

from __future__ import annotations

import numpy as np
import pytest

from quizgen.core.grading import distinct_misconceptions, same_answer
from quizgen.core.latex import answer_text
from quizgen.core.mutation import (
    describe,
    mutants,
)
from quizgen.exam.problems import make_problem
from quizgen.practice.checking import check_typed
from quizgen.topics import registry

DIFFICULTIES = ("easy", "medium", "hard")
SEEDS = 15
DESCRIBED = [name for name, topic in registry().items() if hasattr(topic.module, "computation")]


def typed(answer: dict, parts) -> list[str]:
    return [answer_text(answer[p.key], p.precision) for p in parts]


def close(a, b) -> bool:
    return bool(np.allclose(np.array(a, float), np.array(b, float), rtol=1e-9, atol=1e-9))


@pytest.mark.parametrize("name", DESCRIBED)
def test_the_computation_gives_the_topics_own_answer(name):
    topic = registry()[name]
    for difficulty in DIFFICULTIES:
        for seed in range(20):
            problem = make_problem(name, seed, difficulty)
            computation = topic.module.computation(problem.params)
            got = computation.answer(computation.base())
            right = topic.module.solve(problem.params)
            assert got.keys() == right.keys()
            assert all(close(got[k], right[k]) for k in right), (name, seed, difficulty)


@pytest.mark.parametrize("name", DESCRIBED)
def test_a_student_who_makes_one_edit_is_told_that_edit(name):
    topic = registry()[name]
    rng = np.random.default_rng(23)  # the students' own draws, not the diagnosis's
    named = asked = 0
    for difficulty in DIFFICULTIES:
        for seed in range(SEEDS):
            problem = make_problem(name, seed, difficulty)
            solution = topic.solve(problem.params)
            edits = mutants(topic.module.computation(problem.params))
            listed = distinct_misconceptions(topic.misconceptions, problem.params, solution)
            for index in rng.choice(len(edits), size=min(4, len(edits)), replace=False):
                drawn = edits[int(index)]
                checks = check_typed(problem, typed(drawn.answer, solution.parts))
                wrong = [c for c in checks if c.verdict and not c.verdict.correct]
                if not wrong:
                    continue  # the edit changes nothing at the printed precision
                asked += 1
                told = False
                for check in wrong:
                    mistake = check.verdict.misconception
                    if mistake is None:
                        continue
                    if drawn.edit in mistake.edits:
                        told = True
                        continue
                    # a listed mistake is named only while it gives every answer so far
                    answer = dict(listed).get(mistake)
                    upto = solution.parts[: solution.parts.index(check.part) + 1]
                    assert answer is not None and same_answer(upto, answer, drawn.answer), (
                        name,
                        difficulty,
                        seed,
                        describe(drawn.edit),
                        mistake.label,
                    )
                    # and it tells the student the mistake when it explains every wrong part
                    told |= same_answer([c.part for c in wrong], answer, drawn.answer)
                named += told
    assert asked and named / asked >= 0.95, (name, named, asked)
