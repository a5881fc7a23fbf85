"""Practice histories of a whole class in one PostgreSQL database, so that several server
processes or machines share them: the same tables as ``history`` with a ``learner`` column, and
the same questions answered for one learner.

A history here borrows its connection from whoever owns it (the site's store), so an attempt
recorded during a request joins that request's transaction: the answer and the page that
acknowledges it are stored together or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from quizgen.core.model import Outcome
from quizgen.core.postgres import Connection, migrate
from quizgen.practice.history import (
    ATTEMPT_COLUMNS,
    ATTEMPT_MARKS,
    SELF_MARKED,
    Attempt,
    History,
    TopicStats,
    attempt_values,
)

SCHEMA_VERSION = 1
#: SQL that takes the history tables from version v (the key) to v + 1.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    0: (
        """
        CREATE TABLE sessions (
            id BIGSERIAL PRIMARY KEY,
            learner TEXT NOT NULL,
            started DOUBLE PRECISION NOT NULL,
            mode TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE attempts (
            id BIGSERIAL PRIMARY KEY,
            learner TEXT NOT NULL,
            session BIGINT NOT NULL REFERENCES sessions(id),
            at DOUBLE PRECISION NOT NULL,
            topic TEXT NOT NULL,
            seed BIGINT NOT NULL,
            difficulty TEXT NOT NULL,
            code TEXT NOT NULL,
            part TEXT NOT NULL,
            answer TEXT,              -- as typed, NULL when skipped
            correct INTEGER NOT NULL,
            follow_through INTEGER NOT NULL DEFAULT 0,
            misconception TEXT,
            hint INTEGER NOT NULL DEFAULT 0,
            seconds DOUBLE PRECISION NOT NULL,
            outcome TEXT NOT NULL DEFAULT 'answered'
        )
        """,
        "CREATE INDEX attempts_learner_topic ON attempts(learner, topic, at)",
        "CREATE INDEX attempts_learner_id ON attempts(learner, id)",
    ),
}
DAY = "to_char(to_timestamp(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


def create_tables(db: Connection) -> None:
    migrate(db, "history", MIGRATIONS, SCHEMA_VERSION)


class SharedHistory:
    """One learner's history in the class's database (the methods of ``history.History``).
    ``connection`` gives the owner's current connection (a forked worker opens its own)."""

    def __init__(self, connection: Callable[[], Connection], learner: str) -> None:
        self._connection = connection
        self.learner = learner

    @property
    def db(self) -> Connection:
        return self._connection()

    def close(self) -> None:
        """Nothing to close: the connection is the owner's."""

    def exists(self) -> bool:
        """Whether this learner has practised at all."""
        query = "SELECT 1 FROM sessions WHERE learner = ? LIMIT 1"
        return self.db.execute(query, (self.learner,)).fetchone() is not None

    def start_session(self, mode: str) -> int:
        row = self.db.execute(
            "INSERT INTO sessions (learner, started, mode) VALUES (?, ?, ?) RETURNING id",
            (self.learner, time.time(), mode),
        ).fetchone()
        return int(row[0])

    def record(self, session: int, attempt: Attempt) -> None:
        self.db.execute(
            f"INSERT INTO attempts (learner, {ATTEMPT_COLUMNS}) VALUES (?, {ATTEMPT_MARKS})",
            (self.learner, *attempt_values(session, attempt)),
        )

    def mark_shown(self, session: int, code: str, answer: str, correct: bool) -> None:
        """As History.mark_shown (a session belongs to one learner, so it names the row)."""
        self.db.execute(SELF_MARKED, (answer, int(correct), session, code))

    def _rows(self, sql: str, *params: object) -> list[tuple]:
        return list(self.db.execute(sql, (self.learner, *params)))

    def topic_stats(self) -> list[TopicStats]:
        rows = self._rows(
            "SELECT topic, COUNT(*), SUM(correct) FROM attempts WHERE learner = ?"
            " GROUP BY topic ORDER BY topic"
        )
        return [TopicStats(topic, n, int(right or 0)) for topic, n, right in rows]

    def misconceptions(self, limit: int = 5) -> list[tuple[str, str, int]]:
        """(topic, misconception, times) for the most frequent named mistakes."""
        rows = self._rows(
            "SELECT topic, misconception, COUNT(*) AS n FROM attempts"
            " WHERE learner = ? AND misconception IS NOT NULL GROUP BY topic, misconception"
            " ORDER BY n DESC, topic, misconception LIMIT ?",
            limit,
        )
        return [(topic, label, int(n)) for topic, label, n in rows]

    def by_day(self) -> list[tuple[str, int, int]]:
        """(day, attempts, correct) per calendar day (UTC), oldest first."""
        rows = self._rows(
            f"SELECT {DAY}, COUNT(*), SUM(correct) FROM attempts WHERE learner = ?"
            " GROUP BY 1 ORDER BY 1"
        )
        return [(day, n, int(right or 0)) for day, n, right in rows]

    def recent(self, topic: str, limit: int = 10) -> list[tuple[bool, str]]:
        """(correct, difficulty) of the latest attempts at a topic, newest first."""
        rows = self._rows(
            "SELECT correct, difficulty FROM attempts WHERE learner = ? AND topic = ?"
            " AND answer IS NOT NULL ORDER BY id DESC LIMIT ?",
            topic,
            limit,
        )
        return [(bool(c), d) for c, d in rows]

    def topic_by_day(self) -> list[tuple[str, str, int, int]]:
        """(topic, day, attempts, correct) per topic and calendar day (UTC), oldest first."""
        rows = self._rows(
            f"SELECT topic, {DAY}, COUNT(*), SUM(correct) FROM attempts WHERE learner = ?"
            " GROUP BY 1, 2 ORDER BY 2, 1"
        )
        return [(topic, day, n, int(right or 0)) for topic, day, n, right in rows]

    def latest(self, limit: int = 10) -> list[tuple[bool, str | None, float]]:
        """(correct, named mistake, when) of the latest answered parts, newest first."""
        rows = self._rows(
            "SELECT correct, misconception, at FROM attempts WHERE learner = ?"
            " AND answer IS NOT NULL ORDER BY id DESC LIMIT ?",
            limit,
        )
        return [(bool(c), m, at) for c, m, at in rows]

    def count(self, outcome: Outcome | None = None) -> int:
        """Attempts recorded (of one outcome: answered, skipped or shown)."""
        if outcome is None:
            return int(self._rows("SELECT COUNT(*) FROM attempts WHERE learner = ?")[0][0])
        query = "SELECT COUNT(*) FROM attempts WHERE learner = ? AND outcome = ?"
        return int(self._rows(query, outcome)[0][0])


#: a learner's history: in a file of its own, or in the class's database
AnyHistory = History | SharedHistory
