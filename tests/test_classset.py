"""Class sets: per-student papers that do not depend on the roster's order or slicing, a
manifest, merged duplex print files, atomic writes and resumable runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from quizgen.cli import cli
from quizgen.core.errors import QuizgenError
from quizgen.exam.blueprint import load_blueprint
from quizgen.exam.model import Student
from quizgen.exam.roster import in_shard, parse_shard, read_roster
from quizgen.publish.classset import ClassSetOptions, run_class_set
from quizgen.publish.papers import atomic_write

QUIZ = Path(__file__).resolve().parent.parent / "banks" / "exams" / "quiz.yaml"
STUDENTS = [Student(f"s{i:03d}", f"Student {i}") for i in range(1, 7)]


def run(out: Path, students=STUDENTS, **options):
    options.setdefault("formats", ["html"])
    return run_class_set(
        load_blueprint(QUIZ), QUIZ, 11, students, out, options=ClassSetOptions(**options)
    )


def files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("s*-*.*"))}


def write_roster(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_roster_reads_id_and_name_and_ignores_other_columns(tmp_path):
    path = write_roster(tmp_path, "email,ID,Name\na@x,s1,Ada\nb@x,s2,Alan\n")
    assert read_roster(path) == [Student("s1", "Ada"), Student("s2", "Alan")]


def test_bad_roster_rows_are_reported_with_their_line_numbers(tmp_path):
    path = write_roster(tmp_path, "id,name\ns1,Ada\n,Nobody\ns 3,Space\ns1,Again\ns4,\n")
    with pytest.raises(QuizgenError) as error:
        read_roster(path)
    lines = str(error.value).splitlines()
    assert lines == [
        "roster.csv: line 3: empty id",
        "roster.csv: line 4: id \"s 3\" may hold only letters, digits, '-', '_' and '.'",
        'roster.csv: line 5: id "s1" repeats line 2',
        'roster.csv: line 6: empty name for id "s4"',
    ]


def test_a_roster_without_the_columns_is_refused(tmp_path):
    with pytest.raises(QuizgenError, match="line 1: missing column"):
        read_roster(write_roster(tmp_path, "student,fullname\ns1,Ada\n"))


def test_each_student_gets_their_own_numbers(tmp_path):
    run(tmp_path)
    papers = [(tmp_path / f"{s.id}-paper.html").read_text() for s in STUDENTS]
    assert len(set(papers)) == len(STUDENTS)
    assert "Student 3" in papers[2] and "s003" in papers[2]


def test_papers_do_not_depend_on_roster_order(tmp_path):
    run(tmp_path / "a")
    run(tmp_path / "b", list(reversed(STUDENTS)))
    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_the_union_of_shards_is_the_whole_run_byte_for_byte(tmp_path):
    run(tmp_path / "whole")
    for k in (1, 2, 3):
        run(tmp_path / "shards", shard=(k, 3))
    assert files(tmp_path / "shards") == files(tmp_path / "whole")
    rows = [
        row["id"]
        for k in (1, 2, 3)
        for row in json.loads((tmp_path / "shards" / f"manifest-{k}-of-3.json").read_text())[
            "students"
        ]
    ]
    assert sorted(rows) == [s.id for s in STUDENTS]


def test_shards_split_by_id_not_by_position():
    assert parse_shard("2/8") == (2, 8)
    counts = [sum(in_shard(f"s{i}", (k, 4)) for i in range(400)) for k in range(1, 5)]
    assert sum(counts) == 400 and min(counts) > 70
    with pytest.raises(QuizgenError):
        parse_shard("0/3")


def test_manifest_lists_every_student_with_seed_version_files_and_marks(tmp_path):
    manifest = run(tmp_path)
    saved = json.loads((tmp_path / "manifest.json").read_text())
    assert saved == manifest and saved["exam_seed"] == 11
    row = saved["students"][0]
    assert row["id"] == "s001" and row["name"] == "Student 1" and row["total_marks"] == 16
    assert row["files"] == {"paper.html": "s001-paper.html", "key.html": "s001-key.html"}
    assert len(row["version"]) == 6 and isinstance(row["student_seed"], int)
    table = (tmp_path / "manifest.csv").read_text().splitlines()
    assert table[0].split(",")[:3] == ["id", "name", "version"]
    assert len(table) == len(STUDENTS) + 1


def test_existing_papers_are_not_overwritten_without_force(tmp_path):
    run(tmp_path)
    with pytest.raises(QuizgenError, match=r"use --resume .* or --force"):
        run(tmp_path)
    run(tmp_path, force=True)


def test_resume_skips_complete_students_and_redoes_damaged_ones(tmp_path):
    run(tmp_path)
    before = files(tmp_path)
    damaged = tmp_path / "s002-key.html"
    damaged.write_text("half a file")
    (tmp_path / "s004-paper.html").unlink()
    untouched = (tmp_path / "s001-paper.html").stat().st_mtime_ns
    run(tmp_path, resume=True)
    assert files(tmp_path) == before
    assert (tmp_path / "s001-paper.html").stat().st_mtime_ns == untouched


def test_an_interrupted_write_leaves_no_file_that_looks_complete(tmp_path):
    target = tmp_path / "s001-paper.pdf"

    def crash(path: Path) -> None:
        path.write_bytes(b"%PDF-1.7 half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, crash)
    assert not target.exists() and not list(tmp_path.iterdir())


def test_parallel_pdfs_match_serial_ones_and_merge_for_duplex(tmp_path):
    few = STUDENTS[:3]
    run(tmp_path / "one", few, formats=["pdf"], jobs=1)
    manifest = run(tmp_path / "two", few, formats=["pdf"], jobs=2)
    assert files(tmp_path / "one") == files(tmp_path / "two")
    merged = PdfReader(tmp_path / "two" / manifest["merged_papers"])
    starts, page = [], 0
    for row in manifest["students"]:
        starts.append(page)
        page += row["paper_pages"] + row["paper_pages"] % 2
    assert len(merged.pages) == page
    assert all(start % 2 == 0 for start in starts)  # 0-based even = a front page
    for start, row in zip(starts, manifest["students"]):
        assert row["id"] in merged.pages[start].extract_text()


def test_only_rebuilds_one_student_exactly(tmp_path):
    roster = write_roster(tmp_path, "id,name\n" + "".join(f"{s.id},{s.name}\n" for s in STUDENTS))
    runner = CliRunner()
    whole = runner.invoke(
        cli,
        [
            "paper",
            str(QUIZ),
            "--seed",
            "11",
            "--roster",
            str(roster),
            "--out",
            str(tmp_path / "whole"),
            "-f",
            "html",
            "-j",
            "1",
        ],
    )
    one = runner.invoke(
        cli,
        [
            "paper",
            str(QUIZ),
            "--seed",
            "11",
            "--roster",
            str(roster),
            "--only",
            "s004",
            "--out",
            str(tmp_path / "one"),
            "-f",
            "html",
        ],
    )
    assert whole.exit_code == one.exit_code == 0, whole.output + one.output
    assert files(tmp_path / "one") == {
        k: v for k, v in files(tmp_path / "whole").items() if k.startswith("s004")
    }


def test_roster_options_without_a_roster_are_refused():
    result = CliRunner().invoke(cli, ["paper", str(QUIZ), "--shard", "1/2"])
    assert result.exit_code == 1 and "need --roster" in result.output


def test_worker_pools_are_renewed_in_batches_without_changing_a_byte(tmp_path, monkeypatch):
    import quizgen.publish.classset

    # a new pool for every 2 students
    monkeypatch.setattr(quizgen.publish.classset, "WORKER_TASKS", 1)
    run(tmp_path / "serial", STUDENTS[:5], jobs=1)
    manifest = run(tmp_path / "batched", STUDENTS[:5], jobs=2)
    assert [row["id"] for row in manifest["students"]] == [s.id for s in STUDENTS[:5]]
    assert files(tmp_path / "batched") == files(tmp_path / "serial")


def test_a_stop_while_the_print_files_open_leaves_no_staged_file(tmp_path, monkeypatch):
    from quizgen.publish import classset

    real_writer, opened = classset.DuplexWriter, []

    def stopped_at_the_second(stream):
        opened.append(stream)
        if len(opened) == 2:
            raise KeyboardInterrupt  # Ctrl-C between opening the papers' file and the keys'
        return real_writer(stream)

    monkeypatch.setattr(classset, "DuplexWriter", stopped_at_the_second)
    with pytest.raises(KeyboardInterrupt), classset._PrintFiles(tmp_path, "", ("paper", "key")):
        pass
    assert len(opened) == 2 and not list(tmp_path.glob(".*.part"))
