"""The spot form of every topic that describes its computation: a worked solution with one
wrong step. Checked independently of the form's own code: the test applies the recorded edit
to the topic's computation itself, reruns it, and compares every quantity step by step with the
unedited computation (and with the topic's forward solver where an answer field reads it)."""

from __future__ import annotations

import importlib
from functools import cache

import numpy as np
import pytest

from quizgen import topics
from quizgen.core.errors import ParamsError
from quizgen.core.latex import answer_text, segments
from quizgen.core.latex_check import check
from quizgen.core.model import DIFFICULTIES, Problem
from quizgen.core.mutation import (
    C,
    Div,
    Fn,
    MatMul,
    Neg,
    Outer,
    Prod,
    Q,
    add,
    answer_key,
    diff,
    mutants,
    reads,
)
from quizgen.practice.checking import check_typed
from quizgen.topics._spot import DESCRIPTION, INSTRUCTION

SPOTTED = [name for name, topic in topics.registry().items() if "spot" in topic.forms]
#: a topic's tests on one xdist worker, which draws its spot problems once (draws below)
BY_TOPIC = [pytest.param(name, marks=pytest.mark.xdist_group(f"spot-{name}")) for name in SPOTTED]
SEEDS = range(12)


@cache
def draws(name: str) -> tuple:
    """Every difficulty's spot draws of a topic, drawn once for all the tests below."""
    spot = topics.get(name, "spot")
    return tuple(
        spot.generate(np.random.default_rng(seed), difficulty)
        for difficulty in DIFFICULTIES
        for seed in SEEDS
    )


def edited_runs(name: str, params):
    """The topic's computation run right and with the recorded edit made, by the test's own
    means: the edit found by its kind, operand and text among the line's edits."""
    computation = topics.registry()[name].module.computation(params.problem)
    right = computation.base()
    index = next(i for i, ln in enumerate(computation.lines) if ln.name == params.edit.quantity)
    line = computation.lines[index]
    (edited,) = {
        e.text(): e
        for kind, operand, e in line.expr.edits(computation.context())
        if (kind, operand, e.text()) == (params.edit.kind, params.edit.operand, params.edit.edited)
    }.values()
    wrong = dict(right)
    wrong[line.name] = edited.value(right)
    return computation, right, computation.run(wrong, index + 1)


def close(a, b) -> bool:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))


def test_every_topic_that_describes_its_computation_has_the_spot_form():
    described = [n for n, t in topics.registry().items() if hasattr(t.module, "computation")]
    assert described and described == SPOTTED


@pytest.mark.parametrize("name", BY_TOPIC)
def test_the_keyed_step_is_the_first_whose_values_differ_from_the_right_solution(name):
    spot = topics.get(name, "spot")
    for params in draws(name):
        computation, right, wrong = edited_runs(name, params)
        steps = sorted({line.step for line in computation.lines})
        differs = [
            step
            for step in steps
            if any(
                not close(right[ln.name], wrong[ln.name])
                for ln in computation.lines
                if ln.step == step
            )
        ]
        answer = spot.solve(params).answer
        assert differs and differs[0] == answer["step"] == params.edit.step, params


@pytest.mark.parametrize("name", BY_TOPIC)
def test_the_right_value_is_the_unedited_computations_and_the_forward_solvers(name):
    spot, forward = topics.get(name, "spot"), topics.get(name)
    for params in draws(name):
        computation, right, _ = edited_runs(name, params)
        lines = [ln for ln in computation.lines if ln.step == params.edit.step]
        used = set().union(*(reads(ln.expr) for ln in lines))
        results = [ln for ln in lines if ln.name not in used and reads(ln.expr)] or lines[-1:]
        expected = np.concatenate([np.ravel(right[ln.name]) for ln in results])
        value = spot.solve(params).answer["value"]
        assert close(np.ravel(value), expected), params
        fields = getattr(computation.answer, "names", {})
        solved = forward.solve(params.problem).answer
        for key, quantity in fields.items():
            if len(results) == 1 and quantity == results[0].name:
                assert close(value, solved[key]), (params, key)


@pytest.mark.parametrize("name", BY_TOPIC)
def test_the_shown_worked_solution_is_wrong_from_the_keyed_step_on_only(name):
    """One worked step per step number; the steps before the keyed one are written as in the
    right solution, the keyed one is not."""
    spot = topics.get(name, "spot")
    for params in draws(name)[::3]:
        computation, _, _ = edited_runs(name, params)
        shown = spot.stem(params).worked
        right = spot.computes._written(params, wrong=False)
        k = params.edit.step
        assert len(shown) == max(line.step for line in computation.lines)
        assert shown[: k - 1] == right[: k - 1]
        assert shown[k - 1].lines != right[k - 1].lines


