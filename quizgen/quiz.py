"""The interactive quiz: one problem at a time, each part checked as it is typed.

A wrong answer is named when it matches a known misconception of the topic; a later part that
follows correctly from the student's own wrong earlier answer is credited as follow-through.
Every attempt goes to the history database as it happens, so quitting, Ctrl-C or the end of
input at any point keeps everything answered so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

from quizgen import adaptive, topics
from quizgen.answers import AnswerFormatError, parse
from quizgen.grading import Verdict, distinct_misconceptions, judge
from quizgen.history import Attempt, History
from quizgen.item_codes import encode
from quizgen.latex import answer_text
from quizgen.model import Difficulty, Part, Problem
from quizgen.problems import make_problem
from quizgen.render.text import INDENT, stem_lines, step_lines
from quizgen.render.unicode_math import inline
from quizgen.seeds import child_seed, rng_for

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

    def run(self, problems: Iterable[Problem], total: int | None = None) -> Summary:
        """Ask each problem until the end, a quit, Ctrl-C or the end of input."""
        try:
            for number, problem in enumerate(problems, start=1):
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
        code = encode(problem.topic, problem.difficulty or "medium", problem.seed or 0)
        of = f" of {total}" if total else ""
        self.console.rule(
            f"Problem {number}{of} · {topic.title} · {problem.difficulty} · {code}", style="cyan"
        )
        for line in stem_lines(topic.stem(problem.params)):
            self.say(line)
        self.say(f"({HELP})", "dim")
        given: dict[str, Any] = {}
        verdicts: list[Verdict] = []
        hinted = False
        for index, part in enumerate(solution.parts):
            letter = "abcdefghijklmnopqrstuvwxyz"[index]
            started = time.monotonic()
            while True:
                text = self.read(f"({letter}) {inline(part.label)} = ")
                command = text.strip().lower()
                if command == "q":
                    raise Quit
                if command == "h":
                    hinted = True
                    self.hint(solution)
                    continue
                if command in ("s", "?"):
                    self._record(problem, code, part, None, Verdict(False, None), started, hinted)
                    for _ in solution.parts[index:]:
                        self.summary.add(problem.topic, False)
                    self.show_solution(solution)
                    self.summary.problems += 1
                    return verdicts
                try:
                    value = parse(text, part.kind)
                    break
                except AnswerFormatError as error:
                    self.say(f"{INDENT}{error} (not counted; try again)", "yellow")
            followed = topic.follow(problem.params, given)
            verdict = judge(part, value, solution, followed, offered)
            given[part.key] = value
            verdicts.append(verdict)
            self.feedback(part, verdict, index)
            self.summary.add(problem.topic, verdict.correct)
            self._record(problem, code, part, text.strip(), verdict, started, hinted)
        self.summary.problems += 1
        if all(v.correct and not v.follow_through for v in verdicts):
            self.say("All correct.", "bold green")
        else:
            self.show_solution(solution)
        return verdicts

    def feedback(self, part: Part, verdict: Verdict, index: int) -> None:
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
        elif verdict.misconception:
            m = verdict.misconception
            self.say(
                f"{INDENT}✗ The answer is {expected}. It looks like you {m.label}: {m.explanation}",
                "red",
            )
        else:
            self.say(f"{INDENT}✗ The answer is {expected}.", "red")

    def hint(self, solution: Any) -> None:
        self.say(f"{INDENT}Hint: work through these steps:", "cyan")
        for index, step in enumerate(solution.steps, start=1):
            self.say(f"{INDENT * 2}{index}. {inline(step.title)}", "cyan")

    def show_solution(self, solution: Any) -> None:
        self.say("Worked solution", "bold")
        for line in step_lines(solution):
            self.say(line)

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
        hint: bool,
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
                hint=hint,
            ),
        )


def quiz_problems(
    names: Sequence[str],
    count: int,
    seed: int,
    difficulty: Difficulty,
    history: History | None = None,
) -> Iterator[Problem]:
    """The session's problems, drawn lazily: problem i has the child seed (seed, "quiz", i);
    the topic is drawn from the session seed, or adaptively when a history is given."""
    rng = rng_for(child_seed(seed, "quiz", "topics"))
    for index in range(count):
        if history is not None:
            topic, level = adaptive.pick(rng, names, history)
        else:
            topic, level = names[int(rng.integers(len(names)))], difficulty
        yield make_problem(topic, child_seed(seed, "quiz", index), level)
