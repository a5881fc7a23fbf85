"""The optimizer's inverse form: every answer, put through the forward solver, gives back the
weights the stem states; it is the only value on a fine grid that does; the form's mistakes
are named as themselves."""

from __future__ import annotations

import numpy as np
import pytest
from form_students import drawn
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quizgen import topics
from quizgen.core.errors import ParamsError
from quizgen.core.model import DIFFICULTIES
from quizgen.topics.optimizer.inverse import BETA1, BETA2

FORWARD = topics.get("optimizer")
INVERSE = topics.get("optimizer", "inverse")
SEEDS = range(150)


def forward_weights(p, answer) -> list[float]:
    """The weights after the steps, by the forward solver, with the answer filled in."""
    if p.asked == "grad":
        fields = {"method": "adam", "steps": 1, "grads": [answer["grad"]], "lr": p.lr}
        fields |= {"eps": p.eps, "beta1": BETA1, "beta2": BETA2}
    else:
        fields = {"method": "momentum", "steps": 2, "grads": p.grads}
        fields |= {"convention": p.convention or "pytorch"}
        fields |= {"lr": answer.get("lr", p.lr), "mu": answer.get("mu", p.mu)}
    return FORWARD.solve(FORWARD.parse({"w0": p.w0, **fields})).answer["w_final"]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_answer_gives_back_the_stated_weights_through_the_forward_solver(difficulty):
    for seed in SEEDS:
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        answer = INVERSE.solve(p).answer
        assert forward_weights(p, answer) == pytest.approx(list(p.target), abs=1e-9), seed


def test_each_difficulty_asks_for_its_own_unknown():
    asked = {
        d: {INVERSE.generate(np.random.default_rng(s), d).asked for s in range(30)}
        for d in DIFFICULTIES
    }
    assert asked == {"easy": {"lr"}, "medium": {"mu"}, "hard": {"grad"}}


def test_the_answers_are_on_a_grid():
    for problem in drawn("optimizer", "inverse", range(60)):
        value = INVERSE.solve(problem.params).answer[problem.params.asked]
        for v in value if isinstance(value, list) else [value]:
            assert round(v, 2) == pytest.approx(v, abs=1e-9), (problem, v)


@pytest.mark.parametrize("difficulty", ["easy", "medium"])
def test_no_other_rate_on_a_fine_grid_gives_the_stated_weight(difficulty):
    """Brute force over every learning rate 0.005-1 (or momentum 0-0.995) by 0.005: only the
    answer lands on w_2 (the map is linear, so there is no second one off the grid)."""
    grid = np.round(np.arange(1, 200) * 0.005, 3) if difficulty == "easy" else np.arange(200) / 200
    for seed in range(10):
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        right = INVERSE.solve(p).answer[p.asked]
        hits = [
            value
            for value in grid
            if abs(forward_weights(p, {p.asked: float(value)})[0] - p.target[0]) < 1e-9
        ]
        assert hits == [pytest.approx(right)], (seed, hits)


def test_no_other_adam_gradient_on_a_fine_grid_gives_the_stated_move():
    """Every gradient -3 to 3 by 0.05, weight by weight (Adam acts elementwise, so one forward
    run over a vector of candidates tries them all): only the answer lands on w_1."""
    candidates = np.round(np.arange(-60, 61) * 0.05, 2)
    for seed in range(25):
        p = INVERSE.generate(np.random.default_rng(seed), "hard")
        right = INVERSE.solve(p).answer["grad"]
        for w0, w1, g in zip(p.w0, p.target, right):
            fields = {"method": "adam", "steps": 1, "lr": p.lr, "eps": p.eps}
            fields |= {"beta1": BETA1, "beta2": BETA2, "w0": [w0] * len(candidates)}
            w = FORWARD.solve(FORWARD.parse({**fields, "grads": [candidates.tolist()]}))
            hits = candidates[np.abs(np.array(w.answer["w_final"]) - w1) < 1e-9]
            assert hits.tolist() == [pytest.approx(g)], (seed, hits)


def test_a_move_no_adam_step_can_make_is_refused_with_the_reason():
    with pytest.raises(ParamsError, match="less than lr"):
        INVERSE.parse({"asked": "grad", "w0": [1], "target": [0.2], "lr": 0.5, "eps": 0.1})


def test_two_steps_no_positive_learning_rate_explains_are_refused():
    record = {"asked": "lr", "w0": [1], "target": [2], "grads": [[1], [1]], "mu": 0.5}
    with pytest.raises(ParamsError, match="no positive learning rate"):
        INVERSE.parse({**record, "convention": "pytorch"})


def test_a_field_the_question_does_not_use_is_refused():
    record = {"asked": "mu", "w0": [1], "target": [0.5], "grads": [[1], [1]], "lr": 0.1}
    with pytest.raises(ParamsError, match='mu is not used when asked is "mu"'):
        INVERSE.parse({**record, "mu": 0.5})


finite = st.floats(-3, 3, allow_nan=False)
nonzero = st.floats(0.1, 3) | st.floats(-3, -0.1)


@settings(max_examples=60)
@given(
    w0=finite,
    grads=st.tuples(nonzero, nonzero),
    mu=st.floats(0, 0.95),
    convention=st.sampled_from(["pytorch", "ema"]),
    lr=st.floats(0.01, 1),
    asked=st.sampled_from(["lr", "mu"]),
)
def test_any_two_momentum_steps_give_back_their_rate(w0, grads, mu, convention, lr, asked):
    """Forward first, for any numbers (not only drawn ones): the weight two steps reach, asked
    about backwards, gives back the learning rate or momentum that reached it."""
    if asked == "mu":
        convention = "pytorch"
    rows = [[grads[0]], [grads[1]]]
    fields = {"method": "momentum", "w0": [w0], "steps": 2, "grads": rows, "lr": lr, "mu": mu}
    w2 = FORWARD.solve(FORWARD.parse({**fields, "convention": convention})).answer["w_final"]
    assume(abs(w2[0] - w0) > 1e-3)
    known = {"mu": mu, "convention": convention} if asked == "lr" else {"lr": lr}
    record = {"asked": asked, "w0": [w0], "target": w2, "grads": rows, **known}
    answer = INVERSE.solve(INVERSE.parse(record)).answer[asked]
    assert answer == pytest.approx(lr if asked == "lr" else mu, abs=1e-6)


@settings(max_examples=60)
@given(
    grad=st.lists(st.floats(0.05, 5) | st.floats(-5, -0.05), min_size=1, max_size=3),
    lr=st.floats(0.05, 1),
    eps=st.floats(0.01, 0.5),
)
def test_any_adam_step_gives_back_its_gradient(grad, lr, eps):
    w0 = [0.5] * len(grad)
    fields = {"method": "adam", "w0": w0, "steps": 1, "grads": [grad], "lr": lr, "eps": eps}
    w1 = FORWARD.solve(FORWARD.parse({**fields, "beta1": BETA1, "beta2": BETA2})).answer["w"][0]
    record = {"asked": "grad", "w0": w0, "target": w1, "lr": lr, "eps": eps}
    assert INVERSE.solve(INVERSE.parse(record)).answer["grad"] == pytest.approx(grad, rel=1e-6)
