"""Problems from seeds, records in and out: the library behind ``generate`` and ``solve``.

A record is the public JSON form of a problem (see README, "Problem records"): ``schema``,
``topic``, ``form`` (only when not ``forward``), ``seed``, ``difficulty``, ``code``, ``params``
and ``answer``.
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
    topic_names: Sequence[str],
    count: int,
    seed: int,
    difficulty: Difficulty,
    form: Form = "forward",
) -> Iterator[Problem]:
    """``count`` problems per topic asked in ``form``; problem i of topic T has the child seed
    (seed, T, i), or (seed, T, form, i) for a form other than forward, so adding topics or
    forms or raising the count never changes the problems already there. A draw that repeats
    an earlier problem of the set is replaced by a redraw from (that seed's keys, k)."""
    for name in topic_names:
        topics.get(name, form)
    keys: tuple[str, ...] = () if form == "forward" else (form,)
    for name in topic_names:
        seen: set[str] = set()
        for index in range(count):
            problem = make_problem(name, child_seed(seed, name, *keys, index), difficulty, form)
            for redraw in range(1, MAX_REDRAWS + 1):
                if fingerprint(problem) not in seen:
                    break
                again = child_seed(seed, name, *keys, index, redraw)
                problem = make_problem(name, again, difficulty, form)
            seen.add(fingerprint(problem))
            yield problem


def fingerprint(problem: Problem) -> str:
    """A problem's identity: its topic, its form (when not forward) and its params,
    canonically written."""
    form = "" if problem.form == "forward" else f"/{problem.form}"
    return problem.topic + form + json.dumps(problem.params.to_record(), sort_keys=True)


def item_code(problem: Problem) -> str | None:
    """The item code that regenerates ``problem``, or None when none does: no seed or
    difficulty, or params that are not what the seed draws (a hand-written record)."""
    seed, difficulty = problem.seed, problem.difficulty
    if seed is None or difficulty is None or not 0 <= seed < 32**item_codes.LENGTH:
        return None
    drawn = make_problem(problem.topic, seed, difficulty, problem.form)
    if fingerprint(drawn) != fingerprint(problem):
        return None
    return item_codes.encode(problem.topic, difficulty, seed, problem.form)


def problem_for_code(code: str) -> Problem:
    """The problem an item code names, in its form (a QuizgenError saying why for a code that
    is not one)."""
    named = item_codes.decode(code)
    return make_problem(named.topic, named.seed, named.difficulty, named.form)


def solve(problem: Problem) -> Solution:
    return topics.get(problem.topic, problem.form).solve(problem.params)


def to_record(problem: Problem, solution: Solution) -> dict[str, Any]:
    """The contract's record for a solved problem."""
    record: dict[str, Any] = {"schema": SCHEMA, "topic": problem.topic}
    if problem.form != "forward":
        record["form"] = problem.form
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
    """A problem from a record's ``topic``, ``form`` (default ``forward``) and ``params``
    (``answer``, if present, is ignored)."""
    if not isinstance(record, dict):
        raise QuizgenError(f"expected a mapping with topic and params, got {type(record).__name__}")
    for required in ("topic", "params"):
        if required not in record:
            raise QuizgenError(f"field {required}: missing")
    if not isinstance(record["topic"], str):
        raise QuizgenError("field topic: must be a string")
    topic = topics.get(record["topic"])
    form = record.get("form", "forward")
    if not isinstance(form, str) or form not in topic.forms:
        raise QuizgenError(
            f'field form: topic "{topic.name}" has no form {json.dumps(form, default=str)}; '
            f"its forms: {', '.join(topic.forms)}"
        )
    topic = topic.with_form(form)
    difficulty = record.get("difficulty")
    seed = record.get("seed")
    return Problem(
        topic=topic.name,
        params=topic.parse(record["params"]),
        seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        difficulty=difficulty if difficulty in ("easy", "medium", "hard") else None,
        form=topic.form,
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
