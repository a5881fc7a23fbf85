"""Everywhere a problem goes, a form goes: records, item codes, the commands, blueprints and
marking carry a problem's form, and a forward problem is drawn, coded and written exactly as it
was before forms existed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from quizgen import topics
from quizgen.cli import cli
from quizgen.core.errors import QuizgenError
from quizgen.core.model import DIFFICULTIES
from quizgen.exam.item_codes import ALPHABET, LETTERS, decode, encode
from quizgen.exam.problems import (
    fingerprint,
    make_problem,
    problem_for_code,
    problem_from_record,
    solve,
    solve_records,
    to_record,
)

#: every (topic, form) but forward, as the registry finds them
OTHER_FORMS = [
    (name, form) for name, topic in topics.registry().items() for form in topic.forms[1:]
]


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def fails(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.stderr


def _form_codes() -> list[tuple[str, tuple[str, str, int, str]]]:
    rng = np.random.default_rng(5)
    drawn = []
    for k, (name, form) in enumerate(OTHER_FORMS * 3):
        difficulty = DIFFICULTIES[k % 3]
        seed = int(rng.integers(0, 2**32))
        drawn.append((encode(name, difficulty, seed, form), (name, difficulty, seed, form)))
    return drawn


# -- making problems ------------------------------------------------------------------------


def test_a_form_problem_is_drawn_by_the_form_s_own_generator():
    problem = make_problem("sigmoid", 7, "medium", "inverse")
    assert problem.form == "inverse"
    assert isinstance(problem.params, topics.get("sigmoid", "inverse").computes.Params)
    assert problem == make_problem("sigmoid", 7, "medium", "inverse")


def test_a_forward_problem_draws_as_it_did_before_forms():
    assert make_problem("sigmoid", 3778479469, "medium").params.z == -2.5
    assert make_problem("sigmoid", 3778479469, "medium", "forward").form == "forward"


def test_a_form_the_topic_lacks_is_an_error_listing_its_forms():
    lacking = next(n for n, t in topics.registry().items() if "spot" not in t.forms)
    with pytest.raises(QuizgenError, match=f'"{lacking}" has no form "spot"; its forms: forward'):
        make_problem(lacking, 1, "easy", "spot")


def test_the_fingerprint_tells_forms_apart():
    forward = make_problem("sigmoid", 1, "medium")
    inverse = make_problem("sigmoid", 1, "medium", "inverse")
    assert fingerprint(forward) != fingerprint(inverse)
    assert fingerprint(forward).startswith("sigmoid{")  # as before forms: dedup unchanged


# -- records --------------------------------------------------------------------------------


def test_a_form_problem_s_record_names_its_form_and_reads_back():
    problem = make_problem("sigmoid", 9, "hard", "inverse")
    record = to_record(problem, solve(problem))
    assert list(record)[:3] == ["schema", "topic", "form"] and record["form"] == "inverse"
    assert problem_from_record(record) == problem


def test_a_forward_record_has_no_form_field():
    problem = make_problem("relu", 9, "hard")
    assert "form" not in to_record(problem, solve(problem))


def test_a_record_without_form_is_forward_and_one_saying_forward_is_the_same():
    record = {"topic": "sigmoid", "params": {"z": 0.5}}
    assert problem_from_record(record).form == "forward"
    assert problem_from_record({**record, "form": "forward"}) == problem_from_record(record)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ("spot", 'field form: topic "sigmoid" has no form "spot"; its forms: forward, inverse'),
        ("backwards", 'field form: topic "sigmoid" has no form "backwards"; its forms:'),
        (3, 'field form: topic "sigmoid" has no form 3; its forms:'),
    ],
)
def test_a_bad_form_in_a_record_is_an_error_naming_the_record_and_field(form, message):
    records = [("record 1", {"topic": "sigmoid", "form": form, "params": {"z": 1}})]
    (error,) = solve_records(records)
    assert str(error).startswith(f"record 1: {message}")


def test_a_form_record_s_params_are_checked_as_the_form_s():
    record = {"topic": "sigmoid", "form": "inverse", "params": {"given": "tau", "value": 0.2}}
    (error,) = solve_records([("record 4", record)])
    assert str(error).startswith("record 4: ") and "given" in str(error)


def test_solve_fills_in_a_form_record_s_answer_and_code(tmp_path: Path):
    drawn = json.loads(
        run("generate", "-t", "sigmoid", "--form", "inverse", "-s", "2", "-f", "jsonl")
    )
    given = {k: v for k, v in drawn.items() if k not in ("answer", "code")}
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps(given) + "\n", encoding="utf-8")
    assert json.loads(run("solve", str(path), "-f", "jsonl")) == {**given, **drawn}


# -- item codes -----------------------------------------------------------------------------


def test_a_form_code_has_a_fourth_head_letter_and_decodes_to_its_problem():
    code = encode("sigmoid", "medium", 3778479469, "inverse")
    assert code.split("-")[0] == "SGMI"
    assert decode(code) == ("sigmoid", "medium", 3778479469, "inverse")
    assert problem_for_code(code) == make_problem("sigmoid", 3778479469, "medium", "inverse")


def test_codes_of_every_form_decode_to_what_they_encode():
    for code, named in _form_codes():
        assert decode(code) == named


def test_forward_codes_are_as_printed_before_forms_checked_and_unchecked():
    assert encode("sigmoid", "medium", 3778479469) == "SGM-3GKE1BD-SE"
    assert decode("SGM-3GKE1BD-SE").form == decode("SGM-3GKE1BD").form == "forward"


def test_the_check_covers_the_form_letter_and_puts_any_one_typo_right():
    for code, _ in _form_codes():
        for i in (i for i, ch in enumerate(code) if ch != "-"):
            for ch in (LETTERS if i < 4 else ALPHABET).replace(code[i], ""):
                typo = code[:i] + ch + code[i + 1 :]
                with pytest.raises(QuizgenError, match="did you mean") as refused:
                    decode(typo)
                assert code in str(refused.value), typo


def test_a_form_code_with_its_form_letter_left_out_suggests_the_form_code():
    code = encode("sigmoid", "hard", 12345, "inverse")
    with pytest.raises(QuizgenError, match=f"did you mean {code}"):
        decode(code.replace("SGHI", "SGH"))


def test_a_form_code_without_its_check_is_not_an_item_code():
    code = encode("sigmoid", "easy", 99, "inverse")
    with pytest.raises(QuizgenError, match="is not an item code"):
        decode(code.rsplit("-", 1)[0])


def test_a_code_naming_a_form_its_topic_lacks_is_refused():
    lacking = next(t for t in topics.registry().values() if "whatif" not in t.forms)
    head, body = f"{lacking.code}MW", "0000001"
    with pytest.raises(QuizgenError):
        decode(f"{head}-{body}-00")


# -- the commands ---------------------------------------------------------------------------


def test_generate_form_draws_that_form_with_its_code_in_every_record():
    lines = run(
        "generate", "-t", "sigmoid", "--form", "inverse", "-n", "3", "-s", "4", "-f", "jsonl"
    )
    for line in lines.splitlines():
        record = json.loads(line)
        assert record["form"] == "inverse" and record["code"].startswith("SGMI-")
        assert problem_for_code(record["code"]) == problem_from_record(record)


def test_generate_of_forward_is_byte_for_byte_what_it_was():
    plain = run("generate", "-t", "conv_shape", "-t", "bce", "-n", "2", "-s", "3", "-f", "jsonl")
    named = run(
        "generate", "-t", "conv_shape", "-t", "bce", "-n", "2", "-s", "3", "--form", "forward",
        "-f", "jsonl",
    )  # fmt: skip
    assert plain == named
    assert json.loads(plain.splitlines()[0])["code"] == encode(
        "conv_shape", "medium", json.loads(plain.splitlines()[0])["seed"]
    )


def test_adding_a_form_to_generate_leaves_the_forward_problems_alone():
    forward = run("generate", "-t", "sigmoid", "-n", "2", "-s", "8", "-f", "jsonl")
    both = run("generate", "-t", "sigmoid", "-n", "2", "-s", "8", "--form", "forward", "--form",
               "inverse", "-f", "jsonl")  # fmt: skip
    assert both.startswith(forward)
    assert [json.loads(line).get("form") for line in both.splitlines()] == [
        None, None, "inverse", "inverse",
    ]  # fmt: skip


def test_generate_form_all_asks_every_form_of_every_topic():
    lines = run("generate", "-t", "all", "--form", "all", "-s", "1", "-f", "jsonl").splitlines()
    asked = [(r["topic"], r.get("form", "forward")) for r in map(json.loads, lines)]
    every = [(name, form) for name, topic in topics.registry().items() for form in topic.forms]
    assert asked == every


def test_generate_all_topics_in_a_form_leaves_out_the_topics_without_it():
    lines = run("generate", "-t", "all", "--form", "inverse", "-s", "1", "-f", "jsonl").splitlines()
    having = [name for name, form in OTHER_FORMS if form == "inverse"]
    assert [json.loads(line)["topic"] for line in lines] == having


def test_generate_a_named_topic_in_a_form_it_lacks_is_a_one_line_error():
    lacking = next(n for n, t in topics.registry().items() if "inverse" not in t.forms)
    stderr = fails("generate", "-t", lacking, "--form", "inverse")
    assert stderr == f'Error: topic "{lacking}" has no form "inverse"; its forms: forward\n'


def test_generate_text_heads_a_form_problem_with_its_form():
    text = run("generate", "-t", "sigmoid", "--form", "inverse", "-s", "3")
    assert "[sigmoid · inverse · medium · seed" in text


def test_topics_lists_each_topic_s_forms():
    lines = run("topics").splitlines()
    assert lines[0].split()[:5] == ["topic", "guide", "section", "forms", "difficulties"]
    for line, topic in zip(lines[2:], topics.registry().values(), strict=True):
        assert ", ".join(topic.forms) in line


def test_topics_as_json_gives_each_form_with_what_it_asks():
    listed = json.loads(run("topics", "--format", "json"))
    assert [t["topic"] for t in listed] == list(topics.registry())
    sigmoid = next(t for t in listed if t["topic"] == "sigmoid")
    assert sigmoid["code"] == "SG" and sigmoid["difficulties"] == list(DIFFICULTIES)
    assert [f["form"] for f in sigmoid["forms"]] == list(topics.get("sigmoid").forms)
    inverse = next(f for f in sigmoid["forms"] if f["form"] == "inverse")
    assert inverse["asks"] == topics.get("sigmoid", "inverse").form_description


def test_check_of_a_form_code_regenerates_the_form_problem_and_names_its_mistake():
    problem = make_problem("sigmoid", 11, "medium", "inverse")
    code = encode("sigmoid", "medium", 11, "inverse")
    z = solve(problem).answer["z"]
    report = json.loads(run("check", code, f"{-z:.3f}", "--format", "json"))
    assert report["form"] == "inverse" and report["record"]["form"] == "inverse"
    assert report["record"]["params"] == problem.params.to_record()
    (part,) = report["parts"]
    assert part["verdict"] == "wrong" and part["misconception"]["id"] == "inverted-the-ratio"


def test_check_of_a_form_code_accepts_the_right_answer():
    problem = make_problem("sigmoid", 12, "hard", "inverse")
    answer = solve(problem).answer
    code = encode("sigmoid", "hard", 12, "inverse")
    report = json.loads(
        run("check", code, f"{answer['sigma']:.4f}", f"{answer['z']:.3f}", "-f", "json")
    )
    assert report["right"] == report["of"] == 2


def test_check_interactive_shows_the_form_code_it_checks():
    code = encode("sigmoid", "medium", 13, "inverse")
    assert code in run("check", code, "0")
