"""Blueprint + seed -> Exam: every version's problems drawn and solved once, for every writer.

Seeds: version v's problem in slot ``s`` (the item's ``id``, else ``section.item.copy``) comes
from ``child_seed(exam seed, "version", v, s)``, a student's from ``child_seed(exam seed,
"student", student id, s)``, so editing one slot leaves the others' numbers alone. An item with
a ``forms`` list draws its form from (that key, s, "form") first. No problem
appears twice in an exam, across all of its versions, while the topic's pool at that difficulty
allows it: a draw that repeats an earlier one is redrawn, in order, from (slot seed, k). When
the pool runs out (sigmoid at easy has six values of z), the least-used problems repeat and the
exam's ``warnings`` say which item, how many distinct problems exist and how many were asked.

A roster's students are kept apart the same way by :func:`roster_draws`: students take their
draws in rank order of ``child_seed(exam seed, "rank", id)`` (not the roster's order, so that a
reordered or sharded roster draws alike), each slot's first own draw that nobody ranked before
took. What a student took is their *picks* (slot -> redraw), which ``build_for_student`` is
given, so one student's paper still rebuilds alone from the picks in the class's manifest.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np
from typing_extensions import assert_never

from quizgen import topics
from quizgen.core.errors import QuizgenError
from quizgen.core.grading import distinct_misconceptions
from quizgen.core.latex import answer_text
from quizgen.core.model import Difficulty, Form, Misconception, Part, Problem, Solution
from quizgen.core.seeds import child_seed, rng_for
from quizgen.exam.banks import BankQuestion, Derive, Fill, Order, builtin_banks
from quizgen.exam.banks import Choice as BankChoice
from quizgen.exam.blueprint import Blueprint, ItemSpec, Section, shortfall
from quizgen.exam.item_codes import ALPHABET, encode
from quizgen.exam.model import (
    BankItem,
    BankOption,
    Choice,
    Exam,
    ExamSection,
    Item,
    Student,
    Version,
)
from quizgen.exam.pools import listed_pool
from quizgen.exam.problems import fingerprint, make_problem

MAX_REDRAWS = 50
#: what a version's or a student's draws are seeded by: (exam seed, "version" or "student", which)
SeedKey = tuple[int, str, int | str]
CHOICES = 4  # options in a multiple-choice item: the answer and up to three distractors
GOOD_CHOICES = 3  # a multiple-choice draw is redrawn until it offers at least this many


def version_code(index: int) -> str:
    """A, B, ..., Z, then V27, V28, ..."""
    return chr(ord("A") + index) if index < 26 else f"V{index + 1}"


def build_exam(
    blueprint: Blueprint,
    seed: int,
    versions: int = 1,
    bank: Sequence[BankQuestion] | None = None,
) -> Exam:
    """Draw and solve every version. ``bank`` is the pool for bank items (default: built-in)."""
    if versions < 1:
        raise QuizgenError("--versions must be at least 1")
    pool = _pool(blueprint, bank)
    seen = Draws()
    used: dict[str, int] = {}
    built = tuple(
        _version(blueprint, (seed, "version", v), version_code(v), None, seen, pool, used)
        for v in range(versions)
    )
    warnings = seen.warnings(blueprint, f"{versions} version(s)")
    return Exam(blueprint=blueprint, seed=seed, versions=built, warnings=warnings)


#: draws made to count a topic's distinct problems at a difficulty when an exam runs out
CENSUS_DRAWS = 2000


def distinct_problems(topic: str, difficulty: Difficulty, form: Form = "forward") -> int:
    """How many distinct problems a topic draws at a difficulty in a form, counted over
    CENSUS_DRAWS draws (asked only of pools small enough to run out, which that many draws
    exhaust); the count stops once it has found every problem of a listed pool, which no
    further draw can add to."""
    keys = ("census", topic) if form == "forward" else ("census", topic, form)
    pool = listed_pool(topic, form, difficulty)
    found: set[str] = set()
    for k in range(CENSUS_DRAWS):
        found.add(fingerprint(make_problem(topic, child_seed(0, *keys, k), difficulty, form)))
        if pool is not None and len(found) == len(pool):
            break
    return len(found)


#: what a pool of problems is drawn for: (topic, form, difficulty)
Kind = tuple[str, Form, Difficulty]


@dataclass
class Draws:
    """What an exam has drawn so far: how often each problem, how many of each (topic, form,
    difficulty), which of those had to repeat one, and the whole pool of each that a draw
    found used up (None where it cannot be listed)."""

    uses: Counter[str] = field(default_factory=Counter)
    asked: Counter[Kind] = field(default_factory=Counter)
    repeated: set[Kind] = field(default_factory=set)
    pools: dict[Kind, frozenset[str] | None] = field(default_factory=dict)

    def add(self, problem: Problem, difficulty: Difficulty) -> None:
        self.count((problem.topic, problem.form, difficulty), fingerprint(problem))

    def count(self, kind: Kind, mark: str) -> None:
        """One more draw of the problem whose fingerprint is ``mark``."""
        self.asked[kind] += 1
        if self.uses[mark]:
            self.repeated.add(kind)
        self.uses[mark] += 1

    def fewest_uses(self, kind: Kind) -> int:
        """How often the least-used problem of ``kind``'s whole pool was drawn (0 while the
        pool is not known to be used up): no redraw can be used less."""
        pool = self.pools.get(kind)
        return min(self.uses[f] for f in pool) if pool else 0

    def warnings(self, blueprint: Blueprint, over: str) -> tuple[str, ...]:
        """One line per (topic, form, difficulty) whose draws had to repeat: where in the
        blueprint, how many distinct problems exist and how many were asked for."""
        places: dict[Kind, list[str]] = {}
        for s_index, section in enumerate(blueprint.sections):
            for i_index, spec in enumerate(section.items):
                if spec.topic is not None:
                    where = f"sections[{s_index}].items[{i_index}]"
                    for form in spec.asked_forms:
                        places.setdefault((spec.topic, form, spec.difficulty), []).append(where)
        return tuple(
            f"{', '.join(places[kind])} ({_kind_name(kind)}): only "
            f"{distinct_problems(kind[0], kind[2], kind[1])} distinct problems exist and "
            f"{self.asked[kind]} were asked for over {over}, so some repeat"
            for kind in places
            if kind in self.repeated
        )


def _kind_name(kind: Kind) -> str:
    """``sigmoid, easy``, or ``sigmoid inverse, easy`` for a form other than forward."""
    topic, form, difficulty = kind
    return f"{topic}, {difficulty}" if form == "forward" else f"{topic} {form}, {difficulty}"


#: slot -> the redraw a student's problem in that slot comes from (0, the first, when absent)
Picks = Mapping[str, int]


def build_for_student(
    blueprint: Blueprint,
    seed: int,
    student: Student,
    bank: Sequence[BankQuestion] | None = None,
    picks: Picks | None = None,
    firsts: Sequence[FirstDraw] = (),
) -> Exam:
    """One student's paper: drawn from (exam seed, "student", student id) and the student's
    ``picks`` (from :func:`roster_draws`; none: the student's own first draws), so it can be
    rebuilt by itself and does not change when the roster is reordered or split. ``firsts``:
    the student's :func:`first_draws`, when the roster pass had them drawn, so that the slots
    kept at their first draw are not drawn again."""
    pool = _pool(blueprint, bank)
    key: SeedKey = (seed, "student", student.id)
    code = student_code(seed, student.id)
    slots = (slot for slot, _ in _drawn_slots(blueprint))
    given = dict(zip(slots, firsts, strict=True)) if firsts else {}
    version = _version(blueprint, key, code, student, Draws(), pool, {}, picks, given)
    return Exam(blueprint=blueprint, seed=seed, versions=(version,))


@dataclass(frozen=True)
class RosterDraws:
    """Each student's picks (only the slots not drawn first time), and one line per slot
    whose pool could not keep every student apart."""

    picks: Mapping[str, Picks]
    warnings: tuple[str, ...]


class FirstDraw(NamedTuple):
    """What the roster pass needs of a slot's first draw (redraw 0), which the student's own
    seed alone decides, so that other processes can draw it while the pass goes on."""

    fingerprint: str
    options: int  # as many as a multiple-choice item offers; GOOD_CHOICES for any other
    #: the problem's params as a JSON record: a paper that keeps the first draw reads them back
    #: (``build_for_student``'s ``firsts``) instead of drawing the problem again
    record: str


#: the ranked students' first draws (``first_draws`` of each), in the order given
FirstDrawer = Callable[[Sequence[Student]], Iterable[Sequence[FirstDraw]]]


def first_draws(blueprint: Blueprint, seed: int, student: Student) -> tuple[FirstDraw, ...]:
    """Each drawn slot's first draw for ``student``, in the blueprint's order: most of the
    roster pass's work, and none of it depends on the other students."""
    key: SeedKey = (seed, "student", student.id)
    drawn = (
        (spec, _candidate(spec, key, slot, _form(spec, key, slot), 0))
        for slot, spec in _drawn_slots(blueprint)
    )
    return tuple(
        FirstDraw(c.fingerprint, c.options(spec), json.dumps(c.drawn().params.to_record()))
        for spec, c in drawn
    )


def roster_draws(
    blueprint: Blueprint,
    seed: int,
    students: Sequence[Student],
    drawn_first: FirstDrawer | None = None,
) -> RosterDraws:
    """The picks that keep a roster's students apart: in rank order, each student takes in
    each drawn slot their first draw that no student ranked before took (the least-used one
    when the pool has run out). Adding a student changes only students whose draws it took.
    ``drawn_first`` gives the students' first draws (worker processes do, for a class set);
    without it they are drawn here."""
    seen = Draws()
    picks: dict[str, Picks] = {}
    ranked = sorted(students, key=lambda s: (child_seed(seed, "rank", s.id), s.id))
    slots = list(_drawn_slots(blueprint))
    firsts = iter(drawn_first(ranked)) if drawn_first is not None else None
    for student in ranked:
        key: SeedKey = (seed, "student", student.id)
        given: Sequence[FirstDraw | None] = [None] * len(slots) if firsts is None else next(firsts)
        mine = {}
        for (slot, spec), first in zip(slots, given, strict=True):
            redraw = _search(spec, key, slot, seen, first).redraw
            if redraw:
                mine[slot] = redraw
        picks[student.id] = mine
    return RosterDraws(picks, seen.warnings(blueprint, f"{len(students)} student(s)"))


def _drawn_slots(blueprint: Blueprint) -> Iterator[tuple[str, ItemSpec]]:
    """Every slot drawn from a topic (not from a bank), in the blueprint's order."""
    for s_index, section in enumerate(blueprint.sections):
        for i_index, spec in enumerate(section.items):
            if spec.bank is None:
                for slot in _slots(s_index, i_index, spec):
                    yield slot, spec


def student_code(seed: int, student_id: str) -> str:
    """Six characters that identify a student's version, printed in the footer."""
    value = child_seed(seed, "student", student_id, "code")
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(6))


