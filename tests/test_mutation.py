"""Mistakes nobody listed: simulated students who make one random single edit of the worked
solution (drawn here by the tests' own generator from every edit of the computation) are told
that edit, on generated problems of every topic that describes its computation and every
difficulty; the computation gives the topic's own answer; the edits print as the formula."""

from __future__ import annotations

import numpy as np
import pytest
from form_students import typed

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
from quizgen.practice.answers import parse
from quizgen.practice.checking import check_report, check_typed
from quizgen.topics import registry

DIFFICULTIES = ("easy", "medium", "hard")
SEEDS = 15
DESCRIBED = [name for name, topic in registry().items() if hasattr(topic.module, "computation")]


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
                texts = typed(drawn.answer, solution.parts)
                checks = check_typed(problem, texts)
                # what the student wrote, at the printed precision: a listed mistake that
                # agrees with it there takes precedence over the edit
                written = {p.key: parse(t, p.kind) for p, t in zip(solution.parts, texts) if t}
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
                    assert answer is not None and same_answer(upto, answer, written), (
                        name,
                        difficulty,
                        seed,
                        describe(drawn.edit),
                        mistake.label,
                    )
                    # and it tells the student the mistake when it explains every wrong part
                    told |= same_answer([c.part for c in wrong], answer, written)
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
        inputs={"p": 3.0, "q": 3.0},
        lines=(Line("y", Prod((Q("p"), Q("q"))), 1),),
        answer=fields(y="y"),
    )
    named = {m.label for m, _ in edit_mistakes(computation, parts, {"y": 9.0})}
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


def labels_told(name: str, seed: int, difficulty: str, wrong: dict) -> set[str]:
    """The mistakes named to a student who types the right answer with ``wrong``'s parts."""
    problem = make_problem(name, seed, difficulty)
    solution = registry()[name].solve(problem.params)
    answer = {**solution.answer, **wrong}
    checks = check_typed(problem, typed(answer, solution.parts))
    return {c.verdict.misconception.label for c in checks if c.verdict.misconception}


def test_an_adam_step_without_the_square_root_is_named():
    # seed 7, easy: one Adam step from w0 = [0.5, 1], g = [2, 0.5], eta = 1, eps = 0.1;
    # m_hat = g and s_hat = g^2 after the bias correction, divided here by s_hat + eps
    g = np.array([2.0, 0.5])
    w = np.array([0.5, 1.0]) - g / (g**2 + 0.1)
    told = labels_told("optimizer", 7, "easy", {"w": [w.tolist()]})
    assert told == {"skipped the function in sqrt(s_hat_1) in step 1"}


def test_dropout_divided_by_the_drop_probability_is_named():
    # seed 1, medium: a = [0.5, 1.5, 2, 2.5], mask [1, 0, 1, 1], p = 0.2: a * m / p
    dropped = np.array([0.5, 1.5, 2, 2.5]) * np.array([1, 0, 1, 1]) / 0.2
    told = labels_told("regularization", 1, "medium", {"dropped": dropped.tolist()})
    assert told == {"used p where 1 - p belongs in step 5"}


def test_batch_norm_divided_by_the_variance_is_named_both_ways_it_arises():
    # seed 0, easy: X = [[-1, 1], [2, 0], [0, 3]], gamma = [2, 2], beta = 0, eps = 0.1
    X = np.array([[-1.0, 1.0], [2.0, 0.0], [0.0, 3.0]])
    x_hat = (X - X.mean(axis=0)) / (X.var(axis=0) + 0.1)
    told = labels_told("batchnorm", 0, "easy", {"x_hat": x_hat.tolist(), "y": (2 * x_hat).tolist()})
    # the root left out, or (the same number) its square in the denominator: both are said
    assert told == {
        "skipped the function in sqrt(sigma^2 + eps) in step 3 or squared the factor "
        "sqrt(sigma^2 + eps) in step 3"
    }


