"""Derivation question banks: YAML files of "derive it" questions, validated on load.

A bank file holds questions of one guide section, named by its topic (the section is the
topic's) or, for a section no topic practises, by its number::

    topic: sigmoid                       # or: section: 3
    questions:
      - id: sigmoid-derivative           # unique across all banks
        kind: derive                     # derive | order | fill | choice
        tags: [derivative]
        prompt: Show that $\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))$.
        steps:                           # the model derivation, each step with its marks
          - {formula: '...', reason: '...', marks: 1}

``order`` asks for the steps' order (Parsons), ``fill`` blanks one step (``blank``, 1-based)
among ``distractors``; both may take their steps ``from`` a derive question. ``choice`` has
``options``, each with ``correct`` and ``why``; exactly one is correct. Errors name the file,
the line, the question id and the field; ``quizgen bank check`` lists them all: a question
with a bad or duplicate id is still checked for everything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    VERSION,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from typing_extensions import assert_never

from quizgen import topics
from quizgen.core import latex, record_files
from quizgen.core.errors import QuizgenError
from quizgen.core.latex import segments
from quizgen.core.model import BANK_KINDS, BankKind
from quizgen.core.params import field_path
from quizgen.core.record_files import node_line, parse_yaml, read_text
from quizgen.core.resources import BANKS as BUILTIN
from quizgen.core.resources import cache_file, keep_object, kept_object, module_source

if TYPE_CHECKING:
    import yaml

CACHE_FORMAT = 1  # bump when BankQuestion's fields change
CHECKER = "quizgen.core.latex_check"  # what checks the banks' LaTeX: imported only to validate


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class BankStep(_Strict):
    formula: str
    reason: str
    marks: int = Field(default=1, ge=0)


class Option(_Strict):
    text: str
    correct: bool = False
    why: str


class _Question(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    prompt: str
    tags: list[str] = []
    marks: int | None = Field(default=None, gt=0)


class Derive(_Question):
    kind: Literal["derive"]
    steps: list[BankStep] = Field(min_length=2)


class Order(_Question):
    kind: Literal["order"]
    steps: list[BankStep] | None = None
    from_: str | None = Field(default=None, alias="from")
    #: runs of consecutive step numbers (1-based) that the derivation allows in any order,
    #: e.g. [[2, 3, 4]] for three independent factors of a chain rule
    interchangeable: list[list[int]] = []


class Fill(_Question):
    kind: Literal["fill"]
    steps: list[BankStep] | None = None
    from_: str | None = Field(default=None, alias="from")
    blank: int = Field(ge=1)
    distractors: list[str] = Field(min_length=2)


class Choice(_Question):
    kind: Literal["choice"]
    options: list[Option] = Field(min_length=2)


Question = Annotated[Derive | Order | Fill | Choice, Field(discriminator="kind")]


class BankFile(_Strict):
    """A bank file's envelope; each question is validated on its own, so that one bad question
    does not hide the problems of the others."""

    topic: str | None = None
    section: int | None = Field(default=None, ge=1)
    title: str | None = None
    questions: list[dict[str, Any]] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_home(self) -> BankFile:
        if (self.topic is None) == (self.section is None):
            raise ValueError("give either topic (a topic's name) or section (a number)")
        return self

    def home(self) -> int:
        """The section the questions belong to: the topic's, or the number given."""
        if self.topic is None:
            assert self.section is not None  # _one_home
            return self.section
        try:
            return topics.get(self.topic).section
        except QuizgenError as exc:
            raise ValueError(f"topic: {exc}") from None


QUESTION: TypeAdapter[Derive | Order | Fill | Choice] = TypeAdapter(
    Question, config=ConfigDict(defer_build=True)
)


@dataclass(frozen=True)
class BankQuestion:
    """A validated question with its source, its section and its steps resolved."""

    question: Derive | Order | Fill | Choice
    section: int
    source: str
    steps: tuple[BankStep, ...] = ()
    node: yaml.Node | None = field(default=None, compare=False, repr=False)  # for lines
    shown_id: str | None = None  # the id as written, where it is malformed

    def where(self, *loc: str | int) -> str:
        """``file: line N: question ID[: field]``, the line being the field's own."""
        line = node_line(self.node, loc) if self.node is not None else None
        place = f"{self.source}: line {line}" if line else self.source
        named = self.shown_id or self.id
        return f"{place}: question {named}" + (f": {field_path(loc)}" if loc else "")

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def kind(self) -> BankKind:
        return self.question.kind

    @property
    def marks(self) -> int:
        if self.question.marks is not None:
            return self.question.marks
        match self.kind:
            case "derive":
                return sum(s.marks for s in self.steps)
            case "order":
                return len(self.steps)
            case "fill" | "choice":
                return 2
            case unknown:
                assert_never(unknown)

    def step_groups(self) -> tuple[int, ...]:
        """For each step (0-based), the group it belongs to: steps that may come in any order
        share one (the first step's index), every other step is its own."""
        groups = list(range(len(self.steps)))
        for group in getattr(self.question, "interchangeable", ()):
            for number in group:
                groups[number - 1] = min(group) - 1
        return tuple(groups)

    def texts(self) -> list[tuple[tuple[str | int, ...], str]]:
        """(field, text with $math$) for every text field the question prints."""
        question = self.question
        fields: list[tuple[tuple[str | int, ...], str]] = [(("prompt",), question.prompt)]
        fields += [(("steps", i, "reason"), step.reason) for i, step in enumerate(self.steps)]
        for i, option in enumerate(getattr(question, "options", ())):
            fields += [(("options", i, "text"), option.text), (("options", i, "why"), option.why)]
        return fields

    def formulas(self) -> list[tuple[str, str]]:
        """(where, LaTeX) for every formula the question prints, where naming file, line,
        question and field, as error messages do."""
        found = [(self.where("steps", i, "formula"), s.formula) for i, s in enumerate(self.steps)]
        found += [
            (self.where("distractors", i), d)
            for i, d in enumerate(getattr(self.question, "distractors", ()))
        ]
        for loc, text in self.texts():
            found += [(self.where(*loc), piece) for is_math, piece in segments(text) if is_math]
        return found


