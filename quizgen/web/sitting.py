"""One learner's practice in the browser: the engine's session (``practice.engine``) and what
the page shows between requests: the answered parts, the hints given, the worked solution.
The engine judges, hints and records; this only remembers what to show."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from quizgen.core.model import Difficulty, Problem
from quizgen.exam.banks import BankQuestion
from quizgen.exam.model import BankItem
from quizgen.practice.engine import BankRun, Practice, ProblemRun
from quizgen.practice.feedback import explain
from quizgen.practice.history import History
from quizgen.practice.session import bank_questions, quiz_problems


@dataclass(frozen=True)
class Shown:
    """An answered part as the page shows it."""

    key: str
    label: str
    typed: str
    tone: str  # right, follow-through, wrong, skipped
    text: str


@dataclass(frozen=True)
class Settings:
    topics: tuple[str, ...]
    difficulty: Difficulty = "medium"
    adaptive: bool = False
    count: int = 5
    derivations: bool = False


@dataclass
class Sitting:
    """A run of problems (or derivation questions) answered one at a time."""

    practice: Practice
    queue: Iterator[Problem | BankItem]
    total: int
    title: str
    number: int = 0
    run: ProblemRun | BankRun | None = None
    shown: list[Shown] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    notice: str = ""  # an answer that could not be read: not counted, try again
    revealed: bool = False  # the worked solution (or model derivation) is on the page
    bank_result: Shown | None = None

    @property
    def problem_done(self) -> bool:
        if self.run is None:
            return True
        if isinstance(self.run, ProblemRun):
            return self.run.done
        return self.bank_result is not None

    def advance(self) -> bool:
        """Move to the next problem; False when the sitting is over."""
        item = next(self.queue, None)
        self.shown, self.hints, self.notice, self.revealed, self.bank_result = (
            [],
            [],
            "",
            False,
            None,
        )
        if item is None:
            self.run = None
            return False
        self.number += 1
        self.run = (
            self.practice.start_bank(item)
            if isinstance(item, BankItem)
            else self.practice.start(item)
        )
        return True

    def answer(self, text: str) -> None:
        """Judge ``text`` for the current part (a format problem is a notice, not counted)."""
        from quizgen.practice.answers import AnswerFormatError

        run = self.run
        assert isinstance(run, ProblemRun) and not run.done
        index = run.index
        try:
            said = run.answer(text)
        except AnswerFormatError as error:
            self.notice = f"{error} (not counted; try again)"
            return
        self.notice = ""
        words = explain(said.part, said.verdict, index, said.repeated)
        self.shown.append(
            Shown(said.part.key, said.part.label, text.strip(), words.tone, words.text)
        )
        if run.done and not run.all_right:
            self.revealed = True

    def hint(self) -> None:
        assert isinstance(self.run, ProblemRun)
        self.hints.append(self.run.hint())

    def give_up(self, outcome: str) -> None:
        """``skipped`` or ``shown``: the parts left are recorded unanswered; the solution shows."""
        run = self.run
        assert isinstance(run, ProblemRun)
        left = run.solution.parts[run.index :]
        run.give_up(outcome)
        for part in left:
            self.shown.append(Shown(part.key, part.label, "", "skipped", outcome))
        self.revealed = True

    def order(self, numbers: Sequence[int]) -> None:
        run = self.run
        assert isinstance(run, BankRun)
        right = run.order(numbers)
        text = "Correct." if right else f"The order is {run.item.right_order}."
        self.bank_result = Shown("order", "order", " ".join(map(str, numbers)), _tone(right), text)
        self.revealed = True

    def choose(self, letter: str) -> None:
        run = self.run
        assert isinstance(run, BankRun)
        chosen, right = run.choose(letter)
        why = f" {chosen.why}" if chosen.why else ""
        text = f"Correct.{why}" if chosen.correct else f"The answer is {right.letter}.{why}"
        self.bank_result = Shown("choice", "choice", letter, _tone(chosen.correct), text)
        self.revealed = True

    def self_mark(self, marks: int) -> None:
        run = self.run
        assert isinstance(run, BankRun)
        right = run.self_mark(marks)
        text = f"You gave yourself {marks} of {run.total_marks}."
        self.bank_result = Shown("derive", "marks", str(marks), _tone(right), text)


def _tone(right: bool) -> str:
    return "right" if right else "wrong"


def start(
    history: History | None,
    settings: Settings,
    seed: int,
    pool: Sequence[BankQuestion] = (),
) -> Sitting:
    """A sitting of problems from the topics (round the topics, or adaptively from the
    learner's history), or of derivation questions from the topics' sections."""
    mode = "adaptive" if settings.adaptive else "web"
    practice = Practice(history, mode)
    if settings.derivations:
        asked = list(bank_questions(pool, settings.topics, settings.count, seed))
        sitting = Sitting(practice, iter(asked), len(asked), "Derivations")
    else:
        problems = quiz_problems(
            settings.topics,
            settings.count,
            seed,
            settings.difficulty,
            history if settings.adaptive else None,
        )
        title = "Adaptive practice" if settings.adaptive else "Practice"
        sitting = Sitting(practice, problems, settings.count, title)
    sitting.advance()
    return sitting


def assigned(history: History | None, title: str, items: Sequence[Problem | BankItem]) -> Sitting:
    """A sitting of a practice set the teacher assigned."""
    sitting = Sitting(Practice(history, "assigned"), iter(items), len(items), title)
    sitting.advance()
    return sitting
