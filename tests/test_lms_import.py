"""Exports checked by the LMSs' own import code (../shared/lms-import): Moodle 4.5's XML
importer and Canvas's QTI converters, run offline on quizgen's files. What each LMS stored is
compared with the blueprint: question count, types, marks, answers, tolerances or ranges and
feedback text, for the shipped blueprints and for every topic at every difficulty and form.

The importers need Debian's php-cli, php-xml, php-mbstring, ruby, ruby-nokogiri,
ruby-sanitize, ruby-activesupport and python3-lxml (.ci/run installs them). Without them the
tests are skipped here, and fail under CI.
"""

from __future__ import annotations

import dataclasses
import html as html_lib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from quizgen.core.resources import shipped_blueprints
from quizgen.exam.blueprint import Blueprint, ItemSpec, Section, load_blueprint
from quizgen.exam.model import BankItem, Exam, Item
from quizgen.export import write
from quizgen.export.layout import blueprint_exam, entries, html, mistakes, slots, wrong_values
from quizgen.export.moodle import mark_scale, whole_weights
from quizgen.export.qti import entry_points, quiz_title
from quizgen.topics import registry

pytestmark = pytest.mark.slow  # runs Moodle's and Canvas's own importers on every topic

LMS = Path(__file__).resolve().parent.parent.parent / "shared" / "lms-import"
NEEDS = {"moodle": ("php",), "canvas": ("ruby", "unzip")}
ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+);")


def run_importer(lms: str, exported: Path, out: Path) -> dict:
    script = LMS / f"import-{lms}"
    missing = [tool for tool in NEEDS[lms] if shutil.which(tool) is None]
    if not script.exists() or missing:
        why = f"{script} or {missing} not available"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    # the script's own analysis step reads one quiz per file; the JSON is what counts
    subprocess.run([str(script), str(exported), str(out)], capture_output=True, timeout=300)
    result = out / f"{exported.stem}.{lms}.json"
    log = next(out.glob("*.txt"), None)
    assert result.exists(), log.read_text() if log else f"{lms} import wrote nothing"
    return json.loads(result.read_text(encoding="utf-8"))


def choice_blueprint() -> Blueprint:
    """Every topic as multiple choice, at every difficulty."""
    items = [
        ItemSpec(topic=name, difficulty=d, marks=3, form="choice", id=f"{name}-{d}")
        for name in registry()
        for d in ("easy", "medium", "hard")
    ]
    return Blueprint(title="Every topic as choice", sections=[Section(title="All", items=items)])


def worked_blueprint(difficulty: str) -> Blueprint:
    items = [ItemSpec(topic=name, difficulty=difficulty, marks=5, id=name) for name in registry()]
    return Blueprint(
        title=f"Every topic, {difficulty}", sections=[Section(title="All", items=items)]
    )


def single_answer_exam() -> Exam:
    """Problems that ask for one number (the sigmoid value alone): Moodle numerical questions."""
    exam = blueprint_exam(worked_blueprint("medium"), 2, 4)
    versions = []
    for version in exam.versions:
        items = tuple(
            dataclasses.replace(
                item,
                solution=dataclasses.replace(item.solution, parts=item.solution.parts[:1]),
                marks=2,
            )
            for item in version.items
            if isinstance(item, Item) and len(entries(item)) > 1 and item.problem.topic in (
                "sigmoid", "bce", "cce"
            )
        )  # fmt: skip
        one = dataclasses.replace(version.sections[0], items=items)
        versions.append(dataclasses.replace(version, sections=(one,)))
    blueprint = Blueprint(
        title="One number each",
        sections=[Section(title="All", items=[ItemSpec(topic="sigmoid", marks=2)] * 3)],
    )
    return dataclasses.replace(exam, versions=tuple(versions), blueprint=blueprint)


