"""quizgen grade: a simulated class's answers are marked exactly as the key says, from each
input format, with every bad row reported and nothing written until all are good."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from class_sim import long_csv, one_part_mistakes, sit
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.exam.model import BankItem, Item
from quizgen.export.layout import entries, number, slots
from quizgen.marking.analysis import analyse
from quizgen.marking.mark import mark_paper
from quizgen.marking.papers import from_manifest, variants_exam
from quizgen.marking.readers.canvas import read_canvas
from quizgen.marking.readers.long import ClassPapers, read_long
from quizgen.marking.readers.moodle import read_moodle

SEED = 2026


def manifest(folder: Path, students: int, blueprint: str = "midterm") -> Path:
    """A class set's manifest as `quizgen paper --roster` writes it (the papers themselves are
    not needed to mark: they are rebuilt from the seed)."""
    path = folder / "manifest.json"
    rows = [{"id": f"s{i:03d}", "name": f"Student {i}"} for i in range(students)]
    data = {"blueprint": f"{blueprint}.yaml", "exam_seed": SEED, "students": rows}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def marked(papers, answers_file: Path):
    found = read_long(answers_file, ClassPapers(papers))
    return [r for sid, p in found.papers.items() for r in mark_paper(p, found.answers[sid])]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    class_set = from_manifest(manifest(folder, 60), None, None)
    written = sit(list(class_set.papers.values()), np.random.default_rng(7), 0.35, 0.05)
    answers = folder / "answers.csv"
    answers.write_text(long_csv(written), encoding="utf-8")
    return class_set, written, marked(class_set.papers, answers)


def test_marks_recovered_exactly_for_every_student(simulated):
    _, written, rows = simulated
    report = analyse(rows)
    assert {s.student: s.mark for s in report.students} == written.expected_total


def test_every_mistake_made_is_named_and_counted(simulated):
    _, written, rows = simulated
    counts = {m.label: m.count for m in analyse(rows).mistakes}
    assert counts == written.mistakes


def test_mistake_rate_recovered_within_sampling_error(simulated):
    class_set, _, rows = simulated
    chances = sum(
        1
        for paper in class_set.papers.values()
        for item in paper.items
        if isinstance(item, Item) and not item.choices and one_part_mistakes(item)
    )
    named = sum(1 for r in rows if r.mistake and not r.what.endswith("question"))
    rate = 0.35 * 0.95  # a mistake when not left blank
    assert abs(named / chances - rate) < 3 * math.sqrt(rate * (1 - rate) / chances)


def test_the_final_over_every_section_is_marked_exactly_and_its_mistakes_named(tmp_path):
    class_set = from_manifest(manifest(tmp_path, 8, "final"), None, None)
    written = sit(list(class_set.papers.values()), np.random.default_rng(11), 0.5)
    answers = tmp_path / "answers.csv"
    answers.write_text(long_csv(written), encoding="utf-8")
    report = analyse(marked(class_set.papers, answers))
    assert {s.student: s.mark for s in report.students} == written.expected_total
    assert {m.label: m.count for m in report.mistakes} == written.mistakes


def test_derivation_marks_come_from_the_marker(simulated):
    _, written, rows = simulated
    derive = [r for r in rows if r.what == "derive question"]
    typed = {(s, q): a for s, q, _, a in written.rows}
    assert derive and all(r.mark == Fraction(typed[(r.student, r.question)]) for r in derive)


def test_follow_through_earns_the_part_from_a_wrong_earlier_answer(tmp_path):
    class_set = from_manifest(manifest(tmp_path, 1), None, None)
    paper = class_set.papers["s000"]
    item = next(i for i in paper.items if isinstance(i, Item) and i.problem.topic == "sigmoid")
    wrong_sigma = round(item.solution.answer["sigma"] + 0.1, 4)
    own_derivative = wrong_sigma * (1 - wrong_sigma)  # right from the wrong sigma
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "student,question,part,answer\n"
        f"s000,{item.number},a,{wrong_sigma}\ns000,{item.number},b,{own_derivative:.4f}\n"
    )
    rows = [r for r in marked(class_set.papers, answers) if r.question == item.number]
    assert [(r.verdict, r.mark, r.follow_through) for r in rows] == [
        ("wrong", 0, False),
        ("follow-through", item.part_marks[1], True),
    ]


def test_an_edit_nobody_listed_is_named_and_counted_with_its_topic(tmp_path):
    class_set = from_manifest(manifest(tmp_path, 2), None, None)
    lines = ["student,question,part,answer"]
    for sid in ("s000", "s001"):
        paper = class_set.papers[sid]
        item = next(i for i in paper.items if isinstance(i, Item) and i.problem.topic == "sigmoid")
        sigma = item.solution.answer["sigma"]
        lines += [
            f"{sid},{item.number},a,{sigma:.4f}",
            f"{sid},{item.number},b,{2 * sigma * (1 - sigma):.4f}",
        ]
    answers = tmp_path / "answers.csv"
    answers.write_text("\n".join(lines) + "\n")
    report = analyse(marked(class_set.papers, answers))
    label = "sigmoid: doubled sigma(z) * (1 - sigma(z)) in step 2"
    assert [(m.label, m.students) for m in report.mistakes] == [(label, 2)]


def test_a_class_report_counts_edits_by_step_and_kind_across_their_labels(tmp_path):
    # ten students, each on their own sigmoid problem: seven flip a sign in step 2 (two
    # different signs, so two labels), three double the derivative
    class_set = from_manifest(manifest(tmp_path, 10), None, None)
    lines = ["student,question,part,answer"]
    for k, (sid, paper) in enumerate(class_set.papers.items()):
        item = next(i for i in paper.items if isinstance(i, Item) and i.problem.topic == "sigmoid")
        s = item.solution.answer["sigma"]
        wrong = [s * (-1 - s), s * (1 + s), 2 * s * (1 - s)][0 if k < 4 else 1 if k < 7 else 2]
        lines += [f"{sid},{item.number},a,{s:.4f}", f"{sid},{item.number},b,{wrong:.4f}"]
    answers = tmp_path / "answers.csv"
    answers.write_text("\n".join(lines) + "\n")
    report = analyse(marked(class_set.papers, answers))
    assert max(m.students for m in report.mistakes) == 4
    assert [(e.label, e.students, e.count) for e in report.edits] == [
        ("Sigmoid and its derivative, step 2, sign flipped (in sigma'(z))", 7, 7),
        ("Sigmoid and its derivative, step 2, doubled (in sigma'(z))", 3, 3),
    ]
    assert report.reteach[:2] == (
        "Sigmoid and its derivative, step 2, sign flipped (in sigma'(z)): 7 of 10 students.",
        "Sigmoid and its derivative, step 2, doubled (in sigma'(z)): 3 of 10 students.",
    )


def test_the_class_report_shows_the_edits_table(tmp_path):
    from quizgen.marking.analysis import EditCount
    from quizgen.render.report import class_report

    edit = EditCount("batchnorm", 3, "not-applied", ("sqrt(sigma^2 + eps)",), 9, 5)
    report = analyse([_part_mark("s0", "1", 1, "batchnorm", 0)])
    html = class_report("Midterm", 1, dataclasses.replace(report, edits=(edit,)), "mathml")
    assert (
        "<td>Batch normalization, step 3, function not applied (in sqrt(sigma^2 + eps))</td>"
        in (html)
    )
    assert "No wrong answer was explained by an edit" not in html


def test_a_neighbouring_pair_swapped_loses_one_step(tmp_path):
    class_set = from_manifest(manifest(tmp_path, 1), None, None)
    paper = class_set.papers["s000"]
    item = next(i for i in paper.items if isinstance(i, BankItem) and i.kind == "order")
    right = [item.order.index(j) + 1 for j in range(len(item.order))]
    for i in range(len(right) - 1):
        swapped = [*right]
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        if not item.accepts_order(swapped):
            break
    answers = tmp_path / "answers.csv"
    answers.write_text(
        f"student,question,part,answer\ns000,{item.number},,{' '.join(map(str, swapped))}\n"
    )
    (row,) = [r for r in marked(class_set.papers, answers) if r.question == item.number]
    assert row.mark == Fraction(item.marks * (len(right) - 1), len(right))


def test_bad_rows_reported_each_on_its_line_and_nothing_written(tmp_path):
    path = manifest(tmp_path, 2)
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "student,question,part,answer\n"
        "s000,3,a,0.5\n"
        "nobody,1,a,1\n"
        "s000,99,a,1\n"
        "s000,3,a,0.6\n"
        "s001,3,b,twelve\n"
        "s001,3,z,1\n"
    )
    out = tmp_path / "grades"
    result = CliRunner().invoke(
        cli, ["grade", str(answers), "--manifest", str(path), "--out", str(out)]
    )
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert [line.split(": ")[2] for line in lines] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
    ]
    assert 'unknown student "nobody"' in lines[0]
    assert "out of range" in lines[1]
    assert "duplicate row" in lines[2] and "line 2" in lines[2]
    assert 'unreadable answer "twelve"' in lines[3]
    assert 'no part "z"' in lines[4]
    assert "Traceback" not in result.output
    assert not out.exists()


def test_versions_papers_marked_from_a_version_column(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("student,version,question,part,answer\nann,B,11,,A\nbo,A,12,,4\n")
    result = CliRunner().invoke(
        cli,
        [
            "grade",
            str(answers),
            "--blueprint",
            "midterm",
            "--seed",
            str(SEED),
            "--out",
            str(tmp_path / "g"),
            "--format",
            "html",
        ],
    )
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader((tmp_path / "g" / "marks-by-student.csv").open()))
    assert [(r["student"], r["version"]) for r in table] == [("ann", "B"), ("bo", "A")]
    bo = [r for r in csv.DictReader((tmp_path / "g" / "marks.csv").open()) if r["student"] == "bo"]
    assert [(r["mark"], r["verdict"]) for r in bo if r["question"] == "12"] == [("4", "marked")]


# -- LMS reports, built from their documented column layouts -----------------------------


def moodle_right_answers(exam, folder: Path) -> dict[str, str]:
    """What Moodle's "Right answer" column shows for each question of the Moodle XML the export
    writes, by question name: the full-marks answer of a numerical or multiple-choice question
    (HTML stripped), "part 1: x; part 2: y" for a cloze, nothing for an essay."""
    import html
    import re
    import xml.etree.ElementTree as ET

    from quizgen.export.moodle import write_moodle

    target = folder / "quiz.xml"
    write_moodle(exam, target)
    shown = {}
    for question in ET.parse(target).getroot().iter("question"):
        kind = question.get("type")
        if kind == "category":
            continue
        name = question.findtext("name/text")
        if kind == "cloze":
            values = re.findall(
                r"\{\d+:NUMERICAL:=([^:]+):", question.findtext("questiontext/text")
            )
            parts = [f"part {k}: {v}" for k, v in enumerate(values, start=1)]
            shown[name] = values[0] if len(values) == 1 else "; ".join(parts)
        elif kind == "essay":
            shown[name] = ""
        else:
            right = next(a for a in question.iter("answer") if a.get("fraction") == "100")
            shown[name] = html.unescape(re.sub(r"<[^>]*>", "", right.findtext("text")))
    return shown


def moodle_report(exam, choose, answer_of, folder: Path) -> str:
    """Moodle 4.x quiz Responses report (CSV download, Right answer ticked): one row per
    attempt; the cloze summary is "part 1: x; part 2: y". ``choose(student, slot)`` is the
    variant number (from 1) the student drew; ``answer_of(student, item)`` their response, None
    for the right answer as Moodle shows it (an option's text as the export wrote it)."""
    quiz = slots(exam)
    right = moodle_right_answers(exam, folder)
    header = [
        "Last name",
        "First name",
        "Email address",
        "Status",
        "Started",
        "Completed",
        "Duration",
        "Grade/81.00",
    ]
    for k in range(1, len(quiz) + 1):
        header += [f"Response {k}", f"Right answer {k}"]
    lines = [header]
    for student in ("ann", "bo"):
        row = [
            student.title(),
            "Test",
            f"{student}@example.org",
            "Finished",
            "1 May 2026 09:00",
            "1 May 2026 10:00",
            "1 hour",
            "50.00",
        ]
        for slot in quiz:
            variant = choose(student, slot)
            item = slot.items[variant - 1]
            shown = right[f"{slot.title} variant {variant} ({item.code})"]
            response = answer_of(student, item)
            row += [shown if response is None else response, shown]
        lines.append(row)
    lines.append(["Overall average", "", "", "", "", "", "", "50.00"])
    return _csv(lines)


def _csv(lines) -> str:
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    return buffer.getvalue()


def test_moodle_responses_report_marked_per_variant(tmp_path):
    exam = variants_exam("midterm", SEED, 3, None)
    chosen = {("ann", s.slot): 1 for s in slots(exam)} | {("bo", s.slot): 3 for s in slots(exam)}

    def answer_of(student, item):
        if isinstance(item, BankItem):
            if item.kind == "derive":
                return "We differentiate..."
            if item.kind == "order":
                return item.right_order.replace("(", "").replace(")", "")
            return None
        if item.choices:
            return None
        found = entries(item)
        wrong = student == "bo"  # bo's last number is off
        values = [
            number(e.value + (1 if wrong and k == len(found) - 1 else 0))
            for k, e in enumerate(found)
        ]
        return (
            values[0]
            if len(found) == 1
            else "; ".join(f"part {k + 1}: {v}" for k, v in enumerate(values))
        )

    report = tmp_path / "responses.csv"
    report.write_text(
        moodle_report(exam, lambda s, slot: chosen[(s, slot.slot)], answer_of, tmp_path)
    )
    found = read_moodle(report, exam)
    assert list(found.papers) == ["ann@example.org", "bo@example.org"]
    rows = [r for sid, p in found.papers.items() for r in mark_paper(p, found.answers[sid])]
    ann = [r for r in rows if r.student == "ann@example.org"]
    assert all(r.verdict in ("correct", "to mark") for r in ann), [
        r for r in ann if r.verdict not in ("correct", "to mark")
    ]
    bo_wrong = [r for r in rows if r.student == "bo@example.org" and r.verdict == "wrong"]
    worked = [s for s in slots(exam) if isinstance(s.items[0], Item) and not s.items[0].choices]
    assert len(bo_wrong) == len(worked)


def qti_questions(exam, version, folder: Path) -> list[tuple[str, float]]:
    """(question text as Canvas's strip_tags leaves it, points) of a version's quiz, read from
    the QTI package the export writes."""
    import re
    import xml.etree.ElementTree as ET
    import zipfile

    from quizgen.export.qti import quiz_title, write_qti

    target = folder / "quiz.zip"
    write_qti(exam, target)
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    with zipfile.ZipFile(target) as package:
        for name in package.namelist():
            root = ET.fromstring(package.read(name)) if name.endswith(".xml") else None
            quiz = root.find("q:assessment", ns) if root is not None else None
            if quiz is None or quiz.get("title") != quiz_title(exam, version):
                continue
            found = []
            for item in quiz.iter(f"{{{ns['q']}}}item"):
                fields = {
                    f.findtext("q:fieldlabel", namespaces=ns): f.findtext(
                        "q:fieldentry", namespaces=ns
                    )
                    for f in item.iter(f"{{{ns['q']}}}qtimetadatafield")
                }
                html = item.find("q:presentation/q:material/q:mattext", ns).text
                found.append((re.sub(r"<[^>]*>", "", html), float(fields["points_possible"])))
            return found
    raise AssertionError("no such quiz in the package")


def asked_in_order(version):
    """(item, entry) per Canvas question: a worked problem's numbers are one question each."""
    return [
        (item, k)
        for item in version.items
        for k in (
            range(len(entries(item))) if isinstance(item, Item) and not item.choices else [None]
        )
    ]


def canvas_report(exam, version, answer_of, folder: Path) -> str:
    """Canvas classic quiz Student Analysis: fixed columns, then "id: text" and points per
    question, then n correct, n incorrect, score."""
    texts = qti_questions(exam, version, folder)
    asked = asked_in_order(version)
    assert len(texts) == len(asked)
    header = [
        "name",
        "id",
        "sis_id",
        "section",
        "section_id",
        "section_sis_id",
        "submitted",
        "attempt",
    ]
    for k, (text, points) in enumerate(texts):
        header += [f"{1000 + k}: {text}", number(points)]
    header += ["n correct", "n incorrect", "score"]
    lines = [header]
    for n, student in enumerate(("ann", "bo")):
        row = [
            student.title(),
            str(100 + n),
            f"S{n}",
            "Section 1",
            "1",
            "",
            "2026-05-01 10:00:00 UTC",
            "1",
        ]
        for item, entry in asked:
            row += answer_of(student, item, entry)
        lines.append([*row, "0", "0", "0"])
    return _csv(lines)


def test_canvas_student_analysis_finds_its_version_and_marks_it(tmp_path):
    exam = variants_exam("midterm", SEED, 3, None)
    version = exam.versions[1]

    def answer_of(student, item, entry):
        if isinstance(item, BankItem):
            if item.kind == "derive":
                return ["my derivation", "3"]
            if item.kind == "order":
                return [item.right_order.replace("(", "").replace(")", ""), ""]
            return [next(o.text for o in item.options if o.correct), ""]
        if item.choices:
            return [next(c.text for c in item.choices if c.correct), ""]
        value = entries(item)[entry].value
        return [number(value if student == "ann" else value + 1), ""]

    report = tmp_path / "analysis.csv"
    report.write_text(canvas_report(exam, version, answer_of, tmp_path))
    found = read_canvas(report, exam, None)
    assert {p.version for p in found.papers.values()} == {version.code}
    rows = [r for sid, p in found.papers.items() for r in mark_paper(p, found.answers[sid])]
    ann = [r for r in rows if r.student == "S0"]
    assert all(r.verdict in ("correct", "marked") for r in ann)
    assert [r.mark for r in ann if r.verdict == "marked"] == [3]


@pytest.mark.slow  # grades a class three times, writing every feedback PDF each time
def test_same_answers_same_bytes_and_a_fix_changes_only_its_student(tmp_path):
    path = manifest(tmp_path, 3, "quiz")
    class_set = from_manifest(path, None, None)
    written = sit(list(class_set.papers.values()), np.random.default_rng(3), 0.5)
    answers = tmp_path / "answers.csv"
    answers.write_text(long_csv(written))
    run = ["grade", str(answers), "--manifest", str(path), "--out"]

    def files(out):
        return {
            p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*"))
            if p.is_file()
        }

    assert CliRunner().invoke(cli, [*run, str(tmp_path / "one")]).exit_code == 0
    assert CliRunner().invoke(cli, [*run, str(tmp_path / "two")]).exit_code == 0
    one, two = files(tmp_path / "one"), files(tmp_path / "two")
    assert one == two
    lines = answers.read_text().splitlines()
    fixed = [lines[0]] + [
        line.rsplit(",", 1)[0] + ',"0"' if line.startswith("s001,1,a,") else line
        for line in lines[1:]
    ]
    answers.write_text("\n".join(fixed) + "\n")
    assert CliRunner().invoke(cli, [*run, str(tmp_path / "two")]).exit_code == 0
    three = files(tmp_path / "two")
    changed = {name for name in one if one[name] != three[name]}
    assert "feedback/s001.pdf" in changed
    assert not {"feedback/s000.pdf", "feedback/s002.pdf"} & changed


@pytest.mark.slow  # prints every student's feedback and the report as PDFs
def test_feedback_and_report_pdfs_read_back(tmp_path):
    """The shipped example class: the PDFs say what marks.csv says, in words."""
    from pypdf import PdfReader

    examples = Path(__file__).resolve().parent.parent / "examples"
    roster = [line.split(",") for line in (examples / "roster.csv").read_text().splitlines()[1:]]
    path = tmp_path / "manifest.json"
    students = [{"id": i, "name": n} for i, n in roster]
    path.write_text(
        json.dumps({"blueprint": "midterm.yaml", "exam_seed": SEED, "students": students})
    )
    out = tmp_path / "grades"
    result = CliRunner().invoke(
        cli,
        ["grade", str(examples / "class-answers.csv"), "--manifest", str(path), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    marks = list(csv.DictReader((out / "marks.csv").open(encoding="utf-8")))
    follow = next(r for r in marks if r["follow_through"] == "yes")
    named = next(r for r in marks if r["mistake"])

    def text(pdf: Path) -> str:
        return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages)

    assert "worked right from your earlier answer" in text(
        out / "feedback" / f"{follow['student']}.pdf"
    )
    sheet = text(out / "feedback" / f"{named['student']}.pdf")
    assert f"It looks like you {named['mistake']}" in sheet
    assert "The step that gives it" in sheet
    report = text(out / "report.pdf")
    assert "Re-teach" in report and named["mistake"] in report
    assert "<svg" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("source", ["long", "moodle", "canvas"])
def test_malformed_answer_files_give_an_error_not_a_traceback(tmp_path, source):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    cells = st.text(alphabet='abcAB01-9 .;:/[]x"', max_size=8)
    heads = st.sampled_from(
        [
            "student",
            "question",
            "part",
            "answer",
            "version",
            "Response 1",
            "Right answer 1",
            "name",
            "id",
            "sis_id",
            "section_sis_id",
            "n correct",
            "Status",
            "First name",
        ]
    )

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        header=st.lists(heads, max_size=6),
        rows=st.lists(st.lists(cells, max_size=6), max_size=4),
    )
    def run(header, rows):
        answers = tmp_path / "answers.csv"
        answers.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n")
        out = tmp_path / "out"
        result = CliRunner().invoke(
            cli,
            [
                "grade",
                str(answers),
                "--blueprint",
                "quiz",
                "--seed",
                "2026",
                "--variants",
                "2",
                "--from",
                source,
                "--out",
                str(out),
                "--format",
                "html",
            ],
        )
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.output and "internal error" not in result.output
        if result.exit_code == 1:
            assert not out.exists()

    run()


def test_hand_marks_complete_a_moodle_report(tmp_path):
    exam = variants_exam("midterm", SEED, 3, None)
    quiz = slots(exam)

    def answer_of(student, item):
        return "My derivation..." if isinstance(item, BankItem) and item.kind == "derive" else ""

    report = tmp_path / "responses.csv"
    report.write_text(moodle_report(exam, lambda s, slot: 1, answer_of, tmp_path))
    derive = next(
        k
        for k, s in enumerate(quiz, 1)
        if isinstance(s.items[0], BankItem) and s.items[0].kind == "derive"
    )
    marks = tmp_path / "marks.csv"
    marks.write_text(f"student,question,part,answer\nann@example.org,{derive},,4\n")
    out = tmp_path / "g"
    result = CliRunner().invoke(
        cli,
        [
            "grade",
            str(report),
            "--blueprint",
            "midterm",
            "--seed",
            str(SEED),
            "--variants",
            "3",
            "--marks",
            str(marks),
            "--out",
            str(out),
            "--format",
            "html",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "marks.csv").open(encoding="utf-8")))
    derived = {
        r["student"]: (r["mark"], r["verdict"]) for r in rows if r["question"] == str(derive)
    }
    assert derived == {"ann@example.org": ("4", "marked"), "bo@example.org": ("0", "to mark")}
    assert "1 derivation(s) still to mark" in result.output


