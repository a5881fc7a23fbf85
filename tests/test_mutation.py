"""Mistakes nobody listed: simulated students who make one random single edit of the worked
solution (drawn here by the tests' own generator from every edit of the computation) are told
that edit, on generated problems of every topic that describes its computation and every
difficulty; the computation gives the topic's own answer; the edits print as the formula."""

from __future__ import annotations

import numpy as np
import pytest

from quizgen.core.grading import distinct_misconceptions, distinct_pairs, same_answer
from quizgen.core.latex import answer_text
from quizgen.core.model import Part, Precision
from quizgen.core.mutation import (
    C,
    Computation,
    Div,
    Fn,
    Line,
    MatMul,
    Prod,
    Q,
    T,
    add,
    describe,
    edit_mistakes,
    fields,
    mutants,
)
from quizgen.exam.problems import make_problem
from quizgen.practice.checking import check_report, check_typed
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
            keys = [part.key for part in topic.parts(problem.params)]
            assert all(close(got[k], right[k]) for k in keys), (name, seed, difficulty)


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
            pairs = distinct_pairs(topic, problem.params, solution, listed)
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
                    # a listed mistake (or two at once) is named only while it gives every
                    # answer so far
                    also = check.verdict.also
                    answer = dict(pairs).get((mistake, also)) if also else dict(listed).get(mistake)
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


def small() -> Computation:
    """a = 2 x, b = floor(a / 4) + 1, c = M^T v: one of each edit the tests below look for."""
    return Computation(
        inputs={"x": 3.0, "M": [[1.0, 2.0], [3.0, 4.0]], "v": [1.0, -1.0]},
        lines=(
            Line("a", Prod((C(2), Q("x"))), 1),
            Line("b", add(Fn("floor", (Div(Q("a"), C(4)),)), C(1)), 2),
            Line("c", MatMul(T(Q("M")), Q("v")), 3),
        ),
        answer=fields(b="b", c="c"),
    )


def test_an_edit_is_carried_through_every_later_step():
    found = {(m.edit.step, m.edit.kind, m.edit.operand): m.answer for m in mutants(small())}
    assert found[(1, "dropped", "2")]["b"] == 1.0  # a = 3, floor(3 / 4) + 1
    assert found[(1, "doubled", "2 * x")]["b"] == 4.0  # a = 12


def test_floor_is_confused_with_ceil_and_transposes_dropped():
    found = {(m.edit.kind, m.edit.operand): m.answer for m in mutants(small())}
    assert found[("confused", "ceil(a / 4) instead of floor(a / 4)")]["b"] == 3.0
    assert found[("transpose-dropped", "M")]["c"] == [-1.0, -1.0]


def test_an_edit_that_changes_nothing_is_not_an_edit():
    # the 1 of "+ 1" squared or inverted is still 1: no such edit is offered
    assert all(m.answer != {"b": 2.0, "c": [-2.0, -2.0]} for m in mutants(small()))


def test_edits_giving_the_same_answer_are_named_together():
    parts = (Part("y", "y", Precision(2)),)
    computation = Computation(
        inputs={"p": 2.0, "q": 2.0},
        lines=(Line("y", Prod((Q("p"), Q("q"))), 1),),
        answer=fields(y="y"),
    )
    named = {m.label for m, _ in edit_mistakes(computation, parts, {"y": 4.0})}
    assert "left out the factor p in step 1 or left out the factor q in step 1" in named


def test_check_json_gives_the_edit_as_data():
    problem = make_problem("backprop", 3, "easy")
    typed = ["[-2, 1]", "[0, 1]", "[0]", "0.5", "0.6931", "[-0.125]"]
    record = check_report("BPE-0000003", problem, typed)["parts"][5]["misconception"]
    assert record["label"] == (
        "put the factor y_hat * (1 - y_hat) into step 6, where it does not belong"
    )
    assert record["edits"] == [
        {
            "step": 6,
            "quantity": "delta2",
            "kind": "added",
            "operand": "y_hat * (1 - y_hat)",
            "formula": "y_hat - y",
            "edited": "(y_hat - y) * y_hat * (1 - y_hat)",
            "right": "[-0.5]",
        }
    ]
