"""The exam's data: what a built exam is made of (versions of numbered items, each a drawn
problem or a derivation question with its shuffles), shared by every writer, exporter and
marker. ``build`` makes them; nothing here draws or renders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from typing_extensions import assert_never

from quizgen.core.latex import answer_text
from quizgen.core.model import BankKind, Part, Problem, Solution, Stem, part_letter
from quizgen.exam.banks import BankQuestion, BankStep
from quizgen.exam.blueprint import Blueprint


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
    def asked(self) -> Part:
        """The part a multiple-choice item asks for: the problem's final answer."""
        return self.solution.parts[-1]

    @property
    def choice_prompt(self) -> str:
        """What a multiple-choice item asks, whatever its part's label is: "Output shape
        $H \\times W \\times C$ after each layer: which option is right?" (text with $math$)."""
        label = self.asked.label
        return f"{label[:1].upper()}{label[1:]}: which option is right?"

    @property
    def part_marks(self) -> tuple[int, ...]:
        """The marks of each part: the item's marks shared as evenly as whole marks allow,
        earlier parts first. The key prints them; the LMS exports weight parts by them."""
        return shares(self.marks, len(self.solution.parts))

    @property
    def answer_lines(self) -> int:
        """Ruled lines of answer space on the paper, sized to the work the question needs."""
        if self.choices:
            return 0
        return min(16, 2 + len(self.solution.parts) + len(self.solution.steps))

    @property
    def glance(self) -> str:
        """The answer in one line, for the key's answers-at-a-glance table."""
        if self.choices:
            right = next(c for c in self.choices if c.correct)
            return f"{right.letter} ({right.text})"
        answers = [
            answer_text(self.solution.answer[p.key], p.precision) for p in self.solution.parts
        ]
        return "; ".join(f"{part_letter(i)}) {a}" for i, a in enumerate(answers))


@dataclass(frozen=True)
class BankOption:
    """An option of a fill-the-step or multiple-choice bank question (text with $math$)."""

    letter: str
    text: str
    correct: bool
    why: str | None = None


@dataclass(frozen=True)
class BankItem:
    """A numbered derivation-bank question of one version, with its shuffles drawn."""

    number: int
    slot: str
    bank: BankQuestion
    marks: int
    code: str
    order: tuple[int, ...] = ()  # order questions: step order[k] is shown as number k + 1
    options: tuple[BankOption, ...] = ()

    @property
    def kind(self) -> BankKind:
        return self.bank.kind

    @property
    def shown_steps(self) -> list[BankStep]:
        return [self.bank.steps[i] for i in self.order]

    @property
    def right_order(self) -> str:
        """The shown numbers in the order of the derivation, e.g. ``3 1 4 2``; steps the
        derivation allows in any order are bracketed: ``3 (1 4) 2``."""
        groups = self.bank.step_groups()
        words, j = [], 0
        while j < len(self.order):
            run = [k for k in range(j, len(groups)) if groups[k] == groups[j]]
            shown = [str(self.order.index(k) + 1) for k in run]
            words.append(shown[0] if len(shown) == 1 else "(" + " ".join(shown) + ")")
            j += len(run)
        return " ".join(words)

    def accepts_order(self, numbers: Sequence[int]) -> bool:
        """Is this order of the shown step numbers one the derivation allows?"""
        groups = self.bank.step_groups()
        if sorted(numbers) != list(range(1, len(self.order) + 1)):
            return False
        return [groups[self.order[n - 1]] for n in numbers] == list(groups)

    @property
    def answer_lines(self) -> int:
        match self.kind:
            case "derive":
                return min(16, 2 * len(self.bank.steps))
            case "order":
                return 1
            case "fill" | "choice":
                return 0  # a letter in a box
            case unknown:
                assert_never(unknown)

    @property
    def right_option(self) -> BankOption:
        """The right option of a fill or choice question."""
        return next(o for o in self.options if o.correct)

    @property
    def glance(self) -> str:
        match self.kind:
            case "derive":
                return "model derivation, marking scheme in the key"
            case "order":
                return self.right_order
            case "fill" | "choice":
                return self.right_option.letter
            case unknown:
                assert_never(unknown)


@dataclass(frozen=True)
class ExamSection:
    title: str
    instructions: str | None
    items: tuple[Item | BankItem, ...]
    sheet: bool = True  # answered on the answer sheet too (paper --sheet)


@dataclass(frozen=True)
class Student:
    """A roster entry: the id keys the student's seed; the name is printed on the paper."""

    id: str
    name: str


@dataclass(frozen=True)
class Version:
    code: str
    sections: tuple[ExamSection, ...]
    student: Student | None = None

    @property
    def items(self) -> list[Item | BankItem]:
        return [item for section in self.sections for item in section.items]


@dataclass(frozen=True)
class Exam:
    blueprint: Blueprint
    seed: int
    versions: tuple[Version, ...]
    #: one line per item whose topic has fewer distinct problems than the exam asks of it
    warnings: tuple[str, ...] = ()


def shares(total: int, count: int) -> tuple[int, ...]:
    """``total`` whole marks over ``count`` places, as evenly as possible, earlier ones first.

    >>> shares(8, 3), shares(2, 4)
    ((3, 3, 2), (1, 1, 0, 0))
    """
    base, extra = divmod(total, count)
    return tuple(base + (1 if i < extra else 0) for i in range(count))
