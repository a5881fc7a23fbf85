"""Comparing answers at the precision they are marked at, and naming the mistake behind one.

The quiz, the exporters and the tests all judge answers here, so "right" means the same thing
everywhere: :meth:`quizgen.core.model.Precision.accepts`, applied entry by entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from quizgen.core.model import Misconception, Part, Solution

#: what names a wrong method: one misconception, or a pair of them made at once
Mistake = TypeVar("Mistake", Misconception, tuple[Misconception, Misconception])


def agrees(given: Any, expected: Any, part: Part) -> bool:
    """Does ``given`` match ``expected`` (scalar, vector, matrix or list of shapes) for ``part``?

    >>> from quizgen.core.model import Precision
    >>> agrees([0.731, 0.197], [0.7310585, 0.19661], Part("v", "v", Precision(3), "vector"))
    True
    >>> agrees([1, 2], [1, 2, 3], Part("v", "v", Precision(3), "vector"))
    False
    """
    return _agrees(given, expected, part.precision.accepts)


def _agrees(given: Any, expected: Any, accepts: Callable[[float, float], bool]) -> bool:
    """:func:`agrees` with the part's rule at hand: the exporters and the mistake search
    compare thousands of answers entry by entry, so a list's numbers are judged in its loop
    rather than a call each."""
    if not isinstance(expected, (list, tuple)):
        if isinstance(given, (list, tuple)) or given is None:
            return False
        return accepts(float(given), float(expected))
    if not isinstance(given, (list, tuple)) or len(given) != len(expected):
        return False
    for g, e in zip(given, expected):
        if isinstance(e, (list, tuple)) or isinstance(g, (list, tuple)) or g is None:
            if not _agrees(g, e, accepts):
                return False
        elif not accepts(float(g), float(e)):
            return False
    return True


def same_answer(
    parts: Sequence[Part], given: Mapping[str, Any], expected: Mapping[str, Any]
) -> bool:
    """Do two answers agree on every asked-for part?"""
    for part in parts:
        key = part.key
        if key not in given or not _agrees(given[key], expected[key], part.precision.accepts):
            return False
    return True


def distinct_misconceptions(
    misconceptions: Sequence[Misconception], params: Any, solution: Solution
) -> list[tuple[Misconception, Mapping[str, Any]]]:
    """The misconceptions that lead to a different answer on this problem, with that answer.

    A mistake that happens to give the right numbers here (forgetting eta when eta = 1) is
    dropped, and so is one that gives the same numbers as a mistake listed before it.
    """
    found: list[tuple[Misconception, Mapping[str, Any]]] = []
    for misconception in misconceptions:
        answer = misconception.solve(params)
        if answer is None or same_answer(solution.parts, answer, solution.answer):
            continue
        if any(same_answer(solution.parts, answer, other) for _, other in found):
            continue
        found.append((misconception, answer))
    return found


SHAPE_AXES = ("height", "width", "channels")


def entry_name(part: Part, index: tuple[int, ...]) -> str:
    """Which entry of a list answer, in words: "entry 2", "row 1, column 2", "layer 2: width".

    >>> from quizgen.core.model import EXACT
    >>> entry_name(Part("shapes", "s", EXACT, "shapes"), (1, 1))
    'layer 2: width'
    """
    if not index:
        return ""
    if part.kind == "shapes" and len(index) == 2:
        layer, axis = index
        return f"layer {layer + 1}: {SHAPE_AXES[axis] if axis < 3 else f'entry {axis + 1}'}"
    if part.kind == "matrix" and len(index) == 2:
        return f"row {index[0] + 1}, column {index[1] + 1}"
    return ", ".join(f"entry {i + 1}" for i in index)


def _indexed(value: Any, index: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], Any]]:
    if isinstance(value, (list, tuple)):
        return [pair for i, v in enumerate(value) for pair in _indexed(v, (*index, i))]
    return [(index, value)]


def wrong_entries(given: Any, expected: Any, part: Part) -> list[tuple[int, ...]]:
    """The indices where a list answer of the right shape is off ([] if shapes differ)."""
    got, want = _indexed(given), _indexed(expected)
    if part.kind == "scalar" or [i for i, _ in got] != [i for i, _ in want]:
        return []
    return [
        i
        for (i, g), (_, e) in zip(got, want, strict=True)
        if not part.precision.accepts(float(g), float(e))
    ]


def distinct_pairs(
    topic: Any,
    params: Any,
    solution: Solution,
    singles: Sequence[tuple[Misconception, Mapping[str, Any]]],
) -> list[tuple[tuple[Misconception, Misconception], Mapping[str, Any]]]:
    """Two mistakes made at once, for topics that compute mistakes as switches of one solver:
    each pair whose switches do not overlap, with the answer they give together, kept when it
    differs from the right answer, from every single mistake and from the pairs before it."""
    solve_with = getattr(topic.computes, "solve_with", None)
    if solve_with is None:
        return []
    combinable = [(m, m.switches) for m, _ in singles if m.switches]
    found: list[tuple[tuple[Misconception, Misconception], Mapping[str, Any]]] = []
    for i, (first, first_switches) in enumerate(combinable):
        for second, second_switches in combinable[i + 1 :]:
            if set(first_switches) & set(second_switches):
                continue
            answer = solve_with(params, **first_switches, **second_switches)
            others = [solution.answer, *(a for _, a in singles), *(a for _, a in found)]
            if answer is None or any(same_answer(solution.parts, answer, o) for o in others):
                continue
            found.append(((first, second), answer))
    return found


@dataclass(frozen=True)
class Verdict:
    """How one typed answer to one part was judged."""

    correct: bool
    expected: Any
    follow_through: bool = (
        False  # wrong against the key, right from the student's own earlier answers
    )
    misconception: Misconception | None = None
    too_coarse: bool = False  # right, but rounded to fewer decimal places than asked
    #: for a list answer of the right shape: the entries that are off, in words
    wrong: tuple[str, ...] = ()
    also: Misconception | None = None  # a second mistake made at the same time


def judge(
    part: Part,
    given: Any,
    solution: Solution,
    followed: Mapping[str, Any],
    offered: Sequence[tuple[Misconception, Mapping[str, Any]]],
    earlier: Mapping[str, Any] | None = None,
    pairs: Sequence[tuple[tuple[Misconception, Misconception], Mapping[str, Any]]] = (),
    edits: Sequence[tuple[Misconception, Mapping[str, Any]]] = (),
) -> Verdict:
    """Judge ``given`` for ``part``: right, right by follow-through from the student's earlier
    answers (``followed`` holds what those imply), or wrong, naming the misconception behind
    it. A mistake is named only when it is the one method that gives this answer *and* every
    earlier answer the student typed (``earlier``, by part key): two methods can agree on one
    part (adding the gradient and flipping the error give the same new weights), and the
    earlier parts tell them apart. When they cannot, nothing is named: never a wrong name.
    The listed mistakes (``offered``, then two at once, ``pairs``) come first; only when none
    of them explains the answer are the single edits of the computation (``edits``) tried."""
    expected = solution.answer[part.key]
    if agrees(given, expected, part):
        return Verdict(True, expected)
    if part.key in followed and agrees(given, followed[part.key], part):
        return Verdict(True, expected, follow_through=True)
    parts = {p.key: p for p in solution.parts}
    earlier = earlier or {}
    off = wrong_entries(given, expected, part)
    wrong = tuple(entry_name(part, i) for i in off)
    matching = _explaining(offered, part, given, earlier, parts)
    if len(matching) == 1:
        return Verdict(False, expected, misconception=matching[0], wrong=wrong)
    if matching:
        return _unexplained(given, expected, part, wrong)
    both = _explaining(pairs, part, given, earlier, parts)
    if len(both) == 1:
        ((first, second),) = both
        return Verdict(False, expected, misconception=first, also=second, wrong=wrong)
    if both:
        return _unexplained(given, expected, part, wrong)
    late = _named_late(part, given, earlier, parts, offered, edits, off)
    if late is not None:
        return Verdict(False, expected, misconception=late, wrong=wrong)
    return _unexplained(given, expected, part, wrong)


def _named_late(
    part: Part,
    given: Any,
    earlier: Mapping[str, Any],
    parts: Mapping[str, Part],
    offered: Sequence[tuple[Misconception, Mapping[str, Any]]],
    edits: Sequence[tuple[Misconception, Mapping[str, Any]]],
    off: Sequence[tuple[int, ...]],
) -> Misconception | None:
    """When no listed mistake explains the whole answer: the one edit of the computation that
    nobody listed, else the one mistake made in the entries that are ``off`` only (two or more
    of them); None when no method or several explain it."""
    for candidates, only in ((edits, ()), (offered, off), (edits, off)):
        if only and len(only) < 2:
            break
        found = _explaining(candidates, part, given, earlier, parts, only)
        if found:
            return found[0] if len(found) == 1 else None
    return None


def _unexplained(given: Any, expected: Any, part: Part, wrong: tuple[str, ...]) -> Verdict:
    """Wrong, with no mistake named (but perhaps only rounded too coarsely)."""
    return Verdict(
        False, expected, too_coarse=rounded_too_coarsely(given, expected, part), wrong=wrong
    )


def _explaining(
    offered: Sequence[tuple[Mistake, Mapping[str, Any]]],
    part: Part,
    given: Any,
    earlier: Mapping[str, Any],
    parts: Mapping[str, Part],
    only: Sequence[tuple[int, ...]] = (),
) -> list[Mistake]:
    """The mistakes (single ones or pairs) that give ``given`` for ``part`` and every earlier
    answer typed; with ``only`` (the entries of a list answer that are off), those that give
    those entries."""
    found = []
    for mistake, answer in offered:
        if part.key not in answer:
            continue
        if only:
            gives = all(_entry_agrees(given, answer[part.key], i, part) for i in only)
        else:
            gives = agrees(given, answer[part.key], part)
        if gives and _gives_earlier(answer, earlier, parts):
            found.append(mistake)
    return found


def _gives_earlier(
    answer: Mapping[str, Any], earlier: Mapping[str, Any], parts: Mapping[str, Part]
) -> bool:
    """Does a method's ``answer`` agree with every earlier answer the student typed (those it
    computes)? Two methods that agree on one part can differ on the parts before it."""
    return all(
        key not in answer or agrees(value, answer[key], parts[key])
        for key, value in earlier.items()
    )


def _entry_agrees(given: Any, other: Any, index: tuple[int, ...], part: Part) -> bool:
    for i in index:
        if not isinstance(other, (list, tuple)) or i >= len(other):
            return False
        given, other = given[i], other[i]
    return not isinstance(other, (list, tuple)) and part.precision.accepts(
        float(given), float(other)
    )


def _pairs(given: Any, expected: Any) -> list[tuple[float, float]] | None:
    """(given, expected) entry by entry, or None when the shapes differ."""
    if isinstance(expected, (list, tuple)):
        if not isinstance(given, (list, tuple)) or len(given) != len(expected):
            return None
        out: list[tuple[float, float]] = []
        for g, e in zip(given, expected):
            inner = _pairs(g, e)
            if inner is None:
                return None
            out += inner
        return out
    if isinstance(given, (list, tuple)) or given is None:
        return None
    return [(float(given), float(expected))]


def _decimals(value: float) -> int:
    text = f"{value:.10f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def rounded_too_coarsely(given: Any, expected: Any, part: Part) -> bool:
    """Is a wrong answer right but rounded to fewer decimal places than the part asks for?
    Every entry off the mark must be the right value rounded to k < asked places.

    >>> from quizgen.core.model import Precision
    >>> part = Part("s", "s", Precision(4))
    >>> rounded_too_coarsely(0.2, 0.19661, part), rounded_too_coarsely(0.3, 0.19661, part)
    (True, False)
    """
    pairs = _pairs(given, expected)
    if part.precision.exact or not pairs:
        return False
    wrong = [(g, e) for g, e in pairs if not part.precision.accepts(g, e)]
    return bool(wrong) and all(
        any(
            _decimals(g) <= k and abs(g - round(e, k)) < 1e-9
            for k in range(part.precision.decimals)
        )
        for g, e in wrong
    )
