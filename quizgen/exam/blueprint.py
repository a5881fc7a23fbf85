"""Exam blueprints: a short YAML file that says what a paper asks, validated on load.

Every problem is reported with the file, the line and the field at fault, e.g.
``midterm.yaml: line 14: sections[1].items[2].topic: unknown topic "conv_size"; known: ...``,
all of them in one run. Unknown keys (typos) are errors, never ignored, and bank items that
match too few bank questions are found on load, not half-way through writing papers.

An item's ``form`` is how its topic is asked (``forward``, ``inverse``, ``whatif``, ``spot``:
one of the topic's forms), ``forms`` a list to draw one of per version, and ``answer`` how it
is answered (``worked`` or ``choice``). Blueprints written before forms said ``form: worked``
or ``form: choice`` for ``answer``: they are still read, with a note naming file and line.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    VERSION,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from quizgen import __version__, topics
from quizgen.core import model, params
from quizgen.core.errors import QuizgenError, QuizgenNote
from quizgen.core.model import FORMS, BankKind, Difficulty, Form
from quizgen.core.params import PositiveInt, field_path
from quizgen.core.record_files import node_line, parse_yaml, read_text
from quizgen.core.resources import cache_file, keep_object, kept_object, shipped_blueprints

if TYPE_CHECKING:
    from quizgen.exam.banks import BankQuestion

CACHE_FORMAT = 1  # bump when what a blueprint holds changes outside this module's code


class _Strict(BaseModel):
    # validators built on first validation: a blueprint kept from an earlier run is read
    # without them (building them was a tenth of a one-copy run)
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class BankSelector(_Strict):
    """Which bank questions an item may draw: every criterion given must match."""

    section: int | None = None
    topic: str | None = None
    #: a range of sections, first and last included: [1, 10] is the seed guide's
    sections: tuple[PositiveInt, PositiveInt] | None = None
    kind: BankKind | None = None
    tag: str | None = None
    id: str | None = None

    @model_validator(mode="after")
    def _one_section(self) -> BankSelector:
        if sum(v is not None for v in (self.section, self.topic, self.sections)) > 1:
            raise ValueError("give one of section, topic and sections")
        if self.sections is not None and self.sections[0] > self.sections[1]:
            raise ValueError("sections: the first section comes before the last")
        if self.topic is not None:
            try:
                topics.get(self.topic)
            except QuizgenError as exc:
                raise ValueError(str(exc)) from None
        return self

    def matching(self, pool: Iterable[BankQuestion]) -> list[BankQuestion]:
        """The questions of ``pool`` that meet every criterion, in the pool's order."""
        from quizgen.exam.banks import select

        section = topics.get(self.topic).section if self.topic is not None else self.section
        found = select(pool, section=section, kind=self.kind, tag=self.tag, qid=self.id)
        if self.sections is None:
            return found
        first, last = self.sections
        return [q for q in found if first <= q.section <= last]

    def describe(self) -> str:
        """The criteria in words: ``section 12 and kind derive``."""
        given = self.model_dump(exclude_none=True)
        return " and ".join(f"{key} {value}" for key, value in given.items()) or "any question"


#: how an item is answered: written working marked part by part, or one of four options
Answer = Literal["worked", "choice"]
ANSWERS: tuple[Answer, ...] = ("worked", "choice")