def _pool(blueprint: Blueprint, bank: Sequence[BankQuestion] | None) -> list[BankQuestion]:
    uses_bank = any(i.bank for s in blueprint.sections for i in s.items)
    return list(bank if bank is not None else builtin_banks()) if uses_bank else []


def _slots(section_index: int, item_index: int, spec: ItemSpec) -> list[str]:
    """Stable slot ids: the item's id, else its place in the blueprint (plus the copy)."""
    base = spec.id or f"{section_index + 1}.{item_index + 1}"
    return [base if spec.count == 1 else f"{base}.{k + 1}" for k in range(spec.count)]


def _redrawn(spec: ItemSpec, key: SeedKey, slot: str, redraw: int) -> Problem:
    """The slot's ``redraw``-th draw (0: the first) for a version or student ``key``, in the
    slot's form."""
    return _problem(spec, key, slot, _form(spec, key, slot), redraw)


def _problem(spec: ItemSpec, key: SeedKey, slot: str, form: Form, redraw: int) -> Problem:
    """The slot's ``redraw``-th draw in ``form`` (the slot's, drawn once for all redraws)."""
    assert spec.topic is not None, f"{slot}: a bank item has no problem to draw"
    extra = (redraw,) if redraw else ()
    return make_problem(spec.topic, child_seed(*key, slot, *extra), spec.difficulty, form)


