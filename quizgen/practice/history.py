"""Practice history in SQLite: every attempt at every part, kept across sessions.

Each attempt is written in its own transaction and the database runs in WAL mode, so killing
the quiz at any moment leaves a consistent database with every answer given so far. Several
quiz sessions and ``stats`` may share one database: a writer waits for another (up to
BUSY_SECONDS) instead of failing on the lock, and readers never block writers.

The schema carries its version in ``PRAGMA user_version``: a database from an older quizgen is
migrated on open, one from a newer quizgen, or a file that is not a history, is refused with a
one-line message.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from quizgen.core.errors import QuizgenError, os_reason
from quizgen.core.model import Outcome

#: The schema this quizgen writes; MIGRATIONS bring older databases up to it.
SCHEMA_VERSION = 2
BUSY_SECONDS = 30.0

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS sessions (
        id INTEGER PRIMARY KEY,
        started REAL NOT NULL,
        mode TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS attempts (
        id INTEGER PRIMARY KEY,
        session INTEGER NOT NULL REFERENCES sessions(id),
        at REAL NOT NULL,
        topic TEXT NOT NULL,
        seed INTEGER NOT NULL,
        difficulty TEXT NOT NULL,
        code TEXT NOT NULL,
        part TEXT NOT NULL,
        answer TEXT,              -- as typed, NULL when skipped
        correct INTEGER NOT NULL,
        follow_through INTEGER NOT NULL DEFAULT 0,
        misconception TEXT,
        hint INTEGER NOT NULL DEFAULT 0,  -- hints shown while answering this part
        seconds REAL NOT NULL,
        outcome TEXT NOT NULL DEFAULT 'answered'  -- answered, skipped or shown
    )
    """,
    """
    CREATE INDEX IF NOT EXISTS attempts_topic ON attempts(topic, at)
    """,
)
#: the self-marks of a shown derivation, on its row (both back ends; see History.mark_shown)
SELF_MARKED = (
    "UPDATE attempts SET answer = ?, correct = ? WHERE id = (SELECT MAX(id) FROM attempts"
    " WHERE session = ? AND code = ? AND outcome = 'shown' AND answer IS NULL)"
)
#: SQL that takes a database from version v (the key) to v + 1. quizgen 0.1.0 wrote version
#: 1's tables without a version (0), so its step only stamps the version; version 2 says what
#: each attempt was (a skipped part used to be a row with no answer).
MIGRATIONS: dict[int, tuple[str, ...]] = {
    0: (),
    1: (
        "ALTER TABLE attempts ADD COLUMN outcome TEXT NOT NULL DEFAULT 'answered'",
        "UPDATE attempts SET outcome = 'skipped' WHERE answer IS NULL",
    ),
}


def default_path() -> Path:
    """The history database in the user's data directory (e.g. ~/.local/share/quizgen)."""
    from platformdirs import user_data_path

    return user_data_path("quizgen") / "history.sqlite3"


@dataclass(frozen=True)
class Attempt:
    topic: str
    seed: int
    difficulty: str
    code: str
    part: str
    answer: str | None
    correct: bool
    seconds: float
    follow_through: bool = False
    misconception: str | None = None
    hints: int = 0  # hints shown while answering this part
    outcome: Outcome = "answered"


#: an attempt's columns after its session, in the order attempt_values gives them; both history
#: back ends (this file and the class's shared database) store the same row
ATTEMPT_COLUMNS = (
    "session, at, topic, seed, difficulty, code, part, answer, correct, follow_through,"
    " misconception, hint, seconds, outcome"
)
ATTEMPT_MARKS = ", ".join("?" for _ in ATTEMPT_COLUMNS.split(","))


def attempt_values(session: int, attempt: Attempt) -> tuple[object, ...]:
    """The row that stores ``attempt`` in ``session``, stamped now."""
    return (
        session,
        time.time(),
        attempt.topic,
        attempt.seed,
        attempt.difficulty,
        attempt.code,
        attempt.part,
        attempt.answer,
        int(attempt.correct),
        int(attempt.follow_through),
        attempt.misconception,
        attempt.hints,
        attempt.seconds,
        attempt.outcome,
    )


@dataclass(frozen=True)
class TopicStats:
    topic: str
    attempts: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.attempts if self.attempts else 0.0


