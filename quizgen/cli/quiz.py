"""The terminal quiz: one problem at a time, each part checked as it is typed.

A wrong answer is named when it matches a known misconception of the topic; a later part that
follows correctly from the student's own wrong earlier answer is credited as follow-through.
Every attempt goes to the history database as it happens, so quitting, Ctrl-C or the end of
input at any point keeps everything answered so far.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable
from typing_extensions import assert_never

from quizgen.core.grading import Verdict
from quizgen.core.model import Part, Problem, Table, part_letter
from quizgen.exam.banks import Choice as BankChoice
from quizgen.exam.banks import Derive, Fill, Order
from quizgen.exam.model import BankItem
from quizgen.practice.answers import AnswerFormatError, read_order
from quizgen.practice.engine import BankRun, Practice, Summary
from quizgen.practice.feedback import explain, rounding
from quizgen.practice.history import History
from quizgen.render.text import INDENT, numbered_steps, step_lines
from quizgen.render.unicode_math import inline, to_unicode

HELP = "h hint · s skip · ? solution · q quit"


class Quit(Exception):
    """The student asked to stop."""


class QuizSession:
    """The terminal face of a practice session: it asks and prints, the engine
    (``quizgen.practice.engine``) judges, hints, scores and records. ``read`` returns a typed
    line or raises EOFError."""

    def __init__(
        self,
        console: Console,
        read: Callable[[str], str],
        history: History | None,
        mode: str = "quiz",
    ) -> None:
        self.console = console
        self.read = read
        self.practice = Practice(history, mode)

    @property
    def summary(self) -> Summary:
        return self.practice.summary

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
        run = self.practice.start(problem)
        of = f" of {total}" if total else ""
        form = "" if problem.form == "forward" else f" · {problem.form}"
        self.console.rule(
            f"Problem {number}{of} · {run.topic.title}{form} · {problem.difficulty} · {run.code}",
            style="cyan",
        )
        stem = run.topic.stem(problem.params)
        self.say(inline(stem.text))
        if stem.table:
            self.console.print(rich_table(stem.table))
        if stem.worked:
            for line in numbered_steps(stem.worked, "Step "):
                self.say(line)
        self.say(f"({HELP})", "dim")
        while (part := run.part) is not None:
            letter = part_letter(run.index)
            text = self.read(f"({letter}) {inline(part.label)}{rounding(part)} = ")
            command = text.strip().lower()
            if command == "q":
                raise Quit
            if command == "h":
                self.say(f"{INDENT}Hint: {run.hint()}", "cyan")
                continue
            if command in ("s", "?"):
                run.give_up("skipped" if command == "s" else "shown")
                self.show_solution(run.solution)
                return run.verdicts
            try:
                said = run.answer(text)
            except AnswerFormatError as error:
                self.say(f"{INDENT}{error} (not counted; try again)", "yellow")
                continue
            self.feedback(said.part, said.verdict, run.index - 1, said.repeated)
        if run.all_right:
            self.say("All correct.", "bold green")
        else:
            self.show_solution(run.solution)
        return run.verdicts

    def ask_bank(self, item: BankItem, number: int = 1, total: int | None = None) -> bool:
        """Ask a derivation-bank question: order by numbers, fill and choice by letter, derive
        by working it out and marking yourself against the model derivation."""
        run = self.practice.start_bank(item)
        of = f" of {total}" if total else ""
        self.console.rule(f"Question {number}{of} · {item.kind} · {item.code}", style="cyan")
        question = item.bank.question
        self.say(inline(question.prompt))
        match question:
            case Derive():
                self.read("Work it out on paper, then press Enter to see the model derivation: ")
                self.show_derivation(item)
                return run.self_mark(self._read_marks(run.total_marks))  # shown before marking
            case Order():
                correct = self._ask_order(item, run)
                self.show_derivation(item)
            case Fill():
                for k, step in enumerate(item.bank.steps, start=1):
                    shown = "?" if k == question.blank else to_unicode(step.formula)
                    self.say(f"{INDENT}{k}. {shown}")
                correct = self._ask_option(item, run)
                self.show_derivation(item)
            case BankChoice():
                correct = self._ask_option(item, run)
                if not correct:
                    self.show_derivation(item)
            case unknown:
                assert_never(unknown)
        return correct

    def _ask_order(self, item: BankItem, run: BankRun) -> bool:
        for k, step in enumerate(item.shown_steps, start=1):
            self.say(f"{INDENT}{k}. {to_unicode(step.formula)}")
        correct = run.order(self._read_order(item))
        if correct:
            self.say(f"{INDENT}✓ Correct.", "green")
        else:
            self.say(f"{INDENT}✗ The order is {item.right_order}.", "red")
        return correct

    def _ask_option(self, item: BankItem, run: BankRun) -> bool:
        for option in item.options:
            self.say(f"{INDENT}{option.letter}. {inline(option.text)}")
        chosen, right = run.choose(self._read_letter(item))
        if chosen.correct:
            self.say(f"{INDENT}✓ Correct. {inline(chosen.why or '')}".rstrip(), "green")
        else:
            why = f" {inline(chosen.why)}" if chosen.why else ""
            self.say(f"{INDENT}✗ The answer is {right.letter}.{why}", "red")
        return chosen.correct

    def _read_order(self, item: BankItem) -> list[int]:
        n = len(item.order)
        while True:
            text = self.read(f"order (e.g. {' '.join(str(k) for k in range(n, 0, -1))}) = ")
            if text.strip().lower() == "q":
                raise Quit
            numbers = read_order(text, n)
            if numbers is not None:
                return numbers
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

    def _read_marks(self, total: int) -> int:
        while True:
            text = self.read(f"your marks out of {total} = ").strip()
            if text.lower() == "q":
                raise Quit
            if text.isdigit() and int(text) <= total:
                return int(text)
            self.say(f"{INDENT}type a whole number from 0 to {total}", "yellow")

    def show_derivation(self, item: BankItem) -> None:
        """The question's model derivation; nothing (not even the heading) when it has none, as
        a choice question may not."""
        if not item.bank.steps:
            return
        self.say("Model derivation", "bold")
        for k, step in enumerate(item.bank.steps, start=1):
            marks = f"  [{step.marks}]" if item.kind == "derive" else ""
            self.say(f"{INDENT}{k}. {to_unicode(step.formula)}{marks}")
            self.say(f"{INDENT * 2} {inline(step.reason)}", "dim")

    def feedback(self, part: Part, verdict: Verdict, index: int, repeated: bool = False) -> None:
        """Say how a part was judged (the words are the engine's; the colour is ours)."""
        said = explain(part, verdict, index, repeated)
        mark = "✓" if said.right else "✗"
        self.say(f"{INDENT}{mark} {inline(said.text)}", "green" if said.right else "red")

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


def rich_table(table: Table) -> RichTable:
    """A stem or solution table (truth table, trace, shapes) as a rich table, math in Unicode:
    columns of numbers right-aligned, columns of words (a layer's description) left-aligned."""
    rows = [[inline(cell) for cell in row] for row in table.rows]
    out = RichTable(header_style="bold")
    for index, cell in enumerate(table.header):
        numeric = all(_NUMBER.fullmatch(row[index]) for row in rows if index < len(row))
        out.add_column(inline(cell), justify="right" if numeric else "left")
    for row in rows:
        out.add_row(*row)
    return out


#: a number, a signed number or a vector of them, as a table cell holds it in the terminal
_NUMBER = re.compile(r"[-+−]?[\d.,\s\[\]()+−-]*")
