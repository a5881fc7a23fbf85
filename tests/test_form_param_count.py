"""param_count's inverse and what-if forms, checked by independent methods: an inverse answer
put through the forward solver gives the stated count back, and is the only one by brute force
(every filter count, width or filter size up to far past it, counted from weight arrays' shapes);
a what-if answer is the forward solver's on the network changed here, by editing its record;
and a student who makes one of a form's named mistakes is told that mistake."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizgen import topics
from quizgen.core.model import DIFFICULTIES
from quizgen.core.params import ParamsError

FORWARD = topics.get("param_count")
INVERSE = topics.get("param_count", "inverse")
WHATIF = topics.get("param_count", "whatif")
SEEDS = range(150)


def draws(topic, difficulty, seeds=SEEDS):
    for seed in seeds:
        params = topic.generate(np.random.default_rng(seed), difficulty)
        yield params, topic.solve(params).answer


def array_count(shape: list[int], layers: list[dict]) -> list[int]:
    """Each layer's parameters as the sizes of the weight and bias arrays a framework would
    allocate (no counting formula): conv weights (K, C, f, f), dense weights (out, in)."""
    counts = []
    for layer in layers:
        if layer["type"] == "conv":
            weights = np.empty((layer["filters"], shape[2], layer["f"], layer["f"]))
            biases = np.empty(layer["filters"] if layer.get("bias", True) else 0)
            shape = [shape[0], shape[1], layer["filters"]]  # the side does not matter here
        else:
            weights = np.empty((layer["units"], shape[0]))
            biases = np.empty(layer["units"] if layer.get("bias", True) else 0)
            shape = [layer["units"]]
        counts.append(weights.size + biases.size)
    return counts


def with_answer(params, value: int) -> list[dict]:
    """The layers of an inverse question with ``value`` put in, from its record."""
    layers = [dict(layer) for layer in params.to_record()["layers"]]
    for layer in layers:
        needed = ["f", "filters"] if layer["type"] == "conv" else ["units"]
        for name in needed:
            layer.setdefault(name, value)
    return layers


# inverse --------------------------------------------------------------------------------


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_an_inverse_answer_gives_the_stated_count_through_the_forward_solver(difficulty):
    for params, answer in draws(INVERSE, difficulty):
        record = {"input": params.input, "layers": with_answer(params, answer[params.asked])}
        counted = FORWARD.solve(FORWARD.parse(record)).answer
        assert counted["total"] == params.count, params
        if "first" in answer:
            assert counted["per_layer"][0] == answer["first"]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_an_inverse_answer_is_the_only_one_that_gives_the_count(difficulty):
    """Brute force over every value from 1 to far past the answer (counts only grow with it)."""
    for params, answer in draws(INVERSE, difficulty, range(60)):
        value = answer[params.asked]
        fits = [
            x
            for x in range(1, 4 * value + 50)
            if sum(array_count(params.input, with_answer(params, x))) == params.count
        ]
        assert fits == [value], params


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_an_inverse_answer_is_a_whole_number_an_exam_uses(difficulty):
    for params, answer in draws(INVERSE, difficulty):
        value = answer[params.asked]
        assert isinstance(value, int) and 1 <= value <= 128, params


def test_easy_asks_a_filter_count_medium_a_hidden_width_and_hard_a_filter_size():
    asked = {d: {p.asked for p, _ in draws(INVERSE, d, range(40))} for d in DIFFICULTIES}
    assert asked == {"easy": {"filters"}, "medium": {"units"}, "hard": {"f"}}


def test_an_inverse_stem_states_the_count_the_biases_and_the_constraint():
    for difficulty in DIFFICULTIES:
        for params, _ in draws(INVERSE, difficulty, range(20)):
            stem = INVERSE.stem(params)
            assert f"{params.count:,} trainable parameters" in stem.text
            assert [row[2] for row in stem.table.rows] == [
                "yes" if layer.bias else "no" for layer in params.layers
            ]
            if params.asked == "f":
                assert r"f \geq 1" in stem.text  # the positive root
            if params.asked == "units":
                assert "whole number" in stem.text


def test_the_filter_count_for_the_issues_example():
    params = INVERSE.parse(
        {
            "asked": "filters",
            "input": [32, 32, 3],
            "layers": [{"type": "conv", "f": 3, "bias": False}],
            "count": 3456,
        }
    )
    assert INVERSE.solve(params).answer == {"filters": 128}


def test_the_hard_inverse_follows_through_from_the_students_own_count_of_layer_1():
    params, answer = next(draws(INVERSE, "hard"))
    second = params.layers[1]
    channels = params.layers[0].filters
    given = answer["first"] - 8  # a slip in layer 1: layer 2 gets 8 more than it has
    rest = params.count - given - (second.filters if second.bias else 0)
    expected = (rest / (channels * second.filters)) ** 0.5
    assert INVERSE.follow(params, {"first": given})["f"] == pytest.approx(expected)


def test_an_inverse_worked_solution_ends_by_checking_with_the_forward_formula():
    for difficulty in DIFFICULTIES:
        params, _ = next(draws(INVERSE, difficulty))
        steps = INVERSE.solve(params).steps
        assert steps[-1].title == "Check with the forward formula"
        assert steps[-1].lines[-1].endswith(f"= {params.count}")


def test_an_inverse_with_no_whole_answer_is_refused_naming_what_is_asked():
    record = {
        "asked": "filters",
        "input": [8, 8, 3],
        "layers": [{"type": "conv", "f": 3}],
        "count": 100,
    }
    with pytest.raises(ParamsError, match="no whole number of filters gives 100 parameters"):
        INVERSE.parse(record)


def test_an_inverse_that_leaves_out_two_numbers_is_refused():
    record = {"asked": "f", "input": [8, 8, 3], "layers": [{"type": "conv"}], "count": 100}
    with pytest.raises(ParamsError, match="only the asked f is left out"):
        INVERSE.parse(record)


def test_an_inverse_whose_layers_do_not_fit_the_input_is_refused():
    record = {"asked": "units", "input": [8, 8, 3], "layers": [{"type": "dense"}], "count": 100}
    with pytest.raises(ParamsError, match=r"input must be \[n\] for dense layers"):
        INVERSE.parse(record)


def test_an_inverse_asked_of_a_layout_it_does_not_ask_is_refused():
    record = {
        "asked": "units",
        "input": [8],
        "layers": [{"type": "dense", "units": 3}, {"type": "dense"}],
        "count": 100,
    }
    with pytest.raises(ParamsError, match="a hidden width of the first of two dense layers"):
        INVERSE.parse(record)


def test_an_inverse_whose_answer_does_not_fit_the_input_is_refused():
    record = {
        "asked": "f",
        "input": [4, 4, 1],
        "layers": [{"type": "conv", "filters": 1, "bias": False}],
        "count": 81,
    }
    with pytest.raises(ParamsError, match="kernel 9 is larger than the padded input 4"):
        INVERSE.parse(record)


# what-if --------------------------------------------------------------------------------


def changed_by_hand(params) -> dict:
    """The what-if's network with its change made, by editing its record."""
    record = params.to_record()
    shape, layers = list(record["input"]), [dict(layer) for layer in record["layers"]]
    if record["change"] == "channels":
        shape[2] = record["to"]
    elif record["change"] == "bias":
        layers[record["layer"] - 1]["bias"] = False
    else:
        layers[record["layer"] - 1][record["change"]] = record["to"]
    return {"input": shape, "layers": layers}


