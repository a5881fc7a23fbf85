"""Who may use the site and what each may see: one learner on this machine, or a class whose
students each hold a private link, with the teacher's own link to the class's results.

Class data lives in one folder, readable by its owner only (0700, files 0600): ``links.json``
(the secrets, kept so links survive a restart), ``links.csv`` and ``links.html`` (a printable
sheet with a QR code per student), ``form-secret`` (the key of the form tokens, so a form from
before a restart is still good), ``assignments.json`` with a copy of each assigned blueprint in
``blueprints/``, ``site.sqlite`` (what is on each student's screen, see ``store``) and one
history database per student (``history/ID.sqlite``), so one student's attempts cannot reach
another's pages. With ``--database postgresql://...`` the site's state and the histories are
kept in PostgreSQL instead (``postgres_store``), shared by every process serving the class,
and so are the links, the form key, the assignments with their blueprints' text and which
servers hold the class (``class_record``): another machine on the same database, with an empty
or absent folder, serves the same class.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import secrets
import shutil
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from quizgen.core.errors import QuizgenError, os_reason
from quizgen.exam.model import Student
from quizgen.practice.history import History
from quizgen.publish.papers import atomic_write
from quizgen.web.security import TokenIndex, find_token, new_token
from quizgen.web.store import Store

if TYPE_CHECKING:
    from markupsafe import Markup

    from quizgen.practice.shared_history import SharedHistory
    from quizgen.web.class_record import Assigned, ServerClaim
    from quizgen.web.postgres_store import PostgresStore

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
    shared: PostgresStore | None = None  # the class's database, when histories are kept there
    _history: History | SharedHistory | None = None

    @property
    def history(self) -> History | SharedHistory:
        if self._history is None:
            if self.shared is not None:
                self._history = self.shared.history(self.id)
                return self._history
            self._history = History(self.history_path)
            if self.id != SOLO:
                self.history_path.chmod(0o600)  # its -wal and -shm files take the same mode
        return self._history

    def has_practised(self) -> bool:
        """Whether there is any history to read (without creating an empty one)."""
        if self.shared is not None:
            return self.shared.history(self.id).exists()
        return self.history_path.exists()

    def close(self) -> None:
        if self._history is not None:
            self._history.close()
            self._history = None


@dataclass(frozen=True)
class Assignment:
    """A practice set from a blueprint: each student gets their own numbers."""

    id: str
    title: str
    blueprint: str  # a shipped name, or its copy in the class folder (relative to it)
    seed: int


@dataclass
class Classroom:
    learners: dict[str, Learner]  # by token
    store: Store
    secret: bytes  # the form tokens' key
    teacher_token: str | None = None
    folder: Path | None = None
    assigned: list[Assignment] = field(default_factory=list)  # see assignments
    lock: IO[str] | None = None  # held while the class is open: one server per folder
    #: this server's row among those serving a class kept in PostgreSQL (several may)
    server_claim: ServerClaim | None = None
    #: each assignment's picks for the class (see picks), computed once
    drawn: dict[str, Mapping[str, Mapping[str, int]]] = field(default_factory=dict)
    _index: TokenIndex[Learner] | None = None  # the learners by link, made on first use

    @property
    def is_class(self) -> bool:
        return self.teacher_token is not None

    @property
    def shared(self) -> PostgresStore | None:
        """The class's PostgreSQL database, when the whole class is kept there."""
        from quizgen.web.postgres_store import PostgresStore

        return self.store if isinstance(self.store, PostgresStore) else None

    @property
    def assignments(self) -> list[Assignment]:
        """The sets assigned so far: read from the database when the class is kept there
        (another machine may have assigned one since), their blueprints' copies written into
        this machine's folder."""
        shared = self.shared
        if shared is not None and self.folder is not None:
            from quizgen.web import class_record

            rows = class_record.assignments(shared.db)
            self.assigned = [_from_record(row) for row in rows]
            for row in rows:
                _copy_blueprint(self.folder, row)
        return self.assigned

    def learner(self, token: str) -> Learner | None:
        """The learner whose private link this is (see TokenIndex: nothing told by timing)."""
        if self._index is None:
            self._index = TokenIndex(self.learners)
        return self._index.find(token)

    def is_teacher(self, token: str) -> bool:
        return (
            self.teacher_token is not None
            and find_token(token, [(self.teacher_token, "teacher")]) == "teacher"
        )

    def close(self) -> None:
        for learner in self.learners.values():
            learner.close()
        self.store.close()
        if self.lock is not None:
            self.lock.close()
            self.lock = None
        if self.server_claim is not None:
            self.server_claim.close()
            self.server_claim = None

    def claim(self, who: str) -> list[str]:
        """Say in the lock file who holds the folder (a second server names it), and in the
        class's database when it has one; the other servers of the class now (there may be
        several on one database, one per folder)."""
        if self.lock is not None:
            self.lock.seek(0)
            self.lock.truncate()
            self.lock.write(who + "\n")
            self.lock.flush()
        return self.server_claim.claim(who) if self.server_claim is not None else []

    def located(self, state: dict[str, Any]) -> dict[str, Any]:
        """A stored sitting with its assigned blueprint read from this machine's copy (the
        state may have been saved by a server whose class folder is elsewhere)."""
        spec = state["spec"]
        if spec["kind"] != "assigned":
            return state
        assignment = self.assignment(spec["slot"])
        if assignment is None:
            return state
        return {**state, "spec": {**spec, "blueprint": self.blueprint_path(assignment)}}

    def assignment(self, wanted: str) -> Assignment | None:
        return next((a for a in self.assignments if a.id == wanted), None)

    def picks(self, assignment: Assignment, student_id: str) -> Mapping[str, int]:
        """The redraws of a student's copy of an assignment that keep the class's copies
        apart, as a class set printed for this class has them (exam.build.roster_draws)."""
        if assignment.id not in self.drawn:
            from quizgen.exam.blueprint import find_blueprint, load_blueprint
            from quizgen.exam.build import roster_draws
            from quizgen.exam.model import Student

            blueprint = load_blueprint(find_blueprint(self.blueprint_path(assignment)))
            students = [Student(learner.id, learner.name) for learner in self.learners.values()]
            self.drawn[assignment.id] = roster_draws(blueprint, assignment.seed, students).picks
        return self.drawn[assignment.id].get(student_id, {})

    def blueprint_path(self, assignment: Assignment) -> str:
        """Where an assignment's blueprint is read from: a shipped name, or its copy here."""
        from quizgen.exam.blueprint import shipped_blueprints

        if assignment.blueprint in shipped_blueprints() or self.folder is None:
            return assignment.blueprint
        return str(self.folder / assignment.blueprint)

    def add_assignment(self, title: str, blueprint: str, seed: int) -> Assignment:
        """Assign a blueprint (a shipped name, or a file in the class folder, copied so that
        moving or editing the file later changes nothing for the students)."""
        from quizgen.exam.blueprint import load_blueprint, shipped_blueprints

        shipped = shipped_blueprints()
        name = blueprint.removesuffix(".yaml")
        source = None if name in shipped else self._inside(blueprint)
        title = title or load_blueprint(source or shipped[name]).title
        shared = self.shared
        if shared is not None:  # numbered by the database: other machines may assign too
            from quizgen.web import class_record

            copy = source.read_text(encoding="utf-8") if source else None
            row = class_record.add_assignment(
                shared.db, title, source.name if source else name, seed, copy
            )
            return next(a for a in self.assignments if a.id == f"a{row.number}")
        number = f"a{len(self.assigned) + 1}"
        if source is not None:
            assert self.folder is not None
            name = f"blueprints/{number}-{source.name}"
            (self.folder / "blueprints").mkdir(mode=0o700, exist_ok=True)
            atomic_write(self.folder / name, lambda temporary: _copy(source, temporary))
        assignment = Assignment(number, title, name, seed)
        self.assigned.append(assignment)
        if self.folder is not None:
            data = [a.__dict__ for a in self.assigned]
            _write(self.folder / "assignments.json", json.dumps(data, indent=1) + "\n")
        return assignment

    def _inside(self, given: str) -> Path:
        """A blueprint file in the class folder; anything else is refused with the same words
        whether or not it exists, so the field says nothing about the server's other files."""
        from quizgen.exam.blueprint import shipped_blueprints

        folder = self.folder.resolve() if self.folder else None
        path = (folder / given).resolve() if folder else None
        if folder is None or path is None or not path.is_relative_to(folder) or not path.is_file():
            names = ", ".join(sorted(shipped_blueprints()))
            where = f" or a .yaml file in the class folder {self.folder}" if self.folder else ""
            raise QuizgenError(
                f"{given}: not a blueprint here (give a shipped name: {names}{where})"
            )
        return path


