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


def assert_no_crash(result) -> None:
    """No exception escaped, and none was turned into the internal-error message either: the
    message that says "this is a bug" is a failure, whatever the exit status."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "this is a bug" not in result.output, result.output


def assert_one_line_error(result) -> None:
    assert result.exit_code == 1, result.output
    assert_no_crash(result)
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
    assert "mine.yaml: line 7: question towers: steps[0].formula: LaTeX: double superscript" in (
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
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "internal error (ZeroDivisionError: boom)" in result.stderr
    with pytest.raises(AssertionError):  # and the checks below count it as a crash
        assert_no_crash(result)
    result = invoke("--debug", "topics")
    assert isinstance(result.exception, ZeroDivisionError)
    os.environ.pop("QUIZGEN_DEBUG", None)


# Malformed input of every kind: never a traceback, and nothing written.

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
yaml_ish = st.text(
    alphabet=st.sampled_from(
        [
            *list("abcdeitlmrsxyz:-[]{}'\"#&*!|>%@ \n\t0123456789,.$\\^_"),
            "\x00",
            "\x07",
            "é",
            "\ufffe",
        ]
    ),
    max_size=120,
)
#: what a file may hold besides text: NUL bytes, Latin-1, a binary file's first bytes
raw_bytes = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"%PDF-1.7\n", b"\x89PNG\r\n", b"PK\x03\x04", b"\xff\xfeh\x00", b"caf\xe9"]),
)


def _no_traceback(result, out: Path) -> None:
    assert result.exit_code in (0, 1), result.output
    assert_no_crash(result)
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
    assert_no_crash(result)
    assert result.exit_code in (0, 1)


@FUZZ
@given(text=yaml_ish, suffix=st.sampled_from([".yaml", ".json", ".jsonl"]))
def test_malformed_records_never_crash(tmp_path_factory, text, suffix):
    path = tmp_path_factory.mktemp("rec") / f"records{suffix}"
    path.write_text(text)
    result = invoke("solve", str(path))
    assert_no_crash(result)
    assert result.exit_code in (0, 1)


@FUZZ
@given(
    head=raw_bytes, tail=raw_bytes, kind=st.sampled_from(["blueprint", "bank", "records", "roster"])
)
def test_files_that_are_not_text_never_crash(tmp_path_factory, head, tail, kind):
    folder = tmp_path_factory.mktemp("bytes")
    out = folder / "out"
    starts = {
        "blueprint": b"title: T\n",
        "bank": b"section: 3\n",
        "records": b"",
        "roster": b"id,name\n",
    }
    path = folder / ("given.csv" if kind == "roster" else "given.yaml")
    path.write_bytes(head + starts[kind] + tail)
    command = {
        "blueprint": ("paper", str(path), "--format", "html", "--out", str(out)),
        "bank": ("bank", "check", str(path)),
        "records": ("solve", str(path)),
        "roster": ("paper", str(folder / "missing.yaml"), "--roster", str(path), "--out", str(out)),
    }[kind]
    _no_traceback(invoke(*command), out)


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
    assert_no_crash(result)
    assert result.exit_code in (0, 1)


@FUZZ
@given(answers=st.lists(st.text(max_size=12).filter(lambda t: "\n" not in t), max_size=12))
def test_typed_quiz_answers_never_crash(tmp_path_factory, answers):
    db = tmp_path_factory.mktemp("db") / "h.db"
    result = invoke(
        "quiz", "--count", "1", "--seed", "3", "--db", str(db), "--no-color",
        input="\n".join(answers) + "\n",
    )  # fmt: skip
    assert_no_crash(result)
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
    result = invoke("paper", "quiz", "--seed", "2026", "--format", "html", "--out", "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "quiz-2026-A-paper.html").is_file()


# Files that are not UTF-8 text: each told in its own words, never "this is a bug".

NOT_TEXT = {
    "a NUL byte": (b"title: T\x00\n", "line 1: holds a NUL byte"),
    "a control character": (
        b"title: T\nsections: \x07\n",
        "line 2: holds control character U+0007",
    ),
    "Latin-1 text": (b"title: caf\xe9\n", "line 1: byte 0xE9 is not UTF-8 text"),
    "UTF-16 text": ("title: T\n".encode("utf-16"), "is UTF-16 text; save it as UTF-8"),
    "a PDF": (b"%PDF-1.7\n%\xe2\xe3\n", "is a PDF document, not a text file"),
    "a spreadsheet": (b"PK\x03\x04\x14\x00", "is a ZIP archive (an .xlsx spreadsheet"),
}


def _commands(path: Path, out: Path) -> dict[str, tuple[str, ...]]:
    return {
        "blueprint": ("paper", str(path), "--format", "html", "--out", str(out)),
        "bank": ("bank", "check", str(path)),
        "records": ("solve", str(path)),
        "roster": ("paper", QUIZ, "--roster", str(path), "--out", str(out)),
        "answers": ("grade", str(path), "--blueprint", "quiz", "--seed", "7", "--out", str(out)),
    }


@pytest.mark.parametrize("what", list(NOT_TEXT))
@pytest.mark.parametrize("given", ["blueprint", "bank", "records", "roster", "answers"])
def test_a_file_that_is_not_utf8_text_is_named_in_one_line(tmp_path, what, given):
    data, message = NOT_TEXT[what]
    path = tmp_path / ("given.csv" if given in ("roster", "answers") else "given.yaml")
    path.write_bytes(data)
    out = tmp_path / "out"
    result = invoke(*_commands(path, out)[given])
    assert result.exit_code == 1
    assert_no_crash(result)
    assert f"given.{path.suffix[1:]}: {message}" in result.stderr.splitlines()[0]
    assert not out.exists()


def test_schema_errors_and_bank_shortfalls_come_in_one_run_in_words(tmp_path):
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text(
        "title: T\npaper: A5\nsections:\n  - title: S\n    items:\n"
        "      - {topic: sigmoidd, marks: 2}\n"
        "      - {bank: {section: 99, kind: derive}, marks: 3}\n"
    )
    last = max(t.section for t in registry().values())
    result = invoke("paper", str(blueprint), "--out", str(tmp_path / "out"))
    assert_one_line_error(result)
    lines = result.stderr.strip().splitlines()
    assert [line.split(": ")[2] for line in lines] == ["line 2", "line 6", "line 7"]
    assert lines[2].endswith(
        "sections[0].items[1].bank: no bank question has section 99 and kind derive; this "
        f"item asks for 1 (the banks have sections 1 to {last})"
    )
    assert "{" not in result.stderr
