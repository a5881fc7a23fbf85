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
import zipfile
from pathlib import Path

from quizgen.core.latex import fixed
from quizgen.exam.model import BankItem, Exam, Item, Version, shares
from quizgen.export.layout import (
    Entry,
    Numbers,
    derivation_html,
    escape,
    html,
    number,
    numbers_per_part,
    order_html,
    plain,
    solution_html,
    stem_html,
)
from quizgen.export.xml_text import SPACE, attribute, document, leaf, parent, text

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same seed gives the same bytes


def _ident(*parts: object) -> str:
    return "g" + hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:24]


#: indentation of an item's children and their children, down to its deepest element
L4, L5, L6, L7, L8 = (SPACE * n for n in range(4, 9))
ITEM = SPACE * 3  # questestinterop > assessment > section > item
HTML = ' texttype="text/html"'


def _head(ident: str, title: str, question_type: str, points: float) -> str:
    """An item's opening tag and its metadata (its type and points)."""
    fields = "".join(
        f"{L6}<qtimetadatafield>\n{L7}<fieldlabel>{label}</fieldlabel>\n"
        f"{L7}<fieldentry>{entry}</fieldentry>\n{L6}</qtimetadatafield>\n"
        for label, entry in (("question_type", question_type), ("points_possible", number(points)))
    )
    return (
        f'{ITEM}<item ident="{attribute(ident)}" title="{attribute(title)}">\n'
        f"{L4}<itemmetadata>\n{L5}<qtimetadata>\n{fields}{L5}</qtimetadata>\n{L4}</itemmetadata>\n"
    )


def _material(pad: str, escaped: str) -> str:
    """HTML text (already escaped) as a ``material`` element indented by ``pad``."""
    return f"{pad}<material>\n{leaf(pad + SPACE, 'mattext', escaped, HTML)}{pad}</material>\n"


def _feedback(ident: str, escaped: str) -> str:
    return (
        f'{L4}<itemfeedback ident="{attribute(ident)}">\n{L5}<flow_mat>\n'
        f"{_material(L6, escaped)}{L5}</flow_mat>\n{L4}</itemfeedback>\n"
    )


END = f"{ITEM}</item>\n"
#: the response processing's opening, scoring out of 100; the caller closes it
SCORING = (
    f"{L4}<resprocessing>\n{L5}<outcomes>\n"
    f'{L6}<decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal" />\n'
    f"{L5}</outcomes>\n"
)
#: a numerical item's answer box and its first condition, which always shows the feedback
NUMERICAL_BOX = (
    f'{L5}<response_str ident="response1" rcardinality="Single">\n'
    f'{L6}<render_fib fibtype="Decimal">\n{L7}<response_label ident="answer1" />\n'
    f"{L6}</render_fib>\n{L5}</response_str>\n{L4}</presentation>\n"
    + SCORING
    + f'{L5}<respcondition continue="Yes">\n{L6}<conditionvar>\n{L7}<other />\n'
    f'{L6}</conditionvar>\n{L6}<displayfeedback feedbacktype="Response" linkrefid="general_fb" />\n'
    f"{L5}</respcondition>\n"
)


def _numerical(
    ident: str, title: str, question: str, entry: Entry, points: float, feedback: str
) -> str:
    """A numerical item; ``question`` and ``feedback`` are escaped HTML."""
    low, high = number(entry.value - entry.tolerance), number(entry.value + entry.tolerance)
    return (
        _head(ident, title, "numerical_question", points)
        + f"{L4}<presentation>\n{_material(L5, question)}"
        + NUMERICAL_BOX
        + f'{L5}<respcondition continue="No">\n{L6}<conditionvar>\n'
        f'{L7}<vargte respident="response1">{low}</vargte>\n'
        f'{L7}<varlte respident="response1">{high}</varlte>\n{L6}</conditionvar>\n'
        f'{L6}<setvar action="Set" varname="SCORE">100</setvar>\n{L5}</respcondition>\n'
        f"{L4}</resprocessing>\n" + _feedback("general_fb", feedback) + END
    )


def numerical_feedback(entry: Entry, wrong: list[tuple[float, str]]) -> str:
    """The answer and each known mistake by the value it gives (``wrong``, from
    :func:`~quizgen.export.layout.wrong_values`); the item's worked solution follows it."""
    lines = [f"<p>The answer is {escape(entry.shown)}.</p>"]
    if wrong:
        lines.append(
            "<ul>"
            + "".join(
                f"<li>If you answered {escape(fixed(v, entry.part.precision))}: {html(why)}</li>"
                for v, why in wrong
            )
            + "</ul>"
        )
    return "".join(lines)


def entry_points(item: Item) -> list[float]:
    """Each number's points: the part's marks (as the key shows them) shared in hundredths
    over the part's numbers, so that they add up to the item's marks exactly."""
    points: list[float] = []
    for boxes, marks in zip(numbers_per_part(item), item.part_marks, strict=True):
        points += [h / 100 for h in shares(100 * marks, boxes)]
    return points