def _total(record: dict) -> int:
    return FORWARD.solve(FORWARD.parse(record)).answer["total"]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_a_whatif_answer_is_the_forward_solvers_on_the_changed_network(difficulty):
    for params, answer in draws(WHATIF, difficulty):
        old = _total({"input": params.input, "layers": params.to_record()["layers"]})
        new = _total(changed_by_hand(params))
        assert answer == {"difference": new - old, "total": new}, params


def test_a_dense_whatif_matches_the_weight_arrays_counted_directly():
    for difficulty in ("easy", "medium"):
        for params, answer in draws(WHATIF, difficulty, range(60)):
            changed = changed_by_hand(params)
            if len(changed["input"]) == 1:
                assert sum(array_count(changed["input"], changed["layers"])) == answer["total"]


def test_every_kind_of_change_is_drawn():
    kinds = {p.change for d in DIFFICULTIES for p, _ in draws(WHATIF, d, range(40))}
    assert kinds == {"bias", "filters", "units", "channels"}


def test_a_whatif_change_always_changes_the_count():
    for difficulty in DIFFICULTIES:
        for _, answer in draws(WHATIF, difficulty, range(60)):
            assert answer["difference"] != 0


def test_a_whatif_stem_shows_the_old_counts_and_says_what_changes():
    params = WHATIF.parse(
        {
            "input": [8],
            "layers": [{"type": "dense", "units": u} for u in (10, 6, 4)],
            "change": "bias",
            "layer": 2,
        }
    )
    stem = WHATIF.stem(params)
    assert "184 in all. Layer 2 loses its biases." in stem.text
    assert stem.table.rows[-1][-1] == "184"
    assert WHATIF.solve(params).answer == {"difference": -6, "total": 178}