def test_flawed_questions_are_flagged():
    from quizgen.marking.analysis import analyse
    from quizgen.marking.mark import PartMark

    def row(student: str, slot: str, number: int, mark: int) -> PartMark:
        return PartMark(
            student,
            student,
            number,
            "a",
            slot,
            "sigmoid",
            "sigmoid",
            "",
            Fraction(mark),
            4,
            "correct" if mark == 4 else "wrong",
        )

    rows = []
    for k in range(12):
        strong = k < 6
        rows += [row(f"s{k}", "1", 1, 4 if strong else 0), row(f"s{k}", "2", 2, 4 if strong else 0)]
        rows.append(row(f"s{k}", "3", 3, 0 if strong else 4))  # only the weak get it right
        rows.append(row(f"s{k}", "4", 4, 0))  # nobody does
    flaws = {q.slot: q.flaws for q in analyse(rows).questions}
    assert flaws["1"] == flaws["2"] == ()
    assert "negative discrimination" in flaws["3"][0]
    assert flaws["4"] == ("nobody earned a mark",)


def _part_mark(student: str, slot: str, number: int, topic: str, mark: int):
    from quizgen.marking.mark import PartMark

    verdict = "correct" if mark == 4 else "wrong"
    return PartMark(
        student, student, number, "a", slot, topic, topic, "", Fraction(mark), 4, verdict
    )


