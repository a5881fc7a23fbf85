"""Blueprint + seed -> Exam: every version's problems drawn and solved once, for every writer.

Seeds: version v's problem in slot ``s`` (the item's ``id``, else ``section.item.copy``) comes
from ``child_seed(exam seed, "version", v, s)``, so editing one slot leaves the others' numbers
alone. No problem appears twice in an exam, across all of its versions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from quizgen import topics
from quizgen.blueprint import Blueprint, ItemSpec, Section
from quizgen.errors import QuizgenError
from quizgen.grading import distinct_misconceptions
from quizgen.item_codes import encode
from quizgen.latex import answer_text
from quizgen.model import Part, Problem, Solution, Stem
from quizgen.problems import make_problem
from quizgen.seeds import child_seed, rng_for

MAX_REDRAWS = 50
CHOICES = 4  # options in a multiple-choice item: the answer and up to three distractors


@dataclass(frozen=True)
class Choice:
    """One option of a multiple-choice item; ``misconception`` names a distractor's mistake."""

    letter: str
    text: str
    correct: bool
    misconception: str | None = None
    explanation: str | None = None


@dataclass(frozen=True)
class Item:
    """One numbered question of one version."""

    number: int
    slot: str
    problem: Problem
    solution: Solution
    marks: int
    code: str
    stem: Stem
    choices: tuple[Choice, ...] = ()

    @property
    def answer_lines(self) -> int:
        """Ruled lines of answer space on the paper, sized to the work the question needs."""
        return min(16, 2 + len(self.solution.parts) + len(self.solution.steps))

    @property
    def asked(self) -> Part:
        """The part a multiple-choice item asks for: the problem's final answer."""
        return self.solution.parts[-1]


@dataclass(frozen=True)
class ExamSection:
    title: str
    instructions: str | None
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Version:
    code: str
    sections: tuple[ExamSection, ...]

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]


@dataclass(frozen=True)
class Exam:
    blueprint: Blueprint
    seed: int
    versions: tuple[Version, ...]


def version_code(index: int) -> str:
    """A, B, ..., Z, then V27, V28, ..."""
    return chr(ord("A") + index) if index < 26 else f"V{index + 1}"


def build_exam(blueprint: Blueprint, seed: int, versions: int = 1) -> Exam:
    if versions < 1:
        raise QuizgenError("--versions must be at least 1")
    seen: set[str] = set()
    built = tuple(_version(blueprint, seed, v, seen) for v in range(versions))
    return Exam(blueprint=blueprint, seed=seed, versions=built)


def _slots(section_index: int, item_index: int, spec: ItemSpec) -> list[str]:
    base = spec.id or f"{section_index + 1}.{item_index + 1}"
    return [base if spec.count == 1 else f"{base}.{k + 1}" for k in range(spec.count)]


def _draw(spec: ItemSpec, seed: int, version: int, slot: str, seen: set[str]) -> Problem:
    problem = make_problem(spec.topic, child_seed(seed, "version", version, slot), spec.difficulty)
    for redraw in range(1, MAX_REDRAWS + 1):
        key = spec.topic + json.dumps(problem.params.to_record(), sort_keys=True)
        if key not in seen:
            break
        problem = make_problem(
            spec.topic, child_seed(seed, "version", version, slot, redraw), spec.difficulty
        )
    seen.add(spec.topic + json.dumps(problem.params.to_record(), sort_keys=True))
    return problem


def _version(blueprint: Blueprint, seed: int, v: int, seen: set[str]) -> Version:
    sections, number = [], 0
    for s_index, section in enumerate(blueprint.sections):
        drawn = []
        for i_index, spec in enumerate(section.items):
            for slot in _slots(s_index, i_index, spec):
                drawn.append((slot, spec, _draw(spec, seed, v, slot, seen)))
        if section.shuffle and len(drawn) > 1:
            order = rng_for(child_seed(seed, "version", v, "order", s_index)).permutation(
                len(drawn)
            )
            drawn = [drawn[int(i)] for i in order]
        items = []
        for slot, spec, problem in drawn:
            number += 1
            items.append(_item(number, slot, spec, problem))
        sections.append(_section(section, items))
    return Version(code=version_code(v), sections=tuple(sections))


def _section(section: Section, items: Sequence[Item]) -> ExamSection:
    return ExamSection(title=section.title, instructions=section.instructions, items=tuple(items))


def _item(number: int, slot: str, spec: ItemSpec, problem: Problem) -> Item:
    topic = topics.get(problem.topic)
    solution = topic.solve(problem.params)
    code = encode(problem.topic, spec.difficulty, problem.seed)
    choices = _choices(topic, problem, solution) if spec.form == "choice" else ()
    stem = topic.stem(problem.params)
    return Item(number, slot, problem, solution, spec.marks, code, stem, choices)


def _choices(topic: topics.Topic, problem: Problem, solution: Solution) -> tuple[Choice, ...]:
    """The right final answer and distractors from the topic's misconceptions, in an order
    drawn from the problem's seed; options that would read the same are left out."""
    part = solution.parts[-1]
    right = answer_text(solution.answer[part.key], part.precision)
    options = [(right, None)]
    for misconception, answer in distinct_misconceptions(
        topic.misconceptions, problem.params, solution
    ):
        text = answer_text(answer[part.key], part.precision)
        if all(text != seen for seen, _ in options):
            options.append((text, misconception))
    options = options[:CHOICES]
    order = rng_for(child_seed(problem.seed, "choices")).permutation(len(options))
    return tuple(
        Choice(
            letter=chr(ord("A") + position),
            text=options[int(i)][0],
            correct=options[int(i)][1] is None,
            misconception=options[int(i)][1].label if options[int(i)][1] else None,
            explanation=options[int(i)][1].explanation if options[int(i)][1] else None,
        )
        for position, i in enumerate(order)
    )
