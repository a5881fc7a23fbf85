"""QTI 1.2 packages as Canvas imports them: numerical questions with a margin, multiple choice
with feedback on every answer, and one question group per slot that draws one variant.

Canvas has no cloze: a problem with several answers becomes one numerical question per answer,
each with the full question text, grouped by answer (one note says so).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from quizgen.build import BankItem, Exam, Item
from quizgen.export import (
    Entry,
    Slot,
    derivation_html,
    entries,
    escape,
    html,
    number,
    slots,
    stem_html,
)

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same seed gives the same bytes


def _ident(*parts: object) -> str:
    return "g" + hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:24]


def _meta(item: ET.Element, question_type: str, points: int) -> None:
    fields = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    for label, entry in (("question_type", question_type), ("points_possible", str(points))):
        field = ET.SubElement(fields, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = entry


def _material(parent: ET.Element, text: str) -> None:
    ET.SubElement(ET.SubElement(parent, "material"), "mattext", texttype="text/html").text = text


def _feedback(item: ET.Element, ident: str, text: str) -> None:
    flow = ET.SubElement(ET.SubElement(item, "itemfeedback", ident=ident), "flow_mat")
    _material(flow, text)


def _scoring(item: ET.Element) -> ET.Element:
    """The item's response processing, scoring out of 100."""
    processing = ET.SubElement(item, "resprocessing")
    outcomes = ET.SubElement(processing, "outcomes")
    ET.SubElement(
        outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal"
    )
    return processing