def test_the_class_report_names_topics_by_title_and_slots_in_words():
    rows = []
    for k in range(4):  # section 1 shuffled: its questions have different numbers on papers
        rows += [
            _part_mark(f"s{k}", "1.1", 1 + k % 2, "conv_shape", 4 * (k % 2)),
            _part_mark(f"s{k}", "1.2", 2 - k % 2, "linear_regression", 0),
            _part_mark(f"s{k}", "2.1.1", 3, "sigmoid", 4),
        ]
    report = analyse(rows)
    labels = [q.label for q in report.questions]
    assert labels == [
        "Section 1, item 1: CNN output size",
        "Section 1, item 2: Linear regression gradient",
        "Q3 Sigmoid and its derivative",
    ]
    assert "Linear regression gradient: the class earned 0% of its marks." in report.reteach


def test_a_three_part_slot_reads_as_an_items_numbered_question():
    from quizgen.marking.analysis import slot_name

    assert slot_name("4.4.1") == "section 4, item 4 #1"
    assert slot_name("1.2") == "section 1, item 2"


def test_the_question_charts_legend_says_each_colour_as_drawn():
    from quizgen.render.plots import BAR, NEUTRAL, WARN, question_legend

    assert question_legend([0.4, 0.2]) == [("facility", BAR), ("discrimination", NEUTRAL)]
    assert ("discrimination below 0", WARN) in question_legend([-0.3, 0.5])


