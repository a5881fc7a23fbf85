"""The topic contract as types: what a topic module must define, and what it may.

A module is checked against :class:`TopicModule` when the registry loads it (the names it lacks
are reported), and a type checker checks any module assigned to a ``TopicModule`` variable. The
optional parts are protocols of their own, so that code using one says which it needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from quizgen.core.model import Difficulty, Misconception, Part, Stem, Step, Table
from quizgen.core.params import ParamsModel


@runtime_checkable
class TopicModule(Protocol):
    """The required parts of a topic module (see quizgen/topics/__init__.py for their roles)."""

    CODE: str
    TITLE: str
    SECTION: int
    DESCRIPTION: str
    Params: type[ParamsModel]
    MISCONCEPTIONS: Sequence[Misconception]

    def generate(self, rng: np.random.Generator, difficulty: Difficulty, /) -> Any: ...

    def solve(self, params: Any, /) -> dict[str, Any]: ...

    def parts(self, params: Any, /) -> Sequence[Part]: ...

    def steps(self, params: Any, answer: Any, /) -> Sequence[Step]: ...

    def stem(self, params: Any, /) -> Stem: ...


@runtime_checkable
class FormModule(Protocol):
    """A form of a topic other than ``forward`` (``quizgen/topics/<topic>/<form>.py``): the
    computing parts of a topic, for its own question. The topic's ``CODE``, ``TITLE`` and
    ``SECTION`` stand for it; ``DESCRIPTION`` says in one line what this form asks. The optional
    parts of a topic (``follow``, ``table``, ``solve_with``, ``computation``) are optional here."""

    DESCRIPTION: str
    Params: type[ParamsModel]
    MISCONCEPTIONS: Sequence[Misconception]

    def generate(self, rng: np.random.Generator, difficulty: Difficulty, /) -> Any: ...

    def solve(self, params: Any, /) -> dict[str, Any]: ...

    def parts(self, params: Any, /) -> Sequence[Part]: ...

    def steps(self, params: Any, answer: Any, /) -> Sequence[Step]: ...

    def stem(self, params: Any, /) -> Stem: ...


@runtime_checkable
class HasSectionTitle(Protocol):
    """A topic whose guide section has a title of its own (the key's and ``quizgen topics``'
    heading for the section); without one the topic's ``TITLE`` stands for it."""

    SECTION_TITLE: str


@runtime_checkable
class FollowsThrough(Protocol):
    """Later parts recomputed from a student's own earlier answers (follow-through marking)."""

    def follow(self, params: Any, given: dict[str, Any], /) -> Mapping[str, Any]: ...


@runtime_checkable
class HasTable(Protocol):
    """A summary table for the key (a trace, a shape table)."""

    def table(self, params: Any, answer: Any, /) -> Table: ...


@runtime_checkable
class SolvesWith(Protocol):
    """The answer with mistakes' switches set, so that two mistakes combine."""

    def solve_with(self, params: Any, /, **switches: Any) -> dict[str, Any]: ...


def missing_parts(module: object, contract: type = TopicModule) -> list[str]:
    """The required names a module lacks (empty when it is a topic module, or a form module
    for ``contract=FormModule``)."""
    required = [*contract.__annotations__, "generate", "solve", "parts", "steps", "stem"]
    return [name for name in required if not hasattr(module, name)]
