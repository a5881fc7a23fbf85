r"""The spot form of every topic that describes its computation: find the one wrong step.

A spot problem is a topic's forward problem with one single edit made to its computation
(:mod:`quizgen.core.mutation`): three draws in four, where any fits, an edit that gives what one
of the topic's named mistakes gives (each such mistake as likely as the others); otherwise an
edit nobody named. The question shows the worked solution with the edit made: the edited
quantity by its edited formula and wrong value, every later quantity by its right formula and
the value that follows from the wrong ones. The student gives the number of the first wrong
step and that step's right value.

A step's value is its result: the quantities of the step that no later quantity of the same
step uses, constants aside (a perceptron step's new weights; a layer's sizes and channels
together, as one shape). A draw whose edit leaves that value unchanged at the precision shown,
or changes no asked part of the topic, is redrawn. The edit is kept in the params (step,
quantity, kind, operand, edited formula), so a record re-solves to the same problem.

>>> from quizgen.topics import get
>>> spot = get("sigmoid", "spot")
>>> edit = {"step": 2, "quantity": "dsigma", "kind": "dropped", "operand": "sigma(z)",
...         "edited": "1 - sigma(z)"}
>>> params = spot.parse({"problem": {"z": 1}, "edit": edit})
>>> spot.solve(params).answer
{'step': 2, 'value': 0.19661193324148185}
>>> spot.stem(params).worked[1].lines[0]
"\\sigma'(z) = 1 - \\sigma(z) = 1 - 0.731 = 0.269"
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from pydantic import create_model, model_validator

from quizgen.core.grading import agrees, same_answer
from quizgen.core.latex import STEP_DECIMALS, mat, num, vec
from quizgen.core.model import (
    EXACT,
    Difficulty,
    Misconception,
    Part,
    Precision,
    Stem,
    Step,
)
from quizgen.core.mutation import (
    Array,
    Computation,
    Expr,
    Line,
    answer_key,
    edit_misconception,
    line_edit,
    plain_value,
    reads,
    run_from,
)
from quizgen.core.params import ParamsModel, PositiveInt
from quizgen.topics import Degenerate, Topic
from quizgen.topics._contract import TopicModule

DESCRIPTION = "a worked solution with one wrong step: the first wrong step and its right value"
INSTRUCTION = (
    "This worked solution has exactly one wrong step; every step after it follows from it. "
    "Give the number of the first wrong step and that step's right value."
)
#: how often a draw shows a named mistake, when an edit reproduces one
NAMED_SHARE = 0.75
#: worked-out problems kept, so that solve, stem, steps and mistakes share one
CACHE_SIZE = 512


class EditRecord(ParamsModel):
    """Where the worked solution is wrong: in step ``step``, the formula of ``quantity`` (its
    name in the topic's computation) with the edit ``kind`` made to ``operand``, which gives
    the formula ``edited`` (plain text, as diagnosis prints it)."""

    step: PositiveInt
    quantity: str
    kind: str
    operand: str
    edited: str


class SpotParams(ParamsModel):
    """A forward problem (``problem``, the topic's own params), the edit made to its worked
    solution, and the id of the named mistake the edit reproduces (none for an unnamed edit)."""

    problem: ParamsModel
    edit: EditRecord
    mistake: str | None = None


@dataclass(frozen=True)
class Worked:
    """A problem's right worked solution as data: its computation, every quantity's right
    value and precision, and what each step establishes (worked out once, shared by every
    edit tried on the problem)."""

    computation: Computation
    right: dict[str, Array]
    precisions: Mapping[str, Precision]

    @cached_property
    def last_step(self) -> int:
        return max(line.step for line in self.computation.lines)

    @cached_property
    def lines_of(self) -> dict[int, tuple[Line, ...]]:
        """Each step's quantities (none for a step the computation does not describe)."""
        return {
            step: tuple(line for line in self.computation.lines if line.step == step)
            for step in range(1, self.last_step + 1)
        }

    @cached_property
    def results(self) -> dict[int, tuple[Line, ...]]:
        """Each step's result: the quantities no later quantity of the step reads, constants
        aside (the step's last quantity when that leaves none)."""
        out = {}
        for step, lines in self.lines_of.items():
            used = set().union(*(reads(line.expr) for line in lines))
            found = tuple(line for line in lines if line.name not in used and reads(line.expr))
            out[step] = found or lines[-1:]
        return out

    def value(self, env: Mapping[str, Array], step: int) -> Array:
        """The step's value in a run: its one result, or its results' entries in a row."""
        results = self.results[step]
        if len(results) == 1:
            return np.asarray(env[results[0].name], float)
        return np.concatenate([np.ravel(env[line.name]) for line in results])

    @cached_property
    def parts(self) -> dict[int, Part]:
        """The ``value`` part for each described step: the precision its result is shown at,
        a scalar, vector or matrix by its shape."""
        out = {}
        for step, results in self.results.items():
            if not results:
                continue
            shown = [self.precisions[line.name] for line in results]
            rounded = [p for p in shown if not p.exact]
            precision = max(rounded, key=lambda p: p.decimals) if rounded else EXACT
            kind = ("scalar", "vector", "matrix")[min(self.value(self.right, step).ndim, 2)]
            out[step] = Part("value", "that step's right value", precision, kind)  # type: ignore[arg-type]
        return out

    def agree(self, step: int, env: Mapping[str, Array]) -> bool:
        """Does the step show its right value in a run, at the precision it is marked at?"""
        value = _plain(self.value(env, step))
        return agrees(value, _plain(self.value(self.right, step)), self.parts[step])


@dataclass(frozen=True)
class Spotted:
    """A spot problem worked out: the right solution, the edited line and formula, and the
    run with the edit made."""

    worked: Worked
    index: int
    kind: str
    operand: str
    edited: Expr
    wrong: dict[str, Array]

    @property
    def line(self) -> Line:
        return self.worked.computation.lines[self.index]

    @property
    def step(self) -> int:
        return self.line.step

    def shows_error(self) -> list[int]:
        """The steps whose value the wrong run shows differently from the right one."""
        worked = self.worked
        return [
            step
            for step, lines in worked.lines_of.items()
            if lines and not worked.agree(step, self.wrong)
        ]


def _plain(value: Array) -> Any:
    """A value as an answer field holds it: a float, or lists of floats (no -0.0)."""
    return (np.asarray(value, float) + 0.0).tolist()


def _tex(value: Array, precision: Precision) -> str:
    """A value as a worked step writes it, at the precision it is shown at."""
    decimals = 12 if precision.exact else precision.decimals
    array = np.asarray(value, float)
    if array.ndim == 0:
        return num(float(array), decimals)
    if array.ndim == 1:
        return vec(array.tolist(), decimals)
    return mat(array.tolist(), decimals)


def _line(line: Line, expr: Expr, env: Mapping[str, Array], values: Mapping[str, str]) -> str:
    """One line of a worked step: quantity = formula = formula with numbers = value (the middle
    ones left out when they say nothing new)."""
    shown = [line.latex_name()]
    for text in (expr.latex(env), expr.latex(env, values), values[line.name]):
        if text != shown[-1]:
            shown.append(text)
    return " = ".join(shown)


def _edited_value(worked: Worked, index: int, edited: Expr) -> Array | None:
    """The edited formula's value from the right values before it (None when it cannot be
    computed, is not finite, or has another shape than the quantity)."""
    right = worked.right[worked.computation.lines[index].name]
    try:
        with np.errstate(all="ignore"):
            value = edited.value(worked.right)
    except (ValueError, IndexError, ZeroDivisionError):
        return None
    return value if value.shape == right.shape and np.isfinite(value).all() else None


def _run_lines(
    computation: Computation, env: dict[str, Array], start: int, stop: int | None = None
) -> dict[str, Array] | None:
    """Lines ``start`` to ``stop`` computed on ``env`` (None when one cannot be computed or
    is not finite)."""
    try:
        with np.errstate(all="ignore"):
            env = computation.run(env, start, stop)
    except (ValueError, IndexError, ZeroDivisionError):
        return None
    finite = all(np.isfinite(env[line.name]).all() for line in computation.lines[start:stop])
    return env if finite else None


def _run_shown(worked: Worked, index: int, value: Array) -> dict[str, Array] | None:
    """Every quantity when line ``index`` gives ``value`` and every later one follows; None
    as soon as the line's step shows its right value anyway (at the precision it is shown
    at), before anything after the step is computed, or when a line cannot be computed."""
    computation = worked.computation
    line = computation.lines[index]
    end = max(i for i, other in enumerate(computation.lines) if other.step == line.step) + 1
    head = _run_lines(computation, {**worked.right, line.name: value}, index + 1, end)
    if head is None or worked.agree(line.step, head):
        return None
    return _run_lines(computation, head, end)


@dataclass(frozen=True)
class Fairness:
    """What makes an edit a fair spot question on a problem: its step shows a wrong value at
    the precision shown, every later step follows from it, and an asked part changes."""

    asked: Sequence[Part]
    answer: Mapping[str, Any]

    def why_not(self, spotted: Spotted) -> str | None:
        """Why the edit makes no fair question (None when it does)."""
        worked = spotted.worked
        if worked.agree(spotted.step, spotted.wrong):
            return "the edit does not change its step's value at the precision shown"
        after = range(spotted.step, worked.last_step + 1)
        gaps = [step for step in after if not worked.lines_of[step]]
        if gaps:
            return f"step {gaps[0]} is not described by the computation and would not follow"
        try:
            answer = worked.computation.answer(spotted.wrong)
        except (ValueError, IndexError, ZeroDivisionError):
            return "the edit leads to no answer"
        if same_answer(self.asked, answer, self.answer):
            return "the edit changes no asked part"
        return None


class Arising(Sequence[Misconception]):
    """A form's mistakes, worked out when first asked for (the registry loads every topic's
    forms at once; few of them are asked)."""

    def __init__(self, find: Callable[[], list[Misconception]]):
        self._find = find

    @cached_property
    def found(self) -> list[Misconception]:
        return self._find()

    def __len__(self) -> int:
        return len(self.found)

    def __getitem__(self, index: Any) -> Any:
        return self.found[index]


class SpotForm:
    """The spot form of one topic (shaped as :class:`quizgen.topics._contract.FormModule`)."""

    DESCRIPTION = DESCRIPTION

    def __init__(self, name: str, topic: TopicModule, computation: Callable[[Any], Computation]):
        self.name = name
        self.topic = topic
        self.computation_of = computation
        self._params = create_model(
            "".join(word.title() for word in name.split("_")) + "Spot",
            __base__=SpotParams,
            __module__=__name__,
            problem=(topic.Params, ...),
            __validators__={"_edit_exists": model_validator(mode="after")(self._validator())},  # type: ignore[dict-item]
        )
        self.Params: type[ParamsModel] = self._params
        self._cache: dict[str, Spotted] = {}
        self.MISCONCEPTIONS: Sequence[Misconception] = Arising(self._arising)
        self._mistakes = (
            Misconception(
                "named the step where the error shows",
                "The first wrong step is the first whose own formula is wrong; a later step "
                "whose value is off only carries that error on.",
                self._where_it_shows,
            ),
            Misconception(
                "gave the wrong value shown",
                "The step's right value is asked: work the step again from the right "
                "formula, rather than copy the value the worked solution shows.",
                lambda p: {"step": self.spotted(p).step, "value": self._value(p, wrong=True)},
            ),
            Misconception(
                "gave the right value of the step after",
                "The value asked is the first wrong step's own, not the next step's.",
                self._next_value,
            ),
        )

    def _arising(self) -> list[Misconception]:
        """The form's mistakes that can arise on this topic, judged from the shape of its
        computation on a few draws: the step where the error shows needs a step that a later
        step reads; the next step's value needs two steps in a row with results of one shape."""
        shows = follows = False
        for difficulty in ("easy", "medium", "hard"):
            problem = Topic(self.name, self.topic).generate(np.random.default_rng(0), difficulty)
            worked = self._worked_right(problem)
            lines, context = worked.computation.lines, worked.computation.context()
            editable = {line.step for line in lines if next(line.expr.edits(context), None)}
            for line in lines:
                later = [other for other in lines if other.step > line.step]
                shows |= line.step in editable and any(line.name in reads(o.expr) for o in later)
            shape = {step: worked.value(worked.right, step).shape for step in worked.parts}
            follows |= any(k in editable and shape.get(k + 1) == shape[k] for k in shape)
        first, shown, after = self._mistakes
        return [m for m, arises in ((first, shows), (shown, True), (after, follows)) if arises]

    # -- drawing -------------------------------------------------------------------------

    def generate(self, rng: np.random.Generator, difficulty: Difficulty) -> SpotParams:
        """A forward draw of the topic, then an edit of its worked solution: a named mistake's
        (NAMED_SHARE of the draws, each named mistake an edit reproduces equally likely),
        else one nobody named; Degenerate when no edit shows in its step and the answer."""
        problem = Topic(self.name, self.topic).generate(rng, difficulty)
        candidates = self._candidates(problem)
        named = self._named(problem, candidates)
        explained = {id(c) for group in named.values() for c in group}
        unnamed = [c for c in candidates if id(c) not in explained]
        mistake: Misconception | None = None
        if named and (not unnamed or rng.random() < NAMED_SHARE):
            mistakes = list(named)
            mistake = mistakes[int(rng.integers(len(mistakes)))]
            group = named[mistake]
            chosen = group[int(rng.integers(len(group)))]
        elif unnamed:
            chosen = unnamed[int(rng.integers(len(unnamed)))]
        else:
            raise Degenerate
        return self._params(
            problem=problem,
            edit=EditRecord(
                step=chosen.step,
                quantity=chosen.line.name,
                kind=chosen.kind,
                operand=chosen.operand,
                edited=chosen.edited.text(),
            ),
            mistake=mistake.id if mistake else None,
        )

    def _candidates(self, problem: ParamsModel) -> list[Spotted]:
        """Every single edit whose worked solution is a fair spot question (edits giving one
        value for their quantity share one run of everything after it)."""
        worked = self._worked_right(problem)
        computation = worked.computation
        context = computation.context()
        fair = Fairness(self.topic.parts(problem), computation.answer(worked.right))
        found = []
        for index, line in enumerate(computation.lines):
            seen: set[tuple[str, str, str]] = set()
            runs: dict[bytes, dict[str, Array] | None] = {}
            for kind, operand, edited in line.expr.edits(context):
                if (kind, operand, edited.text()) in seen:
                    continue
                seen.add((kind, operand, edited.text()))
                value = _edited_value(worked, index, edited)
                if value is None:
                    continue
                if value.tobytes() not in runs:
                    runs[value.tobytes()] = _run_shown(worked, index, value)
                wrong = runs[value.tobytes()]
                if wrong is None:
                    continue
                spotted = Spotted(worked, index, kind, operand, edited, wrong)
                if fair.why_not(spotted) is None:
                    found.append(spotted)
        return found

    def _named(
        self, problem: ParamsModel, candidates: Sequence[Spotted]
    ) -> dict[Misconception, list[Spotted]]:
        """The topic's named mistakes that an edit reproduces (the same answer on every asked
        part), each with the edits that do."""
        keys = [part.key for part in self.topic.parts(problem)]
        by_answer: dict[bytes, list[Spotted]] = {}
        for spotted in candidates:
            edited = spotted.worked.computation.answer(spotted.wrong)
            by_answer.setdefault(answer_key(edited, keys), []).append(spotted)
        found: dict[Misconception, list[Spotted]] = {}
        for mistake in self.topic.MISCONCEPTIONS:
            answer = mistake.solve(problem)
            if answer is None or not all(k in answer for k in keys):
                continue
            group = by_answer.get(answer_key(answer, keys))
            if group:
                found[mistake] = group
        return found

    # -- working out -----------------------------------------------------------------------

    def _worked_right(self, problem: ParamsModel) -> Worked:
        """The problem's right worked solution, each quantity at the precision it is shown
        at: that of the answer field reading it, else exact where every asked part is exact,
        else four decimals."""
        computation = self.computation_of(problem)
        parts = {part.key: part.precision for part in self.topic.parts(problem)}
        exact = all(p.exact for p in parts.values())
        precisions = {
            line.name: EXACT if exact else Precision(STEP_DECIMALS) for line in computation.lines
        }
        names: Mapping[str, str] = getattr(computation.answer, "names", {})
        for key, name in reversed(list(names.items())):
            if key in parts:
                precisions[name] = parts[key]
        return Worked(computation, computation.base(), precisions)

    def spotted(self, p: SpotParams) -> Spotted:
        """The problem worked out (kept, so that every part of the form shares one)."""
        key = json.dumps(p.to_record(), sort_keys=True)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            found = self._cache[key] = self._locate(p)
        return found

    def _validator(self) -> Callable[[SpotParams], SpotParams]:
        """Params are checked on construction: a record's edit must be one of its problem's,
        and a fair one (the errors name the field)."""

        def check(p: SpotParams) -> SpotParams:
            self.spotted(p)
            return p

        return check

    def _locate(self, p: SpotParams) -> Spotted:
        worked = self._worked_right(p.problem)
        computation = worked.computation
        names = [line.name for line in computation.lines]
        if p.edit.quantity not in names:
            raise ValueError(
                f'field edit.quantity: no quantity "{p.edit.quantity}" in this problem\'s '
                f"worked solution; its quantities: {', '.join(names)}"
            )
        index = names.index(p.edit.quantity)
        line = computation.lines[index]
        if line.step != p.edit.step:
            raise ValueError(
                f'field edit.step: quantity "{line.name}" is worked out in step {line.step}, '
                f"not {p.edit.step}"
            )
        wanted = (p.edit.kind, p.edit.operand, p.edit.edited)
        edited = next(
            (e for k, o, e in line.expr.edits(computation.context()) if (k, o, e.text()) == wanted),
            None,
        )
        if edited is None:
            raise ValueError(
                f'field edit: no edit "{p.edit.kind}" of "{p.edit.operand}" giving '
                f'"{p.edit.edited}" in the formula {line.shown or line.name} = {line.expr.text()}'
            )
        value = _edited_value(worked, index, edited)
        wrong = None if value is None else run_from(computation, worked.right, index, value)
        if wrong is None:
            raise ValueError("field edit: the edited worked solution cannot be computed")
        spotted = Spotted(worked, index, p.edit.kind, p.edit.operand, edited, wrong)
        why = Fairness(self.topic.parts(p.problem), computation.answer(worked.right)).why_not(
            spotted
        )
        if why:
            raise ValueError(f"field edit: {why}")
        if p.mistake is not None:
            self._check_mistake(p, spotted)
        return spotted

    def _check_mistake(self, p: SpotParams, spotted: Spotted) -> None:
        ids = [m.id for m in self.topic.MISCONCEPTIONS]
        if p.mistake not in ids:
            raise ValueError(
                f'field mistake: no named mistake "{p.mistake}" in topic {self.name}; '
                f"its mistakes: {', '.join(ids)}"
            )
        mistake = self.topic.MISCONCEPTIONS[ids.index(p.mistake)]
        if not self._named(p.problem, [spotted]).get(mistake):
            raise ValueError(f'field mistake: the edit does not give what "{p.mistake}" gives')

    def _value(self, p: SpotParams, wrong: bool = False, step: int | None = None) -> Any:
        """A step's value (the edited one by default), right or as the wrong solution shows
        it."""
        spotted = self.spotted(p)
        env = spotted.wrong if wrong else spotted.worked.right
        return _plain(spotted.worked.value(env, spotted.step if step is None else step))

    def _mistake(self, p: SpotParams) -> Misconception | None:
        return next((m for m in self.topic.MISCONCEPTIONS if m.id == p.mistake), None)

    # -- the form's contract -------------------------------------------------------------

    def solve(self, p: SpotParams) -> dict[str, Any]:
        return {"step": self.spotted(p).step, "value": self._value(p)}

    def parts(self, p: SpotParams) -> list[Part]:
        spotted = self.spotted(p)
        return [
            Part("step", "the number of the first wrong step", EXACT),
            spotted.worked.parts[spotted.step],
        ]

    def stem(self, p: SpotParams) -> Stem:
        asked = self.topic.stem(p.problem)
        return Stem(f"{asked.text} {INSTRUCTION}", asked.table, self._written(p, wrong=True))

    def _written(self, p: SpotParams, wrong: bool, start: int = 1) -> tuple[Step, ...]:
        """The worked solution from step ``start``: with the edit made (``wrong``) or right.
        A step the computation does not describe (softmax's shift of the logits) is shown as
        the topic works it; it always comes before the edited one."""
        spotted = self.spotted(p)
        worked = spotted.worked
        env = spotted.wrong if wrong else worked.right
        default = Precision(STEP_DECIMALS)
        values = {name: _tex(v, worked.precisions.get(name, default)) for name, v in env.items()}
        out = []
        for step in range(start, worked.last_step + 1):
            lines = worked.lines_of[step]
            if not lines:
                out.append(self.topic.steps(p.problem, self.topic.solve(p.problem))[step - 1])
                continue
            written = tuple(
                _line(
                    line,
                    spotted.edited if wrong and line == spotted.line else line.expr,
                    env,
                    values,
                )
                for line in lines
            )
            out.append(Step(", ".join(f"${line.latex_name()}$" for line in lines), written))
        return tuple(out)

    def steps(self, p: SpotParams, answer: Mapping[str, Any]) -> list[Step]:
        spotted = self.spotted(p)
        right = self._written(p, wrong=False, start=spotted.step)
        precision = spotted.worked.parts[spotted.step].precision
        value = _tex(np.asarray(answer["value"], float), precision)
        first = Step(
            f"Step {spotted.step} is the first wrong one: {self._explanation(p)}",
            right[0].lines,
            rf"\text{{The right value of step {spotted.step}: }} {value}",
        )
        rest = [Step(f"Then, right: {step.title}", step.lines) for step in right[1:]]
        return [first, *rest]

    def _explanation(self, p: SpotParams) -> str:
        """The named mistake's words, or the edit's."""
        mistake = self._mistake(p)
        if mistake is not None:
            return f"{mistake.label}. {mistake.explanation}"
        spotted = self.spotted(p)
        worked = spotted.worked
        right = plain_value(worked.right[spotted.line.name])
        edit = line_edit(spotted.line, spotted.kind, spotted.operand, spotted.edited, right)
        answer = worked.computation.answer(spotted.wrong)
        return edit_misconception([edit], answer).explanation

    # -- the form's own mistakes ---------------------------------------------------------

    def _where_it_shows(self, p: SpotParams) -> dict[str, Any] | None:
        """The first later step whose value is off, with its right value."""
        spotted = self.spotted(p)
        later = [s for s in spotted.shows_error() if s > spotted.step]
        if not later:
            return None
        return {"step": later[0], "value": self._value(p, step=later[0])}

    def _next_value(self, p: SpotParams) -> dict[str, Any] | None:
        """The step's number with the next step's right value (None where there is no next
        step, it has another shape, or its value reads as this step's right value or as the
        wrong one shown, which name the answer better)."""
        spotted = self.spotted(p)
        worked = spotted.worked
        after = spotted.step + 1
        if after > worked.last_step or not worked.lines_of[after]:
            return None
        if np.shape(self._value(p, step=after)) != np.shape(self._value(p)):
            return None
        value = self._value(p, step=after)
        part = worked.parts[spotted.step]
        shown = (self._value(p), self._value(p, wrong=True))
        if any(agrees(value, other, part) for other in shown):
            return None
        return {"step": spotted.step, "value": value}


def spot_form(name: str, topic: TopicModule) -> SpotForm:
    """The generic spot form of a topic that describes its computation."""
    return SpotForm(name, topic, topic.computation)  # type: ignore[attr-defined]
