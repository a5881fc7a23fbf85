"""One learner's practice in the browser: the engine's session (``practice.engine``) and what
the page shows between requests: the answered parts, the hints given, the worked solution.
The engine judges, hints and records; this only remembers what to show.

A sitting is kept as data (``state``): how its problems are drawn, which one is on the screen
and the actions taken on it since it appeared. ``restore`` draws the same problems again and
replays those actions without recording them, so the sitting survives a restart and any
process can carry it on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from itertools import chain, islice
from typing import Any

from quizgen.core.model import Difficulty, Form, Outcome, Problem
from quizgen.exam.banks import BankQuestion
from quizgen.exam.item_codes import decode
from quizgen.exam.model import BankItem
from quizgen.exam.problems import make_problem
from quizgen.practice.answers import read_order
from quizgen.practice.engine import BankRun, Practice, ProblemRun, Score
from quizgen.practice.feedback import explain
from quizgen.practice.session import bank_questions, item_for_code, practice_set, quiz_problems
from quizgen.practice.shared_history import AnyHistory

PRACTICE = "practice"  # the slot of the learner's own practice (assigned sets: their id)


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
    forms: tuple[Form, ...] = ("forward",)


@dataclass
class Sitting:
    """A run of problems (or derivation questions) answered one at a time."""

    practice: Practice
    queue: Iterator[Problem | BankItem]
    total: int
    title: str
    spec: dict[str, Any] = field(default_factory=dict)  # how its problems are drawn
    number: int = 0
    run: ProblemRun | BankRun | None = None
    shown: list[Shown] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    notice: str = ""  # an answer that could not be read: not counted, try again
    typed: str = ""  # what was typed when the notice was given, kept in the box
    revealed: bool = False  # the worked solution (or model derivation) is on the page
    bank_result: Shown | None = None
    #: the problems so far (adaptive draws): an item code, with its form beside it when that
    #: is not forward (``[code, form]``)
    drawn: list[str | list[str]] = field(default_factory=list)
    actions: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def problem_done(self) -> bool:
        if self.run is None:
            return True
        if isinstance(self.run, ProblemRun):
            return self.run.done
        return self.bank_result is not None

    @property
    def over(self) -> bool:
        return self.run is None

    def advance(self) -> bool:
        """Move to the next problem; False when the sitting is over."""
        item = next(self.queue, None)
        self.shown, self.hints, self.actions = [], [], []
        self.notice, self.typed, self.revealed, self.bank_result = "", "", False, None
        if item is None:
            self.run = None
            return False
        self.number += 1
        if isinstance(item, BankItem):
            self.run = self.practice.start_bank(item)
        else:
            self.run = self.practice.start(item)
            self.drawn.append(self.run.code)  # the code names the form
        return True

    def apply(self, action: str, fields: dict[str, str]) -> bool:
        """One answer, hint, skip, reveal or "next" from the page; False when it changes
        nothing (a page from before, a button that is not on the page now)."""
        run = self.run
        if action == "next":
            return self.problem_done and (self.advance() or True)
        if isinstance(run, ProblemRun) and not run.done:
            part = run.part
            assert part is not None
            if fields.get("part") != part.key:  # a page from before: that part is answered
                return False
            if action == "answer":
                self.answer(fields.get(part.key, ""))
            elif action == "hint":
                self.hint()
            elif action in ("skip", "show"):
                self.give_up("skipped" if action == "skip" else "shown")
            else:
                return False
        elif isinstance(run, BankRun) and self.bank_result is None:
            if not self._bank_action(run, action, fields):
                return False
        else:
            return False
        self.actions.append((action, fields))
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
            self.notice, self.typed = f"{error} (not counted; try again)", text
            return
        self.notice, self.typed = "", ""
        words = explain(said.part, said.verdict, index, said.repeated)
        self.shown.append(
            Shown(said.part.key, said.part.label, text.strip(), words.tone, words.text)
        )
        if run.done and not run.all_right:
            self.revealed = True

    def hint(self) -> None:
        assert isinstance(self.run, ProblemRun)
        self.hints.append(self.run.hint())

    def give_up(self, outcome: Outcome) -> None:
        """``skipped`` or ``shown``: the parts left are recorded unanswered; the solution shows."""
        run = self.run
        assert isinstance(run, ProblemRun)
        left = run.solution.parts[run.index :]
        run.give_up(outcome)
        for part in left:
            self.shown.append(Shown(part.key, part.label, "", "skipped", outcome))
        self.notice, self.typed, self.revealed = "", "", True

    def _bank_action(self, run: BankRun, action: str, fields: dict[str, str]) -> bool:
        item = run.item
        if action == "order":
            numbers = read_order(fields.get("order", ""), len(item.order))
            if numbers is None:
                self._unread(fields.get("order", ""), f"type each number 1-{len(item.order)} once")
            else:
                self.order(numbers)
        elif action == "choose":
            letter = fields.get("letter", "").strip().upper()
            if letter not in [o.letter for o in item.options]:
                self._unread("", "choose one of the options")
            else:
                self.choose(letter)
        elif action == "reveal" and item.kind == "derive" and not self.revealed:
            run.reveal()
            self.revealed = True
        elif action == "marks" and self.revealed:
            text = fields.get("marks", "")
            if not text.isdigit() or int(text) > run.total_marks:
                self._unread(text, f"give a whole number from 0 to {run.total_marks}")
            else:
                self.self_mark(int(text))
        else:
            return False
        return True

    def _unread(self, typed: str, notice: str) -> None:
        self.notice, self.typed = f"{notice} (not counted)", typed

    def order(self, numbers: Sequence[int]) -> None:
        run = self.run
        assert isinstance(run, BankRun)
        right = run.order(list(numbers))
        text = "Correct." if right else f"The order is {run.item.right_order}."
        self.bank_result = Shown("order", "order", " ".join(map(str, numbers)), _tone(right), text)
        self.notice, self.typed, self.revealed = "", "", True

    def choose(self, letter: str) -> None:
        run = self.run
        assert isinstance(run, BankRun)
        chosen, right = run.choose(letter)
        why = f" {chosen.why}" if chosen.why else ""
        text = f"Correct.{why}" if chosen.correct else f"The answer is {right.letter}.{why}"
        self.bank_result = Shown("choice", "choice", letter, _tone(chosen.correct), text)
        self.notice, self.typed, self.revealed = "", "", True

    def self_mark(self, marks: int) -> None:
        run = self.run
        assert isinstance(run, BankRun)
        right = run.self_mark(marks)
        text = f"You gave yourself {marks} of {run.total_marks}."
        self.bank_result = Shown("derive", "marks", str(marks), _tone(right), text)
        self.notice, self.typed = "", ""

    def state(self) -> dict[str, Any]:
        """The sitting as data, for the store: ``restore`` makes it again."""
        summary = self.practice.summary
        return {
            "spec": self.spec,
            "title": self.title,
            "total": self.total,
            "session": self.practice.session,
            "number": self.number,
            "over": self.over,
            "drawn": self.drawn,
            "actions": [list(a) for a in self.actions],
            "scores": {t: [s.right, s.asked] for t, s in summary.by_topic.items()},
            "problems": summary.problems,
        }


def answer_action(item: BankItem) -> str:
    """The page action that answers a bank question: ``order``, ``choose`` (an option), or
    ``reveal`` (a derivation, compared with the model one)."""
    return "reveal" if item.kind == "derive" else "order" if item.kind == "order" else "choose"


def _tone(right: bool) -> str:
    return "right" if right else "wrong"


def practice_spec(settings: Settings, seed: int) -> dict[str, Any]:
    return {"kind": "practice", "settings": asdict(settings), "seed": seed}


def _draw(
    spec: dict[str, Any], history: AnyHistory | None, pool: Sequence[BankQuestion]
) -> tuple[Iterator[Problem | BankItem], int, str, str]:
    """(the problems, how many, the title, the history's mode) a spec stands for."""
    kind = spec["kind"]
    if kind == "assigned":
        items = practice_set(
            spec["blueprint"], spec["seed"], spec["student"], spec["name"], spec.get("picks")
        )
        return iter(items), len(items), spec["title"], "assigned"
    if kind == "item":
        code = spec["code"]
        return iter([item_for_code(code, lambda: pool)]), 1, f"Item {code}", "item"
    given = spec["settings"]
    settings = Settings(
        **{
            **given,
            "topics": tuple(given["topics"]),
            "forms": tuple(given.get("forms", ("forward",))),
        }
    )
    seed = spec["seed"]
    if settings.derivations:
        asked = list(bank_questions(pool, settings.topics, settings.count, seed))
        return iter(asked), len(asked), "Derivations", "web"
    problems = quiz_problems(
        settings.topics,
        settings.count,
        seed,
        settings.difficulty,
        history if settings.adaptive else None,
        settings.forms,
    )
    if settings.adaptive:
        return problems, settings.count, "Adaptive practice", "adaptive"
    return problems, settings.count, "Practice", "web"


def item_codes(spec: dict[str, Any], pool: Sequence[BankQuestion]) -> set[str]:
    """The codes of a (finite) sitting's problems, as a paper prints them."""
    from quizgen.exam.item_codes import encode

    queue, _, _, _ = _draw(spec, None, pool)
    return {
        item.code
        if isinstance(item, BankItem)
        else encode(item.topic, item.difficulty or "medium", item.seed or 0, item.form)
        for item in queue
    }


def begin(
    spec: dict[str, Any], history: AnyHistory | None, pool: Sequence[BankQuestion]
) -> Sitting:
    """A new sitting of the problems ``spec`` stands for, on its first problem."""
    queue, total, title, mode = _draw(spec, history, pool)
    sitting = Sitting(Practice(history, mode), queue, total, title, spec)
    sitting.advance()
    return sitting


def _drawn_problem(entry: str | list[str]) -> Problem | BankItem:
    """The problem a ``drawn`` entry stands for: an item code (which names its form), or
    [forward code, form] as sittings saved before codes named forms have it."""
    if isinstance(entry, str):
        return item_for_code(entry, lambda: ())
    code, form = entry
    topic, difficulty, seed = decode(code)[:3]
    return make_problem(topic, seed, difficulty, form)  # type: ignore[arg-type]


def restore(
    state: dict[str, Any], history: AnyHistory | None, pool: Sequence[BankQuestion]
) -> Sitting:
    """The sitting ``state`` describes, on the same problem with the same answers, hints and
    notices on it: the problems drawn again, the actions replayed with nothing recorded."""
    spec = state["spec"]
    queue, total, title, mode = _draw(spec, history, pool)
    if spec["kind"] == "practice" and spec["settings"]["adaptive"]:
        # adaptive draws depend on the history at the time: take the problems drawn then
        seen = [_drawn_problem(entry) for entry in state["drawn"]]
        queue = chain(seen, islice(queue, len(seen), None))
    sitting = Sitting(Practice(None, mode), queue, total, title, spec)
    before = state["number"] if state["over"] else state["number"] - 1
    for _ in range(before):
        next(sitting.queue, None)
    sitting.number = before
    sitting.advance()
    for action, fields in state["actions"]:
        sitting.apply(action, fields)
    sitting.drawn = list(state["drawn"])
    sitting.practice.attach(history, state["session"])
    summary = sitting.practice.summary
    summary.by_topic = {t: Score(right, asked) for t, (right, asked) in state["scores"].items()}
    summary.problems = state["problems"]
    return sitting
