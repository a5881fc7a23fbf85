"""Batch norm's inverse form: every answer, put through the forward solver, gives back what the
stem states (the input itself, the stated output mean and standard deviation, the stated
normalized value); no other answer does; the form's mistakes are named as themselves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quizgen import topics
from quizgen.core.errors import ParamsError
from quizgen.core.model import DIFFICULTIES

FORWARD = topics.get("batchnorm")
INVERSE = topics.get("batchnorm", "inverse")
SEEDS = range(150)


def layer(x, gamma: float = 1, beta: float = 0, eps: float = 0.1) -> dict:
    """The forward solver on one feature."""
    record = {"X": [[v] for v in x], "gamma": [gamma], "beta": [beta], "eps": eps}
    return FORWARD.solve(FORWARD.parse(record)).answer


def column(matrix) -> np.ndarray:
    return np.array(matrix, float)[:, 0]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_answer_gives_back_what_the_stem_states_through_the_forward_solver(difficulty):
    for seed in SEEDS:
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        answer = INVERSE.solve(p).answer
        if p.given == "missing":
            x_hat = column(layer([p.x1, answer["x2"]], eps=p.eps)["x_hat"])
            assert x_hat[1] == pytest.approx(p.x_hat2, abs=1e-12), seed
            continue
        y = column(layer(p.x, answer["gamma"], answer["beta"], p.eps)["y"])
        if p.given == "identity":
            assert y == pytest.approx(list(p.x), abs=1e-12), seed
        else:
            assert (y.mean(), y.std(), answer["gamma"] > 0) == (
                pytest.approx(p.mean, abs=1e-12),
                pytest.approx(p.std, abs=1e-12),
                True,
            ), seed


def test_each_difficulty_asks_its_own_question():
    given = {
        d: {INVERSE.generate(np.random.default_rng(s), d).given for s in range(30)}
        for d in DIFFICULTIES
    }
    assert given == {"easy": {"identity"}, "medium": {"moments"}, "hard": {"missing"}}


def test_only_one_line_gives_back_the_input():
    """Least squares on the forward solver's x_hat: the examples fix gamma and beta (rank 2),
    and the fit is exact."""
    for seed in range(40):
        p = INVERSE.generate(np.random.default_rng(seed), "easy")
        x_hat = column(layer(p.x, eps=p.eps)["x_hat"])
        system = np.column_stack([x_hat, np.ones_like(x_hat)])
        fit, residual, rank, _ = np.linalg.lstsq(system, np.array(p.x, float), rcond=None)
        answer = INVERSE.solve(p).answer
        assert rank == 2 and residual == pytest.approx([0], abs=1e-20)
        assert fit == pytest.approx([answer["gamma"], answer["beta"]])


def test_the_output_spread_grows_with_gamma_so_one_positive_gamma_gives_it():
    """Scan gamma over (0, 8] by 0.02 with the forward solver: the outputs' standard deviation
    grows strictly, crosses the stated one once, and the answer lies in that step."""
    grid = np.arange(1, 401) / 50
    for seed in range(5):
        p = INVERSE.generate(np.random.default_rng(seed), "medium")
        spread = np.array([column(layer(p.x, g, 0, p.eps)["y"]).std() for g in grid])
        assert (np.diff(spread) > 0).all()
        (crossing,) = np.flatnonzero(np.diff(np.sign(spread - p.std)))
        assert grid[crossing] <= INVERSE.solve(p).answer["gamma"] <= grid[crossing + 1]


def test_no_other_input_on_a_fine_grid_gives_the_stated_normalized_value():
    """Every x_2 from x_1 - 6 to x_1 + 6 by 0.05 through the forward solver: only the answer
    gives x_hat_2 (it is increasing in x_2, so there is none off the grid either)."""
    offsets = np.round(np.arange(-120, 121) * 0.05, 2)
    for seed in range(10):
        p = INVERSE.generate(np.random.default_rng(seed), "hard")
        hits = [
            p.x1 + o
            for o in offsets
            if o and abs(column(layer([p.x1, p.x1 + o], eps=p.eps)["x_hat"])[1] - p.x_hat2) < 1e-9
        ]
        assert hits == [pytest.approx(INVERSE.solve(p).answer["x2"])], (seed, hits)


def test_a_feature_that_does_not_vary_is_refused():
    with pytest.raises(ParamsError, match="x must vary"):
        INVERSE.parse({"given": "identity", "x": [1, 1, 1], "eps": 0.1})


def test_a_normalized_value_of_a_two_example_batch_must_lie_strictly_between_minus_1_and_1():
    with pytest.raises(ParamsError, match="x_hat2"):
        INVERSE.parse({"given": "missing", "x1": 1, "x_hat2": 1, "eps": 0.1})


@settings(max_examples=60)
@given(
    x=st.lists(st.integers(-5, 5), min_size=2, max_size=5),
    gamma=st.floats(0.1, 5),
    beta=st.floats(-3, 3),
    eps=st.floats(0.001, 1),
)
def test_any_layer_s_output_statistics_give_back_its_gamma_and_beta(x, gamma, beta, eps):
    """Forward first, for any numbers (not only drawn ones): the outputs' mean and standard
    deviation, asked about backwards, give back gamma and beta."""
    assume(len(set(x)) > 1)
    y = column(layer(x, gamma, beta, eps)["y"])
    record = {"given": "moments", "x": x, "eps": eps, "mean": y.mean(), "std": y.std()}
    answer = INVERSE.solve(INVERSE.parse(record)).answer
    assert (answer["gamma"], answer["beta"]) == (pytest.approx(gamma), pytest.approx(beta))


@settings(max_examples=60)
@given(x1=st.floats(-3, 3), gap=st.floats(0.05, 3) | st.floats(-3, -0.05), eps=st.floats(0.01, 1))
def test_any_two_example_batch_gives_back_its_second_input(x1, gap, eps):
    x_hat = column(layer([x1, x1 + gap], eps=eps)["x_hat"])[1]
    record = {"given": "missing", "x1": x1, "x_hat2": float(x_hat), "eps": eps}
    assert INVERSE.solve(INVERSE.parse(record)).answer["x2"] == pytest.approx(x1 + gap)
