"""The topic registry: every module in this package (not starting with ``_``) is a topic.

A topic module has the same shape everywhere:

- ``TITLE``, ``SECTION`` (its section of the course guide: the seed's 1-10, or a section of
  docs/guide/), ``DESCRIPTION`` (one line) and ``CODE`` (two letters, unique, used in item codes
  printed on papers: never change a shipped one); optionally ``SECTION_TITLE``, the guide
  section's title (else ``TITLE`` stands for it);
- ``Params``: a :class:`quizgen.core.params.ParamsModel` describing the contract's params;
- ``generate(rng, difficulty) -> Params``: draws exam-friendly numbers from the generator given;
- ``solve(params) -> dict``: the contract's answer fields at full precision;
- ``parts(params) -> list[Part]``: what a student is asked for, and at which precision;
- ``steps(params, answer) -> list[Step]``: the worked solution as data;
- ``stem(params) -> Stem``: the question;
- ``MISCONCEPTIONS``: named wrong methods;
- optionally ``table(params, answer) -> Table``: a summary table for the key (traces, shapes);
- optionally ``follow(params, given) -> dict``: later parts computed from a student's own
  earlier answers (``given``, by answer key), for follow-through marking;
- optionally ``solve_with(params, **switches) -> dict``: the answer with mistakes' switches set.
- optionally ``computation(params) -> Computation``: the worked solution as expression trees
  over named quantities (:mod:`quizgen.core.mutation`), so that diagnosis can name single
  edits of it that no ``MISCONCEPTIONS`` entry lists.

The contract as types is in ``_contract.py`` (:class:`TopicModule` and the optional parts).
Adding a topic is adding one module: nothing here lists them (docs/adding-a-topic.md).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

from quizgen.core.errors import QuizgenError
from quizgen.core.model import Difficulty, Misconception, Part, Solution, Stem
from quizgen.core.mutation import Deferred, edit_mistakes
from quizgen.core.params import ParamsModel, parse_params
from quizgen.topics._contract import (
    FollowsThrough,
    HasSectionTitle,
    HasTable,
    TopicModule,
    missing_parts,
)

MAX_DRAWS = 10_000


def _same_shape(a: Any, b: Any) -> bool:
    """Do two answers nest lists the same way, entry for entry?"""
    if isinstance(b, (list, tuple)):
        return (
            isinstance(a, (list, tuple))
            and len(a) == len(b)
            and all(_same_shape(x, y) for x, y in zip(a, b))
        )
    return not isinstance(a, (list, tuple))


class Degenerate(Exception):
    """Raised by a generator for a draw that is not exam-friendly; the registry draws again."""


@dataclass(frozen=True)
class Topic:
    """A registered topic: a thin, uniform face over its module."""

    name: str
    module: TopicModule

    @property
    def title(self) -> str:
        return self.module.TITLE

    @property
    def code(self) -> str:
        return self.module.CODE

    @property
    def section(self) -> int:
        return self.module.SECTION

    @property
    def section_title(self) -> str:
        """The title of the topic's guide section."""
        module = self.module
        return module.SECTION_TITLE if isinstance(module, HasSectionTitle) else module.TITLE

    @property
    def description(self) -> str:
        return self.module.DESCRIPTION

    @property
    def misconceptions(self) -> tuple[Misconception, ...]:
        return tuple(self.module.MISCONCEPTIONS)

    def generate(self, rng: Any, difficulty: Difficulty) -> ParamsModel:
        """Draw until the module accepts the draw as exam-friendly (raises Degenerate otherwise)
        and no two asked parts have the same answer: a part that repeats another (ReLU(z) =
        ReLU'(z), h = z when every unit is active) tests nothing of its own."""
        for _ in range(MAX_DRAWS):
            try:
                params = self.module.generate(rng, difficulty)
            except Degenerate:
                continue
            if not self._parts_repeat(params):
                return params
        raise RuntimeError(f"{self.name}: no acceptable draw in {MAX_DRAWS} tries")

    def _parts_repeat(self, params: ParamsModel) -> bool:
        answer = self.module.solve(params)
        values = [json.dumps(answer[part.key], sort_keys=True) for part in self.parts(params)]
        return len(set(values)) < len(values)

    def parse(self, raw: Any) -> ParamsModel:
        return parse_params(self.module.Params, raw)

    def stem(self, params: ParamsModel) -> Stem:
        return self.module.stem(params)

    def follow(self, params: ParamsModel, given: dict[str, Any]) -> dict[str, Any]:
        """Later parts as they follow from the student's earlier answers ({} if not defined).
        Only earlier answers shaped like the right ones are used: a vector typed as one number
        supports no follow-through (and cannot break a topic's arithmetic)."""
        if not isinstance(self.module, FollowsThrough):
            return {}
        right = self.module.solve(params)
        shaped = {k: v for k, v in given.items() if k in right and _same_shape(v, right[k])}
        return dict(self.module.follow(params, shaped))

    def edit_mistakes(
        self,
        params: ParamsModel,
        solution: Solution,
        listed: Sequence[tuple[Misconception, Mapping[str, Any]]],
    ) -> Sequence[tuple[Misconception, Mapping[str, Any]]]:
        """The single edits of the worked solution that give an answer of their own, as named
        mistakes ([] for a topic that does not describe its computation), searched when first
        used; an edit giving what a ``listed`` mistake gives is left to that one, which
        explains it better."""
        computation = getattr(self.module, "computation", None)
        if computation is None:
            return []
        return Deferred(
            lambda: edit_mistakes(
                computation(params), solution.parts, solution.answer, [a for _, a in listed]
            )
        )

    def parts(self, params: ParamsModel) -> tuple[Part, ...]:
        return tuple(self.module.parts(params))

    def solve(self, params: ParamsModel) -> Solution:
        answer = self.module.solve(params)
        module = self.module
        return Solution(
            answer=answer,
            parts=self.parts(params),
            steps=tuple(module.steps(params, answer)),
            table=module.table(params, answer) if isinstance(module, HasTable) else None,
        )


def _checked(module: ModuleType) -> TopicModule:
    missing = missing_parts(module)
    if missing or not isinstance(module, TopicModule):
        raise TypeError(f"topic module {module.__name__} lacks {', '.join(missing)}")
    return module


@cache
def registry() -> dict[str, Topic]:
    """All topics by name, in the guide's section order."""
    topics = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        topics.append(Topic(info.name, _checked(module)))
    topics.sort(key=lambda t: (t.section, t.name))
    codes = [t.code for t in topics]
    if len(set(codes)) != len(codes):
        raise TypeError(f"topic codes must be unique, got {codes}")
    return {t.name: t for t in topics}


def by_code(code: str) -> Topic | None:
    """The topic whose two-letter ``CODE`` this is, if any."""
    return next((t for t in registry().values() if t.code == code.upper()), None)


def topic_of_section(section: int) -> str:
    """The topic that practises a seed-guide section (section 7's is backprop; "bank" for a
    section no topic practises)."""
    return next((t.name for t in registry().values() if t.section == section), "bank")


def topic_title(name: str) -> str:
    """A topic as reports name it: its title ("CNN output size"), not its key; "bank" (the
    derivation questions no topic practises) as "Derivation questions"."""
    known = registry().get(name)
    return known.title if known else "Derivation questions" if name == "bank" else name


def get(name: str) -> Topic:
    """The topic called ``name``, or an error that lists the known ones."""
    topics = registry()
    if name not in topics:
        raise QuizgenError(f'unknown topic "{name}"; known: {", ".join(topics)}')
    return topics[name]