@dataclass
class _Candidate:
    """A redraw as a search looks at it: its fingerprint, the problem (None when another
    process drew it) and the options it offers, counted when first asked."""

    redraw: int
    fingerprint: str
    problem: Problem | None
    offered: int | None = None

    def drawn(self) -> Problem:
        assert self.problem is not None, "a first draw from elsewhere has only what it came with"
        return self.problem

    def options(self, spec: ItemSpec) -> int:
        if self.offered is None:
            choice = spec.answer == "choice"
            self.offered = _option_count(self.drawn()) if choice else GOOD_CHOICES
        return self.offered


def _candidate(spec: ItemSpec, key: SeedKey, slot: str, form: Form, redraw: int) -> _Candidate:
    problem = _problem(spec, key, slot, form, redraw)
    return _Candidate(redraw, fingerprint(problem), problem)


def _draw(
    spec: ItemSpec, key: SeedKey, slot: str, seen: Draws, pick: int | None, first: FirstDraw | None
) -> Problem:
    """The slot's problem: its ``pick`` given (read back from ``first`` for the first draw,
    when it came), else the one :func:`_search` finds."""
    if pick is None:
        return _search(spec, key, slot, seen).drawn()
    if pick == 0 and first is not None:
        assert spec.topic is not None, f"{slot}: a bank item has no problem to draw"
        form = _form(spec, key, slot)
        params = topics.get(spec.topic, form).parse(json.loads(first.record))
        chosen = Problem(spec.topic, params, child_seed(*key, slot), spec.difficulty, form)
    else:
        chosen = _redrawn(spec, key, slot, pick)
    seen.add(chosen, spec.difficulty)
    return chosen


