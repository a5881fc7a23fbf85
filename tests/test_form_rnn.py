"""The RNN's inverse form: every answer, put through the forward solver, gives back the state or
output the stem states; the state grows (or falls) strictly with the unknown, so no other value
gives it; the form's mistakes are named as themselves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quizgen import topics
from quizgen.core.errors import ParamsError
from quizgen.core.model import DIFFICULTIES

FORWARD = topics.get("rnn")
INVERSE = topics.get("rnn", "inverse")
SEEDS = range(150)


def forward(p, value: float) -> dict:
    """The forward solver's answer with ``value`` as the unknown."""
    known = {"x1": p.x1, "x2": p.x2, "wh": p.wh} | {p.asked: value}
    xs = [[known["x1"]]] if p.asked == "x1" else [[known["x1"]], [known["x2"]]]
    record = {"xs": xs, "h0": [p.h0], "Wx": [[p.wx]], "Wh": [[known["wh"]]], "b": [p.b]}
    record |= {"Wy": [[p.wy if p.wy is not None else 1]], "by": [p.by or 0]}
    return FORWARD.solve(FORWARD.parse(record)).answer


def stated_by_forward(p, value: float) -> float:
    """The stated quantity (h_1, h_2 or y_2) by the forward solver."""
    answer = forward(p, value)
    return answer["y"][-1][0] if p.asked == "x2" else answer["h"][-1][0]


def target(p) -> float:
    return {"x1": p.h1, "wh": p.h2, "x2": p.y2}[p.asked]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_answer_gives_back_the_stated_value_through_the_forward_solver(difficulty):
    for seed in SEEDS:
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        answer = INVERSE.solve(p).answer
        assert stated_by_forward(p, answer[p.asked]) == pytest.approx(target(p), abs=1e-12), seed


def test_each_difficulty_asks_for_its_own_unknown():
    asked = {
        d: {INVERSE.generate(np.random.default_rng(s), d).asked for s in range(30)}
        for d in DIFFICULTIES
    }
    assert asked == {"easy": {"x1"}, "medium": {"wh"}, "hard": {"x2"}}


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_stated_value_is_monotonic_in_the_unknown_so_one_value_gives_it(difficulty):
    """Scan the unknown over [-5, 5] by 0.05 with the forward solver: the stated value moves
    strictly one way, crosses its target once, and the answer lies in that step."""
    grid = np.arange(-100, 101) / 20
    for seed in range(4):
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        values = np.array([stated_by_forward(p, float(v)) for v in grid])
        steps = np.diff(values)
        assert (steps > 0).all() or (steps < 0).all(), seed
        (crossing,) = np.flatnonzero(np.diff(np.sign(values - target(p))))
        assert grid[crossing] <= INVERSE.solve(p).answer[p.asked] <= grid[crossing + 1], seed


def test_a_student_who_gets_h2_wrong_has_x2_marked_by_follow_through():
    p = INVERSE.generate(np.random.default_rng(1), "hard")
    followed = INVERSE.follow(p, {"h2": 0.5})
    assert forward(p, followed["x2"])["h"][1][0] == pytest.approx(0.5, abs=1e-12)


def test_an_output_no_state_can_give_is_refused():
    record = {"asked": "x2", "h0": 0.5, "wx": 1, "b": 0, "x1": 1, "wh": 1}
    with pytest.raises(ParamsError, match=r"must lie in \(-1, 1\)"):
        INVERSE.parse({**record, "y2": 3, "wy": 1, "by": 0})


def test_a_recurrent_weight_question_with_a_non_zero_h0_is_refused():
    record = {"asked": "wh", "h0": 0.5, "wx": 1, "b": 0, "x1": 1, "x2": 1, "h2": 0.5}
    with pytest.raises(ParamsError, match="h0 = 0"):
        INVERSE.parse(record)


small = st.floats(-1, 1, allow_nan=False)
nonzero = st.floats(0.2, 1) | st.floats(-1, -0.2)


@settings(max_examples=60)
@given(h0=small, wx=nonzero, wh=small, b=small, x1=small, x2=small, wy=nonzero, by=small)
def test_any_two_steps_give_back_their_inputs_and_recurrent_weight(h0, wx, wh, b, x1, x2, wy, by):
    """Forward first, for any numbers (not only drawn ones): the states and output the forward
    solver gives, asked about backwards, give back x_1, w_h (from h_0 = 0) and x_2."""
    shared = {"wx": wx, "b": b}
    record = {"xs": [[x1], [x2]], "Wx": [[wx]], "Wh": [[wh]], "b": [b], "Wy": [[wy]], "by": [by]}
    h, y = (FORWARD.solve(FORWARD.parse({**record, "h0": [h0]})).answer[k] for k in "hy")
    from_zero = FORWARD.solve(FORWARD.parse({**record, "h0": [0]})).answer["h"]
    assume(
        max(abs(h[1][0]), abs(from_zero[1][0]), abs(h[0][0])) < 0.99 and abs(from_zero[0][0]) > 0.1
    )
    cases = [
        ({"asked": "x1", "h0": h0, "wh": wh, "h1": h[0][0]}, x1),
        ({"asked": "wh", "h0": 0, "x1": x1, "x2": x2, "h2": from_zero[1][0]}, wh),
        ({"asked": "x2", "h0": h0, "x1": x1, "wh": wh, "y2": y[1][0], "wy": wy, "by": by}, x2),
    ]
    for fields, unknown in cases:
        answer = INVERSE.solve(INVERSE.parse({**fields, **shared})).answer[fields["asked"]]
        assert answer == pytest.approx(unknown, abs=1e-6), fields["asked"]
