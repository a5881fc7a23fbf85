"""The interactive quiz: one problem at a time, each part checked as it is typed.

A wrong answer is named when it matches a known misconception of the topic; a later part that
follows correctly from the student's own wrong earlier answer is credited as follow-through.
Every attempt goes to the history database as it happens, so quitting, Ctrl-C or the end of
input at any point keeps everything answered so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

from quizgen import topics
from quizgen.core.grading import Verdict, distinct_misconceptions, distinct_pairs, judge
from quizgen.core.latex import answer_text
from quizgen.core.model import Part, Problem, Table
from quizgen.exam.build import BankItem
from quizgen.exam.item_codes import encode
from quizgen.practice.answers import AnswerFormatError, parse
from quizgen.practice.history import Attempt, History
from quizgen.practice.session import hint_ladder, topic_of_section
from quizgen.render.text import INDENT, step_lines
from quizgen.render.unicode_math import inline, to_unicode

HELP = "h hint · s skip · ? solution · q quit"


class Quit(Exception):
    """The student asked to stop."""


@dataclass
class Score:
    right: int = 0
    asked: int = 0


@dataclass
class Summary:
    by_topic: dict[str, Score] = field(default_factory=dict)
    problems: int = 0

    def add(self, topic: str, correct: bool) -> None:
        score = self.by_topic.setdefault(topic, Score())
        score.asked += 1
        score.right += int(correct)


class QuizSession:
    """Runs problems through a console; ``read`` returns a typed line or raises EOFError."""

    def __init__(
        self,
        console: Console,
        read: Callable[[str], str],
        history: History | None,
        mode: str = "quiz",
    ) -> None:
        self.console = console
        self.read = read
        self.history = history
        self.session = history.start_session(mode) if history else 0
        self.summary = Summary()

    def say(self, text: str = "", style: str | None = None) -> None:
        self.console.print(text, style=style, markup=False, highlight=False)

    def run(self, problems: Iterable[Problem | BankItem], total: int | None = None) -> Summary:
        """Ask each problem until the end, a quit, Ctrl-C or the end of input."""
        try:
            for number, problem in enumerate(problems, start=1):
                if isinstance(problem, BankItem):
                    self.ask_bank(problem, number, total)
                else:
                    self.ask(problem, number, total)
        except (Quit, EOFError, KeyboardInterrupt):
            self.say()
            self.say("Stopping here; everything you answered is saved.", "yellow")
        self.show_summary()
        return self.summary

    def ask(self, problem: Problem, number: int = 1, total: int | None = None) -> list[Verdict]:
        """Ask every part of one problem, then show the worked solution unless all was right."""
        topic = topics.get(problem.topic)
        solution = topic.solve(problem.params)
        offered = distinct_misconceptions(topic.misconceptions, problem.params, solution)
        pairs = distinct_pairs(topic, problem.params, solution, offered)
        code = encode(problem.topic, problem.difficulty or "medium", problem.seed or 0)
        of = f" of {total}" if total else ""
        self.console.rule(
            f"Problem {number}{of} · {topic.title} · {problem.difficulty} · {code}", style="cyan"
        )
        stem = topic.stem(problem.params)
        self.say(inline(stem.text))
        if stem.table:
            self.console.print(rich_table(stem.table))
        self.say(f"({HELP})", "dim")
        given: dict[str, Any] = {}
        verdicts: list[Verdict] = []
        ladder = hint_ladder(solution)
        named: set[Any] = set()  # mistakes already explained in this problem
        for index, part in enumerate(solution.parts):
            letter = "abcdefghijklmnopqrstuvwxyz"[index]
            started = time.monotonic()
            hints = 0
            while True:
                text = self.read(f"({letter}) {inline(part.label)}{rounding(part)} = ")
                command = text.strip().lower()
                if command == "q":
                    raise Quit
                if command == "h":
                    hints += 1
                    self.say(f"{INDENT}Hint: {next(ladder, 'no more hints: ? shows all')}", "cyan")
                    continue
                if command in ("s", "?"):
                    outcome = "skipped" if command == "s" else "shown"
                    for later in solution.parts[index:]:  # every part left counts as asked
                        missed = Verdict(False, solution.answer[later.key])
                        self._record(problem, code, later, None, missed, started, hints, outcome)
                        self.summary.add(problem.topic, False)
                        hints = 0
                    self.show_solution(solution)
                    self.summary.problems += 1
                    return verdicts
                try:
                    value = parse(text, part.kind)
                    break
                except AnswerFormatError as error:
                    self.say(f"{INDENT}{error} (not counted; try again)", "yellow")
            followed = topic.follow(problem.params, given)
            verdict = judge(part, value, solution, followed, offered, given, pairs)
            given[part.key] = value
            verdicts.append(verdict)
            self.feedback(part, verdict, index, named)
            named |= {verdict.misconception, verdict.also} - {None}
            self.summary.add(problem.topic, verdict.correct)
            self._record(problem, code, part, text.strip(), verdict, started, hints)
        self.summary.problems += 1
        if all(v.correct and not v.follow_through for v in verdicts):
            self.say("All correct.", "bold green")
        else:
            self.show_solution(solution)
        return verdicts

    def ask_bank(self, item: BankItem, number: int = 1, total: int | None = None) -> bool:
        """Ask a derivation-bank question: order by numbers, fill and choice by letter, derive
        by working it out and marking yourself against the model derivation."""
        topic = topic_of_section(item.bank.section)
        of = f" of {total}" if total else ""
        self.console.rule(f"Question {number}{of} · {item.kind} · {item.code}", style="cyan")
        self.say(inline(item.bank.question.prompt))
        started = time.monotonic()
        if item.kind == "order":
            for k, step in enumerate(item.shown_steps, start=1):
                self.say(f"{INDENT}{k}. {to_unicode(step.formula)}")
            text, correct = self._read_order(item)
            if correct:
                self.say(f"{INDENT}✓ Correct.", "green")
            else:
                self.say(f"{INDENT}✗ The order is {item.right_order}.", "red")
        elif item.options:
            if item.kind == "fill":
                blank = item.bank.question.blank
                for k, step in enumerate(item.bank.steps, start=1):
                    shown = "?" if k == blank else to_unicode(step.formula)
                    self.say(f"{INDENT}{k}. {shown}")
            for option in item.options:
                self.say(f"{INDENT}{option.letter}. {inline(option.text)}")
            text = self._read_letter(item)
            chosen = next(o for o in item.options if o.letter == text)
            right = next(o for o in item.options if o.correct)
            correct = chosen.correct
            if correct:
                self.say(f"{INDENT}✓ Correct. {inline(chosen.why or '')}".rstrip(), "green")
            else:
                why = f" {inline(chosen.why)}" if chosen.why else ""
                self.say(f"{INDENT}✗ The answer is {right.letter}.{why}", "red")
        else:
            self.read("Work it out on paper, then press Enter to see the model derivation: ")
            text, correct = self._self_mark(item)
        if item.kind in ("order", "fill") or not correct:
            self.show_derivation(item)
        self.summary.add(topic, correct)
        self.summary.problems += 1
        if self.history is not None:
            self.history.record(
                self.session,
                Attempt(
                    topic=topic,
                    seed=0,
                    difficulty=item.kind,
                    code=item.code,
                    part=item.kind,
                    answer=text,
                    correct=correct,
                    seconds=round(time.monotonic() - started, 3),
                ),
            )
        return correct

    def _read_order(self, item: BankItem) -> tuple[str, bool]:
        n = len(item.order)
        while True:
            text = self.read(f"order (e.g. {' '.join(str(k) for k in range(n, 0, -1))}) = ")
            if text.strip().lower() == "q":
                raise Quit
            numbers = text.translate(str.maketrans(",()", "   ")).split()
            if sorted(numbers) == sorted(str(k) for k in range(1, n + 1)):
                return " ".join(numbers), item.accepts_order([int(k) for k in numbers])
            self.say(
                f"{INDENT}type each number 1-{n} once, in order (not counted; try again)", "yellow"
            )

    def _read_letter(self, item: BankItem) -> str:
        letters = [o.letter for o in item.options]
        while True:
            text = self.read(f"letter ({', '.join(letters)}) = ").strip().upper()
            if text == "Q":
                raise Quit
            if text in letters:
                return text
            self.say(f"{INDENT}type one of {', '.join(letters)} (not counted; try again)", "yellow")

    def _self_mark(self, item: BankItem) -> tuple[str, bool]:
        self.show_derivation(item)
        total = sum(step.marks for step in item.bank.steps)
        while True:
            text = self.read(f"your marks out of {total} = ").strip()
            if text.lower() == "q":
                raise Quit
            if text.isdigit() and int(text) <= total:
                return f"{text}/{total}", int(text) == total
            self.say(f"{INDENT}type a whole number from 0 to {total}", "yellow")

    def show_derivation(self, item: BankItem) -> None:
        self.say("Model derivation", "bold")
        for k, step in enumerate(item.bank.steps, start=1):
            marks = f"  [{step.marks}]" if item.kind == "derive" else ""
            self.say(f"{INDENT}{k}. {to_unicode(step.formula)}{marks}")
            self.say(f"{INDENT * 2} {inline(step.reason)}", "dim")

    def feedback(
        self, part: Part, verdict: Verdict, index: int, named: set[Any] | None = None
    ) -> None:
        """Say how a part was judged; a mistake already explained in this problem is only
        recalled, not explained again."""
        named = named or set()
        expected = answer_text(verdict.expected, part.precision)
        if verdict.correct and verdict.follow_through:
            self.say(
                f"{INDENT}✓ Consistent with your earlier answer"
                f"{'s' if index > 1 else ''}, which {'were' if index > 1 else 'was'} wrong: "
                f"credit for this step (follow-through). From the right values it is {expected}.",
                "green",
            )
        elif verdict.correct:
            self.say(f"{INDENT}✓ Correct.", "green")
        elif verdict.too_coarse:
            places = part.precision.decimals
            self.say(
                f"{INDENT}✗ Right, but rounded too coarsely: give {places} decimal places, "
                f"{expected}.",
                "red",
            )
        else:
            where = f" Off at {', '.join(verdict.wrong)}." if verdict.wrong else ""
            m, also = verdict.misconception, verdict.also
            why = f" It looks like you {m.label}: {m.explanation}" if m else ""
            if m and not also and m in named:
                why = f" The same mistake again: you {m.label}."
            if m and also:
                why = (
                    f" It looks like two mistakes at once: you {m.label} ({m.explanation}) "
                    f"and you {also.label} ({also.explanation})"
                )
            self.say(f"{INDENT}✗ The answer is {expected}.{where}{why}", "red")

    def show_solution(self, solution: Any) -> None:
        self.say("Worked solution", "bold")
        for line in step_lines(solution, with_table=False):
            self.say(line)
        if solution.table:
            self.console.print(rich_table(solution.table))

    def show_summary(self) -> None:
        if not self.summary.by_topic:
            self.say("No answers this time.")
            return
        table = RichTable(title="Score by topic")
        for column in ("topic", "right", "asked", "score"):
            table.add_column(column, justify="left" if column == "topic" else "right")
        for name, score in self.summary.by_topic.items():
            table.add_row(
                name, str(score.right), str(score.asked), f"{100 * score.right / score.asked:.0f} %"
            )
        right = sum(s.right for s in self.summary.by_topic.values())
        asked = sum(s.asked for s in self.summary.by_topic.values())
        table.add_row("all", str(right), str(asked), f"{100 * right / asked:.0f} %", style="bold")
        self.console.print(table)

    def _record(
        self,
        problem: Problem,
        code: str,
        part: Part,
        answer: str | None,
        verdict: Verdict,
        started: float,
        hints: int,
        outcome: str = "answered",
    ) -> None:
        if self.history is None:
            return
        self.history.record(
            self.session,
            Attempt(
                topic=problem.topic,
                seed=problem.seed or 0,
                difficulty=problem.difficulty or "",
                code=code,
                part=part.key,
                answer=answer,
                correct=verdict.correct,
                seconds=round(time.monotonic() - started, 3),
                follow_through=verdict.follow_through,
                misconception=verdict.misconception.label if verdict.misconception else None,
                hints=hints,
                outcome=outcome,
            ),
        )


def rounding(part: Part) -> str:
    """How to round, as the prompt says it: " (to 3 decimal places)", or nothing if exact."""
    places = part.precision.decimals
    if part.precision.exact:
        return ""
    return f" (to {places} decimal place{'s' if places != 1 else ''})"


def rich_table(table: Table) -> RichTable:
    """A stem or solution table (truth table, trace, shapes) as a rich table, math in Unicode."""
    out = RichTable(header_style="bold")
    for cell in table.header:
        out.add_column(inline(cell), justify="right")
    for row in table.rows:
        out.add_row(*(inline(cell) for cell in row))
    return out
