"""Problems from seeds, records in and out: the library behind ``generate`` and ``solve``.

A record is the public JSON form of a problem (see README, "Problem records"): ``schema``,
``topic``, ``seed``, ``difficulty``, ``code``, ``params`` and ``answer``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from quizgen import topics
from quizgen.core.errors import QuizgenError
from quizgen.core.model import Difficulty, Form, Problem, Solution
from quizgen.core.params import plain
from quizgen.core.seeds import child_seed, rng_for
from quizgen.exam import item_codes

SCHEMA = "quizgen.problem/1"
#: Redraws tried before a repeated problem is let through (only tiny problem spaces run out).
MAX_REDRAWS = 50


def make_problem(topic: str, seed: int, difficulty: Difficulty, form: Form = "forward") -> Problem:
    """The problem that ``seed`` draws for ``topic`` in ``form`` at ``difficulty``: always the
    same one."""
    params = topics.get(topic, form).generate(rng_for(seed), difficulty)
    return Problem(topic=topic, params=params, seed=seed, difficulty=difficulty, form=form)


def generate(
    topic_names: Sequence[str], count: int, seed: int, difficulty: Difficulty
) -> Iterator[Problem]:
    """``count`` problems per topic; problem i of topic T has the child seed (seed, T, i), so
    adding topics or raising the count never changes the problems already there. A draw that
    repeats an earlier problem of the set is replaced by a redraw from (seed, T, i, k)."""
    for name in topic_names:
        topics.get(name)
    for name in topic_names:
        seen: set[str] = set()
        for index in range(count):
            problem = make_problem(name, child_seed(seed, name, index), difficulty)
            for redraw in range(1, MAX_REDRAWS + 1):
                if fingerprint(problem) not in seen:
                    break
                problem = make_problem(name, child_seed(seed, name, index, redraw), difficulty)
            seen.add(fingerprint(problem))
            yield problem


def fingerprint(problem: Problem) -> str:
    """A problem's identity: its topic and its params, canonically written."""
    return problem.topic + json.dumps(problem.params.to_record(), sort_keys=True)


def item_code(problem: Problem) -> str | None:
    """The item code that regenerates ``problem``, or None when none does: no seed or
    difficulty, or params that are not what the seed draws (a hand-written record)."""
    seed, difficulty = problem.seed, problem.difficulty
    if seed is None or difficulty is None or not 0 <= seed < 32**item_codes.LENGTH:
        return None
    if fingerprint(make_problem(problem.topic, seed, difficulty)) != fingerprint(problem):
        return None
    return item_codes.encode(problem.topic, difficulty, seed)


def solve(problem: Problem) -> Solution:
    return topics.get(problem.topic, problem.form).solve(problem.params)


def to_record(problem: Problem, solution: Solution) -> dict[str, Any]:
    """The contract's record for a solved problem."""
    record: dict[str, Any] = {"schema": SCHEMA, "topic": problem.topic}
    if problem.seed is not None:
        record["seed"] = problem.seed
    if problem.difficulty is not None:
        record["difficulty"] = problem.difficulty
    code = item_code(problem)
    if code is not None:
        record["code"] = code
    record["params"] = problem.params.to_record()
    record["answer"] = plain(dict(solution.answer))
    return record


@dataclass(frozen=True)
class Solved:
    """One input record (as given), the problem read from it and its solution."""

    where: str
    record: dict[str, Any]
    problem: Problem
    solution: Solution

    def output_record(self) -> dict[str, Any]:
        """The input record with its answer and item code filled in (other fields kept as
        they were; a ``code`` that does not regenerate these params is dropped)."""
        record = {"schema": SCHEMA, **self.record}
        code = item_code(self.problem)
        if code is None:
            record.pop("code", None)
        else:
            record["code"] = code
        record["answer"] = plain(dict(self.solution.answer))
        return record


@dataclass(frozen=True)
class RecordError:
    """Why one input record could not be solved; ``where`` names it (``record 3``)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def problem_from_record(record: Any) -> Problem:
    """A problem from a record's ``topic`` and ``params`` (``answer``, if present, is ignored)."""
    if not isinstance(record, dict):
        raise QuizgenError(f"expected a mapping with topic and params, got {type(record).__name__}")
    for required in ("topic", "params"):
        if required not in record:
            raise QuizgenError(f"field {required}: missing")
    if not isinstance(record["topic"], str):
        raise QuizgenError("field topic: must be a string")
    topic = topics.get(record["topic"])
    difficulty = record.get("difficulty")
    seed = record.get("seed")
    return Problem(
        topic=topic.name,
        params=topic.parse(record["params"]),
        seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        difficulty=difficulty if difficulty in ("easy", "medium", "hard") else None,
    )


def solve_records(records: Iterable[tuple[str, Any]]) -> Iterator[Solved | RecordError]:
    """Solve each (label, record); a bad record yields a RecordError and the rest go on.
    A record may be a QuizgenError already (a line that did not parse)."""
    for where, record in records:
        try:
            if isinstance(record, QuizgenError):
                raise record
            problem = problem_from_record(record)
            yield Solved(where, record, problem, solve(problem))
        except QuizgenError as exc:
            yield RecordError(where, str(exc))
