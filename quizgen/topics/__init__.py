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
``get(name)`` imports that topic alone (a blueprint names a few, and importing all of them
was a fifth of a one-copy run); ``registry()`` imports every one and checks their codes.

Forms. A topic is a package (``quizgen/topics/<name>/``): its ``__init__`` is the ``forward``
form above, and each other form it has is a module beside it named after the form
(``inverse.py``, ``whatif.py``, ``spot.py``), shaped as :class:`FormModule`. ``get(name, form)``
gives a :class:`Topic` that computes that form; everything downstream works on it unchanged.
A topic with ``computation`` and no ``spot.py`` of its own is asked as ``spot`` by the generic
form of ``_spot.py`` (its worked solution with one single edit made).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import pkgutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from types import ModuleType
from typing import Any

from quizgen.core.errors import QuizgenError
from quizgen.core.model import FORMS, Difficulty, Form, Misconception, Part, Solution, Stem
from quizgen.core.mutation import Deferred, edit_mistakes
from quizgen.core.params import ParamsModel, parse_params
from quizgen.topics._contract import (
    FollowsThrough,
    FormModule,
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
    """A registered topic asked in one of its forms: a thin, uniform face over its modules.
    ``module`` is the topic's own (its names, code and section); ``computes`` is the module of
    the form asked (the topic's own for ``forward``)."""

    name: str
    module: TopicModule
    form: Form = "forward"
    #: the topic's forms other than ``forward``, by name
    other_forms: Mapping[str, FormModule] = field(default_factory=dict, compare=False)

    @property
    def computes(self) -> FormModule:
        """The module that draws, solves and words this form."""
        return self.module if self.form == "forward" else self.other_forms[self.form]

    @property
    def forms(self) -> tuple[Form, ...]:
        """The forms this topic is asked in, ``forward`` first, in the order of ``FORMS``."""
        return tuple(f for f in FORMS if f == "forward" or f in self.other_forms)

    def with_form(self, form: str) -> Topic:
        """This topic asked in ``form`` (an error that lists its forms if it has no such)."""
        if form not in self.forms:
            raise QuizgenError(
                f'topic "{self.name}" has no form "{form}"; its forms: {", ".join(self.forms)}'
            )
        return Topic(self.name, self.module, form, self.other_forms)

    @property
    def form_description(self) -> str:
        """What this form asks, in one line."""
        return self.computes.DESCRIPTION

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
        return tuple(self.computes.MISCONCEPTIONS)

    def generate(self, rng: Any, difficulty: Difficulty) -> ParamsModel:
        """Draw until the module accepts the draw as exam-friendly (raises Degenerate otherwise)
        and no two asked parts have the same answer: a part that repeats another (ReLU(z) =
        ReLU'(z), h = z when every unit is active) tests nothing of its own."""
        for _ in range(MAX_DRAWS):
            try:
                params = self.computes.generate(rng, difficulty)
            except Degenerate:
                continue
            if not self._parts_repeat(params):
                return params
        raise RuntimeError(f"{self.name}: no acceptable draw in {MAX_DRAWS} tries")

    def _parts_repeat(self, params: ParamsModel) -> bool:
        answer = self.computes.solve(params)
        values = [json.dumps(answer[part.key], sort_keys=True) for part in self.parts(params)]
        return len(set(values)) < len(values)

    def parse(self, raw: Any) -> ParamsModel:
        return parse_params(self.computes.Params, raw)

    def stem(self, params: ParamsModel) -> Stem:
        return self.computes.stem(params)

    def follow(
        self,
        params: ParamsModel,
        given: dict[str, Any],
        right: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Later parts as they follow from the student's earlier answers ({} if not defined).
        Only earlier answers shaped like the right ones are used: a vector typed as one number
        supports no follow-through (and cannot break a topic's arithmetic). ``right``: the
        problem's answer, when the caller has it (judging every answer need not solve again)."""
        module = self.computes
        if not isinstance(module, FollowsThrough):
            return {}
        if right is None:
            right = module.solve(params)
        shaped = {k: v for k, v in given.items() if k in right and _same_shape(v, right[k])}
        return dict(module.follow(params, shaped))

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
        computation = getattr(self.computes, "computation", None)
        if computation is None:
            return []
        return Deferred(
            lambda: edit_mistakes(
                computation(params), solution.parts, solution.answer, [a for _, a in listed]
            )
        )

    def parts(self, params: ParamsModel) -> tuple[Part, ...]:
        return tuple(self.computes.parts(params))

    def solve(self, params: ParamsModel) -> Solution:
        module = self.computes
        answer = module.solve(params)
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


class _Forms(Mapping[str, FormModule]):
    """Forms by name, each made by its loader when first asked for and then kept: a paper asks
    a topic in one or two of its forms, and importing them all cost more than the topic."""

    def __init__(self, loaders: Mapping[str, Callable[[], FormModule]]) -> None:
        self._loaders = loaders
        self._made: dict[str, FormModule] = {}

    def __getitem__(self, form: str) -> FormModule:
        if form not in self._made:
            self._made[form] = self._loaders[form]()
        return self._made[form]

    def __contains__(self, form: object) -> bool:
        return form in self._loaders  # what a topic is asked in, without importing the form

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaders)

    def __len__(self) -> int:
        return len(self._loaders)


def _form_module(name: str) -> FormModule:
    """A form's own module, imported and checked like a topic."""
    form_module = importlib.import_module(name)
    missing = missing_parts(form_module, FormModule)
    if missing or not isinstance(form_module, FormModule):
        raise TypeError(f"form module {name} lacks {', '.join(missing)}")
    return form_module


def _generic_spot(name: str, module: TopicModule) -> FormModule:
    """The spot form of quizgen/topics/_spot.py for a topic that describes its computation."""
    from quizgen.topics._spot import spot_form

    return spot_form(name, module)


def _forms_of(name: str, module: ModuleType) -> Mapping[str, FormModule]:
    """The form modules beside a topic package's ``__init__``, found from its files and each
    imported (and checked like a topic) when first used; a topic that describes its
    computation but has no ``spot.py`` of its own gets the generic spot form
    (quizgen/topics/_spot.py)."""
    package = hasattr(module, "__path__")
    generic = hasattr(module, "computation") and isinstance(module, TopicModule)
    loaders: dict[str, Callable[[], FormModule]] = {}
    for form in FORMS[1:]:
        qualified = f"{module.__name__}.{form}"
        if package and importlib.util.find_spec(qualified) is not None:
            loaders[form] = partial(_form_module, qualified)
        elif form == "spot" and generic:
            loaders[form] = partial(_generic_spot, name, module)
    return _Forms(loaders)


@cache
def names() -> tuple[str, ...]:
    """The topics' names, read from the package's folder (nothing is imported; ``registry``
    has them in section order)."""
    return tuple(
        info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")
    )


#: the topics imported so far, by name: ``get`` imports only the one it is asked for (a
#: blueprint names a few of them), ``registry`` all, and it is the dict ``registry`` returns
_loaded: dict[str, Topic] = {}


def _topic(name: str) -> Topic:
    """The topic called ``name`` (one of ``names()``), imported with its forms on first use."""
    if name not in _loaded:
        module = importlib.import_module(f"{__name__}.{name}")
        _loaded[name] = Topic(name, _checked(module), other_forms=_forms_of(name, module))
    return _loaded[name]


@cache
def registry() -> dict[str, Topic]:
    """All topics by name, in the guide's section order."""
    topics = sorted(map(_topic, names()), key=lambda t: (t.section, t.name))
    codes = [t.code for t in topics]
    if len(set(codes)) != len(codes):
        raise TypeError(f"topic codes must be unique, got {codes}")
    _loaded.clear()  # the same dict, now in section order: what get() reads stays one
    _loaded.update((t.name, t) for t in topics)
    return _loaded


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


def get(name: str, form: str = "forward") -> Topic:
    """The topic called ``name`` asked in ``form``, or an error that lists the known ones."""
    if name not in _loaded and name not in names():
        raise QuizgenError(f'unknown topic "{name}"; known: {", ".join(registry())}')
    topic = _topic(name)
    return topic if form == "forward" else topic.with_form(form)