EXAMS = {
    "quiz": lambda: blueprint_exam(load_blueprint(shipped_blueprints()["quiz"]), 3, 2026),
    "midterm": lambda: blueprint_exam(load_blueprint(shipped_blueprints()["midterm"]), 2, 2026),
    "choice": lambda: blueprint_exam(choice_blueprint(), 2, 7),
    **{
        f"worked-{d}": (lambda d=d: blueprint_exam(worked_blueprint(d), 2, 11))
        for d in ("easy", "medium", "hard")
    },
    "single-answer": single_answer_exam,
}


def close(a: float | str, b: float) -> bool:
    return abs(float(a) - b) <= 1e-9 * max(1.0, abs(b))


# Moodle ------------------------------------------------------------------------------------


def moodle_questions(exam: Exam, tmp_path: Path) -> dict[str, dict]:
    target = tmp_path / "export.xml"
    write("moodle", exam, target)
    result = run_importer("moodle", target, tmp_path / "moodle")
    assert result["summary"]["rejected"] == 0 and result["summary"]["importerrors_counter"] == 0
    questions = [q for q in result["questions"] if q["qtype"] != "category"]
    for q in questions:
        assert q["result"] == "OK" and not q["events"], q
    return {q["name"]: q for q in questions}


def check_moodle_item(q: dict, item: Item | BankItem, scale: int) -> None:
    """The question as Moodle stored it, its marks ``scale`` times the blueprint's."""
    marks = item.marks * scale
    if isinstance(item, BankItem):
        assert q["qtype"] == ("essay" if item.kind == "derive" else "multichoice")
        assert int(q["defaultmark"]) == marks
        return
    if item.choices:
        assert q["qtype"] == "multichoice" and int(q["defaultmark"]) == marks
        by_text = {a["answer"]: a for a in q["answers"]}
        for choice in item.choices:
            answer = by_text[html(choice.text)]
            assert answer["fraction"] == (1 if choice.correct else 0)
            if not choice.correct:
                why = f"It looks like you {choice.misconception}: {choice.explanation}"
                assert answer["feedback"] == html(why)
        return
    found, known = entries(item), mistakes(item)
    if len(found) == 1:
        assert q["qtype"] == "numerical" and int(q["defaultmark"]) == marks
        answers = [q["answers"]]
    else:
        assert q["qtype"] == "multianswer"
        assert int(q["defaultmark"]) == marks  # Moodle's mark: the sum of the weights
        weights = [int(sub["mark"]) for sub in q["subquestions"]]
        assert weights == whole_weights(item, scale) and sum(weights) == marks
        answers = [sub["answers"] for sub in q["subquestions"]]
    assert len(answers) == len(found)
    for entry, given in zip(found, answers, strict=True):
        right = given[0]
        assert right["fraction"] in (1, "1") and close(right["answer"], entry.value)
        assert close(right["tolerance"], entry.tolerance)
        wrong = wrong_values(entry, known)
        named = [a for a in given[1:] if a["answer"] != "*"]
        assert len(named) == len(wrong)
        for answer, (value, why) in zip(named, wrong, strict=True):
            assert close(answer["answer"], value) and answer["fraction"] in (0, "0")
            assert answer["feedback"] == html(why)  # as written: no \/, no raw <


@pytest.mark.parametrize("name", list(EXAMS))
def test_moodle_imports_what_the_blueprint_says(name, tmp_path):
    exam = EXAMS[name]()
    imported = moodle_questions(exam, tmp_path)
    expected = {}
    for slot in slots(exam):
        for variant, item in enumerate(slot.items, start=1):
            expected[f"{slot.title} variant {variant} ({item.code})"] = item
    assert set(imported) == set(expected)
    scale = mark_scale(exam)
    for title, item in expected.items():
        check_moodle_item(imported[title], item, scale)
    per_version = sum(slot.items[0].marks for slot in slots(exam))
    assert per_version == exam.blueprint.total_marks


