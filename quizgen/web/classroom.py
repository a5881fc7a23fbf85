"""Who may use the site and what each may see: one learner on this machine, or a class whose
students each hold a private link, with the teacher's own link to the class's results.

Class data lives in one folder: ``links.json`` (the secrets, kept so links survive a restart),
``links.csv`` and ``links.html`` (a printable sheet with a QR code per student),
``assignments.json`` and one history database per student (``history/ID.sqlite``), so one
student's attempts cannot reach another's pages.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizgen.core.errors import QuizgenError
from quizgen.exam.model import Student
from quizgen.practice.history import History
from quizgen.publish.papers import atomic_write
from quizgen.web.security import find_token, new_token
from quizgen.web.sitting import Sitting

if TYPE_CHECKING:
    from markupsafe import Markup

SOLO = "me"
#: a student is "stuck" when, of their latest STUCK_WINDOW answers, at most STUCK_RIGHT are right
STUCK_WINDOW = 8
STUCK_RIGHT = 2


@dataclass
class Learner:
    id: str
    name: str
    token: str
    history_path: Path
    _history: History | None = None
    sitting: Sitting | None = None

    @property
    def history(self) -> History:
        if self._history is None:
            self._history = History(self.history_path)
        return self._history

    def close(self) -> None:
        if self._history is not None:
            self._history.close()
            self._history = None


@dataclass(frozen=True)
class Assignment:
    """A practice set from a blueprint: each student gets their own numbers."""

    id: str
    title: str
    blueprint: str  # as the teacher gave it: a path or a shipped name
    seed: int


@dataclass
class Classroom:
    learners: dict[str, Learner]  # by token
    teacher_token: str | None = None
    folder: Path | None = None
    assignments: list[Assignment] = field(default_factory=list)

    @property
    def is_class(self) -> bool:
        return self.teacher_token is not None

    def learner(self, token: str) -> Learner | None:
        """The learner whose private link this is (constant-time comparison)."""
        owner = find_token(token, ((t, t) for t in self.learners))
        return self.learners.get(owner) if owner else None

    def is_teacher(self, token: str) -> bool:
        return (
            self.teacher_token is not None
            and find_token(token, [(self.teacher_token, "teacher")]) == "teacher"
        )

    def close(self) -> None:
        for learner in self.learners.values():
            learner.close()

    def add_assignment(self, title: str, blueprint: str, seed: int) -> Assignment:
        assignment = Assignment(f"a{len(self.assignments) + 1}", title, blueprint, seed)
        self.assignments.append(assignment)
        if self.folder is not None:
            data = [a.__dict__ for a in self.assignments]
            _write(self.folder / "assignments.json", json.dumps(data, indent=1) + "\n")
        return assignment


def solo(db: Path) -> Classroom:
    """One learner on this machine, with the terminal quiz's history database."""
    return Classroom({SOLO: Learner(SOLO, "you", SOLO, db)})


