"""Attention's inverse form: every answer, put through the forward solver, gives back the
attention weight the stem states; the weight grows with the score, so no other score does; the
form's mistakes are named as themselves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quizgen import topics
from quizgen.core.errors import ParamsError
from quizgen.core.model import DIFFICULTIES

FORWARD = topics.get("attention")
INVERSE = topics.get("attention", "inverse")
SEEDS = range(150)


def key_with_score(q, score: float) -> list[float]:
    """A key whose dot product with q is ``score``: all of it on q's first non-zero entry."""
    j = next(i for i, v in enumerate(q) if v)
    return [score / q[j] if i == j else 0.0 for i in range(len(q))]


def weight_on_key_1(q, others, k1) -> float:
    """The query's weight on key 1 by the forward solver (the query repeated as every token's,
    values one-hot: only the first row matters)."""
    keys = [list(k1), *map(list, others)]
    record = {"Q": [list(q)] * len(keys), "K": keys, "V": np.eye(len(keys)).tolist()}
    return FORWARD.solve(FORWARD.parse(record)).answer["weights"][0][0]


def filled(p, entry: float) -> list[float]:
    return [entry if k is None else k for k in p.k1]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_answer_gives_back_the_stated_weight_through_the_forward_solver(difficulty):
    for seed in SEEDS:
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        answer = INVERSE.solve(p).answer
        assert weight_on_key_1(
            p.q, p.others, key_with_score(p.q, answer["score"])
        ) == pytest.approx(p.weight, abs=1e-12), seed
        if p.k1 is not None:
            k1 = filled(p, answer["entry"])
            assert np.dot(p.q, k1) == pytest.approx(answer["score"], abs=1e-12)
            assert weight_on_key_1(p.q, p.others, k1) == pytest.approx(p.weight, abs=1e-12), seed


def test_each_difficulty_has_its_number_of_keys_and_hard_an_unknown_entry():
    for difficulty, keys in (("easy", {2}), ("medium", {3}), ("hard", {2, 3})):
        drawn = [INVERSE.generate(np.random.default_rng(s), difficulty) for s in range(30)]
        assert {len(p.others) + 1 for p in drawn} == keys
        assert {p.k1 is not None for p in drawn} == {difficulty == "hard"}


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_weight_grows_with_the_score_so_one_score_gives_it(difficulty):
    """Scan key 1's score over [-12, 12] by 0.2 with the forward solver: the weight grows
    strictly and crosses the stated one once, in the step holding the answer. (At hard the
    entry follows from the score by a linear equation with q_j != 0: one entry too.)"""
    grid = np.arange(-60, 61) / 5
    for seed in range(3):
        p = INVERSE.generate(np.random.default_rng(seed), difficulty)
        weights = np.array(
            [weight_on_key_1(p.q, p.others, key_with_score(p.q, float(v))) for v in grid]
        )
        assert (np.diff(weights) > 0).all()
        (crossing,) = np.flatnonzero(np.diff(np.sign(weights - p.weight)))
        assert grid[crossing] <= INVERSE.solve(p).answer["score"] <= grid[crossing + 1], seed


def test_a_key_with_the_wrong_width_is_refused():
    with pytest.raises(ParamsError, match="d_k = 2"):
        INVERSE.parse({"q": [1, 0], "others": [[1, 0, 1]], "weight": 0.8})


def test_an_unknown_entry_the_query_does_not_see_is_refused():
    record = {"q": [0, 1], "others": [[1, 0]], "weight": 0.8, "k1": [None, 1]}
    with pytest.raises(ParamsError, match="must not be 0"):
        INVERSE.parse(record)


entries = st.integers(-3, 3)


@settings(max_examples=60)
@given(
    d_k=st.integers(1, 4),
    keys=st.integers(2, 4),
    data=st.data(),
)
def test_any_keys_weight_gives_back_its_score_and_entry(d_k, keys, data):
    """Forward first, for any numbers (not only drawn ones): the weight on key 1, asked about
    backwards, gives back key 1's score, and any one of its entries."""
    q = data.draw(st.lists(entries, min_size=d_k, max_size=d_k))
    k = data.draw(
        st.lists(st.lists(entries, min_size=d_k, max_size=d_k), min_size=keys, max_size=keys)
    )
    assume(any(q))
    j = data.draw(st.sampled_from([i for i, v in enumerate(q) if v]))
    weight = weight_on_key_1(q, k[1:], k[0])
    assume(1e-6 < weight < 1 - 1e-6)
    hidden = [None if i == j else v for i, v in enumerate(k[0])]
    record = {"q": q, "others": k[1:], "weight": weight, "k1": hidden}
    answer = INVERSE.solve(INVERSE.parse(record)).answer
    assert answer["score"] == pytest.approx(np.dot(q, k[0]), abs=1e-6)
    assert answer["entry"] == pytest.approx(k[0][j], abs=1e-6)
