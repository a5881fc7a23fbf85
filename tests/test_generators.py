"""Generators: valid, exam-friendly, reproducible draws at every difficulty for every topic."""

from __future__ import annotations

import itertools
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizgen.core.latex import fixed
from quizgen.core.model import DIFFICULTIES
from quizgen.core.seeds import child_seed
from quizgen.exam.problems import generate, make_problem, solve, to_record
from quizgen.topics import registry

TOPICS = list(registry())
seeds = st.integers(min_value=0, max_value=2**32 - 1)
difficulties = st.sampled_from(DIFFICULTIES)


def test_topics_come_in_the_guides_section_order():
    sections = [t.section for t in registry().values()]
    assert sections == sorted(sections)


def test_the_seed_guides_topics_of_the_contract_are_all_registered():
    assert set(TOPICS) >= {
        "perceptron",
        "linear_regression",
        "sigmoid",
        "bce",
        "softmax",
        "cce",
        "backprop",
        "relu",
        "conv_shape",
        "param_count",
    }


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_same_seed_draws_the_same_problem(topic, difficulty):
    a, b = make_problem(topic, 12345, difficulty), make_problem(topic, 12345, difficulty)
    assert a.params == b.params


@pytest.mark.parametrize("topic", TOPICS)
def test_different_seeds_draw_different_problems(topic):
    drawn = {json.dumps(make_problem(topic, s, "hard").params.to_record()) for s in range(20)}
    assert len(drawn) >= 15


@given(seeds, difficulties, st.sampled_from(TOPICS))
def test_records_round_trip_through_the_contract(seed, difficulty, topic):
    problem = make_problem(topic, seed, difficulty)
    record = json.loads(json.dumps(to_record(problem, solve(problem))))
    parsed = registry()[topic].parse(record["params"])
    assert parsed == problem.params
    assert set(record) >= {"schema", "topic", "seed", "difficulty", "params", "answer"}


@given(seeds, difficulties, st.sampled_from(TOPICS))
def test_every_asked_part_is_in_the_answer_and_finite(seed, difficulty, topic):
    solution = solve(make_problem(topic, seed, difficulty))
    for part in solution.parts:
        flat = list(_flatten(solution.answer[part.key]))
        assert flat and all(math.isfinite(v) for v in flat), part.key


def _flatten(value):
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _flatten(v)
    else:
        yield float(value)


def test_adding_problems_keeps_the_earlier_ones():
    three = [p.params for p in generate(["conv_shape"], 3, 7, "medium")]
    five = [p.params for p in generate(["conv_shape"], 5, 7, "medium")]
    assert five[:3] == three


def test_adding_topics_keeps_each_topics_problems():
    alone = [p.params for p in generate(["relu"], 2, 7, "medium")]
    together = [
        p.params for p in generate(["sigmoid", "relu"], 2, 7, "medium") if p.topic == "relu"
    ]
    assert together == alone


def test_a_set_never_repeats_a_problem_while_fresh_ones_exist():
    drawn = [json.dumps(p.params.to_record()) for p in generate(["sigmoid"], 6, 3, "easy")]
    assert len(set(drawn)) == 6  # easy sigmoid has exactly six values of z (0 is trivial)


def test_child_seeds_depend_on_names_not_positions():
    assert child_seed(1, "relu", 0) != child_seed(1, "sigmoid", 0)
    assert child_seed(1, "relu", 0) == child_seed(1, "relu", 0)
    assert child_seed(1, "relu", 0) != child_seed(2, "relu", 0)


# Exam-friendliness, topic by topic


@given(seeds, difficulties)
def test_perceptron_traces_always_update(seed, difficulty):
    answer = solve(make_problem("perceptron", seed, difficulty)).answer
    updates = sum(1 for step in answer["trace"] if step["e"] != 0)
    assert updates >= (1 if difficulty == "easy" else 2)


@given(seeds, difficulties)
def test_sigmoid_derivative_never_rounds_to_zero(seed, difficulty):
    solution = solve(make_problem("sigmoid", seed, difficulty))
    dsigma = next(p for p in solution.parts if p.key == "dsigma")
    assert float(fixed(solution.answer["dsigma"], dsigma.precision)) > 0


@given(seeds, difficulties, st.sampled_from(["softmax", "cce"]))
def test_logits_are_never_near_a_tie(seed, difficulty, topic):
    z = make_problem(topic, seed, difficulty).params.z
    assert min(abs(a - b) for a, b in itertools.combinations(z, 2)) >= 0.3 - 1e-9


@given(seeds, difficulties)
def test_relu_inputs_sit_on_the_kink_only_when_the_kink_is_asked_about(seed, difficulty):
    z = make_problem("relu", seed, difficulty).params.z
    assert z.count(0) == (0 if difficulty == "easy" else 1)
    assert any(v > 0 for v in z) and any(v < 0 for v in z)


@given(seeds, difficulties)
def test_backprop_relu_hidden_inputs_avoid_the_kink(seed, difficulty):
    problem = make_problem("backprop", seed, difficulty)
    answer = solve(problem).answer
    if problem.params.hidden == "relu":
        assert 0 not in answer["z1"] and max(answer["z1"]) > 0
    assert max(abs(v) for v in answer["z2"]) <= 4


@given(seeds, difficulties)
def test_conv_stacks_never_shrink_below_two(seed, difficulty):
    shapes = solve(make_problem("conv_shape", seed, difficulty)).answer["shapes"]
    assert min(min(s[:2]) for s in shapes) >= 2


@given(seeds)
def test_hard_conv_stacks_need_the_floor(seed):
    p = make_problem("conv_shape", seed, "hard").params
    shape, remainders = list(p.input), []
    for layer, out in zip(
        p.layers, solve(make_problem("conv_shape", seed, "hard")).answer["shapes"]
    ):
        remainders.append(any((n + 2 * layer.p - layer.f) % layer.s for n in shape[:2]))
        shape = out
    assert any(remainders)


@given(seeds, difficulties)
def test_linear_regression_gradient_is_never_zero(seed, difficulty):
    grad = solve(make_problem("linear_regression", seed, difficulty)).answer["grad"]
    assert any(abs(g) > 1e-9 for g in grad)


@given(seeds, difficulties, st.sampled_from(TOPICS))
def test_every_formula_is_inside_the_supported_latex_subset(seed, difficulty, topic):
    from quizgen.core.latex_check import check, check_text

    problem = make_problem(topic, seed, difficulty)
    solution = solve(problem)
    stem = registry()[topic].stem(problem.params)
    texts = [stem.text, *(p.label for p in solution.parts), *(s.title for s in solution.steps)]
    if stem.table:
        texts += [cell for row in (stem.table.header, *stem.table.rows) for cell in row]
    assert all(check_text(t) is None for t in texts)
    for step in solution.steps:
        assert all(check(line) is None for line in (*step.lines, step.result) if line)


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_no_draw_asks_two_parts_with_the_same_answer(difficulty):
    import json

    from quizgen.exam.problems import make_problem
    from quizgen.topics import registry

    for name, topic in registry().items():
        for seed in range(60):
            problem = make_problem(name, seed, difficulty)
            solution = topic.solve(problem.params)
            values = [json.dumps(solution.answer[p.key]) for p in solution.parts]
            assert len(set(values)) == len(values), (name, seed, values)


def test_medium_conv_stacks_use_stride_two_convolutions_that_divide_exactly():
    from quizgen.exam.problems import make_problem

    for seed in range(100):
        layers = make_problem("conv_shape", seed, "medium").params.layers
        assert any(layer.type == "conv" and layer.s == 2 for layer in layers), seed