class History:
    """A connection to the history database. ``create=False`` opens an existing one only (for
    reading: ``stats`` never leaves an empty database behind a mistyped path)."""

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = path
        if not create and not path.is_file():
            raise QuizgenError(f"{path}: no such history database")
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            # one connection, used by one thread at a time (the terminal, or the site's event
            # loop); tests and shutdown may close it from another
            self.db = sqlite3.connect(
                path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            reason = os_reason(path, exc) if isinstance(exc, OSError) else str(exc)
            raise QuizgenError(f"{path}: cannot open the history database: {reason}") from None
        try:
            self._upgrade()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise QuizgenError(f"{path}: not a quizgen history database ({exc})") from None
        except QuizgenError:
            self.db.close()
            raise

    def _upgrade(self) -> None:
        """Create the tables, or migrate an older database, in one transaction."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise QuizgenError(
                f"{self.path}: history written by a newer quizgen (schema {version}; this "
                f"one reads up to {SCHEMA_VERSION}); upgrade quizgen or use another --db"
            )
        tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master")}
        if version == SCHEMA_VERSION and {"sessions", "attempts"} <= tables:
            self._wal()
            return
        if tables - {"sessions", "attempts", "attempts_topic"} or (
            tables and not {"sessions", "attempts"} <= tables
        ):
            raise QuizgenError(f"{self.path}: not a quizgen history database (other tables)")
        self._wal()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]  # under the lock
            steps = (
                [SCHEMA] if not tables else [MIGRATIONS[v] for v in range(version, SCHEMA_VERSION)]
            )
            for statements in steps:  # one by one: executescript would commit the transaction
                for statement in statements:
                    self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _wal(self) -> None:
        if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.db.execute("PRAGMA journal_mode=WAL")
        # a committed attempt survives the process's crash (kill -9) without a disk sync per
        # answer: what NORMAL may lose is the last moments before a power cut (a sync per
        # commit cost the site's answer about 10 ms on a busy disk)
        self.db.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        self.db.close()

    def start_session(self, mode: str) -> int:
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO sessions (started, mode) VALUES (?, ?)", (time.time(), mode)
            )
        assert cursor.lastrowid is not None  # set by every INSERT
        return cursor.lastrowid

    def record(self, session: int, attempt: Attempt) -> None:
        with self.db:
            self.db.execute(
                f"INSERT INTO attempts ({ATTEMPT_COLUMNS}) VALUES ({ATTEMPT_MARKS})",
                attempt_values(session, attempt),
            )

    def mark_shown(self, session: int, code: str, answer: str, correct: bool) -> None:
        """Give the row of a question whose model answer was shown (``outcome`` shown, no
        answer yet) the marks the learner then gave themselves; it stays recorded as shown."""
        with self.db:
            self.db.execute(SELF_MARKED, (answer, int(correct), session, code))

    def topic_stats(self) -> list[TopicStats]:
        rows = self.db.execute(
            "SELECT topic, COUNT(*), SUM(correct) FROM attempts GROUP BY topic ORDER BY topic"
        )
        return [TopicStats(topic, n, int(right or 0)) for topic, n, right in rows]

    def misconceptions(self, limit: int = 5) -> list[tuple[str, str, int]]:
        """(topic, misconception, times) for the most frequent named mistakes."""
        return list(
            self.db.execute(
                "SELECT topic, misconception, COUNT(*) AS n FROM attempts"
                " WHERE misconception IS NOT NULL GROUP BY topic, misconception"
                " ORDER BY n DESC, topic, misconception LIMIT ?",
                (limit,),
            )
        )

    def by_day(self) -> list[tuple[str, int, int]]:
        """(day, attempts, correct) per calendar day (UTC), oldest first."""
        return [
            (day, n, int(right or 0))
            for day, n, right in self.db.execute(
                "SELECT date(at, 'unixepoch'), COUNT(*), SUM(correct) FROM attempts"
                " GROUP BY 1 ORDER BY 1"
            )
        ]

    def recent(self, topic: str, limit: int = 10) -> list[tuple[bool, str]]:
        """(correct, difficulty) of the latest attempts at a topic, newest first."""
        return [
            (bool(c), d)
            for c, d in self.db.execute(
                "SELECT correct, difficulty FROM attempts WHERE topic = ? AND answer IS NOT NULL"
                " ORDER BY id DESC LIMIT ?",
                (topic, limit),
            )
        ]

    def topic_by_day(self) -> list[tuple[str, str, int, int]]:
        """(topic, day, attempts, correct) per topic and calendar day (UTC), oldest first."""
        return [
            (topic, day, n, int(right or 0))
            for topic, day, n, right in self.db.execute(
                "SELECT topic, date(at, 'unixepoch'), COUNT(*), SUM(correct) FROM attempts"
                " GROUP BY 1, 2 ORDER BY 2, 1"
            )
        ]

    def latest(self, limit: int = 10) -> list[tuple[bool, str | None, float]]:
        """(correct, named mistake, when) of the latest answered parts, newest first."""
        return [
            (bool(c), m, at)
            for c, m, at in self.db.execute(
                "SELECT correct, misconception, at FROM attempts WHERE answer IS NOT NULL"
                " ORDER BY id DESC LIMIT ?",
                (limit,),
            )
        ]

    def count(self, outcome: Outcome | None = None) -> int:
        """Attempts recorded (of one outcome: answered, skipped or shown)."""
        if outcome is None:
            return int(self.db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])
        query = "SELECT COUNT(*) FROM attempts WHERE outcome = ?"
        return int(self.db.execute(query, (outcome,)).fetchone()[0])
