"""QTI 1.2 packages as Canvas imports them: one quiz per version, numerical questions with the
paper's tolerance as a range, multiple choice with feedback on every answer.

Why one quiz per version: Canvas has no cloze, so a problem with several answers becomes one
numerical question per number, and a Canvas question group draws its question on its own; a
group per number would hand a student part (a) of one variant and part (b) of another. In one
quiz per version every number of a problem comes from the same draw, and the parts' points add
up to the blueprint's marks (shared over the parts as the key shows, then over their numbers).
Canvas keeps every numerical answer as a right one, so the feedback names the known mistakes
by their values ("If you answered 0.269: ...") and shows the worked solution.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from quizgen.core.latex import fixed
from quizgen.exam.model import BankItem, Exam, Item, Version, shares
from quizgen.export.layout import (
    Entry,
    derivation_html,
    entries,
    escape,
    html,
    mistakes,
    number,
    order_html,
    plain,
    solution_html,
    stem_html,
    wrong_values,
)
from quizgen.export.xml_text import indented

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same seed gives the same bytes


def _ident(*parts: object) -> str:
    return "g" + hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:24]


def _meta(item: ET.Element, question_type: str, points: float) -> None:
    fields = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    for label, entry in (("question_type", question_type), ("points_possible", number(points))):
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
    points: float,
    feedback: str,
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
    _feedback(item, "general_fb", feedback)


def numerical_feedback(entry: Entry, known: list[tuple[str, str, dict]], solution: str) -> str:
    """The answer, each known mistake by the value it gives, and the worked solution (the
    item's ``solution_html``, made once for all its numbers)."""
    lines = [f"<p>The answer is {escape(entry.shown)}.</p>"]
    wrong = wrong_values(entry, known)
    if wrong:
        lines.append(
            "<ul>"
            + "".join(
                f"<li>If you answered {escape(fixed(v, entry.part.precision))}: {html(why)}</li>"
                for v, why in wrong
            )
            + "</ul>"
        )
    return "".join(lines) + solution


def entry_points(item: Item) -> list[float]:
    """Each number's points: the part's marks (as the key shows them) shared in hundredths
    over the part's numbers, so that they add up to the item's marks exactly."""
    found = entries(item)
    points: list[float] = []
    for part, marks in zip(item.solution.parts, item.part_marks, strict=True):
        points += [h / 100 for h in shares(100 * marks, sum(e.part is part for e in found))]
    return points


def _choice(
    section: ET.Element,
    ident: str,
    title: str,
    question: str,
    options: list[tuple[str, bool, str]],
    points: float,
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


def _item(section: ET.Element, item: Item | BankItem, version: str, notes: list[str]) -> bool:
    """Write one question of a version's quiz; True when it became several numericals."""
    ident = _ident(version, item.slot)
    title = f"Question {item.number}"
    if isinstance(item, BankItem):
        _bank(section, item, ident, title, notes)
        return False
    solution = solution_html(item)
    if item.choices:
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
        question = stem_html(item) + f"<p>{html(item.choice_prompt)}</p>"
        _choice(section, ident, title, question, options, item.marks, solution)
        return False
    found, known, stem = entries(item), mistakes(item), stem_html(item)
    for e, (entry, points) in enumerate(zip(found, entry_points(item), strict=True)):
        name = f"{title}: {plain(entry.label)}" if len(found) > 1 else title
        question = stem + f"<p>Give {html(entry.label)}.</p>"
        feedback = numerical_feedback(entry, known, solution)
        _numerical(section, _ident(ident, e), name, question, entry, points, feedback)
    return len(found) > 1


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

        options = [
            (text, right, "Correct." if right else f"The derivation runs {item.right_order}.")
            for text, right in _orders(item)
        ]
        _choice(
            group,
            ident,
            title,
            order_html(item),
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


# Canvas reads each quiz and its settings from two resources.
RESOURCES = """    <resource identifier="{assessment}" type="imsqti_xmlv1p2">
      <file href="{assessment}/{assessment}.xml"/>
      <dependency identifierref="{meta}"/>
    </resource>
    <resource identifier="{meta}" href="{assessment}/assessment_meta.xml"
      type="associatedcontent/imscc_xmlv1p1/learning-application-resource">
      <file href="{assessment}/assessment_meta.xml"/>
    </resource>
"""
MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{manifest}" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1">
  <metadata>
    <schema>IMS Content</schema>
    <schemaversion>1.1.3</schemaversion>
  </metadata>
  <organizations/>
  <resources>
{resources}  </resources>
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


def quiz_title(exam: Exam, version: Version) -> str:
    title = plain(exam.blueprint.title)
    return title if len(exam.versions) == 1 else f"{title}, version {version.code}"


def _assessment(exam: Exam, version: Version, ident: str, notes: list[str]) -> tuple[str, bool]:
    """One version's quiz as QTI XML; and whether some problem became several numericals."""
    root = ET.Element("questestinterop", xmlns=QTI_NS)
    assessment = ET.SubElement(root, "assessment", ident=ident, title=quiz_title(exam, version))
    section = ET.SubElement(assessment, "section", ident="root_section")
    split = False
    for item in version.items:
        split = _item(section, item, ident, notes) or split
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + indented(root) + "\n", split


def write_qti(exam: Exam, target: Path) -> list[str]:
    notes: list[str] = []
    files: dict[str, str] = {}
    resources = []
    split = False
    for version in exam.versions:
        ident = _ident("assessment", exam.blueprint.title, exam.seed, version.code)
        meta = _ident("meta", ident)
        body, version_split = _assessment(exam, version, ident, notes)
        split = split or version_split
        files[f"{ident}/{ident}.xml"] = body
        files[f"{ident}/assessment_meta.xml"] = META.format(
            assessment=ident,
            title=escape(quiz_title(exam, version)),
            points=exam.blueprint.total_marks,
        )
        resources.append(RESOURCES.format(assessment=ident, meta=meta))
    manifest = _ident("manifest", exam.blueprint.title, exam.seed)
    files = {
        "imsmanifest.xml": MANIFEST.format(manifest=manifest, resources="".join(resources)),
        **files,
    }
    if len(exam.versions) > 1:
        notes.insert(
            0,
            f"Canvas: {len(exam.versions)} quizzes, one per version (a problem's parts must "
            "come from one draw, which Canvas's question groups cannot promise); assign each "
            "to a group of students",
        )
    if split:
        notes.append(
            "Canvas has no cloze: a problem with several answers is one numerical question "
            "per number, its marks shared over them as in the key"
        )
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, ZIP_DATE), text)
    return notes