class ItemSpec(_Strict):
    """``count`` problems of one topic at one difficulty, asked in one ``form`` or in one of
    ``forms`` drawn per version, or ``count`` questions drawn from the derivation banks, each
    worth ``marks`` and answered as ``answer`` says."""

    topic: str | None = None
    #: how the topic is asked (one of the topic's forms: ``quizgen topics``)
    form: Form = "forward"
    #: several forms, one drawn for each version (or student) from the slot's seed
    forms: tuple[Form, ...] | None = None
    bank: BankSelector | None = None
    count: PositiveInt = 1
    difficulty: Difficulty = "medium"
    marks: PositiveInt
    answer: Answer = "worked"
    id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _answer_was_form(cls, data: Any) -> Any:
        """``form: worked | choice`` is what ``answer`` was called before forms existed: read
        as ``answer`` (load_blueprint notes where)."""
        if isinstance(data, dict) and legacy_answer(data) is not None and "answer" not in data:
            data = {**data, "answer": data["form"]}
            del data["form"]
        return data

    @field_validator("topic")
    @classmethod
    def _known_topic(cls, name: str | None) -> str | None:
        try:
            if name is not None:
                topics.get(name)
        except QuizgenError as exc:  # pydantic reports ValueErrors with their place
            raise ValueError(str(exc)) from None
        return name

    @field_validator("form", mode="before")
    @classmethod
    def _form_of_topic(cls, form: Any, info: ValidationInfo) -> Any:
        _check_forms(info.data.get("topic"), [form])
        return form

    @field_validator("forms", mode="before")
    @classmethod
    def _forms_of_topic(cls, forms: Any, info: ValidationInfo) -> Any:
        if forms is None:
            return forms
        if not isinstance(forms, (list, tuple)) or not forms:
            raise ValueError("a list of one or more of the topic's forms, e.g. [inverse, whatif]")
        if len(set(map(str, forms))) < len(forms):
            raise ValueError("each form once")
        _check_forms(info.data.get("topic"), forms)
        return forms

    @model_validator(mode="after")
    def _topic_or_bank(self) -> ItemSpec:
        if (self.topic is None) == (self.bank is None):
            raise ValueError("give either topic (a generated problem) or bank (bank questions)")
        asked_form = "form" in self.model_fields_set or self.forms is not None
        if self.bank is not None and asked_form:
            raise ValueError("form and forms go with topic: bank questions have no forms")
        if "form" in self.model_fields_set and self.forms is not None:
            raise ValueError("give form (one) or forms (one drawn per version), not both")
        return self

    @property
    def asked_forms(self) -> tuple[Form, ...]:
        """The forms this item may be asked in: ``forms``, else ``form`` alone."""
        return self.forms if self.forms is not None else (self.form,)


def legacy_answer(item: dict[str, Any]) -> str | None:
    """The ``worked`` or ``choice`` of an item that says it as ``form:`` (the old name of
    ``answer``), else None."""
    form = item.get("form")
    return form if isinstance(form, str) and form in ANSWERS else None


def _check_forms(topic: Any, forms: Sequence[Any]) -> None:
    """A ValueError naming the topic's forms for a form it is not asked in."""
    if not isinstance(topic, str) or topic not in topics.names():
        return  # no topic (a bank item: said after) or an unknown one (said already)
    known = topics.get(topic).forms
    for form in forms:
        if not isinstance(form, str) or form not in known:
            shown = f'"{form}"' if isinstance(form, str) else repr(form)
            raise ValueError(f'topic "{topic}" has no form {shown}; its forms: {", ".join(known)}')


class Section(_Strict):
    title: str
    instructions: str | None = None
    shuffle: bool = True
    #: does the answer sheet (``quizgen paper --sheet``) have boxes for this section's answers?
    sheet: bool = True
    items: list[ItemSpec] = Field(min_length=1)


