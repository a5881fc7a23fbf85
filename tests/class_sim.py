"""A simulated class for the marking tests: each student answers their own paper, making each
known mistake with a set probability, so the marks and mistake counts are known in advance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from quizgen import topics
from quizgen.core.grading import agrees, distinct_misconceptions
from quizgen.core.latex import answer_text
from quizgen.exam.model import BankItem, Item
from quizgen.marking.mark import parts_of
from quizgen.marking.papers import Paper


@dataclass
class Written:
    """What a simulated student wrote, and what marking must find."""

    rows: list[tuple[str, int, str, str]] = field(default_factory=list)
    expected_total: dict[str, Fraction] = field(default_factory=dict)
    mistakes: dict[str, int] = field(default_factory=dict)  # label -> questions made in


def sit(
    papers: Sequence[Paper], rng: np.random.Generator, mistake_rate: float, blank_rate: float = 0.0
) -> Written:
    """Each student answers each worked question right, or (with ``mistake_rate``) by one of
    its known mistakes throughout, or leaves it blank; choice and bank questions are right
    with probability 1 - mistake_rate; derivations get a random mark."""
    out = Written()
    for paper in papers:
        total = Fraction(0)
        for item in paper.items:
            q = item.number
            if isinstance(item, BankItem):
                total += _bank(out, paper.student, item, rng, mistake_rate)
                continue
            roll = rng.random()
            if roll < blank_rate:
                continue
            if item.choices:
                right = next(c for c in item.choices if c.correct)
                wrong = [c for c in item.choices if not c.correct]
                if wrong and rng.random() < mistake_rate:
                    pick = wrong[int(rng.integers(len(wrong)))]
                    out.rows.append((paper.student, q, "a", pick.letter.lower()))
                    out.mistakes[pick.misconception] = out.mistakes.get(pick.misconception, 0) + 1
                else:
                    out.rows.append((paper.student, q, "a", right.letter))
                    total += item.marks
                continue
            answer = dict(item.solution.answer)
            mistakes = one_part_mistakes(item)
            if mistakes and rng.random() < mistake_rate:
                label, key, value = mistakes[int(rng.integers(len(mistakes)))]
                answer[key] = value
                out.mistakes[label] = out.mistakes.get(label, 0) + 1
            for name, part, share in zip(parts_of(item), item.solution.parts, item.part_marks):
                out.rows.append(
                    (paper.student, q, name, answer_text(answer[part.key], part.precision))
                )
                if answer[part.key] is item.solution.answer[part.key]:
                    total += share
        out.expected_total[paper.student] = total
    return out


def one_part_mistakes(item: Item) -> list[tuple[str, str, object]]:
    """Known mistakes that change one part only, each the only mistake giving that value:
    (label, part key, wrong value). Written with the key's other answers, each costs exactly
    that part's marks and must be named."""
    topic = topics.get(item.problem.topic, item.problem.form)
    offered = distinct_misconceptions(topic.misconceptions, item.problem.params, item.solution)
    found = []
    for misconception, answer in offered:
        off = [
            p
            for p in item.solution.parts
            if not agrees(answer[p.key], item.solution.answer[p.key], p)
        ]
        if len(off) != 1:
            continue
        part = off[0]
        shown = answer_text(answer[part.key], part.precision)
        twins = [
            m
            for m, other in offered
            if m is not misconception and answer_text(other[part.key], part.precision) == shown
        ]
        if not twins:
            found.append((misconception.label, part.key, answer[part.key]))
    return found


def _bank(out: Written, student: str, item: BankItem, rng, mistake_rate: float) -> Fraction:
    q = item.number
    if item.kind == "derive":
        mark = int(rng.integers(item.marks + 1))
        out.rows.append((student, q, "a", str(mark)))
        return Fraction(mark)
    if item.kind == "order":
        right = [item.order.index(j) + 1 for j in range(len(item.order))]
        if rng.random() < mistake_rate:  # one neighbouring pair swapped: one step's mark lost
            for i in range(len(right) - 1):
                swapped = [*right]
                swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
                if not item.accepts_order(swapped):
                    out.rows.append((student, q, "a", " ".join(map(str, swapped))))
                    return Fraction(item.marks * (len(right) - 1), len(right))
        out.rows.append((student, q, "a", " ".join(map(str, right))))
        return Fraction(item.marks)
    right = next(o for o in item.options if o.correct)
    wrong = [o for o in item.options if not o.correct]
    if wrong and rng.random() < mistake_rate:
        out.rows.append((student, q, "a", wrong[0].letter))
        return Fraction(0)
    out.rows.append((student, q, "a", right.letter))
    return Fraction(item.marks)


def long_csv(written: Written) -> str:
    lines = ["student,question,part,answer"]
    for student, q, part, text in written.rows:
        quoted = '"' + text.replace('"', '""') + '"'
        lines.append(f"{student},{q},{part},{quoted}")
    return "\n".join(lines) + "\n"