def _search(
    spec: ItemSpec, key: SeedKey, slot: str, seen: Draws, first: FirstDraw | None = None
) -> _Candidate:
    """A new redraw (not yet in the exam), and for a multiple-choice item one with at least
    GOOD_CHOICES options, else the one with the most options among the redraws (a question
    with a single option is no question). When every redraw repeats (a small pool, used up),
    the least-used of them, so that repeats spread evenly: once a draw has found the pool used
    up, the first redraw used no more than any problem of the pool is that one, and the search
    stops there. ``first``: the first draw, drawn elsewhere (``first_draws``)."""
    assert spec.topic is not None, f"{slot}: a bank item has no problem to draw"
    form = _form(spec, key, slot)
    kind: Kind = (spec.topic, form, spec.difficulty)
    fewest = seen.fewest_uses(kind)
    best: tuple[int, _Candidate] | None = None
    least: tuple[int, _Candidate] | None = None
    for redraw in range(MAX_REDRAWS + 1):
        if redraw == 0 and first is not None:
            candidate = _Candidate(0, first.fingerprint, None, first.options)
        else:
            candidate = _candidate(spec, key, slot, form, redraw)
        uses = seen.uses[candidate.fingerprint]
        if uses:
            if least is None or uses < least[0]:
                least = (uses, candidate)
                if uses == fewest:
                    break
            continue
        options = candidate.options(spec)
        if best is None or options > best[0]:
            best = (options, candidate)
        if options >= GOOD_CHOICES:
            break
    if best is None and kind not in seen.pools:
        seen.pools[kind] = listed_pool(*kind)
    _, chosen = best if best is not None else least  # type: ignore[misc]
    seen.count(kind, chosen.fingerprint)
    return chosen


def _form(spec: ItemSpec, key: SeedKey, slot: str) -> Form:
    """The slot's form: the item's one, or one of its ``forms`` drawn from (key, slot, "form")."""
    if spec.forms is None:
        return spec.form
    rng = rng_for(child_seed(*key, slot, "form"))
    return spec.forms[int(rng.integers(len(spec.forms)))]


