"""Regularization's inverse form: every answer, put through the forward solver, gives back the
dropout output, regularized loss or updated weight the stem states; it is the only value on a
fine grid that does; the form's mistakes are named as themselves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quizgen import topics
from quizgen.core.errors import ParamsError
from quizgen.core.model import DIFFICULTIES

FORWARD = topics.get("regularization")
INVERSE = topics.get("regularization", "inverse")
SEEDS = range(150)


def stated_by_forward(p, value: float) -> float:
    """What the forward solver gives for the stated quantity, with ``value`` as the unknown:
    a kept unit's dropout output, the regularized loss, or the weight after the step."""
    fields = {"a": [p.a or 1], "mask": [1], "p": 0, "lam": 1, "lr": p.lr or 1}
    fields["penalty"] = p.penalty or "l2"
    if p.given == "dropout":
        fields |= {"w": [0, 1], "grad": [0, 0], "loss": 0, "p": value}
    elif p.given == "loss":
        fields |= {"w": list(p.w), "grad": [0] * len(p.w), "loss": p.loss, "lam": value}
    else:
        fields |= {"w": [0, p.weight], "grad": [0, p.grad], "loss": 0, "lam": value}
    answer = FORWARD.solve(FORWARD.parse(fields)).answer
    return {"dropout": answer["dropped"][0], "loss": answer["total_loss"]}.get(
        p.given, answer["w_new"][1]
    )


def target(p) -> float:
    return {"dropout": p.dropped, "loss": p.total, "update": p.w_new}[p.given]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_answer_gives_back_the_stated_value_through_the_forward_solver(difficulty):
    for seed in SEEDS:
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        (value,) = INVERSE.solve(p).answer.values()
        assert stated_by_forward(p, value) == pytest.approx(target(p), abs=1e-9), seed


def test_each_difficulty_states_its_own_quantity():
    given = {
        d: {INVERSE.generate(np.random.default_rng(s), d).given for s in range(30)}
        for d in DIFFICULTIES
    }
    assert given == {"easy": {"dropout"}, "medium": {"loss"}, "hard": {"update"}}


def test_both_penalties_are_asked_about():
    for difficulty in ("medium", "hard"):
        drawn = {INVERSE.generate(np.random.default_rng(s), difficulty).penalty for s in range(30)}
        assert drawn == {"l1", "l2"}


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_no_other_value_on_a_fine_grid_gives_the_stated_value(difficulty):
    """Brute force over every p in [0, 1) and every lambda in (0, 2] by 0.01: only the answer
    gives the stated value, so it is on that grid, and unique there (each map is monotonic, so
    there is no other off the grid either)."""
    grid = np.arange(0, 100) / 100 if difficulty == "easy" else np.arange(1, 201) / 100
    for seed in range(8):
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        (right,) = INVERSE.solve(p).answer.values()
        hits = [v for v in grid if abs(stated_by_forward(p, float(v)) - target(p)) < 1e-9]
        assert hits == [pytest.approx(right)], (seed, hits)


def test_a_dropout_output_smaller_than_its_input_is_refused():
    with pytest.raises(ParamsError, match="dropped must exceed a"):
        INVERSE.parse({"given": "dropout", "a": 2, "dropped": 1})


def test_a_regularized_loss_below_the_data_loss_is_refused():
    record = {"given": "loss", "penalty": "l2", "w": [1, 2], "loss": 2, "total": 1.5}
    with pytest.raises(ParamsError, match="total must exceed loss"):
        INVERSE.parse(record)


def test_a_step_no_positive_lambda_explains_is_refused():
    record = {"given": "update", "penalty": "l2", "weight": 1, "grad": 1, "lr": 0.1}
    with pytest.raises(ParamsError, match="no positive lambda"):
        INVERSE.parse({**record, "w_new": 0.95})


def test_a_field_the_question_does_not_use_is_refused():
    with pytest.raises(ParamsError, match='lr is not used when given is "dropout"'):
        INVERSE.parse({"given": "dropout", "a": 1, "dropped": 2, "lr": 0.1})


weights = st.floats(-3, 3, allow_nan=False)


@settings(max_examples=60)
@given(drop=st.floats(0.01, 0.95), a=st.floats(0.1, 5))
def test_any_dropout_scaling_gives_back_its_drop_probability(drop, a):
    """Forward first, for any numbers (not only drawn ones): the output the forward solver
    gives, asked about backwards, gives back the drop probability."""
    fields = {"w": [0, 1], "grad": [0, 0], "loss": 0, "penalty": "l2", "lam": 1, "lr": 1}
    dropped = FORWARD.solve(FORWARD.parse({**fields, "a": [a], "mask": [1], "p": drop}))
    assume(dropped.answer["dropped"][0] > a)
    record = {"given": "dropout", "a": a, "dropped": dropped.answer["dropped"][0]}
    assert INVERSE.solve(INVERSE.parse(record)).answer["p"] == pytest.approx(drop, abs=1e-9)


@settings(max_examples=60)
@given(
    w=st.tuples(weights, st.floats(0.1, 3) | st.floats(-3, -0.1), weights).map(list),
    grad=weights,
    lam=st.floats(0.01, 2),
    lr=st.floats(0.01, 1),
    penalty=st.sampled_from(["l1", "l2"]),
)
def test_any_penalty_gives_back_its_lambda_from_the_loss_and_from_a_step(w, grad, lam, lr, penalty):
    fields = {"w": w, "grad": [grad] * len(w), "loss": 1, "penalty": penalty, "lam": lam}
    answer = FORWARD.solve(FORWARD.parse({**fields, "lr": lr, "a": [1], "mask": [1], "p": 0}))
    from_loss = {"given": "loss", "penalty": penalty, "w": w, "loss": 1}
    from_step = {"given": "update", "penalty": penalty, "weight": w[1], "grad": grad, "lr": lr}
    records = [
        {**from_loss, "total": answer.answer["total_loss"]},
        {**from_step, "w_new": answer.answer["w_new"][1]},
    ]
    for record in records:
        assert INVERSE.solve(INVERSE.parse(record)).answer["lam"] == pytest.approx(lam, rel=1e-6)