def solo(db: Path) -> Classroom:
    """One learner on this machine, with the terminal quiz's history database; the site's
    state beside it."""
    state = db.with_name(f"{db.stem}-web.sqlite")
    secret = form_secret(db.with_name(f"{db.stem}-web.key"))
    return Classroom({SOLO: Learner(SOLO, "you", SOLO, db)}, Store(state), secret)


def form_secret(path: Path) -> bytes:
    """The form tokens' key, drawn once and kept (0600), so forms outlive a restart."""
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as error:
        raise QuizgenError(f"{path}: cannot read the form key ({error})") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process drew it first: use theirs
        return form_secret(path)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    return key


def _write(path: Path, text: str) -> None:
    def write(temporary: Path) -> None:
        temporary.write_text(text, encoding="utf-8")

    atomic_write(path, write)


def _copy(source: Path, temporary: Path) -> None:
    shutil.copyfile(source, temporary)


LOCK = "serve.lock"


def _hold(folder: Path) -> IO[str]:
    """The class folder's lock, taken before any of its files is read or written: a second
    server on it is refused, naming the first. The lock goes with the process however it ends
    (even ``kill -9``)."""
    handle = open(folder / LOCK, "a+", encoding="utf-8")  # noqa: SIM115 - held while open
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        who = handle.read().strip() or "another process"
        handle.close()
        raise QuizgenError(
            f"{folder}: this class folder is in use by another quizgen serve ({who}); stop it "
            "first, or give another --class-dir"
        ) from None
    return handle