class Blueprint(_Strict):
    title: str
    course: str | None = None
    date: dt.date | str | None = None
    duration: str | None = None
    instructions: list[str] = []
    paper: Literal["A4", "Letter"] = "A4"
    engine: Literal["weasyprint", "typst"] = "typst"  # what typesets the PDFs (see README)
    fonts: list[str] = []  # font files or folders beside the shipped fonts (names, titles)
    #: ruled answer space on the paper: "auto" (sized to each question's work), "none", or
    #: "lines N" (N lines under every question that asks for written working)
    answer_space: str = "auto"
    sections: list[Section] = Field(min_length=1)

    @field_validator("answer_space")
    @classmethod
    def _space(cls, value: str) -> str:
        text = " ".join(str(value).split()).lower()
        if text in ("auto", "none") or re.fullmatch(r"lines \d{1,2}", text):
            return text
        raise ValueError('expected "auto", "none" or "lines N" (N up to 99)')

    def answer_lines(self, item: Any) -> int:
        """Ruled lines under a question: its own need (``auto``), none, or the fixed number
        for questions that ask for written working (choice and order items keep theirs)."""
        if self.answer_space == "none":
            return 0
        if self.answer_space == "auto" or item.answer_lines <= 1:
            return item.answer_lines
        return int(self.answer_space.split()[1])

    @field_validator("instructions", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def total_marks(self) -> int:
        return sum(i.marks * i.count for s in self.sections for i in s.items)

    def printed_texts(self, source: str) -> list[tuple[str, str]]:
        """Every text of the blueprint's own that a paper prints, as ``(where, text)`` for
        the font check (``where`` names the file ``source`` and the field)."""
        fields = [
            ("title", self.title),
            ("course", self.course or ""),
            *((f"instructions[{i}]", t) for i, t in enumerate(self.instructions)),
            *((f"sections[{i}].title", s.title) for i, s in enumerate(self.sections)),
        ]
        return [(f"{source}: {field}", text) for field, text in fields]


def find_blueprint(given: str | Path) -> Path:
    """A blueprint file as given, or, when no such file exists, the shipped blueprint of that
    name (``midterm``, ``quiz``), so that an installed quizgen works from any folder."""
    path = Path(given)
    if path.is_file():
        return path
    return shipped_blueprints().get(path.name.removesuffix(".yaml"), path)


def load_blueprint(path: Path, bank: Sequence[BankQuestion] | None = None) -> Blueprint:
    """Read and validate a blueprint, or raise a QuizgenError naming file, line and field of
    every problem. Bank items are checked against ``bank`` (default: the built-in banks).
    Validated once per content: a blueprint that passed is kept in the user's cache under a
    hash of its text and of the code that validates it, and read from there while its topics
    still have its forms and its bank items still fill (a changed file is validated again)."""
    name = path.name
    if not path.exists():
        shipped = ", ".join(shipped_blueprints())
        missing = os.strerror(errno.ENOENT)
        raise QuizgenError(f"{path}: cannot read: {missing} (shipped blueprints: {shipped})")
    text = read_text(path)
    cached = _cached_path(text)
    kept = kept_object(cached) if cached is not None else None
    if isinstance(kept, Blueprint) and _still_valid(kept, bank):
        return kept
    blueprint, noted = _validated(name, text, bank)
    if cached is not None and not noted:  # its notes are said on every load
        keep_object(cached, blueprint)
    return blueprint


def _cached_path(text: str) -> Path | None:
    code = (__file__, model.__file__, params.__file__)
    try:
        parts = [f"quizgen {__version__} pydantic {VERSION}".encode()]  # pickled
        parts += [Path(module).read_bytes() for module in code]
    except OSError:
        return None
    return cache_file(f"blueprints-{CACHE_FORMAT}", [*parts, text.encode()])


def _still_valid(blueprint: Blueprint, bank: Sequence[BankQuestion] | None) -> bool:
    """Does a blueprint that passed in an earlier run pass now? Its topics and their forms
    are code the cache is not keyed by, and its bank items are checked against this run's
    banks; when not, validation says what is wrong, with lines."""
    items = [
        (s_index, i_index, spec)
        for s_index, section in enumerate(blueprint.sections)
        for i_index, spec in enumerate(section.items)
    ]
    for _, _, spec in items:
        named = spec.topic or (spec.bank.topic if spec.bank is not None else None)
        if named is not None and named not in topics.names():
            return False
        asked = set(spec.asked_forms)
        if spec.topic is not None and not asked <= set(topics.get(spec.topic).forms):
            return False
    return not _bank_shortfalls(items, bank)


def _validated(name: str, text: str, bank: Sequence[BankQuestion] | None) -> tuple[Blueprint, bool]:
    """The blueprint ``text`` of file ``name`` validated, and whether it had notes to say;
    else a QuizgenError naming the line and field of every problem."""
    data, root = parse_yaml(name, text)
    if not isinstance(data, dict):
        raise QuizgenError(f"{name}: a blueprint is a mapping with title and sections")
    legacy = _legacy_answers(data)
    for loc, answer in legacy:
        warnings.warn(
            QuizgenNote(
                f"{name}: line {node_line(root, loc)}: {field_path(loc)}: read as "
                f'"answer: {answer}" ("form" now names how a topic is asked: '
                f'{", ".join(FORMS)}); write "answer: {answer}"'
            ),
            stacklevel=3,
        )
    problems: list[tuple[tuple[str | int, ...], str]] = []
    try:
        blueprint: Blueprint | None = Blueprint.model_validate(data)
    except ValidationError as exc:
        blueprint = None
        for error in exc.errors():
            loc = tuple(error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = f"unknown key (a typo?); allowed here: {_allowed(loc)}"
            problems.append((loc, message))
    problems += _bank_shortfalls(_valid_items(data), bank)
    if problems:
        lines = sorted((node_line(root, loc) or 0, n) for n, (loc, _) in enumerate(problems))
        raise QuizgenError(
            "\n".join(
                f"{name}: line {line}: {field_path(problems[n][0])}: {problems[n][1]}"
                for line, n in lines
            )
        )
    assert blueprint is not None
    return blueprint, bool(legacy)


def _items(data: dict[str, Any]) -> Iterator[tuple[int, int, Any]]:
    """(section, item, raw item) of every item of a blueprint as read, however malformed."""
    sections = data.get("sections")
    for s_index, section in enumerate(sections if isinstance(sections, list) else []):
        items = section.get("items") if isinstance(section, dict) else None
        for i_index, raw in enumerate(items if isinstance(items, list) else []):
            yield s_index, i_index, raw


def _legacy_answers(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """(place of the ``form`` key, its value) for each item saying ``form: worked | choice``."""
    return [
        (("sections", s_index, "items", i_index, "form"), answer)
        for s_index, i_index, raw in _items(data)
        if isinstance(raw, dict) and (answer := legacy_answer(raw)) is not None
    ]


def _valid_items(data: dict[str, Any]) -> list[tuple[int, int, ItemSpec]]:
    """(section, item, spec) of every item that is valid by itself, so that a blueprint with
    schema errors still has its bank items checked in the same run."""
    found = []
    for s_index, i_index, raw in _items(data):
        try:
            found.append((s_index, i_index, ItemSpec.model_validate(raw)))
        except ValidationError:
            continue
    return found


def _bank_shortfalls(
    items: Sequence[tuple[int, int, ItemSpec]], bank: Sequence[BankQuestion] | None
) -> list[tuple[tuple[str | int, ...], str]]:
    """(place, message) for each bank item that matches fewer questions than its count."""
    from quizgen.exam.banks import builtin_banks

    if not any(spec.bank is not None for _, _, spec in items):
        return []  # no bank item: the built-in banks are not even read
    pool = bank if bank is not None else builtin_banks()
    found: list[tuple[tuple[str | int, ...], str]] = []
    for s_index, i_index, spec in items:
        selector = spec.bank
        if selector is None:
            continue
        matching = selector.matching(pool)
        if len(matching) < spec.count:
            found.append(
                (
                    ("sections", s_index, "items", i_index, "bank"),
                    shortfall(selector, len(matching), spec.count, pool),
                )
            )
    return found


def shortfall(
    selector: BankSelector, matching: int, count: int, pool: Sequence[BankQuestion]
) -> str:
    """Why a bank item cannot be filled, in words, with the sections the banks do have."""
    if matching == 0:
        have = "no bank question has"
    else:
        have = f"only {matching} bank question{' has' if matching == 1 else 's have'}"
    text = f"{have} {selector.describe()}; this item asks for {count}"
    sections = sorted({q.section for q in pool})
    if selector.section is not None and sections and selector.section not in sections:
        contiguous = sections == list(range(sections[0], sections[-1] + 1))
        listed = f"{sections[0]} to {sections[-1]}" if contiguous else ", ".join(map(str, sections))
        text += f" (the banks have sections {listed})"
    return text


def _allowed(loc: tuple[str | int, ...]) -> str:
    fields_of: type[BaseModel] = Blueprint
    for key in loc[:-1]:
        if key == "sections":
            fields_of = Section
        elif key == "items":
            fields_of = ItemSpec
        elif key == "bank":
            fields_of = BankSelector
    return ", ".join(fields_of.model_fields)
