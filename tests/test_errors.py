"""Every failure a user can cause is one line on stderr, exit status 1, no traceback, and no
file written; malformed input of every kind, fed by hypothesis, never breaks that rule."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizgen.cli import cli
from quizgen.core.resources import shipped_blueprints
from quizgen.topics import registry

QUIZ = str(shipped_blueprints()["quiz"])


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def assert_one_line_error(result) -> None:
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("Error: ") for line in lines), result.stderr


def written(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def afile(tmp_path) -> Path:
    path = tmp_path / "afile"
    path.write_text("not a folder")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("paper", QUIZ, "--format", "html", "--out", "{afile}/sub"),
        ("paper", QUIZ, "--format", "html", "--out", "/proc/quizgen-test"),
        ("export", QUIZ, "--format", "moodle", "--out", "{afile}/quiz.xml"),
        ("export", "--topic", "sigmoid", "--format", "qti", "--out", "/proc/x/y.zip"),
    ],
)
def test_an_output_folder_that_cannot_be_written_is_one_line(args, afile, tmp_path):
    result = invoke(*(a.replace("{afile}", str(afile)) for a in args))
    assert_one_line_error(result)
    assert "cannot write the output there" in result.stderr
    assert written(tmp_path) == ["afile"]


def test_a_roster_class_set_into_a_file_is_one_line(afile, tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("id,name\ns1,Ada\n")
    result = invoke("paper", QUIZ, "--roster", str(roster), "--out", f"{afile}/class")
    assert_one_line_error(result)
    assert f"{afile} is a file, not a folder" in result.stderr


@pytest.mark.parametrize("command", [("stats",), ("check", "SGM-3GKE1BD", "0.1", "0.1")])
def test_a_file_that_is_not_a_history_database_is_one_line(command, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("hello")
    result = invoke(*command, "--db", str(bad))
    assert_one_line_error(result)
    assert "not a quizgen history database" in result.stderr


def test_a_history_database_under_a_file_is_one_line(afile):
    result = invoke("quiz", "--count", "1", "--db", f"{afile}/h.db", input="q\n")
    assert_one_line_error(result)


def test_stats_never_creates_a_database(tmp_path):
    result = invoke("stats", "--db", str(tmp_path / "new.db"))
    assert_one_line_error(result)
    assert "no such history database" in result.stderr
    assert written(tmp_path) == []


def test_an_unknown_export_topic_is_one_line():
    result = invoke("export", "--topic", "relux", "--format", "moodle")
    assert_one_line_error(result)
    assert 'unknown topic "relux"' in result.stderr


def test_export_topic_all_exports_every_topic(tmp_path):
    out = tmp_path / "all.jsonl"
    result = invoke(
        "export", "--topic", "all", "--format", "jsonl", "--variants", "2", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 2 * len(registry())


def test_solve_on_an_empty_file_is_an_error(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    result = invoke("solve", str(empty))
    assert_one_line_error(result)
    assert "no records" in result.stderr


def test_generate_jsonl_without_a_seed_says_the_seed_on_stderr():
    result = invoke("generate", "--topic", "sigmoid", "--format", "jsonl")
    assert result.exit_code == 0
    assert result.stderr.startswith("quizgen generate: seed ")
    assert result.stdout.startswith("{")


def test_counts_are_singular_for_one():
    result = invoke("generate", "--topic", "sigmoid", "--seed", "1")
    assert "1 problem\n" in result.output


def test_a_formula_that_cannot_be_typeset_is_caught_by_bank_check(tmp_path):
    bank = tmp_path / "mine.yaml"
    bank.write_text(
        "section: 3\nquestions:\n  - id: towers\n    kind: derive\n    prompt: Show it.\n"
        "    steps:\n      - {formula: 'x^{2}^{3}', reason: Powers.}\n"
        "      - {formula: 'x^{6}', reason: Done.}\n"
    )
    result = invoke("bank", "check", str(bank))
    assert result.exit_code == 1
    assert "mine.yaml: question towers: steps[0].formula: LaTeX: double superscript" in (
        result.stderr
    )
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text(
        "title: T\nsections:\n  - title: S\n    items:\n      - {bank: {id: towers}, marks: 3}\n"
    )
    out = tmp_path / "out"
    result = invoke("paper", str(blueprint), "--bank", str(bank), "--out", str(out))
    assert_one_line_error(result)
    assert not out.exists()


def test_every_blueprint_problem_is_reported_in_one_run(tmp_path):
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text(
        "title: T\npaper: A5\nsections:\n  - title: S\n    items:\n"
        "      - {topic: sigmoidd, marks: 2}\n"
        "      - {topic: relu, marks: 0}\n"
        "      - {topic: relu, marks: 1, colour: red}\n"
    )
    result = invoke("paper", str(blueprint), "--out", str(tmp_path / "out"))
    assert_one_line_error(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4
    assert [line.split(": ")[2] for line in lines] == ["line 2", "line 6", "line 7", "line 8"]


def test_a_bank_item_that_matches_too_few_questions_names_its_line(tmp_path):
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text(
        "title: T\nsections:\n  - title: S\n    items:\n"
        "      - {bank: {section: 3, kind: order}, count: 9, marks: 2}\n"
    )
    result = invoke("paper", str(blueprint), "--out", str(tmp_path / "out"))
    assert_one_line_error(result)
    assert "bp.yaml: line 5: sections[0].items[0].bank:" in result.stderr
    assert not (tmp_path / "out").exists()


def test_debug_shows_the_traceback_of_an_internal_error(monkeypatch):
    import quizgen.topics

    def broken():
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(quizgen.topics, "registry", broken)
    result = invoke("topics")
    assert_one_line_error(result)
    assert "internal error (ZeroDivisionError: boom)" in result.stderr
    result = invoke("--debug", "topics")
    assert isinstance(result.exception, ZeroDivisionError)
    os.environ.pop("QUIZGEN_DEBUG", None)


# Malformed input of every kind: never a traceback, and nothing written.

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
yaml_ish = st.text(
    alphabet=st.sampled_from(list("abcdeitlmrsxyz:-[]{}'\"#&*!|>%@ \n\t0123456789,.$\\^_")),
    max_size=120,
)


def _no_traceback(result, out: Path) -> None:
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    if result.exit_code == 1:
        assert not out.exists() or written(out) == []


@FUZZ
@given(text=yaml_ish)
def test_malformed_blueprints_never_crash(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("bp")
    path = folder / "bp.yaml"
    path.write_text("title: T\nsections:\n" + text)
    out = folder / "out"
    result = invoke("paper", str(path), "--format", "html", "--out", str(out))
    _no_traceback(result, out)


@FUZZ
@given(text=yaml_ish)
def test_malformed_banks_never_crash(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("bank") / "bank.yaml"
    path.write_text("section: 3\nquestions:\n" + text)
    result = invoke("bank", "check", str(path))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code in (0, 1)


@FUZZ
@given(text=yaml_ish, suffix=st.sampled_from([".yaml", ".json", ".jsonl"]))
def test_malformed_records_never_crash(tmp_path_factory, text, suffix):
    path = tmp_path_factory.mktemp("rec") / f"records{suffix}"
    path.write_text(text)
    result = invoke("solve", str(path))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code in (0, 1)


@FUZZ
@given(
    rows=st.lists(
        st.tuples(st.text(max_size=8), st.text(max_size=8)).map(lambda r: ",".join(r)),
        max_size=5,
    ),
    header=st.sampled_from(["id,name", "name,id", "ID,Name,email", "student", ""]),
)
def test_malformed_rosters_never_crash(tmp_path_factory, rows, header):
    folder = tmp_path_factory.mktemp("roster")
    roster = folder / "r.csv"
    roster.write_text("\n".join([header, *rows]) + "\n")
    bad_blueprint = folder / "missing.yaml"  # stops after the roster is read: no rendering
    out = folder / "out"
    result = invoke("paper", str(bad_blueprint), "--roster", str(roster), "--out", str(out))
    _no_traceback(result, out)
    assert result.exit_code == 1


@FUZZ
@given(code=st.text(max_size=14), answers=st.lists(st.text(max_size=10), max_size=4))
def test_malformed_item_codes_and_answers_never_crash(tmp_path_factory, code, answers):
    db = tmp_path_factory.mktemp("db") / "h.db"
    result = invoke("check", code, *answers, "--db", str(db), "--no-color")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1)


@FUZZ
@given(answers=st.lists(st.text(max_size=12).filter(lambda t: "\n" not in t), max_size=12))
def test_typed_quiz_answers_never_crash(tmp_path_factory, answers):
    db = tmp_path_factory.mktemp("db") / "h.db"
    result = invoke(
        "quiz", "--count", "1", "--seed", "3", "--db", str(db), "--no-color",
        input="\n".join(answers) + "\n",
    )  # fmt: skip
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 0


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly():
    import subprocess
    import sys

    result = subprocess.run(
        f"{sys.executable} -m quizgen generate --topic all --count 40 --seed 1 | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.startswith("quizgen generate: seed 1")
    assert result.stderr == ""


def test_a_folder_named_like_a_shipped_blueprint_does_not_hide_it(tmp_path, monkeypatch):
    (tmp_path / "quiz").mkdir()
    monkeypatch.chdir(tmp_path)
    result = invoke("paper", "quiz", "--format", "html", "--out", "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "quiz-2026-A-paper.html").is_file()