@pytest.mark.parametrize("name", ["quiz", "midterm"])
def test_every_cloze_box_of_the_shipped_blueprints_carries_a_weight(name, tmp_path):
    """As Moodle's own importer reads them: no box a student fills for nothing."""
    imported = moodle_questions(EXAMS[name](), tmp_path)
    cloze = [q for q in imported.values() if q["qtype"] == "multianswer"]
    assert cloze
    for q in cloze:
        weights = [int(sub["mark"]) for sub in q["subquestions"]]
        assert min(weights) >= 1, (q["name"], weights)


# Canvas ------------------------------------------------------------------------------------


def canvas_quizzes(exam: Exam, tmp_path: Path) -> tuple[dict, dict[str, dict]]:
    target = tmp_path / "export.zip"
    write("qti", exam, target)
    result = run_importer("canvas", target, tmp_path / "canvas")
    questions = {q["migration_id"]: q for q in result["questions"]}
    for q in questions.values():
        assert not q.get("qti_error") and not q.get("import_error"), q
    return result, questions


def visible(text: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", text))).strip()


def check_canvas_item(found: list[dict], item: Item | BankItem) -> None:
    if isinstance(item, BankItem):
        (q,) = found
        kind = "essay_question" if item.kind == "derive" else "multiple_choice_question"
        assert q["question_type"] == kind and q["points_possible"] == item.marks
        return
    stem = visible(html(item.stem.text))
    assert all(stem in visible(q["question_text"]) for q in found)  # one draw for every part
    if item.choices:
        (q,) = found
        assert q["question_type"] == "multiple_choice_question"
        assert q["points_possible"] == item.marks
        right = [a for a in q["answers"] if a["weight"] > 0]
        assert len(right) == 1 and len(q["answers"]) == len(item.choices)
        return
    numbers = entries(item)
    assert [q["question_type"] for q in found] == ["numerical_question"] * len(numbers)
    points = [q["points_possible"] for q in found]
    assert points == entry_points(item) and round(sum(points), 6) == item.marks
    known = mistakes(item)
    for q, entry in zip(found, numbers, strict=True):
        (answer,) = q["answers"]
        assert answer["numerical_answer_type"] == "range_answer" and answer["weight"] == 100
        assert close(answer["start"], entry.value - entry.tolerance)
        assert close(answer["end"], entry.value + entry.tolerance)
        feedback = visible(q["neutral_comments_html"])
        assert f"The answer is {entry.shown}." in feedback
        for _value, why in wrong_values(entry, known):
            assert visible(html(why)) in feedback
        assert visible(html(item.solution.steps[0].title)) in feedback  # the worked solution


@pytest.mark.parametrize("name", list(EXAMS))
def test_canvas_imports_one_quiz_per_version_as_the_blueprint_says(name, tmp_path):
    exam = EXAMS[name]()
    result, questions = canvas_quizzes(exam, tmp_path)
    quizzes = {a["title"]: a for a in result["assessments"]}
    assert set(quizzes) == {quiz_title(exam, v) for v in exam.versions}
    for version in exam.versions:
        refs = [r["migration_id"] for r in quizzes[quiz_title(exam, version)]["questions"]]
        assert all(r in questions for r in refs)
        asked = [questions[r] for r in refs]
        assert round(sum(q["points_possible"] for q in asked), 6) == exam.blueprint.total_marks
        for item in version.items:
            mine = [
                q
                for q in asked
                if re.fullmatch(rf"Question {item.number}(: .*)?", q["question_name"])
            ]
            check_canvas_item(mine, item)
    for q in questions.values():
        assert "$" not in q["question_name"]
        for field in ("neutral_comments", "correct_comments", "incorrect_comments"):
            if not q.get(f"{field}_html"):
                assert not ENTITY.search(q.get(field) or ""), (q["question_name"], field)
        for answer in q["answers"]:
            if not answer.get("comments_html"):
                assert not ENTITY.search(answer.get("comments") or ""), q["question_name"]
