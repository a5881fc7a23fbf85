"""Everywhere a problem goes, a form goes: records, item codes, the commands, blueprints and
marking carry a problem's form, and a forward problem is drawn, coded and written exactly as it
was before forms existed."""

from __future__ import annotations

import dataclasses
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


@pytest.fixture
def forms_only(monkeypatch):
    """``forms_only(topic, *forms)``: the topic asked in ``forward`` and ``forms`` alone for one
    test, so that what a test says of a form a topic lacks holds however many forms land."""

    def limit(name: str, *forms: str) -> None:
        topic = topics.registry()[name]
        kept = {f: m for f, m in topic.other_forms.items() if f in forms}
        monkeypatch.setitem(topics.registry(), name, dataclasses.replace(topic, other_forms=kept))

    return limit


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


def fails(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})
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


def test_a_form_the_topic_lacks_is_an_error_listing_its_forms(forms_only):
    forms_only("relu")
    with pytest.raises(QuizgenError, match=r'"relu" has no form "spot"; its forms: forward$'):
        make_problem("relu", 1, "easy", "spot")


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
def test_a_bad_form_in_a_record_is_an_error_naming_the_record_and_field(form, message, forms_only):
    forms_only("sigmoid", "inverse")
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


def test_a_code_naming_a_form_its_topic_lacks_is_refused(forms_only):
    forms_only("relu")
    head, body = f"{topics.get('relu').code}MW", "0000001"
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


def test_generate_all_topics_in_a_form_leaves_out_the_topics_without_it(forms_only):
    forms_only("relu")
    lines = run("generate", "-t", "all", "--form", "inverse", "-s", "1", "-f", "jsonl").splitlines()
    having = [name for name, topic in topics.registry().items() if "inverse" in topic.forms]
    assert "relu" not in having
    assert [json.loads(line)["topic"] for line in lines] == having


def test_generate_a_named_topic_in_a_form_it_lacks_is_a_one_line_error(forms_only):
    forms_only("relu")
    stderr = fails("generate", "-t", "relu", "--form", "inverse")
    assert stderr == 'Error: topic "relu" has no form "inverse"; its forms: forward\n'


def test_generate_text_heads_a_form_problem_with_its_form():
    text = run("generate", "-t", "sigmoid", "--form", "inverse", "-s", "3")
    assert "[sigmoid · inverse · medium · seed" in text


def test_topics_lists_each_topic_s_forms():
    lines = run("topics").splitlines()
    assert "forms" in lines[0].split()
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


# -- blueprints -----------------------------------------------------------------------------

FORM_BLUEPRINT = """\
title: Forms
sections:
  - title: A
    items:
      - {topic: sigmoid, form: inverse, difficulty: medium, marks: 4}
      - {topic: relu, marks: 3}
      - {topic: sigmoid, forms: [forward, inverse], marks: 4, id: either}
"""


