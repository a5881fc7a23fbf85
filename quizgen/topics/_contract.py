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
class FormModule(Protocol):
    """What computes a question: a topic module's ``forward`` part, and each other form of a
    topic (``quizgen/topics/<topic>/<form>.py``), whose topic's ``CODE``, ``TITLE`` and
    ``SECTION`` stand for it. ``DESCRIPTION`` says in one line what it asks. The optional parts
    (``follow``, ``table``, ``solve_with``, ``computation``) are optional for forms too."""

    DESCRIPTION: str
    Params: type[ParamsModel]
    MISCONCEPTIONS: Sequence[Misconception]

    def generate(self, rng: np.random.Generator, difficulty: Difficulty, /) -> Any: ...

    def solve(self, params: Any, /) -> dict[str, Any]: ...

    def parts(self, params: Any, /) -> Sequence[Part]: ...

    def steps(self, params: Any, answer: Any, /) -> Sequence[Step]: ...

    def stem(self, params: Any, /) -> Stem: ...


@runtime_checkable
class TopicModule(FormModule, Protocol):
    """The required parts of a topic module (see quizgen/topics/__init__.py for their roles):
    its names, and the ``forward`` form's computing parts."""

    CODE: str
    TITLE: str
    SECTION: int


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
    names = [name for layer in contract.__mro__ for name in getattr(layer, "__annotations__", {})]
    required = [*dict.fromkeys(names), "generate", "solve", "parts", "steps", "stem"]
    return [name for name in required if not hasattr(module, name)]
