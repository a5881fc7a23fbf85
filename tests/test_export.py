"""Exports: each format's structure checked against its rules, tolerances equal to the paper's,
stable ids, and (for Anki) a real import into a fresh collection."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.core.grading import agrees
from quizgen.core.record_files import read_records
from quizgen.exam.blueprint import load_blueprint
from quizgen.exam.model import Item
from quizgen.exam.problems import RecordError, solve_records
from quizgen.export import write
from quizgen.export.layout import blueprint_exam, entries, slots, topic_exam

EXAMS = Path(__file__).resolve().parent.parent / "banks" / "exams"
QUIZ = EXAMS / "quiz.yaml"
MIDTERM = EXAMS / "midterm.yaml"
CLOZE = re.compile(r"\{\d+:NUMERICAL:=([^:]+):([^#]+)#")


@pytest.fixture(scope="module")
def midterm():
    return blueprint_exam(load_blueprint(MIDTERM), 3, 5)


def export(fmt: str, exam, tmp_path: Path, name: str = "out"):
    target = tmp_path / f"{name}.{fmt}"
    notes = write(fmt, exam, target, "test deck")
    return target, notes


def test_moodle_xml_has_a_category_per_slot_and_a_question_per_variant(midterm, tmp_path):
    target, _ = export("moodle", midterm, tmp_path)
    root = ET.parse(target).getroot()
    categories = root.findall("question[@type='category']")
    questions = [q for q in root.findall("question") if q.get("type") != "category"]
    assert len(categories) == len(slots(midterm))
    assert len(questions) == 3 * len(slots(midterm))
    for question in questions:
        assert question.findtext("name/text") and question.findtext("questiontext/text")
        if question.get("type") in ("numerical", "multichoice"):
            assert any(a.get("fraction") == "100" for a in question.findall("answer"))
            assert all(a.findtext("feedback/text") for a in question.findall("answer"))


def test_moodle_cloze_answers_and_tolerances_are_the_papers(midterm, tmp_path):
    target, _ = export("moodle", midterm, tmp_path)
    root = ET.parse(target).getroot()
    cloze = {
        q.findtext("name/text"): q.findtext("questiontext/text")
        for q in root.findall("question[@type='cloze']")
    }
    for slot in slots(midterm):
        for variant, item in enumerate(slot.items, start=1):
            if not isinstance(item, Item) or len(entries(item)) < 2:
                continue
            text = cloze[f"{slot.title} variant {variant} ({item.code})"]
            found = CLOZE.findall(text)
            expected = entries(item)
            assert len(found) == len(expected)
            for (value, tolerance), entry in zip(found, expected):
                assert float(value) == pytest.approx(entry.value, rel=1e-10, abs=1e-12)
                assert float(tolerance) == pytest.approx(entry.tolerance, rel=1e-10)


def test_moodle_grades_what_quizgen_grades(tmp_path):
    exam = topic_exam(["sigmoid"], 5, 3, "hard")
    target, _ = export("moodle", exam, tmp_path)
    text = (
        ET.parse(target)
        .getroot()
        .findall("question[@type='cloze']")[0]
        .findtext("questiontext/text")
    )
    (item,) = slots(exam)[0].items[:1]
    for (value, tolerance), entry in zip(CLOZE.findall(text), entries(item)):
        for offset in (-2e-3, -1e-3, -5e-4, 0, 5e-4, 1.1e-3, 3e-3):
            typed = entry.value + offset
            moodle = abs(typed - float(value)) <= float(tolerance)
            assert moodle == agrees(typed, entry.value, entry.part), (typed, entry.value)


def test_moodle_names_misconceptions_in_wrong_answer_feedback(tmp_path):
    exam = topic_exam(["conv_shape"], 4, 2, "medium")
    target, _ = export("moodle", exam, tmp_path)
    text = target.read_text()
    assert "It looks like you forgot the +1" in text


def test_moodle_multiple_choice_explains_each_distractor(tmp_path):
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text(
        "title: T\nsections:\n  - title: S\n    items:\n"
        "      - {topic: conv_shape, marks: 2, answer: choice}\n"
    )
    target, _ = export("moodle", blueprint_exam(load_blueprint(blueprint), 3, 1), tmp_path)
    for question in ET.parse(target).getroot().findall("question[@type='multichoice']"):
        answers = question.findall("answer")
        assert sum(a.get("fraction") == "100" for a in answers) == 1
        wrong = [a.findtext("feedback/text") for a in answers if a.get("fraction") == "0"]
        assert wrong and all(w.startswith("It looks like you") for w in wrong)


def test_moodle_export_is_stable_for_a_seed(midterm, tmp_path):
    first, _ = export("moodle", midterm, tmp_path, "a")
    again, _ = export("moodle", blueprint_exam(load_blueprint(MIDTERM), 3, 5), tmp_path, "b")
    assert first.read_bytes() == again.read_bytes()


def test_qti_zip_holds_one_quiz_per_version_with_its_settings(midterm, tmp_path):
    target, notes = export("qti", midterm, tmp_path)
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        manifest = ET.fromstring(archive.read("imsmanifest.xml"))
        hrefs = [f.get("href") for f in manifest.findall(".//{*}file")]
        assert hrefs and all(h in names for h in hrefs)
        quizzes = [n for n in names if n.endswith(".xml") and "meta" not in n and "/" in n]
        bodies = [ET.fromstring(archive.read(n)) for n in quizzes]
    assert len(quizzes) == len(midterm.versions) == 3
    assert sum(n.endswith("assessment_meta.xml") for n in names) == 3
    for body in bodies:  # no question groups: every part of a problem comes from one draw
        assert body.find(".//{*}selection_ordering") is None
    assert len([n for n in notes if "one per version" in n]) == 1
    assert len([n for n in notes if "Canvas has no cloze" in n]) == 1


def test_qti_numerical_margins_are_the_papers_tolerances(tmp_path):
    exam = topic_exam(["bce"], 3, 4, "medium")
    target, _ = export("qti", exam, tmp_path)
    with zipfile.ZipFile(target) as archive:
        bodies = sorted(n for n in archive.namelist() if n.count("/") and "meta" not in n)
        quizzes = [ET.fromstring(archive.read(n)) for n in bodies]
    by_title = {q.find("{*}assessment").get("title"): q for q in quizzes}
    version = exam.versions[0]
    root = by_title[f"quizgen: bce, version {version.code}"]
    ranges = [
        (float(c.findtext("{*}vargte")), float(c.findtext("{*}varlte")))
        for c in root.findall(".//{*}conditionvar")
        if c.find("{*}vargte") is not None
    ]
    expected = entries(version.items[0])
    assert len(ranges) == len(expected)
    for (low, high), entry in zip(ranges, expected):
        assert low == pytest.approx(entry.value - entry.tolerance, abs=1e-11)
        assert high == pytest.approx(entry.value + entry.tolerance, abs=1e-11)


def test_qti_multiple_choice_has_one_right_answer_and_feedback_for_each(tmp_path):
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text(
        "title: T\nsections:\n  - title: S\n    items:\n      - {bank: {kind: choice}, marks: 2}\n"
    )
    target, _ = export("qti", blueprint_exam(load_blueprint(blueprint), 2, 1), tmp_path)
    with zipfile.ZipFile(target) as archive:
        body = next(archive.read(n) for n in archive.namelist() if n.count("/") and "meta" not in n)
    for item in ET.fromstring(body).findall(".//{*}item"):
        labels = item.findall(".//{*}response_label")
        scoring = [
            c for c in item.findall(".//{*}respcondition") if c.find("{*}setvar") is not None
        ]
        assert len(scoring) == 1
        assert len(item.findall("{*}itemfeedback")) == len(labels)


def test_qti_zip_is_stable_for_a_seed(tmp_path):
    a, _ = export("qti", topic_exam(["relu"], 3, 9, "easy"), tmp_path, "a")
    b, _ = export("qti", topic_exam(["relu"], 3, 9, "easy"), tmp_path, "b")
    assert a.read_bytes() == b.read_bytes()


def _import(package: Path, collection: Path):
    anki = pytest.importorskip("anki.collection")
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = anki.Collection(str(collection))
    try:
        col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(package), options=ImportAnkiPackageOptions(update_notes=1)
            )
        )
        notes = [col.get_note(n) for n in col.find_notes("")]
        return [(n.guid, dict(n.items())) for n in notes]
    finally:
        col.close()


def test_anki_deck_imports_into_a_fresh_collection(midterm, tmp_path):
    target, _ = export("anki", midterm, tmp_path)
    notes = _import(target, tmp_path / "collection.anki2")
    problems = [f for _, f in notes if "Code" in f and f["Code"][:2].isupper()]
    codes = {item.code for slot in slots(midterm) for item in slot.items if isinstance(item, Item)}
    assert {f["Code"] for f in problems} >= codes
    assert any("Step" in f for _, f in notes)  # derivation steps as cards
    assert all("\\(" in f["Question"] for f in problems)  # MathJax math for Anki


def test_anki_reexport_updates_instead_of_duplicating(tmp_path):
    first, _ = export("anki", topic_exam(["cce"], 4, 1, "easy"), tmp_path, "a")
    again, _ = export("anki", topic_exam(["cce"], 4, 1, "easy"), tmp_path, "b")
    collection = tmp_path / "collection.anki2"
    once = _import(first, collection)
    twice = _import(again, collection)
    assert len(once) == len(twice) == 4
    assert {g for g, _ in once} == {g for g, _ in twice}


def test_jsonl_records_follow_the_contract_and_solve_back(tmp_path):
    target, notes = export("jsonl", blueprint_exam(load_blueprint(QUIZ), 2, 3), tmp_path)
    lines = target.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 8 and notes == []
    assert all(
        set(r) >= {"schema", "topic", "seed", "difficulty", "params", "answer"} for r in records
    )
    solved = list(solve_records(read_records(target)))
    assert not [r for r in solved if isinstance(r, RecordError)]
    assert [s.solution.answer for s in solved] == [r["answer"] for r in records]


def test_jsonl_says_what_it_cannot_carry(midterm, tmp_path):
    _, notes = export("jsonl", midterm, tmp_path)
    assert len(notes) == 1 and "bank question(s) are not problem records" in notes[0]


def test_export_command_writes_the_file_and_prints_notes(tmp_path):
    out = tmp_path / "q.zip"
    result = CliRunner().invoke(cli, ["export", str(QUIZ), "-f", "qti", "-n", "2", "-o", str(out)])
    assert result.exit_code == 0 and out.exists()
    assert "Note: Canvas has no cloze" in result.stderr


def test_export_needs_a_blueprint_or_a_topic():
    result = CliRunner().invoke(cli, ["export", "-f", "moodle"])
    assert result.exit_code == 1 and "either a BLUEPRINT or --topic" in result.output


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
@pytest.mark.parametrize("fmt", ["moodle", "qti", "anki", "jsonl"])
def test_every_topic_exports_in_every_format_even_when_variants_differ_in_shape(
    tmp_path, fmt, difficulty
):
    from quizgen.topics import registry

    exam = topic_exam(list(registry()), 6, 5, difficulty)
    target, _ = export(fmt, exam, tmp_path, "all")
    assert target.stat().st_size > 0


def elementtree_indented(root: ET.Element) -> str:
    """ElementTree's indent, then its writer: the bytes the exporters' XML stands for."""
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def test_xml_values_are_escaped_as_elementtree_escapes_them():
    from quizgen.export.xml_text import attribute, leaf, text

    value = 'a & <b> "c"\n\t\r \\(x\\) ~ {#} é 字'
    element = ET.Element("t", q=value)
    element.text = value
    assert leaf("", "t", text(value), f' q="{attribute(value)}"') == elementtree_indented(element)


def test_an_element_without_text_or_children_is_written_short():
    from quizgen.export.xml_text import leaf, parent

    assert leaf("  ", "text", "") == "  <text />\n"
    assert parent("", "quiz", "", ' a="1"') == '<quiz a="1" />\n'


def xml_documents(fmt: str, target: Path) -> list[str]:
    """The XML documents the exporters write themselves: Moodle's file, or each version's
    QTI quiz (the manifest and quiz settings are fixed templates)."""
    if fmt == "moodle":
        return [target.read_text(encoding="utf-8")]
    with zipfile.ZipFile(target) as archive:
        names = [n for n in archive.namelist() if n.count("/") == 1 and "meta" not in n]
        return [archive.read(n).decode() for n in names]


@pytest.mark.parametrize("fmt", ["moodle", "qti"])
def test_exports_are_the_xml_elementtree_writes_once_indented(midterm, tmp_path, fmt):
    from quizgen.export.qti import QTI_NS

    target, _ = export(fmt, midterm, tmp_path)
    documents = xml_documents(fmt, target)
    assert documents
    for document in documents:
        declaration, body = document.split("\n", 1)
        assert declaration == '<?xml version="1.0" encoding="UTF-8"?>'
        plain = body.replace(f' xmlns="{QTI_NS}"', "", 1)  # no ns0: prefixes on rewriting
        assert elementtree_indented(ET.fromstring(plain)) == plain