class BankError(QuizgenError):
    """One or more problems in bank files; ``problems`` lists each on its own line, and
    ``questions`` holds the questions that could be read, for further checks in the same run."""

    def __init__(self, problems: Sequence[str], questions: Sequence[BankQuestion] = ()) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)
        self.questions = list(questions)


def _files(folders: Iterable[Path]) -> list[Path]:
    files = []
    for folder in folders:
        if folder.is_file():
            files.append(folder)
        elif folder.is_dir():
            files += sorted(p for p in folder.glob("*.yaml") if p.parent.name != "exams")
        else:
            raise QuizgenError(f"{folder}: no such bank file or folder")
    return files


def _errors(exc: ValidationError, name: str, node: Any, question: str = "") -> list[str]:
    """One line per validation error: file, line, the question (if any) and the field."""
    out = []
    for error in exc.errors():
        loc = [p for p in error["loc"] if p not in BANK_KINDS]
        line = node_line(node, loc)
        where = f"{name}: line {line}: {question}" if line else f"{name}: {question}"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "string_pattern_mismatch" and loc[-1:] == ["id"]:
            message = "lower-case letters, digits and hyphens only (e.g. sigmoid-derivative)"
        out.append(f"{where}{field_path(loc)}: {message}" if loc else f"{where}{message}")
    return out


#: stands in for a malformed id, so that the rest of the question is still checked
_STAND_IN_ID = "malformed-id"


def _read(path: Path, problems: list[str]) -> tuple[int, list[tuple[Any, Any, str | None]]] | None:
    """(section, [(question, its YAML node, its malformed id)]) of a bank file; its problems
    are added to ``problems``. A question whose only fault is its id is checked further (under
    a stand-in id) but not kept."""
    try:
        data, root = parse_yaml(path.name, read_text(path))
    except QuizgenError as exc:
        problems.append(str(exc).replace("malformed YAML", "malformed or unsafe YAML"))
        return None
    try:
        bank = BankFile.model_validate(data)
    except ValidationError as exc:
        problems += _errors(exc, path.name, root)
        return None
    try:
        section = bank.home()
    except ValueError as exc:
        problems.append(f"{path.name}: {exc}")
        return None
    questions: list[tuple[Any, Any, str | None]] = []
    for index, raw in enumerate(bank.questions):
        node = _child(root, "questions", index)
        name = raw.get("id") if isinstance(raw.get("id"), str) else f"questions[{index}]"
        try:
            questions.append((QUESTION.validate_python(raw), node, None))
            continue
        except ValidationError as exc:
            problems += _errors(exc, path.name, node, f"question {name}: ")
            only_id = all(tuple(e["loc"])[-1:] == ("id",) for e in exc.errors())
        if only_id:
            try:
                stand_in = QUESTION.validate_python({**raw, "id": _STAND_IN_ID})
            except ValidationError:
                continue
            questions.append((stand_in, node, str(name)))
    return section, questions


def _child(node: Any, *loc: str | int) -> Any:
    """The YAML node at ``loc`` under ``node``, if there is one."""
    import yaml

    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            return None
    return node