def test_the_class_reports_tables_repeat_their_header_and_never_leave_it_alone():
    from quizgen.render.report import _environment

    css = _environment("svg").get_template("report/style.css").render(footer="")
    template = _environment("svg").loader.get_source(_environment("svg"), "report/class.html")[0]
    assert template.count("<thead>") == template.count('<table class="data">') == 3
    assert "table.data thead { display: table-header-group; }" in css


@pytest.fixture(scope="module")
def one_of_six(tmp_path_factory):
    """A mid-term class set of six whose answers file holds rows for the first student only."""
    folder = tmp_path_factory.mktemp("one-of-six")
    path = manifest(folder, 6)
    class_set = from_manifest(path, None, None)
    written = sit([class_set.papers["s000"]], np.random.default_rng(5), 0.3)
    answers = folder / "answers.csv"
    answers.write_text(long_csv(written), encoding="utf-8")
    out = folder / "grades"
    run = ["grade", str(answers), "--manifest", str(path), "--format", "html", "--out", str(out)]
    result = CliRunner().invoke(cli, run)
    assert result.exit_code == 0, result.output
    return result, out


def test_grade_names_the_students_with_no_rows_at_all(one_of_six):
    result, _ = one_of_six
    assert (
        "5 of 6 students have no rows at all in answers.csv (s001, s002, s003, s004, s005)"
        in result.stderr
    )


def test_marks_by_student_topic_maxima_add_up_to_the_paper_total(one_of_six):
    _, out = one_of_six
    with open(out / "marks-by-student.csv", encoding="utf-8") as handle:
        header, *lines = list(csv.reader(handle))
    maxima = [int(h.rsplit("(of ", 1)[1].rstrip(")")) for h in header if "(of " in h]
    assert {int(line[header.index("max")]) for line in lines} == {sum(maxima)}
