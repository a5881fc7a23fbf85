"""The practice engine: a session of problems answered part by part, with no UI.

A face (the terminal quiz, later the web site) asks the student and shows what comes back; the
engine judges each typed answer (tolerance, forgiving formats, follow-through, named mistakes),
gives hints a rung at a time, keeps the score and writes every attempt to the history as it
happens, so that stopping at any moment keeps everything answered so far.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from quizgen import topics
from quizgen.core.grading import Verdict, judge
from quizgen.core.model import Misconception, Outcome, Part, Problem, Solution
from quizgen.exam.item_codes import encode
from quizgen.exam.model import BankItem, BankOption
from quizgen.practice.answers import parse
from quizgen.practice.checking import known_mistakes
from quizgen.practice.history import Attempt
from quizgen.practice.session import hint_ladder, steps_shown_by
from quizgen.topics import topic_of_section

if TYPE_CHECKING:
    from quizgen.practice.shared_history import AnyHistory

NO_MORE_HINTS = "no more hints: ? shows all"


@dataclass
class Score:
    right: int = 0
    asked: int = 0


@dataclass
class Summary:
    """Parts right and asked per topic, and problems seen, as the history counts them."""

    by_topic: dict[str, Score] = field(default_factory=dict)
    problems: int = 0

    def add(self, topic: str, correct: bool) -> None:
        score = self.by_topic.setdefault(topic, Score())
        score.asked += 1
        score.right += int(correct)


class Practice:
    """One practice session: its score, its history rows, the problems it starts."""

    def __init__(self, history: AnyHistory | None, mode: str = "quiz") -> None:
        self.history = history
        self.session = history.start_session(mode) if history else 0
        self.summary = Summary()

    def attach(self, history: AnyHistory | None, session: int) -> None:
        """Record from now on in ``session`` of ``history`` (a session carried on after its
        answers so far were replayed without recording them)."""
        self.history, self.session = history, session

    def start(self, problem: Problem) -> ProblemRun:
        return ProblemRun(self, problem)

    def start_bank(self, item: BankItem) -> BankRun:
        return BankRun(self, item)

    def record(self, attempt: Attempt) -> None:
        self.summary.add(attempt.topic, attempt.correct)
        if self.history is not None:
            self.history.record(self.session, attempt)

    def mark_shown(self, topic: str, code: str, answer: str, correct: bool) -> None:
        """The self-marks of a question recorded as shown (see BankRun.reveal)."""
        self.summary.by_topic[topic].right += int(correct)
        if self.history is not None:
            self.history.mark_shown(self.session, code, answer, correct)


@dataclass(frozen=True)
class Feedback:
    """What the engine says about one typed answer."""

    part: Part
    verdict: Verdict
    repeated: bool  # its mistake was already explained earlier in this problem


class ProblemRun:
    """One generated problem being answered, part by part."""

    def __init__(self, practice: Practice, problem: Problem) -> None:
        self.practice = practice
        self.problem = problem
        self.topic = topics.get(problem.topic, problem.form)
        self.solution: Solution = self.topic.solve(problem.params)
        self.offered, self.pairs, self.edits = known_mistakes(
            self.topic, problem.params, self.solution
        )
        level = problem.difficulty or "medium"
        self.code = encode(problem.topic, level, problem.seed or 0, problem.form)
        self.index = 0
        self.given: dict[str, Any] = {}
        self.verdicts: list[Verdict] = []
        self._named: set[Misconception] = set()
        self._ladder = hint_ladder(self.solution)
        self._hint_step = 0  # the step the last hint came from
        self._hints = 0
        self._started = time.monotonic()

    @property
    def part(self) -> Part | None:
        """The part to answer next (None when the problem is over)."""
        parts = self.solution.parts
        return parts[self.index] if self.index < len(parts) else None

    @property
    def done(self) -> bool:
        return self.part is None

    @property
    def all_right(self) -> bool:
        """Every part answered and right against the key (follow-through credit is not that;
        a skipped or shown part is not answered)."""
        answered = len(self.verdicts) == len(self.solution.parts)
        return answered and all(v.correct and not v.follow_through for v in self.verdicts)

    def hint(self) -> str:
        """The next rung of the hint ladder (counted for the part being answered)."""
        self._hints += 1
        step, rung = next(self._ladder, (self._hint_step, NO_MORE_HINTS))
        self._hint_step = step
        return rung

    def _skip_hints_shown_by(self, part: Part) -> None:
        """After a part is answered (and its answer shown, right or wrong), the next part's
        hints start after the steps that answer showed, not again at step 1."""
        shown = steps_shown_by(self.solution, part)
        if shown >= self._hint_step:
            self._ladder = hint_ladder(self.solution, first_step=shown + 1)
            self._hint_step = shown

    def answer(self, text: str) -> Feedback:
        """Judge ``text`` for the current part, record it and move on. Raises
        AnswerFormatError (not counted) when it cannot be read as that kind of answer."""
        part = self.part
        assert part is not None, "the problem is over"
        value = parse(text, part.kind)
        followed = self.topic.follow(self.problem.params, self.given, self.solution.answer)
        verdict = judge(
            part, value, self.solution, followed, self.offered, self.given, self.pairs, self.edits
        )
        repeated = verdict.misconception in self._named and verdict.also is None
        self.given[part.key] = value
        self.verdicts.append(verdict)
        self._named |= {m for m in (verdict.misconception, verdict.also) if m is not None}
        self._record(part, text.strip(), verdict, "answered")
        self._skip_hints_shown_by(part)
        return Feedback(part, verdict, repeated)

    def give_up(self, outcome: Outcome) -> None:
        """``skipped`` (s) or ``shown`` (?): every part left is recorded as that, unanswered."""
        while self.part is not None:
            missed = Verdict(False, self.solution.answer[self.part.key])
            self._record(self.part, None, missed, outcome)

    def _record(self, part: Part, text: str | None, verdict: Verdict, outcome: Outcome) -> None:
        mistake = verdict.misconception
        self.practice.record(
            Attempt(
                topic=self.problem.topic,
                seed=self.problem.seed or 0,
                difficulty=self.problem.difficulty or "",
                code=self.code,
                part=part.key,
                answer=text,
                correct=verdict.correct,
                seconds=round(time.monotonic() - self._started, 3),
                follow_through=verdict.follow_through,
                misconception=mistake.label if mistake else None,
                hints=self._hints,
                outcome=outcome,
            )
        )
        self.index += 1
        self._hints = 0
        self._started = time.monotonic()
        if self.done:
            self.practice.summary.problems += 1


class BankRun:
    """One derivation-bank question: order, fill, choice or derive (self-marked)."""

    def __init__(self, practice: Practice, item: BankItem) -> None:
        self.practice = practice
        self.item = item
        self.topic = topic_of_section(item.bank.section)
        self._started = time.monotonic()
        self.revealed = False

    def order(self, numbers: list[int]) -> bool:
        """The shown step numbers in the student's order; True if the derivation allows it."""
        correct = self.item.accepts_order(numbers)
        self._record(" ".join(map(str, numbers)), correct)
        return correct

    def choose(self, letter: str) -> tuple[BankOption, BankOption]:
        """(the option chosen, the right one) for a fill or choice question."""
        chosen = next(o for o in self.item.options if o.letter == letter)
        right = next(o for o in self.item.options if o.correct)
        self._record(letter, chosen.correct)
        return chosen, right

    @property
    def total_marks(self) -> int:
        return sum(step.marks for step in self.item.bank.steps)

    def reveal(self) -> None:
        """The model derivation is shown before any self-marks: recorded at once as shown
        (like "show the solution"), so seeing it always leaves a row; the marks given after
        are put on that row."""
        self.revealed = True
        self._record(None, False, "shown")

    def self_mark(self, marks: int) -> bool:
        """The marks the student gives their own derivation against the model."""
        correct = marks == self.total_marks
        text = f"{marks}/{self.total_marks}"
        if self.revealed:
            self.practice.mark_shown(self.topic, self.item.code, text, correct)
        else:
            self._record(text, correct)
        return correct

    def _record(self, text: str | None, correct: bool, outcome: Outcome = "answered") -> None:
        self.practice.record(
            Attempt(
                topic=self.topic,
                seed=0,
                difficulty=self.item.kind,
                code=self.item.code,
                part=self.item.kind,
                answer=text,
                correct=correct,
                seconds=round(time.monotonic() - self._started, 3),
                outcome=outcome,
            )
        )
        self.practice.summary.problems += 1
