"""The practice engine with no face at all: what the terminal quiz (and a web page) call."""

from __future__ import annotations

import pytest

from quizgen.core.latex import answer_text
from quizgen.exam.problems import make_problem
from quizgen.practice.answers import AnswerFormatError
from quizgen.practice.engine import NO_MORE_HINTS, Practice
from quizgen.practice.history import History
from quizgen.practice.session import bank_questions, ends_on


@pytest.fixture
def practice(tmp_path) -> Practice:
    return Practice(History(tmp_path / "h.db"))


def rows(practice: Practice) -> list[tuple]:
    return practice.history.db.execute(
        "SELECT part, answer, correct, hint, outcome, misconception FROM attempts ORDER BY id"
    ).fetchall()


def typed(run, key: str) -> str:
    part = next(p for p in run.solution.parts if p.key == key)
    return answer_text(run.solution.answer[key], part.precision)


def test_a_problem_answered_right_is_scored_and_recorded_part_by_part(practice):
    run = practice.start(make_problem("sigmoid", 1, "easy"))
    for key in ("sigma", "dsigma"):
        said = run.answer(typed(run, key))
        assert said.verdict.correct
    assert run.done and run.all_right
    assert practice.summary.by_topic["sigmoid"].right == 2 and practice.summary.problems == 1
    assert [r[:3] for r in rows(practice)] == [
        ("sigma", typed(run, "sigma"), 1),
        ("dsigma", typed(run, "dsigma"), 1),
    ]


def test_an_unreadable_answer_is_not_counted(practice):
    run = practice.start(make_problem("sigmoid", 1, "easy"))
    with pytest.raises(AnswerFormatError):
        run.answer("zero point seven")
    assert run.index == 0 and rows(practice) == []


def test_a_named_mistake_is_returned_and_stored(practice):
    problem = make_problem("sigmoid", 2, "medium")
    run = practice.start(problem)
    dropped = next(m for m in run.topic.misconceptions if "minus" in m.label)
    wrong = dropped.solve(problem.params)["sigma"]
    said = run.answer(answer_text(wrong, run.part.precision))
    assert said.verdict.misconception is dropped and not said.repeated
    assert rows(practice)[0][5] == dropped.label


def test_hints_climb_and_are_counted_for_the_part_they_helped(practice):
    run = practice.start(make_problem("sigmoid", 1, "easy"))
    rungs = [run.hint() for _ in range(8)]
    assert rungs[0].startswith("step 1") and rungs[-1] == NO_MORE_HINTS
    run.answer(typed(run, "sigma"))
    run.answer(typed(run, "dsigma"))
    assert [r[3] for r in rows(practice)] == [8, 0]


def test_giving_up_records_every_part_left(practice):
    run = practice.start(make_problem("backprop", 3, "easy"))
    run.answer(typed(run, "z1"))
    run.give_up("shown")
    outcomes = [r[4] for r in rows(practice)]
    assert outcomes == ["answered"] + ["shown"] * (len(run.solution.parts) - 1)
    assert practice.summary.by_topic["backprop"].asked == len(run.solution.parts)


def test_a_bank_question_is_answered_and_recorded(practice, tmp_path):
    from quizgen.exam.banks import builtin_banks

    items = list(bank_questions(builtin_banks(), ["sigmoid"], 10, 1))
    order = next(i for i in items if i.kind == "order")
    choice = next(i for i in items if i.options)
    right = [order.order.index(j) + 1 for j in range(len(order.order))]
    assert practice.start_bank(order).order(right)
    chosen, correct = practice.start_bank(choice).choose(
        next(o.letter for o in choice.options if not o.correct)
    )
    assert not chosen.correct and correct.correct
    assert [r[2] for r in rows(practice)] == [1, 0] and practice.summary.problems == 2


@pytest.mark.parametrize(
    ("text", "ends"),
    [("z = 2.5", True), ("z = 2.5 \n", True), ("z = 12.5", False), ("z = 0.2.5", False)],
)
def test_a_step_ends_on_an_answer_only_where_the_whole_number_ends_it(text, ends):
    assert ends_on(text, "2.5") is ends
