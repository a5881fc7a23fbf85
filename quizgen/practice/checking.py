"""Checking typed answers to a problem, part by part, as the quiz does, with no UI: the terminal,
``quizgen check --format json``, the web face and class marking all call this."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from quizgen.core.errors import QuizgenError
from quizgen.core.grading import (
    Verdict,
    distinct_misconceptions,
    distinct_pairs,
    judge,
)
from quizgen.core.model import Misconception, Part, Solution, VerdictWord
from quizgen.core.mutation import Deferred

Explained = Sequence[tuple[Misconception, Mapping[str, Any]]]


class KnownMistakes(NamedTuple):
    """What a wrong answer to a problem is held against: the listed mistakes that give an
    answer of their own (``offered``), two of them made at once (``pairs``) and the edits of
    the worked solution (``edits``). The pairs and the edits are searched only when an answer
    needs them: a right answer, or one a single listed mistake explains, never pays for them."""

    offered: Explained
    pairs: Sequence[tuple[tuple[Misconception, Misconception], Mapping[str, Any]]]
    edits: Explained


def known_mistakes(topic: Any, params: Any, solution: Solution) -> KnownMistakes:
    """The quiz's, the site's, ``check``'s and class marking's mistakes for one problem."""
    offered = distinct_misconceptions(topic.misconceptions, params, solution)
    pairs = Deferred(lambda: distinct_pairs(topic, params, solution, offered))
    return KnownMistakes(offered, pairs, topic.edit_mistakes(params, solution, offered))


@dataclass(frozen=True)
class PartCheck:
    """One typed answer to one part, judged: what a script or a marker needs to know."""

    part: Part
    typed: str | None
    expected: Any
    verdict: Verdict | None  # None: nothing typed, or not readable as a number of that kind
    problem: str = ""  # why the typed text could not be read

    @property
    def word(self) -> VerdictWord:
        """The verdict in one word: correct, follow-through, wrong, unreadable or missing."""
        if self.verdict is None:
            return "unreadable" if self.typed else "missing"
        if self.verdict.correct:
            return "follow-through" if self.verdict.follow_through else "correct"
        return "wrong"

    def record(self) -> dict[str, Any]:
        """As JSON: the verdict in one word, the expected value, the mistake named."""
        verdict = self.verdict
        mistake = verdict.misconception if verdict else None
        return {
            "part": self.part.key,
            "given": self.typed,
            "verdict": self.word,
            "expected": self.expected,
            "follow_through": bool(verdict and verdict.follow_through),
            "rounded_too_coarsely": bool(verdict and verdict.too_coarse),
            "wrong_entries": list(verdict.wrong) if verdict else [],
            "misconception": _mistake_record(mistake),
            "also": _mistake_record(verdict.also if verdict else None),
            **({"problem": self.problem} if self.problem else {}),
        }


def _mistake_record(mistake: Misconception | None) -> dict[str, Any] | None:
    """A named mistake as JSON; one found by editing the computation says each edit as data."""
    if mistake is None:
        return None
    return {
        "id": mistake.id,
        "label": mistake.label,
        "explanation": mistake.explanation,
        "edits": [edit.record() for edit in mistake.edits],
    }


def check_typed(problem: Any, typed: Sequence[str]) -> list[PartCheck]:
    """Judge one typed answer per part of ``problem`` in order, with follow-through from the
    earlier answers and the known mistakes named, as the quiz does; parts with no answer are
    missing. No UI: the terminal, scripts and class marking share it."""
    from quizgen import topics
    from quizgen.practice.answers import AnswerFormatError, parse

    topic = topics.get(problem.topic, problem.form)
    solution = topic.solve(problem.params)
    offered, pairs, edits = known_mistakes(topic, problem.params, solution)
    given: dict[str, Any] = {}
    checks = []
    for index, part in enumerate(solution.parts):
        text = typed[index].strip() if index < len(typed) else None
        expected = solution.answer[part.key]
        if not text:
            checks.append(PartCheck(part, None, expected, None))
            continue
        try:
            value = parse(text, part.kind)
        except AnswerFormatError as error:
            checks.append(PartCheck(part, text, expected, None, str(error)))
            continue
        followed = topic.follow(problem.params, given, solution.answer)
        verdict = judge(part, value, solution, followed, offered, given, pairs, edits)
        given[part.key] = value
        checks.append(PartCheck(part, text, expected, verdict))
    return checks


def check_report(code: str, problem: Any, typed: Sequence[str]) -> dict[str, Any]:
    """``check --format json``'s record: the problem behind ``code`` (topic, form, difficulty,
    seed) and one verdict per part, each with its expected value as a paper shows it, and the
    problem's own record (topic, form, difficulty, params, answer, code) for scripts that
    recompute a key from a paper."""
    from quizgen.core.latex import answer_text
    from quizgen.exam.problems import solve, to_record

    parts = []
    for check in check_typed(problem, typed):
        record = check.record()
        record["expected_shown"] = answer_text(check.expected, check.part.precision)
        parts.append(record)
    right = sum(p["verdict"] in ("correct", "follow-through") for p in parts)
    return {
        "code": code,
        "topic": problem.topic,
        "form": problem.form,
        "difficulty": problem.difficulty,
        "seed": problem.seed,
        "parts": parts,
        "right": right,
        "of": len(parts),
        "record": to_record(problem, solve(problem)),
    }


def require_an_answer_per_part(code: str, problem: Any, typed: Sequence[str]) -> None:
    """Answers given at once come one per part: fewer is a slip to point out, not a wrong part
    to judge."""
    from quizgen import topics
    from quizgen.render.wording import counted

    parts = len(topics.get(problem.topic, problem.form).solve(problem.params).parts)
    if len(typed) < parts:
        given = "1 answer was" if len(typed) == 1 else f"{len(typed)} answers were"
        raise QuizgenError(
            f"{code} has {counted(parts, 'part')} and {given} given: give one answer per part, "
            "in order (or none, to be asked)"
        )