def _option_count(problem: Problem) -> int:
    topic = topics.get(problem.topic, problem.form)
    return len(_choices(topic, problem, topic.solve(problem.params)))


def _version(
    blueprint: Blueprint,
    key: SeedKey,
    code: str,
    student: Student | None,
    seen: Draws,
    pool: Sequence[BankQuestion],
    used: dict[str, int],
    picks: Picks | None = None,
    firsts: Mapping[str, FirstDraw] | None = None,
) -> Version:
    sections, number = [], 0
    in_version: set[str] = set()
    for s_index, section in enumerate(blueprint.sections):
        drawn: list[tuple[str, ItemSpec, Problem | BankQuestion]] = []
        for i_index, spec in enumerate(section.items):
            for slot in _slots(s_index, i_index, spec):
                if spec.bank is not None:
                    where = f"sections[{s_index}].items[{i_index}]"
                    chosen = _draw_bank(spec, pool, key, slot, in_version, used, where)
                    drawn.append((slot, spec, chosen))
                else:
                    pick = None if picks is None else picks.get(slot, 0)
                    first = None if firsts is None else firsts.get(slot)
                    drawn.append((slot, spec, _draw(spec, key, slot, seen, pick, first)))
        if section.shuffle and len(drawn) > 1:
            rng = rng_for(child_seed(*key, "order", s_index))
            drawn = [drawn[int(i)] for i in rng.permutation(len(drawn))]
        items: list[Item | BankItem] = []
        for slot, spec, drawn_item in drawn:
            number += 1
            if isinstance(drawn_item, BankQuestion):
                items.append(_bank_item(number, slot, spec, drawn_item, key))
            else:
                items.append(_item(number, slot, spec, drawn_item))
        sections.append(_section(section, items))
    return Version(code=code, sections=tuple(sections), student=student)


def _draw_bank(
    spec: ItemSpec,
    pool: Sequence[BankQuestion],
    key: SeedKey,
    slot: str,
    in_version: set[str],
    used: dict[str, int],
    where: str,
) -> BankQuestion:
    """A matching question not yet in this version, preferring those other versions used least."""
    selector = spec.bank
    assert selector is not None
    matching = selector.matching(pool)
    fresh = [q for q in matching if q.id not in in_version]
    if not fresh:
        raise QuizgenError(f"{where}.bank: {shortfall(selector, len(matching), spec.count, pool)}")
    rng = rng_for(child_seed(*key, slot, "bank"))
    ranked = sorted(
        zip(rng.random(len(fresh)), fresh, strict=True),
        key=lambda pair: (used.get(pair[1].id, 0), pair[0]),
    )
    chosen = ranked[0][1]
    in_version.add(chosen.id)
    used[chosen.id] = used.get(chosen.id, 0) + 1
    return chosen


def _bank_item(
    number: int, slot: str, spec: ItemSpec, question: BankQuestion, key: SeedKey
) -> BankItem:
    """Shuffles of steps and options come from (exam seed, version or student, slot)."""
    rng = rng_for(child_seed(*key, slot, "shuffle"))
    return make_bank_item(number, slot, question, spec.marks, rng)


def make_bank_item(
    number: int, slot: str, question: BankQuestion, marks: int, rng: np.random.Generator
) -> BankItem:
    """A bank question with its steps (order) or options (fill, choice) shuffled by ``rng``."""
    order: tuple[int, ...] = ()
    options: list[BankOption] = []
    q = question.question
    match q:
        case Derive():
            pass  # written out as asked
        case Order():
            n = len(question.steps)
            groups = question.step_groups()
            permutation = list(range(n))
            # never hand out the answer, nor an order the derivation allows
            while [groups[i] for i in permutation] == list(groups):
                permutation = [int(i) for i in rng.permutation(n)]
            order = tuple(permutation)
        case Fill():
            right = question.steps[q.blank - 1].formula
            distractors = q.distractors[: CHOICES - 1]
            texts = [(f"${right}$", True)] + [(f"${d}$", False) for d in distractors]
            options = [BankOption("", text, correct) for text, correct in texts]
        case BankChoice():
            options = [BankOption("", o.text, o.correct, o.why) for o in q.options]
        case unknown:
            assert_never(unknown)
    if options:
        shuffled = [options[int(i)] for i in rng.permutation(len(options))]
        options = [replace(o, letter=chr(ord("A") + k)) for k, o in enumerate(shuffled)]
    return BankItem(number, slot, question, marks, question.id, order, tuple(options))


