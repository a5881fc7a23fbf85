"""What a class's marks say: totals, each question's facility and discrimination, accuracy per
topic, the named mistakes with counts, the edits of the worked solutions grouped by step and
kind, questions that look flawed, and what to re-teach."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from quizgen.core.mutation import KINDS
from quizgen.marking.mark import PartMark
from quizgen.topics import topic_title

#: a mistake held by at least this share of the class goes on the re-teach list
RETEACH_SHARE = 0.2
#: and so does a topic the class scored below this on
WEAK_TOPIC = 0.5
#: fewer students than this, and a negative discrimination is noise, not a flaw
FEW_STUDENTS = 10


@dataclass(frozen=True)
class StudentTotal:
    student: str
    name: str
    mark: Fraction
    max: int
    by_topic: dict[str, tuple[Fraction, int]]  # (marks, of): topics, and DERIVATIONS


#: the by-topic heading of derivation-bank questions, whose topics vary from paper to paper
DERIVATIONS = "derivations"


@dataclass(frozen=True)
class QuestionStats:
    """One blueprint slot across the class (its number on most papers)."""

    slot: str
    label: str
    max: int
    facility: float  # mean share of its marks the class earned
    discrimination: float | None  # correlation with the rest of the paper (None: no spread)
    full_marks: int  # students who earned all of its marks
    flaws: tuple[str, ...]


@dataclass(frozen=True)
class MistakeCount:
    label: str
    explanation: str
    count: int  # parts it was named in
    students: int
    questions: tuple[str, ...]


@dataclass(frozen=True)
class EditCount:
    """One kind of edit at one step of one topic's worked solution, across the class: the same
    slip made on each student's own numbers (so under labels that differ) counts together."""

    topic: str
    step: int
    kind: str
    quantities: tuple[str, ...]  # the quantities of that step it was made in
    count: int  # parts it explains
    students: int

    @property
    def label(self) -> str:
        """ "Batch normalization, step 3, function not applied (in x_hat)"."""
        where = f" (in {', '.join(self.quantities)})" if self.quantities else ""
        return f"{topic_title(self.topic)}, step {self.step}, {KINDS[self.kind]}{where}"

    @property
    def short(self) -> str:
        """For a chart's axis: "step 3, function not applied (batchnorm)"."""
        return f"step {self.step}, {KINDS[self.kind]} ({self.topic})"


@dataclass(frozen=True)
class ClassReport:
    students: tuple[StudentTotal, ...]
    questions: tuple[QuestionStats, ...]
    topics: tuple[tuple[str, float], ...]  # accuracy per topic, weakest first
    mistakes: tuple[MistakeCount, ...]  # most common first
    reteach: tuple[str, ...]
    edits: tuple[EditCount, ...] = ()  # most students first

    @property
    def totals(self) -> list[float]:
        return [float(s.mark) for s in self.students]

    @property
    def max(self) -> int:
        return max((s.max for s in self.students), default=0)

    @property
    def flawed(self) -> list[QuestionStats]:
        return [q for q in self.questions if q.flaws]


def totals(rows: Sequence[PartMark]) -> list[StudentTotal]:
    """One total per student, in the order they first appear, with their per-topic scores:
    a topic's questions, and the derivation-bank questions together (their topics vary from
    paper to paper, so one topic's maximum would not be the same for everyone)."""
    by_student: dict[str, list[PartMark]] = {}
    for row in rows:
        by_student.setdefault(row.student, []).append(row)
    out = []
    for student, marks in by_student.items():
        topics: dict[str, tuple[Fraction, int]] = {}
        for row in marks:
            heading = DERIVATIONS if row.bank else row.topic
            got, out_of = topics.get(heading, (Fraction(0), 0))
            topics[heading] = (got + row.mark, out_of + row.max)
        out.append(
            StudentTotal(
                student,
                marks[0].name,
                sum((r.mark for r in marks), Fraction(0)),
                sum(r.max for r in marks),
                dict(sorted(topics.items(), key=lambda pair: (pair[0] == DERIVATIONS, pair[0]))),
            )
        )
    return out


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r, None when either side does not vary."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def chance_floor(students: int) -> float:
    """How negative a discrimination must be before it is more than chance: about two standard
    errors of a correlation of zero, -2 / sqrt(n) (-0.37 for 30 students, -0.2 for 100)."""
    return -2 / math.sqrt(students)