def open_class(roster: Sequence[Student], folder: Path, database: str | None = None) -> Classroom:
    """The class's links (made once, kept in ``links.json``) and each student's history, the
    folder locked for this process until ``close``. ``database``: a ``postgresql://`` address
    where the site's state and the histories are kept instead of the folder's SQLite files."""
    for place in (folder, folder / "history"):
        place.mkdir(mode=0o700, parents=True, exist_ok=True)
        place.chmod(0o700)  # the students' links and answers: the teacher's alone
    lock = _hold(folder)
    try:
        return _open(roster, folder, lock, database)
    except BaseException:
        lock.close()
        raise


def _open(
    roster: Sequence[Student], folder: Path, lock: IO[str], database: str | None
) -> Classroom:
    store = _store(folder, database)  # first: a database that cannot be reached changes nothing
    try:
        return _with_links(roster, folder, lock, store)
    except BaseException:
        store.close()
        raise


def _with_links(roster: Sequence[Student], folder: Path, lock: IO[str], store: Store) -> Classroom:
    from quizgen.web.postgres_store import PostgresStore

    shared = store if isinstance(store, PostgresStore) else None
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
    assigned = _folder_assignments(folder)
    if shared is None:
        secret = form_secret(folder / "form-secret")
        claim = None
    else:
        teacher, tokens, secret = _agree(shared, folder, teacher, tokens, assigned)
        claim = _claim(shared)
    _write(links, json.dumps({"teacher": teacher, "students": tokens}, indent=1) + "\n")
    os.chmod(links, 0o600)
    learners = {
        tokens[s.id]: Learner(
            s.id, s.name, tokens[s.id], folder / "history" / f"{s.id}.sqlite", shared
        )
        for s in roster
    }
    return Classroom(learners, store, secret, teacher, folder, assigned, lock, claim)


def _folder_assignments(folder: Path) -> list[Assignment]:
    path = folder / "assignments.json"
    if not path.exists():
        return []
    try:
        return [Assignment(**a) for a in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError) as error:
        raise QuizgenError(f"{path}: cannot read the class's assignments ({error})") from None