def _section(section: Section, items: Sequence[Item | BankItem]) -> ExamSection:
    return ExamSection(
        title=section.title,
        instructions=section.instructions,
        items=tuple(items),
        sheet=section.sheet,
    )


def _item(number: int, slot: str, spec: ItemSpec, problem: Problem) -> Item:
    topic = topics.get(problem.topic, problem.form)
    solution = topic.solve(problem.params)
    code = encode(problem.topic, spec.difficulty, drawn_seed(problem), problem.form)
    choices = _choices(topic, problem, solution) if spec.answer == "choice" else ()
    stem = topic.stem(problem.params)
    return Item(number, slot, problem, solution, spec.marks, code, stem, choices)


def _choices(topic: topics.Topic, problem: Problem, solution: Solution) -> tuple[Choice, ...]:
    """The right final answer and distractors from the topic's misconceptions (then, when they
    are too few, from single edits of the worked solution), in an order drawn from the
    problem's seed; options that would read the same are left out."""
    part = solution.parts[-1]
    right = answer_text(solution.answer[part.key], part.precision)
    options: list[tuple[str, Misconception | None]] = [(right, None)]
    listed = distinct_misconceptions(topic.misconceptions, problem.params, solution)
    _add_options(options, listed, part)
    if len(options) < CHOICES:  # too few listed mistakes: single edits of the solution fill in
        edits = topic.edit_mistakes(problem.params, solution, listed)
        _add_options(options, sorted(edits, key=_likeliest), part)
    options = options[:CHOICES]
    order = rng_for(child_seed(drawn_seed(problem), "choices")).permutation(len(options))
    return tuple(
        _choice(chr(ord("A") + position), *options[int(i)]) for position, i in enumerate(order)
    )


def drawn_seed(problem: Problem) -> int:
    """The seed an exam's problem was drawn from (an exam draws all of its problems)."""
    assert problem.seed is not None, f"{problem.topic}: an exam's problem has no seed"
    return problem.seed


def _choice(letter: str, text: str, mistake: Misconception | None) -> Choice:
    """The option shown as ``letter``: the right answer, or the distractor ``mistake`` gives."""
    if mistake is None:
        return Choice(letter, text, correct=True)
    return Choice(letter, text, False, mistake.label, mistake.explanation)


def _add_options(
    options: list[tuple[str, Misconception | None]],
    mistakes: Sequence[tuple[Misconception, Mapping[str, Any]]],
    part: Part,
) -> None:
    """Each mistake's final answer as an option, unless an option already reads the same."""
    for misconception, answer in mistakes:
        text = answer_text(answer[part.key], part.precision)
        if all(text != seen for seen, _ in options):
            options.append((text, misconception))


#: edits as distractors, likeliest first: the slips students make most (a factor, a sign, a
#: quantity for its neighbour) before the rarer ones (a factor inverted or squared)
LIKELY_EDITS = (
    "dropped",
    "sign",
    "neighbour",
    "added",
    "not-applied",
    "swapped",
    "transpose-dropped",
    "transpose-added",
    "confused",
    "index",
    "term-dropped",
    "doubled",
    "inverted",
    "squared",
)


def _likeliest(mistake: tuple[Misconception, Mapping[str, Any]]) -> tuple[int, int]:
    """An edit mistake's rank as a distractor: by kind, then the later step first (a slip near
    the end gives an answer near the right one, which makes a harder distractor)."""
    edit = mistake[0].edits[0]
    kind = LIKELY_EDITS.index(edit.kind) if edit.kind in LIKELY_EDITS else len(LIKELY_EDITS)
    return (kind, -edit.step)
