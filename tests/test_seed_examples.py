"""The seed guide's worked examples, reproduced exactly: they are the project's fixtures."""

from __future__ import annotations

from pathlib import Path

from quizgen.core.latex import fixed
from quizgen.core.record_files import read_records
from quizgen.exam.problems import RecordError, solve_records
from quizgen.topics import get

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "nand.yaml"

NAND = {
    "gate": "NAND",
    "encoding": "bipolar",
    "w": [0, 0, 0],
    "eta": 1,
    "steps": 4,
    "samples": [
        {"x": [-1, -1], "t": 1},
        {"x": [-1, 1], "t": 1},
        {"x": [1, -1], "t": 1},
        {"x": [1, 1], "t": -1},
    ],
}


def solve(topic: str, params: dict):
    t = get(topic)
    return t.solve(t.parse(params))


def test_nand_trace_matches_the_seed_step_by_step():
    trace = solve("perceptron", NAND).answer["trace"]
    assert [s["x"] for s in trace] == [[1, -1, -1], [1, -1, 1], [1, 1, -1], [1, 1, 1]]
    assert [s["z"] for s in trace] == [0, 0, 0, 0]
    assert [s["y_hat"] for s in trace] == [1, 1, 1, 1]  # sign(0) = +1
    assert [s["e"] for s in trace] == [0, 0, 0, -2]
    assert trace[3]["delta_w"] == [-2, -2, -2]
    assert [s["w"] for s in trace] == [[0, 0, 0]] * 3 + [[-2, -2, -2]]


def test_nand_final_weights_are_minus_two():
    assert solve("perceptron", NAND).answer["w_final"] == [-2, -2, -2]


def test_nand_steps_show_the_seed_lines():
    step4 = solve("perceptron", NAND).steps[3]
    assert step4.lines[0] == r"z = 0\cdot 1 + 0\cdot 1 + 0\cdot 1 = 0"
    assert step4.lines[1] == r"\hat{y} = \text{sign}(0) = +1"
    assert step4.lines[2] == "e = -1 - (+1) = -2"
    assert step4.result.endswith("= [-2, -2, -2]")


def test_sigmoid_of_one_at_the_shown_precision():
    solution = solve("sigmoid", {"z": 1})
    by_key = {p.key: fixed(solution.answer[p.key], p.precision) for p in solution.parts}
    assert by_key == {"sigma": "0.731", "dsigma": "0.197"}


def test_sigmoid_steps_follow_the_seed():
    lines = [line for step in solve("sigmoid", {"z": 1}).steps for line in step.lines]
    assert r"\frac{1}{1.368} = 0.731" in lines[0]
    assert lines[-1].endswith(r"0.731 \times 0.269 = 0.197")


def test_conv_stack_gives_the_seed_shapes():
    params = {
        "input": [32, 32, 3],
        "layers": [
            {"type": "conv", "f": 5, "s": 1, "p": 0, "filters": 32},
            {"type": "pool", "f": 2, "s": 2},
            {"type": "conv", "f": 3, "s": 1, "p": 1, "filters": 64},
        ],
    }
    solution = solve("conv_shape", params)
    assert solution.answer["shapes"] == [[28, 28, 32], [14, 14, 32], [14, 14, 64]]
    assert solution.steps[0].lines == (r"\left\lfloor \frac{32 - 5}{1} \right\rfloor + 1 = 28",)
    assert solution.steps[2].lines == (r"\left\lfloor \frac{14 + 2 - 3}{1} \right\rfloor + 1 = 14",)


def _dense_8_10_6_4(bias: bool) -> dict:
    return {
        "input": [8],
        "layers": [{"type": "dense", "units": u, "bias": bias} for u in (10, 6, 4)],
    }


def test_8_10_6_4_without_biases_has_164_parameters():
    answer = solve("param_count", _dense_8_10_6_4(False)).answer
    assert answer == {"per_layer": [80, 60, 24], "total": 164}


def test_8_10_6_4_with_biases_has_184_parameters():
    answer = solve("param_count", _dense_8_10_6_4(True)).answer
    assert answer == {"per_layer": [90, 66, 28], "total": 184}


def test_param_count_steps_use_the_seed_formulas():
    lines = [s.lines[0] for s in solve("param_count", _dense_8_10_6_4(True)).steps]
    assert lines[:3] == [
        r"10 \times (8 + 1) = 90",
        r"6 \times (10 + 1) = 66",
        r"4 \times (6 + 1) = 28",
    ]
    assert lines[3] == "90 + 66 + 28 = 184"


def test_shipped_example_file_reproduces_the_seed_numbers():
    results = list(solve_records(read_records(EXAMPLES)))
    assert not [r for r in results if isinstance(r, RecordError)]
    answers = [r.solution.answer for r in results]
    assert answers[0]["w_final"] == [-2, -2, -2]
    assert round(answers[1]["sigma"], 3) == 0.731
    assert answers[2]["shapes"][-1] == [14, 14, 64]
    assert [answers[3]["total"], answers[4]["total"]] == [164, 184]