def _agree(
    shared: PostgresStore,
    folder: Path,
    teacher: str,
    tokens: dict[str, str],
    assigned: Sequence[Assignment],
) -> tuple[str, dict[str, str], bytes]:
    """The class as its database keeps it (links, form key), what the folder holds offered
    for whatever the database lacks (a class that moved from SQLite keeps its links); the
    folder's form key brought in line."""
    from quizgen.web import class_record

    class_record.create_tables(shared.db)
    teacher, kept = class_record.agree_links(shared.db, teacher, tokens)
    path = folder / "form-secret"
    offered = form_secret(path) if path.exists() else secrets.token_bytes(32)
    secret = class_record.agree_secret(shared.db, offered)
    if not path.exists() or form_secret(path) != secret:
        _write(path, secret.hex() + "\n")
        os.chmod(path, 0o600)
    class_record.offer_assignments(shared.db, [_to_record(a, folder) for a in assigned])
    return teacher, {sid: kept[sid] for sid in tokens}, secret


def _claim(shared: PostgresStore) -> ServerClaim:
    from quizgen.web.class_record import ServerClaim

    return ServerClaim(shared.url)


def _to_record(assignment: Assignment, folder: Path) -> Assigned:
    from quizgen.exam.blueprint import shipped_blueprints
    from quizgen.web.class_record import Assigned

    copy = None
    if assignment.blueprint not in shipped_blueprints():
        path = folder / assignment.blueprint
        try:
            copy = path.read_text(encoding="utf-8")
        except OSError as error:
            reason = os_reason(path, error)
            raise QuizgenError(f"{path}: cannot read an assigned blueprint ({reason})") from None
    number = int(assignment.id.removeprefix("a"))
    return Assigned(number, assignment.title, assignment.blueprint, assignment.seed, copy)


def _from_record(row: Assigned) -> Assignment:
    return Assignment(f"a{row.number}", row.title, row.blueprint, row.seed)


def _copy_blueprint(folder: Path, row: Assigned) -> None:
    """The database's copy of an assigned blueprint file, in this machine's class folder."""
    if row.copy is None:
        return
    path = folder / row.blueprint
    try:
        if path.read_text(encoding="utf-8") == row.copy:
            return
    except FileNotFoundError:
        path.parent.mkdir(mode=0o700, exist_ok=True)
    _write(path, row.copy)


def _store(folder: Path, database: str | None) -> Store:
    if database is None:
        return Store(folder / "site.sqlite")
    from quizgen.web.postgres_store import PostgresStore

    return PostgresStore(database)


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
    shown: int = 0  # parts whose solution they asked to see before answering

    @property
    def accuracy(self) -> float | None:
        """The share right, or None for a student who never practised (shown blank, not 0 %)."""
        return self.right / self.answered if self.answered else None


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
        if not learner.has_practised():
            rows.append(StudentRow(learner.id, learner.name, 0, 0, None, "", False, {}, 0))
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
                history.count("shown"),
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


@dataclass(frozen=True)
class SetRow:
    """One student's progress through an assigned set (their first and only attempt)."""

    name: str
    started: bool
    problem: int  # problems reached (all of them once it is over)
    total: int
    over: bool
    right: int
    asked: int


def set_progress(classroom: Classroom) -> list[tuple[Assignment, list[SetRow]]]:
    """Each assigned set with every student's progress through it, from the store."""
    progress = []
    for assignment in classroom.assignments:
        saved = classroom.store.in_slot(assignment.id)
        rows = []
        for learner in classroom.learners.values():
            state = saved.get(learner.id)
            if state is None:
                rows.append(SetRow(learner.name, False, 0, 0, False, 0, 0))
                continue
            scores = state["scores"].values()
            rows.append(
                SetRow(
                    learner.name,
                    True,
                    state["number"],
                    state["total"],
                    state["over"],
                    sum(right for right, _ in scores),
                    sum(asked for _, asked in scores),
                )
            )
        progress.append((assignment, rows))
    return progress


def class_csv(view: ClassView) -> str:
    topics = [t for t, _, _ in view.topics]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["id", "name", "answered", "right", "accuracy", "last_active", "stuck", "top_mistake"]
        + ["solutions_shown"]
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
                "" if s.accuracy is None else f"{s.accuracy:.2f}",  # blank: never practised
                when,
                "yes" if s.stuck else "",
                s.top_mistake,
                s.shown,
                *by_topic,
            ]
        )
    return buffer.getvalue()
