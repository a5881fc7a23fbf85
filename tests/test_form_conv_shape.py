"""conv_shape's inverse and what-if forms, checked by independent methods: an inverse answer put
through the forward solver gives the asked output back, and is the only one by brute force
(every padding 0..20, every stride and filter size up to the padded side, every input side);
a what-if answer is the forward solver's on the set-up changed here, by editing its record; and
a student who makes one of a form's named mistakes is told that mistake."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from quizgen import topics
from quizgen.core.model import DIFFICULTIES
from quizgen.core.params import ParamsError

FORWARD = topics.get("conv_shape")
INVERSE = topics.get("conv_shape", "inverse")
WHATIF = topics.get("conv_shape", "whatif")
SEEDS = range(150)


def draws(topic, difficulty, seeds=SEEDS):
    for seed in seeds:
        params = topic.generate(np.random.default_rng(seed), difficulty)
        yield params, topic.solve(params).answer


def window_walk(n: int, f: int, s: int, p: int) -> tuple[int, bool]:
    """Windows on a padded side, placed one by one from the edge: how many fit, and does the
    last one end exactly at the far edge? (No size formula: an independent count.)"""
    padded = n + 2 * p
    starts = list(range(0, padded - f + 1, s))
    return len(starts), bool(starts) and starts[-1] + f == padded


def walk_through(n: int, layers: list[dict]) -> int:
    for layer in layers:
        n, _ = window_walk(n, layer["f"], layer["s"], layer["p"])
    return n


def with_answer(params, value: int) -> tuple[int, list[dict]]:
    """The input side and the layers of an inverse question with ``value`` put in, from its
    record."""
    record = params.to_record()
    layers = [dict(w) for w in record["layers"]]
    if record["asked"] == "n":
        return value, layers
    for layer in layers:
        layer[record["asked"]] = value
    return record["input"], layers


# inverse --------------------------------------------------------------------------------


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_an_inverse_answer_gives_the_asked_output_through_the_forward_solver(difficulty):
    for params, answer in draws(INVERSE, difficulty):
        n, layers = with_answer(params, answer[params.asked])
        shapes = FORWARD.solve(FORWARD.parse({"input": [n, n, 3], "layers": layers})).answer
        assert shapes["shapes"][-1][0] == params.output, params
        if params.asked == "n":
            assert shapes["shapes"][0][0] == answer["between"], params


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_an_inverse_answer_is_a_whole_number_an_exam_uses(difficulty):
    for params, answer in draws(INVERSE, difficulty):
        value = answer[params.asked]
        assert isinstance(value, int) and value >= (0 if params.asked == "p" else 1)
        assert value <= {"p": 3, "s": 4, "f": 11, "n": 260}[params.asked], params


def test_easy_asks_the_padding_medium_a_stride_or_filter_size_and_hard_an_input_side():
    asked = {d: {p.asked for p, _ in draws(INVERSE, d, range(60))} for d in DIFFICULTIES}
    assert asked == {"easy": {"p"}, "medium": {"s", "f"}, "hard": {"n"}}


def _padding_answers(params) -> list[int]:
    n, [layer] = with_answer(params, 0)
    return [p for p in range(21) if window_walk(n, layer["f"], layer["s"], p)[0] == params.output]


def test_the_padding_asked_is_the_only_padding_from_0_to_20_that_gives_the_output():
    for params, answer in draws(INVERSE, "easy"):
        assert _padding_answers(params) == [answer["p"]], params


def _fitting(params, name: str, limit: int) -> list[int]:
    """Every value of ``name`` up to ``limit`` that gives the output with the last window at
    the edge (the stem's constraint)."""
    found = []
    for value in range(1, limit + 1):
        n, [layer] = with_answer(params, value)
        count, at_edge = window_walk(n, layer["f"], layer["s"], layer["p"])
        if count == params.output and (at_edge or (name == "f" and layer["s"] == 1)):
            found.append(value)
    return found


def test_the_stride_or_filter_size_asked_is_the_only_one_that_fits_the_stated_constraint():
    for params, answer in draws(INVERSE, "medium"):
        n, [layer] = with_answer(params, 1)
        assert _fitting(params, params.asked, n + 2 * layer["p"]) == [answer[params.asked]]


def test_the_stated_constraint_picks_one_stride_where_the_floor_lets_several_fit():
    """Why the stem says that no row is left over: 30 rows of moves with 3 moves fit strides
    8, 9 and 10 (the floor drops the rest); only 10 leaves nothing over."""
    params = INVERSE.parse(
        {
            "asked": "s",
            "input": 32,
            "output": 4,
            "layers": [{"type": "conv", "f": 2, "p": 0, "filters": 8}],
        }
    )
    assert [s for s in range(1, 33) if window_walk(32, 2, s, 0)[0] == 4] == [8, 9, 10]
    assert INVERSE.solve(params).answer == {"s": 10}
    assert _fitting(params, "s", 32) == [10]


def test_the_input_side_asked_is_the_smallest_that_gives_the_output():
    for params, answer in draws(INVERSE, "hard"):
        _, layers = with_answer(params, 0)
        sides = [
            n
            for n in range(1, 4 * answer["n"] + 40)
            if _fits(n, layers) and walk_through(n, layers) == params.output
        ]
        assert sides and min(sides) == answer["n"], params


def _fits(n: int, layers: list[dict]) -> bool:
    for layer in layers:
        if layer["f"] > n + 2 * layer["p"]:
            return False
        n = window_walk(n, layer["f"], layer["s"], layer["p"])[0]
    return True


def test_an_inverse_stem_states_the_constraint_that_makes_the_answer_unique():
    for difficulty in DIFFICULTIES:
        for params, _ in draws(INVERSE, difficulty, range(40)):
            text = INVERSE.stem(params).text
            if params.asked == "n":
                assert "smallest" in text
            elif params.asked == "s" or (params.asked == "f" and params.layers[0].s > 1):
                assert "no row or column is left over" in text


def test_the_hard_inverse_follows_through_from_the_students_own_side_after_layer_1():
    params, answer = next(draws(INVERSE, "hard"))
    first = params.layers[0]
    given = answer["between"] + 1
    expected = first.s * (given - 1) + first.f - 2 * first.p
    assert INVERSE.follow(params, {"between": given}) == {"n": expected}


def test_an_inverse_worked_solution_rearranges_substitutes_and_checks():
    for difficulty in DIFFICULTIES:
        params, answer = next(draws(INVERSE, difficulty))
        steps = INVERSE.solve(params).steps
        assert steps[-1].title == "Check with the forward formula"
        assert str(answer[params.asked]) in " ".join(steps[-2].lines)


def test_an_inverse_with_no_whole_answer_is_refused_naming_what_is_asked():
    record = {
        "asked": "s",
        "input": 32,
        "output": 16,
        "layers": [{"type": "conv", "f": 3, "p": 0, "filters": 8}],
    }
    with pytest.raises(ParamsError, match="no whole stride gives an output side of 16"):
        INVERSE.parse(record)


def test_an_inverse_that_leaves_out_two_numbers_is_refused():
    record = {
        "asked": "s",
        "input": 32,
        "output": 16,
        "layers": [{"type": "conv", "f": 2, "filters": 8}],
    }
    with pytest.raises(ParamsError, match="only the asked s is left out"):
        INVERSE.parse(record)


def test_an_input_side_is_asked_through_two_layers():
    record = {
        "asked": "n",
        "output": 16,
        "layers": [{"type": "conv", "f": 3, "s": 1, "p": 0, "filters": 8}],
    }
    with pytest.raises(ParamsError, match="an input side is asked through two layers"):
        INVERSE.parse(record)


def test_an_input_side_is_asked_of_layers_padded_at_most_as_same_padding():
    record = {
        "asked": "n",
        "output": 4,
        "layers": [
            {"type": "conv", "f": 3, "s": 1, "p": 2, "filters": 8},
            {"type": "pool", "f": 2, "s": 2, "p": 0},
        ],
    }
    with pytest.raises(ParamsError, match=r"padded by at most \(f - 1\) / 2"):
        INVERSE.parse(record)


def test_a_padding_is_asked_only_at_stride_1():
    record = {
        "asked": "p",
        "input": 32,
        "output": 16,
        "layers": [{"type": "conv", "f": 2, "s": 2, "filters": 8}],
    }
    with pytest.raises(ParamsError, match="stride 1"):
        INVERSE.parse(record)


# what-if --------------------------------------------------------------------------------


def changed_by_hand(params) -> dict:
    """The what-if's set-up with its change made, by editing its record."""
    record = params.to_record()
    layers = [dict(layer) for layer in record["layers"]]
    layers[record["layer"] - 1][record["change"]] = record["to"]
    return {"input": record["input"], "layers": layers}


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_a_whatif_answer_is_the_forward_solvers_on_the_changed_set_up(difficulty):
    for params, answer in draws(WHATIF, difficulty):
        changed = FORWARD.solve(FORWARD.parse(changed_by_hand(params))).answer["shapes"]
        assert answer["shapes"] == changed, params
        if "factor" in answer:
            before = FORWARD.solve(FORWARD.parse(params.before().to_record())).answer["shapes"]
            area = changed[-1][0] * changed[-1][1] / (before[-1][0] * before[-1][1])
            assert answer["factor"] == pytest.approx(area, rel=1e-12)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_a_whatif_sizes_match_windows_counted_one_by_one(difficulty):
    for params, answer in draws(WHATIF, difficulty, range(60)):
        changed = changed_by_hand(params)
        height, width = changed["input"][:2]
        for layer, shape in zip(changed["layers"], answer["shapes"]):
            height = walk_through(height, [layer])
            width = walk_through(width, [layer])
            assert shape[:2] == [height, width], params


def test_a_whatif_change_always_changes_some_shape():
    for difficulty in DIFFICULTIES:
        for params, answer in draws(WHATIF, difficulty, range(60)):
            before = FORWARD.solve(params.before()).answer["shapes"]
            assert answer["shapes"] != before


def test_the_whatif_asks_the_area_factor_at_medium_and_hard_only():
    for difficulty in DIFFICULTIES:
        for params, _ in draws(WHATIF, difficulty, range(20)):
            keys = [part.key for part in WHATIF.parts(params)]
            assert keys == (["shapes"] if difficulty == "easy" else ["shapes", "factor"])


def test_the_whatif_stem_shows_the_old_shapes_and_says_what_changes():
    params = WHATIF.parse(
        {
            "input": [32, 32, 3],
            "layers": [
                {"type": "conv", "f": 3, "s": 1, "p": 1, "filters": 16},
                {"type": "pool", "f": 2, "s": 2},
            ],
            "layer": 1,
            "change": "s",
            "to": 2,
        }
    )
    stem = WHATIF.stem(params)
    assert "The stride of layer 1 doubles, from 1 to 2." in stem.text
    assert stem.table.rows[-1][-1] == r"$16 \times 16 \times 16$"
    assert WHATIF.solve(params).answer == {"shapes": [[16, 16, 16], [8, 8, 16]]}


def test_a_whatif_that_changes_nothing_is_refused():
    record = {
        "input": [32, 32, 3],
        "layers": [{"type": "conv", "f": 3, "filters": 8}],
        "layer": 1,
        "change": "f",
        "to": 3,
    }
    with pytest.raises(ParamsError, match="already 3: nothing changes"):
        WHATIF.parse(record)


def test_a_whatif_whose_changed_layer_no_longer_fits_is_refused():
    record = {
        "input": [4, 4, 3],
        "layers": [{"type": "conv", "f": 3, "filters": 8}],
        "layer": 1,
        "change": "f",
        "to": 7,
    }
    with pytest.raises(ParamsError, match="kernel 7 is larger than the padded input 4"):
        WHATIF.parse(record)


def test_the_whatif_factor_follows_through_from_the_students_own_final_shape():
    for params, answer in draws(WHATIF, "medium", range(5)):
        old = params.before()
        last = FORWARD.solve(old).answer["shapes"][-1]
        mine = [*answer["shapes"][:-1], [10, 10, 8]]
        followed = WHATIF.follow(params, {"shapes": mine})
        assert followed["factor"] == pytest.approx(100 / (last[0] * last[1]))


# any set-up, not only the drawn ones -----------------------------------------------------

SIDES = st.integers(1, 256)
WINDOWS = st.tuples(st.integers(1, 11), st.integers(1, 5), st.integers(0, 5))


def conv(f: int, s: int | None, p: int | None) -> dict:
    layer = {"type": "conv", "f": f, "s": s, "p": p, "filters": 8}
    return {k: v for k, v in layer.items() if v is not None}


@given(n=SIDES, window=WINDOWS, asked=st.sampled_from(["p", "s", "f"]))
def test_any_layer_whose_last_window_ends_at_the_edge_is_found_again(n, window, asked):
    f, s, p = window
    assume(f <= n + 2 * p)
    m, at_edge = window_walk(n, f, s, p)
    assume(at_edge and m >= 2 and (asked != "p" or s == 1))
    known = {"f": f, "s": s, "p": p, asked: None}
    params = INVERSE.parse({"asked": asked, "input": n, "output": m, "layers": [conv(**known)]})
    assert INVERSE.solve(params).answer == {asked: window["fsp".index(asked)]}


@given(n=SIDES, first=WINDOWS, second=WINDOWS)
def test_any_two_layers_give_back_the_smallest_input_side(n, first, second):
    layers = [conv(*first), conv(*second)]
    assume(all(2 * layer["p"] <= layer["f"] - 1 for layer in layers))  # at most "same"
    assume(_fits(n, layers) and walk_through(n, layers) >= 1)
    m = walk_through(n, layers)
    answer = INVERSE.solve(INVERSE.parse({"asked": "n", "output": m, "layers": layers})).answer
    assert answer["n"] <= n and walk_through(answer["n"], layers) == m
    assert not (_fits(answer["n"] - 1, layers) and walk_through(answer["n"] - 1, layers) == m)