def test_tanh_derivative_taken_at_the_pre_activation_is_named():
    # seed 0, hard: two steps; the last error multiplied by 1 - a_2^2 instead of 1 - h_2^2,
    # the earlier one computed from it as it should be
    xs, h0 = np.array([[-1.0], [1.0]]), np.array([0.5, -0.5])
    Wx, Wh = np.array([[0.0, 1.0]]), np.array([[1.0, 1.0], [-0.5, 0.5]])
    b, Wy, by, target = np.array([0.5, 0.0]), np.array([[1.0], [0.5]]), 0.5, -0.5
    a1 = xs[0] @ Wx + h0 @ Wh + b
    h1 = np.tanh(a1)
    a2 = xs[1] @ Wx + h1 @ Wh + b
    h2 = np.tanh(a2)
    error = h2 @ Wy + by - target
    delta2 = (error @ Wy.T) * (1 - a2**2)
    delta1 = (delta2 @ Wh.T) * (1 - h1**2)
    dWh = np.outer(h0, delta1) + np.outer(h1, delta2)
    wrong = {"delta": [delta1.tolist(), delta2.tolist()], "dWh": dWh.tolist()}
    assert labels_told("rnn", 0, "hard", wrong) == {"used a_2 where h_2 belongs in step 4"}


def test_attention_weights_transposed_onto_the_values_are_named():
    # seed 0, easy: the output A^T V instead of A V
    problem = make_problem("attention", 0, "easy")
    weights = np.array(registry()["attention"].solve(problem.params).answer["weights"])
    output = weights.T @ np.array([[0.0, -2.0], [1.0, 1.0]])
    assert labels_told("attention", 0, "easy", {"output": output.tolist()}) == {
        "transposed A in step 4"
    }


@pytest.mark.parametrize("name", DESCRIBED)
def test_later_steps_computed_for_all_edits_at_once_give_what_one_by_one_gives(name, monkeypatch):
    from quizgen.core import mutation

    topic = registry()[name]
    computations = [
        topic.module.computation(make_problem(name, seed, difficulty).params)
        for difficulty in DIFFICULTIES
        for seed in range(4)
    ]
    at_once = [mutants(c) for c in computations]
    monkeypatch.setattr(mutation, "_answers_from", mutation._answers_one_by_one)
    for computation, stacked in zip(computations, at_once):
        single = mutants(computation)
        assert [m.edit for m in stacked] == [m.edit for m in single]
        for a, b in zip(stacked, single):
            assert all(close(a.answer[k], b.answer[k]) for k in b.answer), (name, a.edit)


def test_a_choice_item_short_of_listed_mistakes_takes_distractors_from_edits():
    from quizgen.exam.build import CHOICES, _choices

    # seed 0, easy: a = [3, 2, 3], mask [1, 1, 0], p = 0.5. Of the listed mistakes only the
    # scaling at test time changes the test-time output, a / (1 - p); two edits fill in
    problem = make_problem("regularization", 0, "easy")
    topic = registry()["regularization"]
    choices = _choices(topic, problem, topic.solve(problem.params))
    a, mask = np.array([3.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0])
    expected = {
        answer_text(list(v), Precision(4)): label
        for v, label in (
            (a, None),
            (a / 0.5, "applied the dropout scaling at test time"),
            (a * mask, "put the factor m into step 6, where it does not belong"),
            (-a, "flipped the sign of a in step 6"),
        )
    }
    assert len(choices) == CHOICES
    assert {c.text: c.misconception for c in choices} == expected


def test_choices_with_enough_listed_mistakes_take_no_edit(monkeypatch):
    from quizgen import topics
    from quizgen.exam.build import CHOICES, _choices

    found = {}
    for name in registry():
        topic = topics.get(name)
        for difficulty in DIFFICULTIES:
            for seed in range(4):
                problem = make_problem(name, seed, difficulty)
                found[name, difficulty, seed] = _choices(
                    topic, problem, topic.solve(problem.params)
                )
    monkeypatch.setattr(topics.Topic, "edit_mistakes", lambda *args: [])
    for (name, difficulty, seed), choices in found.items():
        topic = topics.get(name)
        problem = make_problem(name, seed, difficulty)
        listed_only = _choices(topic, problem, topic.solve(problem.params))
        if len(listed_only) == CHOICES:
            assert choices == listed_only, (name, difficulty, seed)
