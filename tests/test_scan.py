"""Paper exams read back: sheets printed by ``paper --sheet`` are filled by a simulated class
(marks drawn onto the real rendered sheets), degraded as scanners and phones degrade them,
scanned and marked: the marks equal the simulated truth, the review queue holds exactly the
ambiguous marks planted, and blank and foreign pages are reported while the rest is read."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import sheet_sim as sim
from class_sim import sit
from click.testing import CliRunner
from PIL import Image

from quizgen.cli import cli
from quizgen.marking.mark import mark_paper
from quizgen.marking.papers import version_paper, versions_exam
from quizgen.marking.readers.long import ClassPapers, PrintedVersions, read_long
from quizgen.scan.state import crop_name

pytestmark = pytest.mark.slow  # prints, rasterises and reads answer sheets

SEED = 31
BLUEPRINT = """\
title: Sheet test
sections:
  - title: Worked
    items:
      - {topic: sigmoid, difficulty: medium, marks: 4}
      - {topic: perceptron, difficulty: medium, marks: 4}
      - {topic: conv_shape, difficulty: medium, marks: 4}
      - {topic: cce, difficulty: medium, marks: 2, answer: choice}
  - title: Derivations
    items:
      - {bank: {kind: order}, marks: 4}
      - {bank: {kind: derive}, marks: 3}
      - {bank: {kind: fill}, marks: 2}