def _numerical(
    section: ET.Element,
    ident: str,
    title: str,
    question: str,
    entry: Entry,
    points: int,
    solution: str,
) -> None:
    item = ET.SubElement(section, "item", ident=ident, title=title)
    _meta(item, "numerical_question", points)
    presentation = ET.SubElement(item, "presentation")
    _material(presentation, question)
    response = ET.SubElement(presentation, "response_str", ident="response1", rcardinality="Single")
    ET.SubElement(
        ET.SubElement(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1"
    )
    processing = _scoring(item)
    general = ET.SubElement(processing, "respcondition", {"continue": "Yes"})
    ET.SubElement(ET.SubElement(general, "conditionvar"), "other")
    ET.SubElement(general, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    right = ET.SubElement(processing, "respcondition", {"continue": "No"})
    condition = ET.SubElement(right, "conditionvar")
    ET.SubElement(condition, "vargte", respident="response1").text = number(
        entry.value - entry.tolerance
    )
    ET.SubElement(condition, "varlte", respident="response1").text = number(
        entry.value + entry.tolerance
    )
    ET.SubElement(right, "setvar", action="Set", varname="SCORE").text = "100"
    _feedback(item, "general_fb", f"<p>The answer is {entry.shown}.</p>{solution}")


def _choice(
    section: ET.Element,
    ident: str,
    title: str,
    question: str,
    options: list[tuple[str, bool, str]],
    points: int,
    solution: str,
) -> None:
    item = ET.SubElement(section, "item", ident=ident, title=title)
    _meta(item, "multiple_choice_question", points)
    presentation = ET.SubElement(item, "presentation")
    _material(presentation, question)
    response = ET.SubElement(presentation, "response_lid", ident="response1", rcardinality="Single")
    render = ET.SubElement(response, "render_choice")
    for k, (text, _, _) in enumerate(options):
        label = ET.SubElement(render, "response_label", ident=f"{ident}_{k}")
        _material(label, text)
    processing = _scoring(item)
    for k in range(len(options)):
        condition = ET.SubElement(processing, "respcondition", {"continue": "Yes"})
        ET.SubElement(
            ET.SubElement(condition, "conditionvar"), "varequal", respident="response1"
        ).text = f"{ident}_{k}"
        ET.SubElement(
            condition, "displayfeedback", feedbacktype="Response", linkrefid=f"{ident}_{k}_fb"
        )
    for k, (_, right, _) in enumerate(options):
        if right:
            condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
            ET.SubElement(
                ET.SubElement(condition, "conditionvar"), "varequal", respident="response1"
            ).text = f"{ident}_{k}"
            ET.SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"
    for k, (_, _, why) in enumerate(options):
        _feedback(item, f"{ident}_{k}_fb", f"<p>{why}</p>{solution}")


def _group(parent: ET.Element, ident: str, title: str, points: int) -> ET.Element:
    section = ET.SubElement(parent, "section", ident=ident, title=title)
    selection = ET.SubElement(ET.SubElement(section, "selection_ordering"), "selection")
    ET.SubElement(selection, "selection_number").text = "1"
    extension = ET.SubElement(selection, "selection_extension")
    ET.SubElement(extension, "points_per_item").text = str(points)
    return section


def _slot(root: ET.Element, slot: Slot, notes: list[str], split: list[str]) -> None:
    first = slot.items[0]
    if isinstance(first, BankItem):
        group = _group(root, _ident(slot.slot), slot.title, first.marks)
        for k, item in enumerate(slot.items):
            _bank(group, item, _ident(slot.slot, k), f"{slot.title} variant {k + 1}", notes)
        return
    assert isinstance(first, Item)
    if first.choices:
        group = _group(root, _ident(slot.slot), slot.title, first.marks)
        for k, item in enumerate(slot.items):
            assert isinstance(item, Item)
            options = [
                (
                    html(c.text),
                    c.correct,
                    "Correct."
                    if c.correct
                    else html(f"It looks like you {c.misconception}: {c.explanation}"),
                )
                for c in item.choices
            ]
            _choice(
                group,
                _ident(slot.slot, k),
                f"{slot.title} variant {k + 1}",
                stem_html(item) + f"<p>Which is {html(item.asked.label)}?</p>",
                options,
                item.marks,
                "",
            )
        return
    per_variant = [entries(item) for item in slot.items if isinstance(item, Item)]
    count = max(len(found) for found in per_variant)  # variants may differ in shape
    if count > 1:
        split.append(slot.title)
    points = max(1, round(first.marks / count))
    for e in range(count):
        label = next(found[e].label for found in per_variant if e < len(found))
        group = _group(root, _ident(slot.slot, "entry", e), f"{slot.title}: {label}", points)
        for k, (item, found) in enumerate(zip(slot.items, per_variant, strict=True)):
            assert isinstance(item, Item)
            if e >= len(found):
                continue
            entry = found[e]
            question = stem_html(item) + f"<p>Give {html(entry.label)}.</p>"
            _numerical(
                group,
                _ident(slot.slot, "entry", e, k),
                f"{slot.title} variant {k + 1}",
                question,
                entry,
                points,
                "",
            )


def _bank(group: ET.Element, item: BankItem, ident: str, title: str, notes: list[str]) -> None:
    prompt = f"<p>{html(item.bank.question.prompt)}</p>"
    solution = derivation_html(item)
    if item.kind == "derive":
        essay = ET.SubElement(group, "item", ident=ident, title=title)
        _meta(essay, "essay_question", item.marks)
        presentation = ET.SubElement(essay, "presentation")
        _material(presentation, prompt)
        response = ET.SubElement(
            presentation, "response_str", ident="response1", rcardinality="Single"
        )
        ET.SubElement(
            ET.SubElement(response, "render_fib"), "response_label", ident="answer1", rshuffle="No"
        )
        _feedback(essay, "general_fb", solution)
        return
    if item.kind == "order":
        from quizgen.export.moodle import _orders

        shown = "".join(f"<li>\\({s.formula}\\)</li>" for s in item.shown_steps)
        options = [
            (text, right, "Correct." if right else f"The derivation runs {item.right_order}.")
            for text, right in _orders(item)
        ]
        _choice(
            group,
            ident,
            title,
            prompt + f"<ol>{shown}</ol><p>Which order is right?</p>",
            options,
            item.marks,
            solution,
        )
        if not any("ordering" in n for n in notes):
            notes.append(
                "ordering questions became multiple choice among orders (Canvas "
                "classic quizzes have no ordering type)"
            )
        return
    options = [(html(o.text), o.correct, html(o.why or "")) for o in item.options]
    _choice(group, ident, title, prompt, options, item.marks, solution)


# Canvas reads the assessment and its quiz settings from these two resources.
MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{manifest}" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1">
  <metadata>
    <schema>IMS Content</schema>
    <schemaversion>1.1.3</schemaversion>
  </metadata>
  <organizations/>
  <resources>
    <resource identifier="{assessment}" type="imsqti_xmlv1p2">
      <file href="{assessment}/{assessment}.xml"/>
      <dependency identifierref="{meta}"/>
    </resource>
    <resource identifier="{meta}" href="{assessment}/assessment_meta.xml"
      type="associatedcontent/imscc_xmlv1p1/learning-application-resource">
      <file href="{assessment}/assessment_meta.xml"/>
    </resource>
  </resources>
</manifest>
"""

META = """<?xml version="1.0" encoding="UTF-8"?>
<quiz identifier="{assessment}" xmlns="http://canvas.instructure.com/xsd/cccv1p0">
  <title>{title}</title>
  <shuffle_answers>true</shuffle_answers>
  <scoring_policy>keep_highest</scoring_policy>
  <quiz_type>assignment</quiz_type>
  <points_possible>{points}</points_possible>
</quiz>
"""


def write_qti(exam: Exam, target: Path) -> list[str]:
    notes: list[str] = []
    title = exam.blueprint.title
    assessment_id = _ident("assessment", title, exam.seed)
    root = ET.Element("questestinterop", xmlns=QTI_NS)
    assessment = ET.SubElement(root, "assessment", ident=assessment_id, title=title)
    section = ET.SubElement(assessment, "section", ident="root_section")
    split: list[str] = []
    for slot in slots(exam):
        _slot(section, slot, notes, split)
    if split:
        notes.insert(
            0,
            f"Canvas has no cloze: {len(split)} multi-answer problem(s) "
            f"({', '.join(split)}) became one numerical question per answer, a group "
            "each, every one with the full question text",
        )
    ET.indent(root)
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
    files = {
        "imsmanifest.xml": MANIFEST.format(
            manifest=_ident("manifest", assessment_id),
            assessment=assessment_id,
            meta=_ident("meta", assessment_id),
        ),
        f"{assessment_id}/{assessment_id}.xml": body + "\n",
        f"{assessment_id}/assessment_meta.xml": META.format(
            assessment=assessment_id, title=escape(title), points=exam.blueprint.total_marks
        ),
    }
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, ZIP_DATE), text)
    return notes