def _check_question(q: BankQuestion, problems: list[str]) -> None:
    from quizgen.core.latex_check import check, check_text  # CHECKER

    question = q.question
    for i, step in enumerate(q.steps):
        problem = check(step.formula)
        if problem:
            problems.append(f"{q.where('steps', i, 'formula')}: LaTeX: {problem}")
    if isinstance(question, Choice):
        right = sum(o.correct for o in question.options)
        if right != 1:
            problems.append(
                f"{q.where('options')}: exactly one option must be correct, found {right}"
            )
    if isinstance(question, Order):
        seen: set[int] = set()
        for i, group in enumerate(question.interchangeable):
            run = sorted(group)
            if len(run) < 2 or run != list(range(run[0], run[0] + len(run))):
                problems.append(
                    f"{q.where('interchangeable', i)}: give two or more consecutive step numbers"
                )
            elif run[0] < 1 or run[-1] > len(q.steps):
                problems.append(
                    f"{q.where('interchangeable', i)}: steps are numbered 1 to {len(q.steps)}"
                )
            elif seen & set(run):
                problems.append(f"{q.where('interchangeable', i)}: overlaps another group")
            seen |= set(run)
    if isinstance(question, Fill):
        if question.blank > len(q.steps):
            problems.append(
                f"{q.where('blank')}: step {question.blank} does not exist ({len(q.steps)} steps)"
            )
        for i, distractor in enumerate(question.distractors):
            problem = check(distractor)
            if problem:
                problems.append(f"{q.where('distractors', i)}: LaTeX: {problem}")
            if (
                q.steps
                and question.blank <= len(q.steps)
                and (distractor.strip() == q.steps[question.blank - 1].formula.strip())
            ):
                problems.append(f"{q.where('distractors', i)}: is the right step itself")
    if isinstance(question, Derive) and question.marks is not None:
        total = sum(s.marks for s in question.steps)
        if total != question.marks:
            problems.append(
                f"{q.where('marks')}: {question.marks}, but the steps' marks add up to {total}"
            )
    for loc, text in q.texts():
        problem = check_text(text)
        if problem:
            problems.append(f"{q.where(*loc)}: LaTeX: {problem}")


def load_banks(folders: Iterable[Path] = (BUILTIN,)) -> list[BankQuestion]:
    """Every question in the bank files under ``folders``; BankError lists all problems.
    Validated once per content: banks that passed are kept in the user's cache under a hash
    of their files (names and bytes), of the code that checks them and of the pydantic and
    PyYAML versions whose objects are kept, so a changed file, checker or library is always
    validated again."""
    files = _files(folders)
    cached = _cached_path(files)
    if cached is not None:
        kept = kept_object(cached)
        if isinstance(kept, list):
            return kept
    questions = _validated(files)
    if cached is not None:
        keep_object(cached, questions)
    return questions


def _cached_path(files: Sequence[Path]) -> Path | None:
    import yaml

    code = [
        Path(__file__),
        module_source(CHECKER),
        Path(latex.__file__),
        Path(record_files.__file__),
    ]
    try:
        parts = [f"pydantic {VERSION} yaml {yaml.__version__}".encode()]  # pickled
        parts += [module.read_bytes() for module in code]
        parts += [path.name.encode() + b"\0" + path.read_bytes() for path in files]
    except OSError:
        return None  # validation names the file that cannot be read
    return cache_file(f"banks-{CACHE_FORMAT}", parts)


def _validated(files: Sequence[Path]) -> list[BankQuestion]:
    problems: list[str] = []
    raw: list[tuple[Path, int, list[tuple[Any, Any, str | None]]]] = []
    for path in files:
        read = _read(path, problems)
        if read is not None:
            raw.append((path, *read))
    derivations = {
        q.id: q.steps for _, _, qs in raw for q, _, bad in qs if not bad and isinstance(q, Derive)
    }
    questions: list[BankQuestion] = []
    seen: dict[str, str] = {}
    for path, section, file_questions in raw:
        for q, node, bad_id in file_questions:
            whole = bad_id is None
            bare = BankQuestion(q, section, path.name, (), node, bad_id)
            if whole and q.id in seen:
                problems.append(f"{bare.where('id')}: duplicate, first in {seen[q.id]}")
                whole = False  # checked for everything else, not kept
            elif whole:
                seen[q.id] = path.name
            steps: Sequence[BankStep] = getattr(q, "steps", None) or ()
            source = getattr(q, "from_", None)
            if isinstance(q, (Order, Fill)):
                if bool(q.steps) == bool(source):
                    problems.append(
                        f"{bare.where('steps')}: give either steps or "
                        "from (the id of a derive question)"
                    )
                    continue
                if source:
                    if source not in derivations:
                        problems.append(f'{bare.where("from")}: no derive question "{source}"')
                        continue
                    steps = derivations[source]
            question = BankQuestion(q, section, path.name, tuple(steps), node, bad_id)
            _check_question(question, problems)
            if whole:
                questions.append(question)
    if problems:
        raise BankError(problems, questions)
    return questions


@cache
def builtin_banks() -> tuple[BankQuestion, ...]:
    return tuple(load_banks())


def select(
    questions: Iterable[BankQuestion],
    *,
    section: int | None = None,
    kind: BankKind | None = None,
    tag: str | None = None,
    qid: str | None = None,
) -> list[BankQuestion]:
    """The questions that match every criterion given."""
    return [
        q
        for q in questions
        if (section is None or q.section == section)
        and (kind is None or q.kind == kind)
        and (tag is None or tag in q.question.tags)
        and (qid is None or q.id == qid)
    ]
