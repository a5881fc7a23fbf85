"""The command line: output, determinism, fast start-up and clear errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.topics import registry

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "nand.yaml"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_topics_lists_every_registered_topic_with_difficulties():
    result = run("topics")
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) == len(registry()) + 2  # header and rule
    assert "conv_shape" in result.output and "easy, medium, hard" in result.output


def test_topics_shows_the_guide_section_of_each():
    lines = run("topics").output.splitlines()[2:]
    for line, topic in zip(lines, registry().values(), strict=True):
        assert f"§{topic.section} {topic.section_title}" in line


def test_generate_all_shows_a_worked_problem_of_every_topic():
    result = run("generate", "--topic", "all", "--count", "1", "--seed", "1")
    assert result.exit_code == 0
    assert result.output.count("Worked solution") == len(registry())
    assert result.output.count("Answer") == len(registry())


def test_generate_jsonl_writes_complete_contract_records():
    result = run("generate", "-t", "conv_shape", "-n", "5", "-s", "7", "-f", "jsonl")
    records = [json.loads(line) for line in result.output.splitlines()]
    assert len(records) == 5
    for record in records:
        assert record["schema"] == "quizgen.problem/1"
        assert record["topic"] == "conv_shape" and record["difficulty"] == "medium"
        assert isinstance(record["seed"], int) and record["answer"]["shapes"]


def test_generate_text_shows_readable_unicode_math():
    output = run("generate", "-t", "sigmoid", "-s", "1").output
    assert "σ′(z)" in output and "\\sigma" not in output and "$" not in output


@pytest.mark.parametrize("fmt", ["text", "jsonl"])
def test_same_seed_prints_the_same_bytes_across_processes(fmt):
    command = [
        sys.executable,
        "-m",
        "quizgen.cli",
        "generate",
        "-t",
        "all",
        "-n",
        "2",
        "-s",
        "99",
        "-d",
        "hard",
        "-f",
        fmt,
    ]
    outputs = {
        subprocess.run(
            command,
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        ).stdout
        for hash_seed in ("0", "12345")
    }
    assert len(outputs) == 1


def test_different_seeds_print_different_problems():
    assert (
        run("generate", "-s", "1", "-f", "jsonl").output
        != run("generate", "-s", "2", "-f", "jsonl").output
    )


def test_without_a_seed_the_set_reports_the_one_it_drew():
    first_line = run("generate", "-t", "relu").output.splitlines()[0]
    assert first_line.startswith("quizgen generate: seed ")


def test_help_does_not_import_numpy():
    code = "import sys, quizgen.cli; print('numpy' in sys.modules, 'pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_solve_reproduces_the_seed_examples():
    result = run("solve", str(EXAMPLES), "--format", "jsonl")
    assert result.exit_code == 0
    answers = [json.loads(line)["answer"] for line in result.output.splitlines()]
    assert answers[0]["w_final"] == [-2, -2, -2]
    assert [answers[3]["total"], answers[4]["total"]] == [164, 184]


def test_solve_keeps_the_records_own_fields(tmp_path):
    path = write(tmp_path, "one.json", '{"topic": "sigmoid", "id": "q7", "params": {"z": 1}}')
    record = json.loads(run("solve", path, "-f", "jsonl").output)
    assert record["id"] == "q7" and record["params"] == {"z": 1}


def test_solve_reads_json_lists_and_multi_document_yaml(tmp_path):
    listed = write(
        tmp_path, "l.json", json.dumps([{"topic": "sigmoid", "params": {"z": z}} for z in (1, 2)])
    )
    docs = write(
        tmp_path,
        "d.yaml",
        "topic: sigmoid\nparams: {z: 1}\n---\ntopic: relu\n"
        "params: {z: [1, -1], upstream: [2, 2]}\n",
    )
    assert len(run("solve", listed, "-f", "jsonl").output.splitlines()) == 2
    assert len(run("solve", docs, "-f", "jsonl").output.splitlines()) == 2


BAD_RECORDS = [
    ("unknown topic", {"topic": "conv_size", "params": {}}, 'unknown topic "conv_size"'),
    (
        "impossible conv",
        {
            "topic": "conv_shape",
            "params": {"input": [3, 3, 1], "layers": [{"type": "conv", "f": 5, "filters": 2}]},
        },
        "layers[0]: kernel 5 is larger than the padded input 3",
    ),
    (
        "non-integer size",
        {
            "topic": "conv_shape",
            "params": {"input": [32.5, 32, 1], "layers": [{"type": "pool", "f": 2, "s": 2}]},
        },
        "field input[0]: Input should be a valid integer",
    ),
    (
        "ragged matrix",
        {
            "topic": "linear_regression",
            "params": {"X": [[1, 2], [1]], "y": [1, 2], "w": [0, 0], "eta": 0.1},
        },
        "field X: ragged matrix: row 1 has 1 entries, row 0 has 2",
    ),
    (
        "target out of range",
        {"topic": "cce", "params": {"z": [1, 2, 3], "target": 3}},
        "target: class 3 is out of range for 3 logits",
    ),
    (
        "non-one-hot target",
        {
            "topic": "backprop",
            "params": {
                "x": [1, 2],
                "W1": [[1, 0], [0, 1]],
                "b1": [0, 0],
                "W2": [[1, 0], [0, 1]],
                "b2": [0, 0],
                "hidden": "relu",
                "output": "softmax",
                "y": [1, 1],
            },
        },
        "y must be a one-hot vector of length 2",
    ),
    ("typo'd field", {"topic": "sigmoid", "params": {"zz": 1}}, "field z: Field required"),
    (
        "text for a number",
        {"topic": "sigmoid", "params": {"z": "one"}},
        "field z: Input should be a valid number",
    ),
]


@pytest.mark.parametrize(
    ("case", "record", "message"), BAD_RECORDS, ids=[c[0] for c in BAD_RECORDS]
)
def test_bad_record_is_named_and_the_good_ones_still_solved(tmp_path, case, record, message):
    good = {"topic": "sigmoid", "params": {"z": 1}}
    path = write(tmp_path, "mixed.jsonl", "\n".join(json.dumps(r) for r in (good, record, good)))
    result = CliRunner().invoke(cli, ["solve", path, "-f", "jsonl"])
    assert result.exit_code == 1
    assert f"mixed.jsonl: line 2: {message}" in result.stderr
    assert len(result.stdout.splitlines()) == 2
    assert "Traceback" not in result.output


def test_malformed_yaml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, "broken.yaml", "- topic: sigmoid\n  params: {z: [1, 2\n")
    result = run("solve", path)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: broken.yaml: line 3: malformed YAML")


def test_yaml_record_errors_name_the_record_and_its_line(tmp_path):
    path = write(
        tmp_path,
        "r.yaml",
        "- topic: sigmoid\n  params: {z: 1}\n- topic: sigmoid\n  params: {z: true}\n",
    )
    result = run("solve", path)
    assert "r.yaml: record 2 (line 3): field z: Input should be a valid number" in result.stderr


def test_yaml_that_builds_python_objects_is_refused(tmp_path):
    path = write(tmp_path, "evil.yaml", "topic: !!python/object/apply:os.system ['echo hi']\n")
    result = run("solve", path)
    assert result.exit_code == 1 and "malformed YAML" in result.stderr


def test_missing_file_is_a_one_line_error():
    result = run("solve", "no/such/file.json")
    assert result.exit_code == 1
    assert (
        result.stderr.strip() == "Error: no/such/file.json: cannot read: No such file or directory"
    )


def test_negative_count_is_refused():
    result = run("generate", "--count", "-1")
    assert result.exit_code == 1 and "-1 is not in the range x>=1" in result.stderr


def test_unknown_topic_lists_the_known_ones():
    result = run("generate", "--topic", "conv_size")
    assert result.exit_code == 1
    assert 'unknown topic "conv_size"; known: perceptron,' in result.stderr


def check_json(*args: str) -> dict:
    result = run("check", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_check_json_gives_each_parts_verdict_and_expected_value():
    report = check_json("SGM-3GKE1BD", "0.076", "0.5")
    assert (report["topic"], report["right"], report["of"]) == ("sigmoid", 1, 2)
    first, second = report["parts"]
    assert (first["part"], first["verdict"], first["expected_shown"]) == (
        "sigma",
        "correct",
        "0.076",
    )
    assert second["verdict"] == "wrong" and second["expected"] == pytest.approx(0.0701037165)


def test_check_json_names_the_mistake_with_its_id():
    (first, _) = check_json("SGM-3GKE1BD", "0.924")["parts"]
    assert first["verdict"] == "wrong"
    assert first["misconception"]["id"] == "dropped-the-minus-sign-in-the-exponent"


def test_check_json_reports_missing_and_unreadable_parts():
    first, second = check_json("SGM-3GKE1BD", "zero point one")["parts"]
    assert first["verdict"] == "unreadable" and "problem" in first
    assert second["verdict"] == "missing" and second["expected_shown"] == "0.070"


def test_check_json_credits_follow_through():
    from quizgen.exam.item_codes import encode
    from quizgen.exam.problems import make_problem
    from quizgen.topics import get

    problem = make_problem("bce", 11, "easy")
    solution = get("bce").solve(problem.params)
    z = solution.answer["z"] + 1  # a slip in z; y_hat then computed from the student's own z
    from quizgen.core.mathfn import sigmoid

    code = encode("bce", "easy", 11)
    parts = check_json(code, str(z), f"{sigmoid(z):.4f}")["parts"]
    assert parts[0]["verdict"] == "wrong" and parts[1]["verdict"] == "follow-through"


def test_check_accepts_a_derivation_questions_printed_id(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["check", "sigmoid-max-slope", "--no-color", "--db", str(tmp_path / "h.db")],
        input="A\n",
    )
    assert result.exit_code == 0, result.output
    assert "sigmoid-max-slope" in result.output


def test_check_json_refuses_a_derivation_question_whose_shuffle_is_per_paper():
    result = run("check", "sigmoid-max-slope", "A", "--format", "json")
    assert result.exit_code == 1 and "checked interactively" in result.stderr


def test_check_names_two_mistakes_made_at_once(tmp_path):
    db = tmp_path / "h.db"
    from quizgen.core.latex import answer_text
    from quizgen.core.model import EXACT
    from quizgen.exam.problems import make_problem
    from quizgen.topics import conv_shape

    params = make_problem("conv_shape", 7, "medium").params
    both = conv_shape.solve_with(params, plus_one=False, keep_channels=True)["shapes"]
    typed = answer_text(both, EXACT)
    (part,) = check_json("CSM-0000007", typed)["parts"]
    labels = {part["misconception"]["label"], part["also"]["label"]}
    assert labels == {"forgot the +1", "kept the input channels after a convolution"}
    shown = CliRunner().invoke(cli, ["check", "CSM-0000007", typed, "--no-color", "--db", str(db)])
    assert "two mistakes at once" in shown.output


def test_paper_without_seed_draws_a_fresh_one_and_says_it(tmp_path):
    runs = [
        CliRunner().invoke(cli, ["paper", "quiz", "-f", "html", "--out", str(tmp_path / name)])
        for name in ("one", "two")
    ]
    seeds = [re.search(r"quizgen paper: seed (\d+)", r.stderr)[1] for r in runs]
    assert seeds[0] != seeds[1]
    for name, seed in zip(("one", "two"), seeds):
        key = (tmp_path / name / f"quiz-{seed}-A-key.html").read_text(encoding="utf-8")
        assert f"quizgen paper quiz --seed {seed} " in key


def test_export_without_seed_draws_a_fresh_one_and_names_the_file_by_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["export", "quiz", "--format", "jsonl", "-n", "1"])
    seed = re.search(r"quizgen export: seed (\d+)", result.stderr)[1]
    assert result.stdout.strip() == str(Path("output") / f"quiz-{seed}.jsonl")


def test_grade_against_a_blueprint_needs_the_papers_seed(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("student,version,question,part,answer\nann,A,1,a,0.5\n")
    result = CliRunner().invoke(cli, ["grade", str(answers), "--blueprint", "quiz"])
    assert result.exit_code == 1
    assert "--blueprint needs --seed" in result.stderr
