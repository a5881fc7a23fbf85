"""Every problem a topic can draw at a difficulty, listed by running its generator on every
answer its random draws can give.

A class larger than a topic's pool (sigmoid at medium has 16 problems) makes every later draw
look through all of its redraws for the least-used one. Knowing the whole pool lets a draw stop
at the first redraw used as little as any problem of the pool, which is the one the full search
picks. Only generators that draw integers (``rng.integers(n)``, ``rng.integers(lo, hi)``, as
:mod:`quizgen.core.draw` does) over a small tree of answers can be listed; any other draw, a
run that fails (a form that draws another topic's problem retries it on the same scripted
answers), or a tree past :data:`MAX_RUNS` leaves the pool unlisted and the draws search as
before.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from quizgen import topics
from quizgen.core.model import Difficulty, Form, Problem
from quizgen.exam.problems import fingerprint

#: runs of a generator tried before its pool is taken to be too large to list
MAX_RUNS = 5000


class _Unlistable(Exception):
    """The generator drew something other than a scalar integer."""


class _ScriptedDraws:
    """Stands in for a ``numpy.random.Generator``: answers the k-th ``integers`` call with
    ``script[k]`` (its lowest value past the script) and records every call's range."""

    def __init__(self, script: list[int]) -> None:
        self.script = script
        self.answers: list[int] = []
        self.sizes: list[int] = []

    def integers(self, low: Any, high: Any = None, *args: Any, **kwargs: Any) -> np.int64:
        if args or kwargs:
            raise _Unlistable
        lo, hi = (0, int(low)) if high is None else (int(low), int(high))
        if hi <= lo:
            raise _Unlistable
        answer = self.script[len(self.answers)] if len(self.answers) < len(self.script) else 0
        self.answers.append(answer)
        self.sizes.append(hi - lo)
        return np.int64(lo + answer)

    def __getattr__(self, name: str) -> Any:
        raise _Unlistable


@cache
def listed_pool(topic: str, form: Form, difficulty: Difficulty) -> frozenset[str] | None:
    """The fingerprints of every problem ``topic`` in ``form`` can draw at ``difficulty`` (a
    superset of those any seed draws: a draw the topic would refuse for repeating an answer is
    kept), or None when the generator cannot be listed."""
    generate = topics.get(topic, form).computes.generate
    found: set[str] = set()
    script: list[int] = []
    for _ in range(MAX_RUNS):
        draws = _ScriptedDraws(script)
        try:
            params = generate(draws, difficulty)  # type: ignore[arg-type]
            found.add(fingerprint(Problem(topic, params, None, difficulty, form)))
        except topics.Degenerate:
            pass
        except Exception:  # _Unlistable, or a generator that fails on scripted answers
            return None
        script = _next_script(draws.answers, draws.sizes)
        if not script:
            return frozenset(found)
    return None


def _next_script(answers: list[int], sizes: list[int]) -> list[int]:
    """The answers of the next run in depth-first order ([] after the last): the last call
    that has a higher answer left takes it, and the calls after it start again."""
    while answers and answers[-1] + 1 >= sizes[-1]:
        answers, sizes = answers[:-1], sizes[:-1]
    return [*answers[:-1], answers[-1] + 1] if answers else []
