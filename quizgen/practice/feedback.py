"""What a face says about a judged part, in words: the same sentences in the terminal and in the
browser, so the faces only choose colours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from quizgen.core.grading import Verdict
from quizgen.core.latex import answer_text
from quizgen.core.model import Part
from quizgen.render import wording

#: How what is said looks: the faces' colour (and the web's CSS class) for a correct, a
#: follow-through and a wrong verdict. Not a verdict word itself (see ``core.model.VerdictWord``).
Tone = Literal["right", "follow-through", "wrong"]


@dataclass(frozen=True)
class Said:
    """``text`` (may hold $math$) said in ``tone``."""

    tone: Tone
    text: str

    @property
    def right(self) -> bool:
        return self.tone != "wrong"


def explain(part: Part, verdict: Verdict, index: int, repeated: bool = False) -> Said:
    """How a part was judged; ``index`` is the part's place (0 = first), and a mistake already
    explained in this problem (``repeated``) is only recalled, not explained again."""
    expected = answer_text(verdict.expected, part.precision)
    if verdict.correct and verdict.follow_through:
        many = index > 1
        return Said(
            "follow-through",
            f"Consistent with your earlier answer{'s' if many else ''}, which "
            f"{'were' if many else 'was'} wrong: credit for this step (follow-through). "
            f"From the right values it is {expected}.",
        )
    if verdict.correct:
        return Said("right", "Correct.")
    if verdict.too_coarse:
        places = part.precision.decimals
        return Said(
            "wrong", f"Right, but rounded too coarsely: give {places} decimal places, {expected}."
        )
    where = f" Off at {', '.join(verdict.wrong)}." if verdict.wrong else ""
    m, also = verdict.misconception, verdict.also
    why = f" It looks like you {m.label}: {m.explanation}" if m else ""
    if m and repeated:
        why = f" The same mistake again: you {m.label}."
    if m and also:
        why = (
            f" It looks like two mistakes at once: you {m.label} ({m.explanation}) "
            f"and you {also.label} ({also.explanation})"
        )
    return Said("wrong", f"The answer is {expected}.{where}{why}")


def rounding(part: Part) -> str:
    """How to round, as a prompt says it: " (to 3 decimal places)", or nothing if exact."""
    return wording.rounding(part.precision)