def _write(path: Path, text: str) -> None:
    atomic_write(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def open_class(roster: Sequence[Student], folder: Path) -> Classroom:
    """The class's links (made once, kept in ``links.json``) and each student's history."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "history").mkdir(exist_ok=True)
    links = folder / "links.json"
    try:
        saved: dict[str, Any] = json.loads(links.read_text(encoding="utf-8"))
    except FileNotFoundError:
        saved = {}
    except (OSError, ValueError) as error:
        raise QuizgenError(f"{links}: cannot read the class's links ({error})") from None
    teacher = saved.get("teacher") or new_token()
    tokens: dict[str, str] = dict(saved.get("students", {}))
    for student in roster:
        tokens.setdefault(student.id, new_token())
    _write(links, json.dumps({"teacher": teacher, "students": tokens}, indent=1) + "\n")
    os.chmod(links, 0o600)
    learners = {
        tokens[s.id]: Learner(s.id, s.name, tokens[s.id], folder / "history" / f"{s.id}.sqlite")
        for s in roster
    }
    assignments = []
    if (folder / "assignments.json").exists():
        data = json.loads((folder / "assignments.json").read_text(encoding="utf-8"))
        assignments = [Assignment(**a) for a in data]
    return Classroom(learners, teacher, folder, assignments)


def student_url(base: str, learner: Learner) -> str:
    return f"{base.rstrip('/')}/s/{learner.token}/"


def teacher_url(base: str, classroom: Classroom) -> str:
    return f"{base.rstrip('/')}/t/{classroom.teacher_token}/"


def links_csv(classroom: Classroom, base: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "name", "link"])
    for learner in classroom.learners.values():
        writer.writerow([learner.id, learner.name, student_url(base, learner)])
    return buffer.getvalue()


def link_cards(classroom: Classroom, base: str) -> list[tuple[Learner, str, Markup]]:
    """(learner, private link, QR code as SVG) for the printable sheet."""
    from markupsafe import Markup

    cards = []
    for learner in classroom.learners.values():
        url = student_url(base, learner)
        cards.append((learner, url, Markup(qr_svg(url))))
    return cards


def qr_svg(url: str) -> str:
    """A QR code of ``url`` as inline SVG (segno: pure Python, no network)."""
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=3, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


# -- the teacher's view -------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentRow:
    id: str
    name: str
    answered: int
    right: int
    last_active: float | None
    top_mistake: str
    stuck: bool
    by_topic: dict[str, tuple[int, int]]

    @property
    def accuracy(self) -> float:
        return self.right / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class ClassView:
    students: list[StudentRow]
    topics: list[tuple[str, int, int]]  # topic, attempts, right
    mistakes: list[tuple[str, str, int, int]]  # topic, mistake, times, students


def class_view(classroom: Classroom) -> ClassView:
    """Every student's history read once: accuracy per topic, mistakes, who is stuck."""
    rows = []
    topics: Counter[str] = Counter()
    topics_right: Counter[str] = Counter()
    mistakes: Counter[tuple[str, str]] = Counter()
    holders: dict[tuple[str, str], set[str]] = {}
    for learner in classroom.learners.values():
        if not learner.history_path.exists():
            rows.append(StudentRow(learner.id, learner.name, 0, 0, None, "", False, {}))
            continue
        history = learner.history
        stats = history.topic_stats()
        seen = history.misconceptions(limit=100)
        latest = history.latest(STUCK_WINDOW)
        for s in stats:
            topics[s.topic] += s.attempts
            topics_right[s.topic] += s.correct
        for topic, label, times in seen:
            mistakes[(topic, label)] += times
            holders.setdefault((topic, label), set()).add(learner.id)
        stuck = len(latest) == STUCK_WINDOW and sum(c for c, _, _ in latest) <= STUCK_RIGHT
        rows.append(
            StudentRow(
                learner.id,
                learner.name,
                sum(s.attempts for s in stats),
                sum(s.correct for s in stats),
                latest[0][2] if latest else None,
                seen[0][1] if seen else "",
                stuck,
                {s.topic: (s.attempts, s.correct) for s in stats},
            )
        )
    return ClassView(
        rows,
        [(t, topics[t], topics_right[t]) for t in sorted(topics)],
        [
            (topic, label, times, len(holders[(topic, label)]))
            for (topic, label), times in sorted(mistakes.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    )


def class_csv(view: ClassView) -> str:
    topics = [t for t, _, _ in view.topics]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["id", "name", "answered", "right", "accuracy", "last_active", "stuck", "top_mistake"]
        + [f"{t} accuracy" for t in topics]
    )
    for s in view.students:
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(s.last_active)) if s.last_active else ""
        by_topic = [
            f"{s.by_topic[t][1] / s.by_topic[t][0]:.2f}" if s.by_topic.get(t, (0, 0))[0] else ""
            for t in topics
        ]
        writer.writerow(
            [
                s.id,
                s.name,
                s.answered,
                s.right,
                f"{s.accuracy:.2f}",
                when,
                "yes" if s.stuck else "",
                s.top_mistake,
                *by_topic,
            ]
        )
    return buffer.getvalue()