def test_the_whatif_total_follows_through_from_the_students_own_change():
    params, answer = next(draws(WHATIF, "medium"))
    old = answer["total"] - answer["difference"]
    assert WHATIF.follow(params, {"difference": 7}) == {"total": old + 7}


def test_a_whatif_worked_solution_counts_again_just_the_layers_whose_count_changes():
    for difficulty in DIFFICULTIES:
        for params, _ in draws(WHATIF, difficulty, range(30)):
            old = FORWARD.solve(params.before()).answer["per_layer"]
            new = FORWARD.solve(params.after()).answer["per_layer"]
            changed = {f"Layer {i}" for i, (a, b) in enumerate(zip(old, new), start=1) if a != b}
            titles = [s.title for s in WHATIF.solve(params).steps if "counted again" in s.title]
            assert {title.split(":")[0] for title in titles} == changed


def test_a_whatif_removing_a_bias_a_layer_lacks_is_refused():
    record = {
        "input": [8],
        "layers": [{"type": "dense", "units": 4, "bias": False}],
        "change": "bias",
        "layer": 1,
    }
    with pytest.raises(ParamsError, match="no bias to remove"):
        WHATIF.parse(record)


def test_a_whatif_changing_the_filters_of_a_dense_layer_is_refused():
    record = {
        "input": [8],
        "layers": [{"type": "dense", "units": 4}],
        "change": "filters",
        "layer": 1,
        "to": 8,
    }
    with pytest.raises(ParamsError, match="a dense layer has no filters to change"):
        WHATIF.parse(record)


def test_a_whatif_that_changes_nothing_is_refused():
    record = {
        "input": [8],
        "layers": [{"type": "dense", "units": 4}],
        "change": "units",
        "layer": 1,
        "to": 4,
    }
    with pytest.raises(ParamsError, match="already has 4 units: nothing changes"):
        WHATIF.parse(record)


# any layer, not only the drawn ones ------------------------------------------------------


@given(
    f=st.integers(1, 11),
    channels=st.integers(1, 64),
    filters=st.integers(1, 512),
    bias=st.booleans(),
    asked=st.sampled_from(["filters", "f"]),
)
def test_any_conv_layers_filter_count_or_size_is_found_again(f, channels, filters, bias, asked):
    layer = {"type": "conv", "f": f, "filters": filters, "bias": bias}
    count = sum(array_count([32, 32, channels], [layer]))
    del layer[asked]
    params = INVERSE.parse(
        {"asked": asked, "input": [32, 32, channels], "layers": [layer], "count": count}
    )
    assert INVERSE.solve(params).answer == {asked: {"filters": filters, "f": f}[asked]}


@given(
    inputs=st.integers(1, 1024),
    units=st.integers(1, 1024),
    outputs=st.integers(1, 100),
    bias=st.booleans(),
)
def test_any_dense_hidden_width_is_found_again(inputs, units, outputs, bias):
    layers = [
        {"type": "dense", "units": units, "bias": bias},
        {"type": "dense", "units": outputs, "bias": bias},
    ]
    count = sum(array_count([inputs], layers))
    del layers[0]["units"]
    params = INVERSE.parse({"asked": "units", "input": [inputs], "layers": layers, "count": count})
    assert INVERSE.solve(params).answer == {"units": units}
