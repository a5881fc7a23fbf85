"""What ``quizgen grade`` marks: a class's answers gathered from a long CSV (against a class
set's manifest or the versions a blueprint printed) or from an LMS report (against the export's
variants), with a marker's hand marks laid over the report's rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from typing_extensions import assert_never

from quizgen.exam.banks import BankQuestion
from quizgen.exam.blueprint import find_blueprint, load_blueprint
from quizgen.marking import papers
from quizgen.marking.readers import AnswerFormat, sniff
from quizgen.marking.readers.canvas import read_canvas
from quizgen.marking.readers.long import ClassPapers, PrintedVersions, read_long
from quizgen.marking.readers.moodle import read_moodle
from quizgen.marking.readers.submissions import Submissions, absent_note, rows_of


@dataclass(frozen=True, kw_only=True)
class AnswerSources:
    """Where a class's answers are and what was printed for them."""

    answers: Path
    kind: AnswerFormat
    manifest: Path | None = None  # a class set's manifest.json (long answers only)
    blueprint: str | None = None  # the blueprint of --versions papers or of an LMS export
    seed: int | None = None  # with a blueprint: the seed it was built with
    variants: int = 10  # the export's --variants (LMS reports)
    version_code: str | None = None  # Canvas: the quiz's version
    marks_file: Path | None = None  # long rows that replace the report's
    bank: Sequence[BankQuestion] | None = None


@dataclass(frozen=True)
class Collected:
    """The answers and papers to mark, the exam's title and the seed that built its papers."""

    submissions: Submissions
    title: str
    seed: int


def answer_kind(path: Path, source: AnswerFormat | Literal["auto"]) -> AnswerFormat:
    """What an answers file is: ``source`` if given, else told by the CSV's header."""
    if source == "auto":
        return sniff((rows_of(path) or [[]])[0])
    return source


def collect(sources: AnswerSources) -> Collected:
    """Every student's paper and answers (notes for the teacher inside), hand marks applied."""
    if sources.manifest is not None:
        class_set = papers.from_manifest(sources.manifest, sources.blueprint, sources.bank)
        found = read_long(sources.answers, ClassPapers(class_set.papers))
        collected = Collected(found, class_set.blueprint.title, class_set.seed)
    else:
        collected = _from_blueprint(sources)
    if sources.marks_file is not None:
        found = collected.submissions
        extra = read_long(sources.marks_file, ClassPapers(found.papers))
        for sid, given in extra.answers.items():
            found.answers[sid] = {**found.answers[sid], **given}
    submissions = collected.submissions
    submissions.notes += absent_note(submissions, sources.answers.name)
    return collected


def _from_blueprint(sources: AnswerSources) -> Collected:
    blueprint, seed, bank = sources.blueprint, sources.seed, sources.bank
    assert blueprint is not None and seed is not None, "a manifest, or a blueprint and its seed"
    match sources.kind:
        case "long":
            found = read_long(
                sources.answers,
                PrintedVersions(lambda n: papers.versions_exam(blueprint, seed, n, bank)),
            )
            title = load_blueprint(find_blueprint(blueprint), bank).title
            return Collected(found, title, seed)
        case "moodle":
            exam = papers.variants_exam(blueprint, seed, sources.variants, bank)
            return Collected(read_moodle(sources.answers, exam), exam.blueprint.title, seed)
        case "canvas":
            exam = papers.variants_exam(blueprint, seed, sources.variants, bank)
            found = read_canvas(sources.answers, exam, sources.version_code)
            return Collected(found, exam.blueprint.title, seed)
        case unknown:
            assert_never(unknown)
