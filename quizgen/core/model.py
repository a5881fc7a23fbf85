"""Plain data passed from topics to writers: problems, solutions, steps, parts, precision.

Text fields may hold inline math between ``$`` signs; ``Step.lines`` and ``Step.result`` are
display LaTeX. Rendering (HTML, PDF, terminal) happens at the edges and reads only these objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")

#: How a topic is asked: ``forward`` computes from the givens (every topic's first form);
#: ``inverse`` solves for a quantity forward takes as given; ``whatif`` changes one thing of
#: the set-up and asks for the new result; ``spot`` shows a worked solution with one wrong step.
Form = Literal["forward", "inverse", "whatif", "spot"]
FORMS: tuple[Form, ...] = ("forward", "inverse", "whatif", "spot")

#: A derivation-bank question's kind: ``derive`` (written out, marked by its scheme), ``order``
#: (the shown steps put in order), ``fill`` (the formula of the blank step chosen), ``choice``
#: (multiple choice). Code that branches on it ends in ``assert_never``, so that the type
#: checker lists every place a new kind must reach.
BankKind = Literal["derive", "order", "fill", "choice"]
BANK_KINDS: tuple[BankKind, ...] = ("derive", "order", "fill", "choice")

#: What one answer came to, the ``verdict`` of marks.csv and of checked records (one word per
#: meaning): ``correct``; ``follow-through`` (worked right from the student's own wrong earlier
#: answer); ``wrong``; ``unreadable`` (not an answer of the asked kind); ``missing`` (nothing
#: given); and for a written derivation ``marked`` (a marker gave its marks) or ``to mark``
#: (written, waiting for a marker's marks).
VerdictWord = Literal[
    "correct", "follow-through", "wrong", "unreadable", "missing", "marked", "to mark"
]

#: What became of a practice question (the history's ``outcome``): ``answered``, ``skipped``,
#: or ``shown`` (the learner asked for the worked solution instead).
Outcome = Literal["answered", "skipped", "shown"]

#: Rounded answers are accepted within this share of their size, when that exceeds one unit in the
#: last shown decimal place (room for rounded intermediate values in long hand calculations).
RELATIVE_TOLERANCE = 0.002


@dataclass(frozen=True)
class Precision:
    """How an answer is shown and graded.

    The one rule: an exact answer (an integer, a perceptron weight) must match exactly; an answer
    rounded to ``decimals`` places is accepted within one unit of its last shown place or within
    0.2 % of its size, whichever is larger.
    """

    decimals: int = 0
    exact: bool = False

    def tolerance(self, value: float) -> float:
        """Largest accepted absolute distance from ``value``."""
        if self.exact:
            return 1e-9 * max(1.0, abs(value))
        return max(10.0**-self.decimals, RELATIVE_TOLERANCE * abs(value))

    def accepts(self, given: float, value: float) -> bool:
        return abs(given - value) <= self.tolerance(value)


EXACT = Precision(exact=True)


@dataclass(frozen=True)
class Part:
    """One asked-for answer: ``key`` is the answer field of the records contract."""

    key: str
    label: str
    precision: Precision
    kind: Literal["scalar", "vector", "matrix", "shapes"] = "scalar"


@dataclass(frozen=True)
class Table:
    """A small table (truth table, perceptron trace, shape table); cells may hold $math$."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Stem:
    """What is asked: text with inline $math$, and the data table the question refers to."""

    text: str
    table: Table | None = None
    #: a worked solution shown as part of the question (a ``spot`` form's steps to check),
    #: numbered from 1 as in a key
    worked: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Step:
    """One step of a worked solution, as in the seed guide.

    ``lines`` are display-LaTeX lines with the numbers substituted; ``result`` is what the step
    establishes, also LaTeX (empty when the last line already says it).
    """

    title: str
    lines: tuple[str, ...]
    result: str = ""


@dataclass(frozen=True)
class Edit:
    """A single edit of a worked solution's computation (see :mod:`quizgen.core.mutation`):
    in step ``step``, the ``kind`` of edit made to ``operand`` in the formula of ``quantity``;
    ``formula`` and ``edited`` are that formula right and as edited, ``right`` its right value."""

    step: int
    quantity: str
    kind: str
    operand: str
    formula: str
    #: the same edit made at another place of the formula (either f of f * f) is the same edit
    edited: str = field(compare=False)
    right: str = field(compare=False)

    def record(self) -> dict[str, Any]:
        """As JSON for scripts: where the edit is and what it did."""
        return {
            "step": self.step,
            "quantity": self.quantity,
            "kind": self.kind,
            "operand": self.operand,
            "formula": self.formula,
            "edited": self.edited,
            "right": self.right,
        }


@dataclass(frozen=True)
class Misconception:
    """A named wrong method: ``solve`` returns the answer fields a student using it would give,
    or ``None`` when the mistake cannot arise for these parameters."""

    label: str
    explanation: str
    solve: Callable[[Any], Mapping[str, Any] | None] = field(compare=False)
    #: the mistake as switches of the topic's ``solve_with(params, **switches)``, so that two
    #: mistakes made at once can be computed together (None: this one does not combine)
    switches: Mapping[str, Any] | None = field(default=None, compare=False)
    #: for a mistake found by editing the computation, the edit (several: equally good ones)
    edits: tuple[Edit, ...] = ()

    @property
    def id(self) -> str:
        """A stable name for scripts and reports, from the label: "forgot-the-1"."""
        return "-".join(re.findall(r"[a-z0-9]+", self.label.lower()))


@dataclass(frozen=True)
class Solution:
    """Everything a key needs: the contract's answer fields, what is asked, and the work."""

    answer: Mapping[str, Any]
    parts: tuple[Part, ...]
    steps: tuple[Step, ...]
    table: Table | None = None


@dataclass(frozen=True)
class Problem:
    """One drawn (or supplied) problem: the topic, the seed it came from, and its parameters."""

    topic: str
    params: Any
    seed: int | None = None
    difficulty: Difficulty | None = None
    form: Form = "forward"


PART_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def part_letter(index: int) -> str:
    """A part's letter on papers, screens and marks: a, b, c, ... (then p27, p28, ...)."""
    return PART_LETTERS[index] if index < len(PART_LETTERS) else f"p{index + 1}"