@pytest.mark.parametrize("name", BY_TOPIC)
def test_the_stem_asks_the_forward_question_then_for_the_first_wrong_step(name):
    spot, forward = topics.get(name, "spot"), topics.get(name)
    params = draws(name)[0]
    text = spot.stem(params).text
    assert text.startswith(forward.stem(params.problem).text) and text.endswith(INSTRUCTION)


@pytest.mark.parametrize("name", BY_TOPIC)
def test_every_named_mistake_an_edit_reproduces_appears(name, monkeypatch):
    """On one forward problem drawn again and again, each named mistake that a single edit
    of its computation reproduces (found here through mutation.mutants) is the one shown in
    some draw, and no other named mistake is."""
    problem = draws(name)[1].problem
    monkeypatch.setattr(topics.Topic, "generate", lambda self, rng, difficulty: problem)
    form = topics.get(name, "spot").computes
    shown = {form.generate(np.random.default_rng(seed), "medium").mistake for seed in range(40)}
    assert shown - {None} == reproduced(name, problem)


def reproduced(name: str, problem) -> set[str]:
    """The topic's named mistakes that some single edit of the problem's computation
    reproduces on every asked part (found through mutation.mutants, not the form's code)."""
    topic = topics.get(name)
    keys = [part.key for part in topic.parts(problem)]
    computation = topic.module.computation(problem)
    edits = {answer_key(m.answer, keys) for m in mutants(computation, searched=False)}
    return {
        mistake.id
        for mistake in topic.misconceptions
        if (answer := mistake.solve(problem)) is not None
        and all(k in answer for k in keys)
        and answer_key(answer, keys) in edits
    }


@pytest.mark.parametrize("name", BY_TOPIC)
def test_most_draws_show_a_named_mistake_where_one_fits(name):
    fitting = [params for params in draws(name) if reproduced(name, params.problem)]
    named = sum(params.mistake is not None for params in fitting)
    assert named >= 0.5 * len(fitting), (name, named, len(fitting))


@pytest.mark.parametrize("name", BY_TOPIC)
def test_a_record_reads_back_to_the_same_problem(name):
    spot = topics.get(name, "spot")
    for params in draws(name)[::4]:
        again = spot.parse(params.to_record())
        assert again == params
        assert spot.solve(again).answer == spot.solve(params).answer


def test_a_draw_is_the_same_for_the_same_seed():
    spot = topics.get("backprop", "spot")
    first = spot.generate(np.random.default_rng(5), "medium")
    assert spot.generate(np.random.default_rng(5), "medium") == first


def _record(**edit):
    record = topics.get("sigmoid", "spot").generate(np.random.default_rng(1), "easy").to_record()
    record["edit"] |= edit
    return record


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"edited": "sigma(z) * sigma(z) * 3"}, "field edit:"),
        ({"quantity": "tanh"}, "field edit.quantity:"),
        ({"step": 1}, "field edit.step:"),
    ],
)
def test_a_record_whose_edit_does_not_exist_is_an_error_naming_the_field(edit, field):
    with pytest.raises(ParamsError, match=field):
        topics.get("sigmoid", "spot").parse(_record(**edit))


def test_a_record_naming_an_unknown_mistake_is_an_error_naming_the_field():
    record = _record()
    record["mistake"] = "no-such-mistake"
    with pytest.raises(ParamsError, match="field mistake:"):
        topics.get("sigmoid", "spot").parse(record)


def test_a_record_whose_edit_changes_nothing_shown_is_refused():
    """z = 4: sigma(z) = 0.982, so 1 - sigma(z) alone still shows sigma'(z) = 0.018."""
    edit = {"step": 2, "quantity": "dsigma", "kind": "dropped", "operand": "sigma(z)"}
    record = {"problem": {"z": 4}, "edit": {**edit, "edited": "1 - sigma(z)"}}
    with pytest.raises(ParamsError, match=r"field edit: .* at the precision shown"):
        topics.get("sigmoid", "spot").parse(record)


