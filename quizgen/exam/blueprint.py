"""Exam blueprints: a short YAML file that says what a paper asks, validated on load.

Every problem is reported with the file, the line and the field at fault, e.g.
``midterm.yaml: line 14: sections[1].items[2].topic: unknown topic "conv_size"; known: ...``,
all of them in one run. Unknown keys (typos) are errors, never ignored, and bank items that
match too few bank questions are found on load, not half-way through writing papers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from quizgen import topics
from quizgen.core.errors import QuizgenError
from quizgen.core.params import PositiveInt, field_path
from quizgen.core.resources import shipped_blueprints

if TYPE_CHECKING:
    from quizgen.exam.banks import BankQuestion


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BankSelector(_Strict):
    """Which bank questions an item may draw: every criterion given must match."""

    section: int | None = None
    topic: str | None = None
    #: a range of sections, first and last included: [1, 10] is the seed guide's
    sections: tuple[PositiveInt, PositiveInt] | None = None
    kind: Literal["derive", "order", "fill", "choice"] | None = None
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


class ItemSpec(_Strict):
    """``count`` problems of one topic at one difficulty, or ``count`` questions drawn from the
    derivation banks, each worth ``marks``."""

    topic: str | None = None
    bank: BankSelector | None = None
    count: PositiveInt = 1
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    marks: PositiveInt
    form: Literal["worked", "choice"] = "worked"
    id: str | None = None

    @field_validator("topic")
    @classmethod
    def _known_topic(cls, name: str | None) -> str | None:
        try:
            if name is not None:
                topics.get(name)
        except QuizgenError as exc:  # pydantic reports ValueErrors with their place
            raise ValueError(str(exc)) from None
        return name

    @model_validator(mode="after")
    def _topic_or_bank(self) -> ItemSpec:
        if (self.topic is None) == (self.bank is None):
            raise ValueError("give either topic (a generated problem) or bank (bank questions)")
        return self


class Section(_Strict):
    title: str
    instructions: str | None = None
    shuffle: bool = True
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


def _line(node: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """The line of the YAML node at ``loc`` (or of its nearest existing parent)."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def find_blueprint(given: str | Path) -> Path:
    """A blueprint file as given, or, when no such file exists, the shipped blueprint of that
    name (``midterm``, ``quiz``), so that an installed quizgen works from any folder."""
    path = Path(given)
    if path.is_file():
        return path
    return shipped_blueprints().get(path.name.removesuffix(".yaml"), path)


def load_blueprint(path: Path, bank: Sequence[BankQuestion] | None = None) -> Blueprint:
    """Read and validate a blueprint, or raise a QuizgenError naming file, line and field of
    every problem. Bank items are checked against ``bank`` (default: the built-in banks)."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except OSError as exc:
        shipped = ", ".join(shipped_blueprints())
        raise QuizgenError(
            f"{path}: cannot read: {exc.strerror} (shipped blueprints: {shipped})"
        ) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise QuizgenError(f"{name}: line {line}: malformed YAML: {exc.problem}") from None
    if not isinstance(data, dict):
        raise QuizgenError(f"{name}: a blueprint is a mapping with title and sections")
    try:
        blueprint = Blueprint.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = f"unknown key (a typo?); allowed here: {_allowed(loc)}"
            problems.append(f"{name}: line {_line(root, loc)}: {field_path(loc)}: {message}")
        raise QuizgenError("\n".join(problems)) from None
    problems = [
        f"{name}: line {_line(root, loc)}: {field_path(loc)}: {message}"
        for loc, message in _bank_shortfalls(blueprint, bank)
    ]
    if problems:
        raise QuizgenError("\n".join(problems))
    return blueprint


def _bank_shortfalls(
    blueprint: Blueprint, bank: Sequence[BankQuestion] | None
) -> list[tuple[tuple[str | int, ...], str]]:
    """(place, message) for each bank item that matches fewer questions than its count."""
    from quizgen.exam.banks import builtin_banks

    found = []
    for s_index, section in enumerate(blueprint.sections):
        for i_index, spec in enumerate(section.items):
            if spec.bank is None:
                continue
            selector = spec.bank
            matching = selector.matching(bank if bank is not None else builtin_banks())
            if len(matching) < spec.count:
                criteria = selector.model_dump(exclude_none=True)
                found.append(
                    (
                        ("sections", s_index, "items", i_index, "bank"),
                        f"{criteria} matches {len(matching)} bank question(s), "
                        f"too few for count {spec.count}",
                    )
                )
    return found


def _allowed(loc: tuple[str | int, ...]) -> str:
    model: type[BaseModel] = Blueprint
    for key in loc[:-1]:
        if key == "sections":
            model = Section
        elif key == "items":
            model = ItemSpec
        elif key == "bank":
            model = BankSelector
    return ", ".join(model.model_fields)