def _blueprint(tmp_path: Path, text: str, name: str = "forms.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _items(exam) -> list:
    from quizgen.exam.model import Item

    return [i for v in exam.versions for i in v.items if isinstance(i, Item)]


def test_a_form_item_is_asked_in_its_form_with_the_form_s_code(tmp_path: Path):
    from quizgen.exam.blueprint import load_blueprint
    from quizgen.exam.build import build_exam

    exam = build_exam(load_blueprint(_blueprint(tmp_path, FORM_BLUEPRINT)), 3, 4)
    inverse = [i for i in _items(exam) if i.slot == "1.1"]
    assert len(inverse) == 4 and all(i.problem.form == "inverse" for i in inverse)
    for item in inverse:
        assert item.code.split("-")[0] == "SGMI" and problem_for_code(item.code) == item.problem
        assert item.stem == topics.get("sigmoid", "inverse").stem(item.problem.params)


def test_a_forms_list_draws_one_form_per_version_from_the_seed(tmp_path: Path):
    from quizgen.exam.blueprint import load_blueprint
    from quizgen.exam.build import build_exam

    loaded = load_blueprint(_blueprint(tmp_path, FORM_BLUEPRINT))
    drawn = [i.problem.form for i in _items(build_exam(loaded, 5, 12)) if i.slot == "either"]
    assert set(drawn) == {"forward", "inverse"} and len(drawn) == 12
    again = [i.problem.form for i in _items(build_exam(loaded, 5, 12)) if i.slot == "either"]
    assert again == drawn


def test_a_form_item_leaves_the_forward_items_as_they_were(tmp_path: Path):
    from quizgen.exam.blueprint import load_blueprint
    from quizgen.exam.build import build_exam

    plain = FORM_BLUEPRINT.replace(", form: inverse", "").replace("forms: [forward, inverse], ", "")
    with_forms = build_exam(load_blueprint(_blueprint(tmp_path, FORM_BLUEPRINT)), 8, 3)
    without = build_exam(load_blueprint(_blueprint(tmp_path, plain, "plain.yaml")), 8, 3)
    relu = [[i.problem for i in _items(e) if i.slot == "1.2"] for e in (with_forms, without)]
    assert relu[0] == relu[1]


def test_a_form_s_small_pool_repeats_with_a_warning_naming_the_form(tmp_path: Path):
    from quizgen.exam.blueprint import load_blueprint
    from quizgen.exam.build import build_exam
    from quizgen.topics.sigmoid.inverse import EASY_VALUES

    text = "title: T\nsections:\n  - title: A\n    items:\n"
    text += "      - {topic: sigmoid, form: inverse, difficulty: easy, marks: 2}\n"
    exam = build_exam(load_blueprint(_blueprint(tmp_path, text)), 1, len(EASY_VALUES) + 1)
    assert exam.warnings == (
        f"sections[0].items[0] (sigmoid inverse, easy): only {len(EASY_VALUES)} distinct "
        f"problems exist and {len(EASY_VALUES) + 1} were asked for over "
        f"{len(EASY_VALUES) + 1} version(s), so some repeat",
    )


#: sha256 of `quizgen export B --format jsonl --seed 11 --variants 3` before forms existed,
#: taken again when answers became the same bits on every processor (core.mathfn: a few
#: answers moved in their last bit; the records are otherwise as before forms)
FORWARD_EXPORTS = {
    "quiz": "7c3fb7e76a1e67f7d1f9e32fc76e569a4a994bc3276ee50b5bd3b93d4624eb5d",
    "final": "7739972794c03dcbec028527c373a3229fcb1bd345c7b85e98d7c8242246cc2b",
}


@pytest.mark.parametrize("name", sorted(FORWARD_EXPORTS))
def test_a_blueprint_of_forward_items_exports_the_same_bytes_as_before_forms(name, tmp_path):
    import hashlib

    target = tmp_path / "out.jsonl"
    run("export", name, "--format", "jsonl", "--seed", "11", "--variants", "3", "-o", str(target))
    assert hashlib.sha256(target.read_bytes()).hexdigest() == FORWARD_EXPORTS[name]


def test_a_choice_form_item_offers_the_form_s_mistakes(tmp_path: Path):
    from quizgen.exam.blueprint import load_blueprint
    from quizgen.exam.build import build_exam

    text = "title: C\nsections:\n  - title: A\n    items:\n"
    text += "      - {topic: sigmoid, form: inverse, answer: choice, marks: 2}\n"
    (item,) = _items(build_exam(load_blueprint(_blueprint(tmp_path, text)), 2, 1))
    labels = {m.label for m in topics.get("sigmoid", "inverse").misconceptions}
    wrong = [c for c in item.choices if not c.correct]
    assert len(item.choices) >= 3 and all(c.misconception in labels for c in wrong)


OLD_KEY = "title: Old\nsections:\n  - title: A\n    items:\n      - {topic: relu, marks: 2}\n"


def test_an_old_form_choice_is_read_as_answer_with_a_note_naming_file_and_line(tmp_path):
    from quizgen.core.errors import QuizgenNote
    from quizgen.exam.blueprint import load_blueprint

    path = _blueprint(tmp_path, OLD_KEY + "      - {topic: cce, marks: 2, form: choice}\n")
    where = r"^forms\.yaml: line 6: sections\[0\]\.items\[1\]\.form: "
    with pytest.warns(QuizgenNote, match=where + 'read as "answer: choice"'):
        loaded = load_blueprint(path)
    item = loaded.sections[0].items[1]
    assert (item.answer, item.form) == ("choice", "forward")


def test_the_cli_prints_the_old_key_s_note_once_on_stderr(tmp_path: Path):
    path = _blueprint(
        tmp_path, OLD_KEY + "      - topic: cce\n        marks: 2\n        form: worked\n"
    )
    result = CliRunner().invoke(
        cli, ["export", str(path), "-f", "jsonl", "-n", "1", "-s", "1", "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("Note: ")]
    assert notes == [
        'Note: forms.yaml: line 8: sections[0].items[1].form: read as "answer: worked" ("form" '
        'now names how a topic is asked: forward, inverse, whatif, spot); write "answer: worked"'
    ]


def test_a_blueprint_with_the_new_answer_key_has_no_note(tmp_path: Path):
    import warnings

    from quizgen.exam.blueprint import load_blueprint

    path = _blueprint(tmp_path, OLD_KEY + "      - {topic: cce, marks: 2, answer: choice}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_blueprint(path).sections[0].items[1].answer == "choice"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            "{topic: relu, form: inverse, marks: 2}",
            'line 6: sections[0].items[1].form: topic "relu" has no form "inverse"; its forms: '
            "forward",
        ),
        (
            "{topic: sigmoid, forms: [inverse, spot], marks: 2}",
            'line 6: sections[0].items[1].forms: topic "sigmoid" has no form "spot"; its forms: '
            "forward, inverse",
        ),
        (
            "{topic: sigmoid, form: backwards, marks: 2}",
            'line 6: sections[0].items[1].form: topic "sigmoid" has no form "backwards"',
        ),
        (
            "{topic: sigmoid, forms: [inverse, inverse], marks: 2}",
            "line 6: sections[0].items[1].forms: each form once",
        ),
        (
            "{topic: sigmoid, forms: [], marks: 2}",
            "line 6: sections[0].items[1].forms: a list of one or more of the topic's forms",
        ),
        (
            "{topic: sigmoid, form: inverse, forms: [forward, inverse], marks: 2}",
            "line 6: sections[0].items[1]: give form (one) or forms (one drawn per version), "
            "not both",
        ),
        (
            "{bank: {kind: choice}, form: inverse, marks: 2}",
            "line 6: sections[0].items[1]: form and forms go with topic: bank questions have no "
            "forms",
        ),
    ],
)
def test_a_bad_form_in_a_blueprint_is_an_error_naming_file_line_and_the_topic_s_forms(
    tmp_path: Path, item: str, message: str, forms_only
):
    forms_only("relu")
    forms_only("sigmoid", "inverse")
    path = _blueprint(tmp_path, OLD_KEY + f"      - {item}\n")
    stderr = fails("paper", str(path), "--format", "html", "--out", str(tmp_path / "out"))
    assert stderr.startswith(f"Error: forms.yaml: {message}")
    assert not (tmp_path / "out").exists()


# -- marking --------------------------------------------------------------------------------


def test_grade_marks_a_class_set_with_form_items_end_to_end(tmp_path: Path):
    """Papers built from a blueprint with form items, a simulated class answering them (making
    the forms' own mistakes), ``quizgen grade``: every total as expected, every mistake named."""
    import csv

    from class_sim import long_csv, sit

    from quizgen.marking.papers import from_manifest

    _blueprint(tmp_path, FORM_BLUEPRINT)
    rows = [{"id": f"s{i:02d}", "name": f"Student {i}"} for i in range(12)]
    manifest = tmp_path / "manifest.json"
    data = {"blueprint": "forms.yaml", "exam_seed": 17, "students": rows}
    manifest.write_text(json.dumps(data), encoding="utf-8")
    papers = list(from_manifest(manifest, None, None).papers.values())
    either = {i.problem.form for p in papers for i in p.items if i.slot == "either"}
    assert either == {"forward", "inverse"}
    written = sit(papers, np.random.default_rng(4), 0.6)
    form_labels = {m.label for m in topics.get("sigmoid", "inverse").misconceptions}
    assert form_labels & set(written.mistakes), "the class made some of the form's mistakes"
    answers = tmp_path / "answers.csv"
    answers.write_text(long_csv(written), encoding="utf-8")
    out = tmp_path / "g"
    run("grade", str(answers), "--manifest", str(manifest), "--out", str(out), "-f", "html")
    with open(out / "marks-by-student.csv", encoding="utf-8") as handle:
        marks = {r["student"]: r["total"] for r in csv.DictReader(handle)}
    assert marks == {s: f"{float(t):g}" for s, t in written.expected_total.items()}
    with open(out / "marks.csv", encoding="utf-8") as handle:
        named: dict[str, int] = {}
        for row in csv.DictReader(handle):
            if row["mistake"] and row["verdict"] == "wrong":
                named[row["mistake"]] = named.get(row["mistake"], 0) + 1
    assert named == written.mistakes
    report = next(out.glob("*report*.html")).read_text(encoding="utf-8")
    assert "Sigmoid and its derivative (inverse)" in report
    assert "Sigmoid and its derivative (forward or inverse)" in report


# -- shipped blueprints ---------------------------------------------------------------------


def _asked(name: str) -> list[tuple[str, str]]:
    from quizgen.core.resources import shipped_blueprints
    from quizgen.exam.blueprint import load_blueprint

    loaded = load_blueprint(shipped_blueprints()[name])
    return [
        (item.topic, form)
        for section in loaded.sections
        for item in section.items
        if item.topic is not None
        for form in item.asked_forms
    ]


def test_practice_forms_asks_every_form_of_every_topic_exactly_once():
    every = {(name, form) for name, topic in topics.registry().items() for form in topic.forms}
    asked = _asked("practice-forms")
    missing = sorted(every - set(asked))
    assert not missing, f"add these to banks/exams/practice-forms.yaml: {missing}"
    assert len(asked) == len(set(asked)) == len(every)


def test_practice_forms_builds_a_paper_with_every_form_s_code():
    from quizgen.core.resources import shipped_blueprints
    from quizgen.exam.blueprint import load_blueprint
    from quizgen.exam.build import build_exam

    exam = build_exam(load_blueprint(shipped_blueprints()["practice-forms"]), 1, 1)
    for item in _items(exam):
        assert problem_for_code(item.code) == item.problem


# -- exports and practice -------------------------------------------------------------------


def test_export_topic_form_writes_form_records_each_with_its_code(tmp_path: Path):
    target = tmp_path / "out.jsonl"
    run("export", "-t", "sigmoid", "--form", "inverse", "-f", "jsonl", "-n", "3", "-s", "2",
        "-o", str(target))  # fmt: skip
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(records) == 3 and {r["slot"] for r in records} == {"sigmoid-inverse"}
    for record in records:
        assert record["form"] == "inverse" and problem_for_code(record["code"]).form == "inverse"


def test_export_jsonl_of_a_blueprint_carries_each_item_s_form(tmp_path: Path):
    target = tmp_path / "out.jsonl"
    path = _blueprint(tmp_path, FORM_BLUEPRINT)
    run("export", str(path), "-f", "jsonl", "-n", "4", "-s", "6", "-o", str(target))
    records = [json.loads(line) for line in target.read_text().splitlines()]
    by_slot = {r["slot"]: r.get("form", "forward") for r in records if r["slot"] != "either"}
    assert by_slot == {"1.1": "inverse", "1.2": "forward"}
    assert all(problem_for_code(r["code"]) == problem_from_record(r) for r in records)


def test_export_of_a_blueprint_refuses_form_as_the_blueprint_says_its_forms(tmp_path: Path):
    stderr = fails("export", "quiz", "--form", "inverse", "-f", "jsonl")
    assert "--form goes with --topic" in stderr


def child_seed_of(seed: int, index: int) -> int:
    from quizgen.core.seeds import child_seed

    return child_seed(seed, "quiz", index)


def test_quiz_problems_of_forward_alone_are_drawn_as_before_forms():
    from quizgen.practice.session import quiz_problems

    names = ["sigmoid", "relu", "bce"]
    drawn = list(quiz_problems(names, 5, 9, "medium"))
    assert drawn == list(quiz_problems(names, 5, 9, "medium", forms=("forward",)))
    assert [p.seed for p in drawn] == [child_seed_of(9, i) for i in range(5)]


# -- README ---------------------------------------------------------------------------------


def _readme_examples() -> list[tuple[str, str]]:
    """(command, output) of each ``$ quizgen ...`` block of README's Forms examples."""
    import re

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    examples = text.split("<!-- forms-examples -->")[1].split("<!-- /forms-examples -->")[0]
    blocks = re.findall(r"```text\n\$ (quizgen [^\n]*)\n(.*?)```", examples, flags=re.S)
    return [(command, shown) for command, shown in blocks]


def test_readme_shows_a_problem_of_each_form_and_the_topics_listing():
    commands = [command for command, _ in _readme_examples()]
    forms = {form for topic in topics.registry().values() for form in topic.forms}
    shown = {"forward"} | {c.split("--form ")[1].split()[0] for c in commands if "--form" in c}
    assert shown == forms, "README's Forms section: regenerate its examples"
    assert "quizgen topics" in commands


@pytest.mark.parametrize(("command", "shown"), _readme_examples(), ids=lambda v: v[:60])
def test_readme_forms_examples_are_what_the_cli_prints(command: str, shown: str):
    import shlex

    assert run(*shlex.split(command)[1:]).rstrip() == shown.rstrip()


def test_the_midterm_mixes_forms_with_three_inverse_or_what_if_items():
    asked = [form for _, form in _asked("midterm")]
    assert sum(form in ("inverse", "whatif") for form in asked) >= 3


def test_the_midterm_asks_two_spot_items_once_the_spot_form_exists():
    if not any("spot" in topic.forms for topic in topics.registry().values()):
        pytest.skip("no topic has the spot form yet")
    assert sum(form == "spot" for _, form in _asked("midterm")) >= 2