@pytest.mark.parametrize("name", BY_TOPIC)
def test_a_student_making_one_of_spots_own_mistakes_is_told_it(name):
    spot = topics.get(name, "spot")
    told = asked = 0
    for params in draws(name)[::2]:
        problem = Problem(name, params, form="spot")
        solution = spot.solve(params)
        for mistake in spot.misconceptions:
            answer = mistake.solve(params)
            if answer is None:
                continue
            typed = [answer_text(answer[p.key], p.precision) for p in solution.parts]
            checks = check_typed(problem, typed)
            wrong = [c for c in checks if c.verdict and not c.verdict.correct]
            assert wrong, (params, mistake.label)
            asked += 1
            named = {c.verdict.misconception for c in wrong} - {None}
            assert named <= {mistake}, (params, mistake.label, named)
            told += named == {mistake}
    assert asked and told / asked >= 0.95, (name, told, asked)


@pytest.mark.parametrize("name", BY_TOPIC)
def test_every_worked_line_and_key_line_is_latex_every_renderer_writes(name):
    spot = topics.get(name, "spot")
    for params in draws(name)[::3]:
        shown = spot.stem(params).worked
        key = spot.solve(params).steps
        lines = [line for step in (*shown, *key) for line in (*step.lines, step.result) if line]
        titles = [m for step in (*shown, *key) for is_math, m in segments(step.title) if is_math]
        for latex in (*lines, *titles):
            assert check(latex) is None, (params, latex)


@pytest.mark.parametrize("name", BY_TOPIC)
def test_the_key_names_the_shown_mistake_or_explains_the_edit(name):
    spot, topic = topics.get(name, "spot"), topics.get(name)
    labels = {m.id: m.label for m in topic.misconceptions}
    for params in draws(name)[::3]:
        first = spot.solve(params).steps[0].title
        assert first.startswith(f"Step {params.edit.step} is the first wrong one: ")
        if params.mistake:
            assert labels[params.mistake] in first
        else:
            assert f"In step {params.edit.step}, " in first


def test_formulas_are_written_in_the_guides_latex():
    sigma = Q("sigma", "sigma(z)")
    assert Div(C(1), add(C(1), Fn("exp", (Neg(Q("z")),)))).latex() == r"\frac{1}{1 + e^{-z}}"
    assert Prod((sigma, diff(C(1), sigma))).latex() == r"\sigma(z) \cdot \left(1 - \sigma(z)\right)"
    size = add(Fn("floor", (Div(diff(Q("n"), Q("f")), Q("s")),)), C(1))
    assert size.latex() == r"\left\lfloor \frac{n - f}{s} \right\rfloor + 1"
    assert Outer(Q("h1"), Q("delta2")).latex() == r"h^{(1)T} \delta^{(2)}"


def test_formulas_tell_dot_products_and_elementwise_products_from_their_values():
    env = {"w": np.array([1.0, 2.0]), "x": np.array([3.0, -1.0]), "eta": np.array(0.5)}
    assert MatMul(Q("w"), Q("x")).latex(env) == r"w \cdot x"
    assert Prod((Q("w"), Q("x"))).latex(env) == r"w \odot x"
    assert Prod((Q("eta"), Q("x"))).latex(env) == r"\eta \cdot x"


def test_formulas_with_the_numbers_substituted_bracket_negative_values():
    env = {"a": np.array(2.0), "b": np.array(-3.0)}
    values = {"a": "2", "b": "-3"}
    assert diff(Q("a"), Q("b")).latex(env, values) == r"2 - \left(-3\right)"
    assert Prod((C(2), Q("a"))).latex(env) == "2a"
    assert Prod((C(2), Q("a"))).latex(env, values) == r"2 \cdot 2"


TOPIC_OF_ITS_OWN = """
from quizgen.topics.sigmoid import *  # noqa: F403
from quizgen.topics.sigmoid import computation  # noqa: F401
"""
SPOT_OF_ITS_OWN = """
from quizgen.topics.sigmoid.inverse import *  # noqa: F403
DESCRIPTION = "a spot form of the topic's own"
"""


def test_a_topic_with_a_spot_module_of_its_own_is_asked_by_that_one(tmp_path, monkeypatch):
    package = tmp_path / "own_spot_topic"
    package.mkdir()
    (package / "__init__.py").write_text(TOPIC_OF_ITS_OWN, encoding="utf-8")
    (package / "spot.py").write_text(SPOT_OF_ITS_OWN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("own_spot_topic")
    forms = topics._forms_of("own_spot_topic", module)
    assert forms["spot"].DESCRIPTION == "a spot form of the topic's own"
    assert topics._forms_of("sigmoid", topics.get("sigmoid").module)["spot"].DESCRIPTION == (
        DESCRIPTION
    )