def slot_order(slot: str) -> tuple:
    """Blueprint slots in blueprint order: "1.2" before "1.10"; named ids by name."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in slot.split("."))


def slot_name(slot: str) -> str:
    """A blueprint slot in words: "1.2" is "section 1, item 2", "4.4.1" (the first question an
    item with a count draws) "section 4, item 4 #1"; a named id stays itself."""
    numbers = slot.split(".")
    if len(numbers) not in (2, 3) or not all(n.isdigit() for n in numbers):
        return slot
    copy = f" #{numbers[2]}" if len(numbers) == 3 else ""
    return f"section {numbers[0]}, item {numbers[1]}{copy}"


def slot_labels(rows: Sequence[PartMark]) -> dict[str, str]:
    """A question's name in reports: "Q3 Sigmoid and its derivative" when it has that number
    on every paper, else its place in the blueprint ("Section 1, item 2: ..."), as shuffled
    sections number it differently."""
    numbers: dict[str, set[int]] = defaultdict(set)
    what = {}
    for row in rows:
        numbers[row.slot].add(row.question)
        what[row.slot] = topic_title(row.what)
    return {
        slot: f"Q{next(iter(n))} {what[slot]}"
        if len(n) == 1
        else f"{slot_name(slot).capitalize()}: {what[slot]}"
        for slot, n in numbers.items()
    }


def question_stats(
    rows: Sequence[PartMark], students: Sequence[StudentTotal]
) -> list[QuestionStats]:
    """Facility and discrimination (the item against the rest of the paper) per slot."""
    per: dict[str, dict[str, tuple[Fraction, int]]] = defaultdict(dict)
    for row in rows:
        got, out_of = per[row.slot].get(row.student, (Fraction(0), 0))
        per[row.slot][row.student] = (got + row.mark, out_of + row.max)
    labels = slot_labels(rows)
    total = {s.student: float(s.mark) for s in students}
    out = []
    for slot in sorted(per, key=slot_order):
        scores = per[slot]
        out_of = max(m for _, m in scores.values())
        shares = [float(g) / m if m else 0.0 for g, m in scores.values()]
        facility = sum(shares) / len(shares)
        item = [float(g) for g, _ in scores.values()]
        rest = [total[s] - float(g) for s, (g, _) in scores.items()]
        r = correlation(item, rest)
        full = sum(1 for g, m in scores.values() if g == m)
        flaws = []
        if all(g == 0 for g, _ in scores.values()):
            flaws.append("nobody earned a mark")
        elif full == 0:
            flaws.append("nobody earned full marks")
        if r is not None and r < chance_floor(len(scores)) and len(scores) >= FEW_STUDENTS:
            flaws.append(f"negative discrimination ({r:.2f}): stronger students did worse")
        out.append(QuestionStats(slot, labels[slot], out_of, facility, r, full, tuple(flaws)))
    return out


def mistake_counts(rows: Sequence[PartMark]) -> list[MistakeCount]:
    """Named mistakes, most common first (ties by name), with the questions they came from."""
    count: Counter[str] = Counter()
    students: dict[str, set[str]] = defaultdict(set)
    questions: dict[str, Counter[str]] = defaultdict(Counter)
    explanation: dict[str, str] = {}
    labels = slot_labels(rows)
    for row in rows:
        if not row.mistake or row.verdict != "wrong":
            continue
        count[row.mistake] += 1
        students[row.mistake].add(row.student)
        part = f" ({row.part})" if row.part != "a" or row.what == row.topic else ""
        questions[row.mistake][f"{labels[row.slot]}{part}"] += 1
        explanation[row.mistake] = row.explanation
    ranked = sorted(count, key=lambda m: (-count[m], m))
    return [
        MistakeCount(m, explanation[m], count[m], len(students[m]), tuple(sorted(questions[m])))
        for m in ranked
    ]


def edit_counts(rows: Sequence[PartMark]) -> list[EditCount]:
    """The edits behind named mistakes, grouped by topic, step and kind, most students first
    (then most parts, then topic and step). A part that several edits explain equally counts
    once under each of their groups: it is evidence for every one of them."""
    count: Counter[tuple[str, int, str]] = Counter()
    students: dict[tuple[str, int, str], set[str]] = defaultdict(set)
    quantities: dict[tuple[str, int, str], dict[str, None]] = defaultdict(dict)
    for row in rows:
        if row.verdict != "wrong":
            continue
        groups: dict[tuple[str, int, str], None] = {}
        for edit in row.edits:
            group = (row.topic, edit.step, edit.kind)
            groups[group] = None
            quantities[group][edit.quantity] = None
        for group in groups:
            count[group] += 1
            students[group].add(row.student)
    ranked = sorted(count, key=lambda g: (-len(students[g]), -count[g], g))
    return [
        EditCount(*group, tuple(quantities[group]), count[group], len(students[group]))
        for group in ranked
    ]


def topic_accuracy(rows: Sequence[PartMark]) -> list[tuple[str, float]]:
    got: dict[str, Fraction] = defaultdict(Fraction)
    out_of: Counter[str] = Counter()
    for row in rows:
        got[row.topic] += row.mark
        out_of[row.topic] += row.max
    found = [(t, float(got[t]) / out_of[t]) for t in out_of if out_of[t]]
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


def analyse(rows: Sequence[PartMark]) -> ClassReport:
    students = totals(rows)
    mistakes = mistake_counts(rows)
    edits = edit_counts(rows)
    topics = topic_accuracy(rows)

    def common(held_by: int) -> bool:
        return bool(students) and held_by / len(students) >= RETEACH_SHARE

    # an edit's own label names one problem's numbers: its group says it for the class
    edited = {row.mistake for row in rows if row.edits}
    reteach = [
        f"{m.label}: {m.students} of {len(students)} students ({', '.join(m.questions)}). "
        f"{m.explanation}"
        for m in mistakes
        if common(m.students) and m.label not in edited
    ]
    reteach += [
        f"{e.label}: {e.students} of {len(students)} students." for e in edits if common(e.students)
    ]
    reteach += [
        f"{topic_title(topic)}: the class earned {accuracy:.0%} of its marks."
        for topic, accuracy in topics
        if accuracy < WEAK_TOPIC
    ]
    return ClassReport(
        tuple(students),
        tuple(question_stats(rows, students)),
        tuple(topics),
        tuple(mistakes),
        tuple(reteach),
        tuple(edits),
    )


@dataclass(frozen=True)
class ClassSummary:
    """The figures ``grade`` ends with: how many were marked, their mean, what is left."""

    students: int
    mean: float
    out_of: int
    mistakes: int
    to_mark: int  # derivations a marker has still to mark by hand


def summary(rows: Sequence[PartMark], report: ClassReport) -> ClassSummary:
    marks = [float(s.mark) for s in report.students]
    return ClassSummary(
        students=len(marks),
        mean=sum(marks) / max(len(marks), 1),
        out_of=report.max,
        mistakes=len(report.mistakes),
        to_mark=sum(1 for r in rows if r.verdict == "to mark"),
    )