"""
STUDENTS = {"A": ["20260001", "20260002"], "B": ["20260003", "20260004"]}
DPI = 150
DEGRADATIONS = [
    sim.Degradation(),
    sim.Degradation(angle=4.0, noise=8, shadow=0.35),
    sim.Degradation(angle=-2.5, upside_down=True, blur=0.9, jpeg=30),
    sim.Degradation(angle=1.0, cover_corner=2, salt=0.002, scale=0.98, perspective=0.01),
    sim.Degradation(upside_down=True, scale=1.02, noise=5, jpeg=60, cover_corner=1),
]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """Sheets printed, filled, degraded, scanned; the truth of what was written."""
    root = tmp_path_factory.mktemp("sheets")
    (root / "small.yaml").write_text(BLUEPRINT, encoding="utf-8")
    out = root / "printed"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "paper",
            str(root / "small.yaml"),
            "--seed",
            str(SEED),
            "--versions",
            "2",
            "--sheet",
            "--format",
            "pdf",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    _, layouts = sim.page_layouts(out / "sheet-layout.json")
    exam = versions_exam(str(root / "small.yaml"), SEED, 2, None)
    papers = [version_paper(exam, code, sid, sid) for code, ids in STUDENTS.items() for sid in ids]
    rng = np.random.default_rng(5)
    answered = sit(papers, rng, mistake_rate=0.4)
    rows = {(s, q, p): t for s, q, p, t in answered.rows}
    truth: dict[tuple[str, str, str], str] = {}  # (student, question, part) -> written
    planted: set[tuple[str, int, str]] = set()
    scans = root / "scans"
    scans.mkdir()
    images = []
    for paper in papers:
        pages = layouts[paper.version]
        rasters = sim.rasterise(out / f"small-{SEED}-{paper.version}-sheet.pdf", DPI)
        for page, raster in zip(pages, rasters):
            marks, written = sim.page_marks(page, paper.student, rows, rng)
            for f in page["fields"]:
                if f["label"] not in written:
                    continue
                key = (paper.student, str(f["question"]), f["part"])
                text = written[f["label"]]
                if text is None or truth.get(key) == "unwritable":
                    truth[key] = "unwritable"
                else:
                    truth[key] = f"{truth[key]}|{text}" if key in truth else text
            sim.draw(raster, marks, DPI, rng)
            images.append((paper, page, raster))
    # planted: a faint stray mark in one student's first grid, two letters in another's choice
    paper, page, raster = images[0]
    grid = next(f for f in page["fields"] if f["kind"] == "number")
    column = sim.field_boxes(page, grid)
    empty = next(b for b in column[max(column)].values() if b["symbol"] == "7")
    sim.draw(raster, [sim.Mark(empty, "faint")], DPI, rng)
    planted.add((f"v:{paper.version}:{paper.student}", page["page"], grid["label"]))
    paper, page, raster = next(i for i in images if i[0].student == "20260004")
    choice = next(f for f in page["fields"] if f["kind"] == "choice")
    boxes = [b for c in sim.field_boxes(page, choice).values() for b in c.values()]
    sim.draw(raster, [sim.Mark(b, "fill") for b in boxes[:2]], DPI, rng)
    planted.add((f"v:{paper.version}:{paper.student}", page["page"], choice["label"]))
    # a cancelled wrong letter beside the right one: read as the right one, not queued
    paper, page, raster = next(i for i in images if i[0].student == "20260002")
    choice = next(f for f in page["fields"] if f["kind"] == "choice")
    right = truth[(paper.student, str(choice["question"]), choice["part"])]
    wrong = next(
        b
        for c in sim.field_boxes(page, choice).values()
        for b in c.values()
        if b["symbol"] != right
    )
    sim.draw(raster, [sim.Mark(wrong, "cancel")], DPI, rng)
    pdf_pages = []
    for index, (_, _, raster) in enumerate(images):
        degraded = sim.degrade(raster, DEGRADATIONS[index % len(DEGRADATIONS)], rng)
        if index % 2:
            pdf_pages.append(Image.fromarray(degraded))
        else:
            suffix = ".jpg" if index % 4 == 0 else ".png"
            Image.fromarray(degraded).save(scans / f"page-{index:02d}{suffix}")
    # the odd pages as one multi-page PDF, shuffled, with a blank page and one scanned twice
    blank = Image.fromarray(np.full_like(images[0][2], 250))
    order = [pdf_pages[i] for i in np.random.default_rng(1).permutation(len(pdf_pages))]
    batch = [order[0], blank, *order[1:], order[0]]
    batch[0].save(scans / "feeder.pdf", save_all=True, append_images=batch[1:], resolution=DPI)
    # a page of another exam: the same blueprint with another seed
    other = root / "other"
    result = runner.invoke(
        cli,
        [
            "paper",
            str(root / "small.yaml"),
            "--seed",
            "99",
            "--sheet",
            "--format",
            "pdf",
            "--out",
            str(other),
        ],
    )
    assert result.exit_code == 0, result.output
    foreign = sim.rasterise(other / "small-99-A-sheet.pdf", DPI)[0]
    Image.fromarray(foreign).save(scans / "zz-foreign.png")
    result = runner.invoke(
        cli, ["scan", str(scans), "--manifest", str(out), "--out", str(root / "read"), "-j", "2"]
    )
    assert result.exit_code == 0, result.output
    return root, out, papers, truth, planted, result, answered, images


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_answer_read_is_what_the_student_wrote(scanned):
    root, _, _, truth, *_ = scanned
    queued = {(r["student"], r["question"], r["part"]) for r in read_csv(root / "read/review.csv")}
    rows = read_csv(root / "read/answers.csv") + read_csv(root / "read/marks.csv")
    read = {(r["student"], r["question"], r["part"]): r["answer"] for r in rows}
    for key, text in truth.items():
        if key in queued or text == "unwritable":
            continue
        got = read.get(key)
        assert got is not None, f"{key} not read"
        if "|" in text or text.replace(".", "").replace("-", "").isdigit():
            numbers = [float(t) for t in text.split("|")]
            assert np.allclose(
                np.ravel(json.loads(got) if got.startswith("[") else [float(got)]), numbers
            ), key
        else:
            assert got == text, key


def test_the_review_queue_holds_exactly_the_planted_marks(scanned):
    root, _, _, _, planted, *_ = scanned
    queue = read_csv(root / "read/review.csv")
    fields = {(r["sheet"], int(r["page"]), r["field"]) for r in queue if r["field"] != "page"}
    assert fields == planted


def test_blank_and_foreign_pages_are_reported_and_the_rest_read(scanned):
    root, _, papers, _, _, result, *_ = scanned
    report = read_csv(root / "read/scan-report.csv")
    status = {(r["file"], r["page"]): r["status"] for r in report}
    assert status[("feeder.pdf", "2")] == "a blank page"
    assert status[("zz-foreign.png", "1")].startswith("refused: a sheet of another exam")
    assert "zz-foreign.png page 1" in result.output
    read = [r for r in report if r["status"] == "read"]
    assert len(read) == len(report) - 2
    assert {r["student"] for r in read} == {p.student for p in papers}


def marks_by_part(answers: Path, marks: Path | None, exam_of) -> dict:
    found = read_long(answers, PrintedVersions(exam_of))
    if marks is not None:
        extra = read_long(marks, ClassPapers(found.papers))
        for sid, given in extra.answers.items():
            found.answers[sid] = {**found.answers[sid], **given}
    return {
        (m.student, m.question, m.part): m.mark
        for sid, paper in found.papers.items()
        for m in mark_paper(paper, found.answers[sid])
    }


def test_marks_from_the_scans_equal_marks_from_what_was_written(scanned):
    root, _, papers, truth, _, _, answered, _ = scanned
    queued = {(r["student"], r["question"], r["part"]) for r in read_csv(root / "read/review.csv")}
    left_out = queued | {k for k, t in truth.items() if t == "unwritable"}
    version = {p.student: p.version for p in papers}
    lines = ["student,version,question,part,answer"]
    for student, question, part, text in answered.rows:
        if (student, str(question), part) not in left_out:
            quoted = text.replace('"', '""')
            lines.append(f'{student},{version[student]},{question},{part},"{quoted}"')
    typed = root / "typed.csv"
    typed.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def exam_of(n):
        return versions_exam(str(root / "small.yaml"), SEED, n, None)

    expected = marks_by_part(typed, None, exam_of)
    read = marks_by_part(root / "read/answers.csv", root / "read/marks.csv", exam_of)
    assert read == expected
    assert sum(expected.values()) > 0


def test_review_answers_are_kept_beside_the_scans_and_applied_on_later_runs(scanned, tmp_path):
    root, out, *_ = scanned
    scans = tmp_path / "scans"
    shutil.copytree(root / "scans", scans)
    queue = [r for r in read_csv(root / "read/review.csv") if r["field"] != "page"]
    replies = "".join(f"{'B' if r['field'] == r['question'] else '0.25'}\n" for r in queue)
    run = ["scan", str(scans), "--manifest", str(out), "-j", "1", "--out"]
    result = CliRunner().invoke(cli, [*run, str(tmp_path / "one"), "--review"], input=replies)
    assert result.exit_code == 0, result.output
    kept = read_csv(scans / "corrections.csv")
    assert len(kept) == len(queue)
    result = CliRunner().invoke(cli, [*run, str(tmp_path / "two")])
    assert result.exit_code == 0, result.output
    assert "0 field(s) to review" in result.output
    again = (tmp_path / "two/answers.csv").read_text(encoding="utf-8")
    assert again == (tmp_path / "one/answers.csv").read_text(encoding="utf-8")
    settled = {(r["student"], r["question"]) for r in queue}
    rows = {(r["student"], r["question"]) for r in read_csv(tmp_path / "two/answers.csv")}
    assert settled <= rows


def test_two_scans_of_a_page_that_disagree_send_the_field_to_review(scanned, tmp_path):
    root, out, *_, images = scanned
    scans = tmp_path / "scans"
    shutil.copytree(root / "scans", scans)
    paper, page, raster = next(
        i for i in images if any(f["kind"] == "choice" for f in i[1]["fields"])
    )
    choice = next(f for f in page["fields"] if f["kind"] == "choice")
    again = raster.copy()  # the same page scanned again after a letter was added
    boxes = [b for c in sim.field_boxes(page, choice).values() for b in c.values()]
    sim.draw(again, [sim.Mark(b, "fill") for b in boxes], DPI, np.random.default_rng(3))
    Image.fromarray(again).save(scans / "rescan.png")
    run = ["scan", str(scans), "--manifest", str(out), "-j", "1", "--out", str(tmp_path / "read")]
    result = CliRunner().invoke(cli, run)
    assert result.exit_code == 0, result.output
    queue = read_csv(tmp_path / "read/review.csv")
    sheet = f"v:{paper.version}:{paper.student}"
    row = next(r for r in queue if (r["sheet"], r["field"]) == (sheet, choice["label"]))
    assert row["reason"] == "two scans of this page disagree"
    assert "rescan.png" in row["scan"]
    answered = {(r["student"], r["question"]) for r in read_csv(tmp_path / "read/answers.csv")}
    assert (paper.student, str(choice["question"])) not in answered


def test_a_class_sets_pages_no_scan_held_are_listed_as_missing_in_the_report(tmp_path):
    (tmp_path / "one.yaml").write_text(
        "title: One\nsections:\n  - title: S\n    items:\n"
        "      - {topic: sigmoid, difficulty: medium, marks: 2}\n",
        encoding="utf-8",
    )
    (tmp_path / "roster.csv").write_text("id,name\nS1,Ada\nS2,Bo\n", encoding="utf-8")
    out = tmp_path / "class"
    result = CliRunner().invoke(
        cli,
        [
            *("paper", str(tmp_path / "one.yaml"), "--roster", str(tmp_path / "roster.csv")),
            *("--seed", "3", "--sheet", "--format", "pdf", "--out", str(out), "-j", "1"),
        ],
    )
    assert result.exit_code == 0, result.output
    scans = tmp_path / "scans"
    scans.mkdir()
    for index, raster in enumerate(sim.rasterise(out / "S1-sheet.pdf", DPI)):
        Image.fromarray(raster).save(scans / f"S1-{index}.png")
    run = ["scan", str(scans), "--manifest", str(out), "-j", "1", "--out", str(tmp_path / "read")]
    result = CliRunner().invoke(cli, run)
    assert result.exit_code == 0, result.output
    report = read_csv(tmp_path / "read/scan-report.csv")
    missing = [(r["sheet"], r["student"], r["status"]) for r in report if not r["file"]]
    assert missing and set(missing) == {("s:S2", "S2", "missing")}
    assert "Pages missing" in (tmp_path / "read/scan-report.html").read_text(encoding="utf-8")


def test_grade_waits_while_fields_are_queued(scanned, tmp_path):
    root, out, *_ = scanned
    result = CliRunner().invoke(
        cli,
        [
            "scan",
            str(root / "scans"),
            "--manifest",
            str(out),
            "-j",
            "1",
            "--grade",
            "--out",
            str(tmp_path / "read"),
        ],
    )
    assert result.exit_code == 1
    assert "Not grading: fields are waiting in the review queue" in result.output
    assert not (tmp_path / "read/graded").exists()


def test_review_of_a_finished_run_settles_its_queue_without_the_scans(scanned, tmp_path):
    root, out, *_ = scanned
    scans = tmp_path / "scans"
    shutil.copytree(root / "scans", scans)
    run = tmp_path / "run"
    result = CliRunner().invoke(
        cli, ["scan", str(scans), "-m", str(out), "-j", "1", "-o", str(run)]
    )
    assert result.exit_code == 0, result.output
    queue = [r for r in read_csv(run / "review.csv") if r["field"] != "page"]
    assert queue and all((run / "review" / crop_name(key(r))).is_file() for r in queue)
    for scan in scans.iterdir():  # the scans are gone: the run's folder is all it needs
        scan.unlink()
    replies = "".join(f"{'B' if r['field'] == r['question'] else '0.25'}\n" for r in queue)
    result = CliRunner().invoke(cli, ["scan", "--review", str(run), "--grade"], input=replies)
    assert result.exit_code == 0, result.output
    assert (run / "graded").is_dir()  # nothing left to review: marked in the same command
    kept = read_csv(scans / "corrections.csv")
    assert {(r["sheet"], int(r["page"]), r["field"]) for r in kept} == {key(r) for r in queue}
    assert [r for r in read_csv(run / "review.csv") if r["field"] != "page"] == []
    settled = {(r["student"], r["question"]) for r in queue}
    assert settled <= {(r["student"], r["question"]) for r in read_csv(run / "answers.csv")}


def test_review_of_a_finished_run_gives_what_a_fresh_run_with_its_answers_gives(scanned, tmp_path):
    root, out, *_ = scanned
    scans = tmp_path / "scans"
    shutil.copytree(root / "scans", scans)
    read = ["scan", str(scans), "-m", str(out), "-j", "1", "-o"]
    assert CliRunner().invoke(cli, [*read, str(tmp_path / "one")]).exit_code == 0
    queue = [r for r in read_csv(tmp_path / "one/review.csv") if r["field"] != "page"]
    replies = "\n" * len(queue)  # every best guess taken
    result = CliRunner().invoke(cli, ["scan", "--review", str(tmp_path / "one")], input=replies)
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(cli, [*read, str(tmp_path / "two")]).exit_code == 0
    for name in ("answers.csv", "marks.csv", "review.csv"):
        reviewed = (tmp_path / "one" / name).read_text(encoding="utf-8")
        assert reviewed == (tmp_path / "two" / name).read_text(encoding="utf-8"), name


def test_review_without_a_manifest_needs_a_scan_runs_folder(tmp_path):
    result = CliRunner().invoke(cli, ["scan", "--review", str(tmp_path)])
    assert result.exit_code == 1
    assert "--manifest is needed" in result.output


def test_review_of_a_run_whose_scans_folder_is_gone_says_so(scanned, tmp_path):
    root, out, *_ = scanned
    scans = tmp_path / "scans"
    shutil.copytree(root / "scans", scans)
    run = tmp_path / "run"
    assert (
        CliRunner().invoke(cli, ["scan", str(scans), "-m", str(out), "-o", str(run)]).exit_code == 0
    )
    shutil.rmtree(scans)
    replies = "\n" * 10
    result = CliRunner().invoke(cli, ["scan", "--review", str(run)], input=replies)
    assert result.exit_code == 1
    assert "the folder of this run's scans is gone" in result.output


def key(row: dict[str, str]) -> tuple[str, int, str]:
    return (row["sheet"], int(row["page"]), row["field"])