def _choice(
    ident: str,
    title: str,
    question: str,
    options: list[tuple[str, bool, str]],
    points: float,
    solution: str,
) -> str:
    """A multiple-choice item; the question, the options' texts and feedback (``why``) and
    the solution are HTML."""
    labels = "".join(
        f'{L7}<response_label ident="{attribute(ident)}_{k}">\n'
        f"{_material(L8, text(option))}{L7}</response_label>\n"
        for k, (option, _, _) in enumerate(options)
    )
    conditions = "".join(
        f'{L5}<respcondition continue="Yes">\n{L6}<conditionvar>\n'
        f'{L7}<varequal respident="response1">{text(ident)}_{k}</varequal>\n'
        f"{L6}</conditionvar>\n"
        f'{L6}<displayfeedback feedbacktype="Response" linkrefid="{attribute(ident)}_{k}_fb" />\n'
        f"{L5}</respcondition>\n"
        for k in range(len(options))
    )
    conditions += "".join(
        f'{L5}<respcondition continue="No">\n{L6}<conditionvar>\n'
        f'{L7}<varequal respident="response1">{text(ident)}_{k}</varequal>\n'
        f'{L6}</conditionvar>\n{L6}<setvar action="Set" varname="SCORE">100</setvar>\n'
        f"{L5}</respcondition>\n"
        for k, (_, right, _) in enumerate(options)
        if right
    )
    shown = text(solution)
    feedback = "".join(
        _feedback(f"{ident}_{k}_fb", f"{text(f'<p>{why}</p>')}{shown}")
        for k, (_, _, why) in enumerate(options)
    )
    return (
        _head(ident, title, "multiple_choice_question", points)
        + f"{L4}<presentation>\n{_material(L5, text(question))}"
        + f'{L5}<response_lid ident="response1" rcardinality="Single">\n'
        + parent(L6, "render_choice", labels)
        + f"{L5}</response_lid>\n{L4}</presentation>\n"
        + SCORING
        + conditions
        + f"{L4}</resprocessing>\n"
        + feedback
        + END
    )


def _item(
    item: Item | BankItem, version: str, notes: list[str], numbers: Numbers
) -> tuple[str, bool]:
    """One question of a version's quiz; and whether it became several numericals."""
    ident = _ident(version, item.slot)
    title = f"Question {item.number}"
    if isinstance(item, BankItem):
        return _bank(item, ident, title, notes), False
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
        return _choice(ident, title, question, options, item.marks, solution), False
    found, stem, shown = numbers.of(item), text(stem_html(item)), text(solution)
    out = []
    for e, ((entry, wrong), points) in enumerate(zip(found, entry_points(item), strict=True)):
        name = f"{title}: {plain(entry.label)}" if len(found) > 1 else title
        question = stem + text(f"<p>Give {html(entry.label)}.</p>")
        feedback = text(numerical_feedback(entry, wrong)) + shown
        out.append(_numerical(_ident(ident, e), name, question, entry, points, feedback))
    return "".join(out), len(found) > 1


def _bank(item: BankItem, ident: str, title: str, notes: list[str]) -> str:
    prompt = f"<p>{html(item.bank.question.prompt)}</p>"
    solution = derivation_html(item)
    if item.kind == "derive":
        return (
            _head(ident, title, "essay_question", item.marks)
            + f"{L4}<presentation>\n{_material(L5, text(prompt))}"
            + f'{L5}<response_str ident="response1" rcardinality="Single">\n'
            + f'{L6}<render_fib>\n{L7}<response_label ident="answer1" rshuffle="No" />\n'
            + f"{L6}</render_fib>\n{L5}</response_str>\n{L4}</presentation>\n"
            + _feedback("general_fb", text(solution))
            + END
        )
    if item.kind == "order":
        from quizgen.export.moodle import _orders

        options = [
            (order, right, "Correct." if right else f"The derivation runs {item.right_order}.")
            for order, right in _orders(item)
        ]
        if not any("ordering" in n for n in notes):
            notes.append(
                "ordering questions became multiple choice among orders (Canvas "
                "classic quizzes have no ordering type)"
            )
        return _choice(ident, title, order_html(item), options, item.marks, solution)
    options = [(html(o.text), o.correct, html(o.why or "")) for o in item.options]
    return _choice(ident, title, prompt, options, item.marks, solution)


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


def _assessment(
    exam: Exam, version: Version, ident: str, notes: list[str], numbers: Numbers
) -> tuple[str, bool]:
    """One version's quiz as QTI XML; and whether some problem became several numericals."""
    items = []
    split = False
    for item in version.items:
        written, item_split = _item(item, ident, notes, numbers)
        items.append(written)
        split = split or item_split
    section = parent(SPACE * 2, "section", "".join(items), ' ident="root_section"')
    title = attribute(quiz_title(exam, version))
    assessment = parent(
        SPACE, "assessment", section, f' ident="{attribute(ident)}" title="{title}"'
    )
    return document(parent("", "questestinterop", assessment, f' xmlns="{QTI_NS}"')), split


def write_qti(exam: Exam, target: Path) -> list[str]:
    notes: list[str] = []
    files: dict[str, str] = {}
    resources = []
    split = False
    numbers = Numbers()
    for version in exam.versions:
        ident = _ident("assessment", exam.blueprint.title, exam.seed, version.code)
        meta = _ident("meta", ident)
        body, version_split = _assessment(exam, version, ident, notes, numbers)
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
