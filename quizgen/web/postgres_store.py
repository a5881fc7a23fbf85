"""The site's state in PostgreSQL (``quizgen serve --class ... --database postgresql://...``):
the tables of ``store`` and the class's histories in one database, so several worker processes
or several machines behind a proxy serve one class.

Every query is the SQLite store's own; what differs is how the database is opened and how a
request is made one at a time across processes (an advisory lock held by its transaction, as
``BEGIN IMMEDIATE`` does for the SQLite file).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from quizgen.core.postgres import Connection, migrate
from quizgen.practice import shared_history
from quizgen.practice.shared_history import SharedHistory
from quizgen.web.store import SCHEMA_VERSION, Store

#: PostgreSQL's spelling of store.MIGRATIONS (times in DOUBLE PRECISION: its REAL is 4 bytes).
MIGRATIONS: dict[int, tuple[str, ...]] = {
    0: (
        """
        CREATE TABLE sittings (
            learner TEXT NOT NULL,
            slot TEXT NOT NULL,
            revision INTEGER NOT NULL,
            state TEXT NOT NULL,
            updated DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (learner, slot)
        )
        """,
        "CREATE TABLE current (learner TEXT PRIMARY KEY, slot TEXT NOT NULL)",
        """
        CREATE TABLE buckets (
            key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, at DOUBLE PRECISION NOT NULL
        )
        """,
    ),
}
#: the advisory lock a request's transaction holds: one request of the class at a time
REQUEST_LOCK = 0x717A6702


class PostgresStore(Store):
    """A connection to a class's PostgreSQL database: the site's state and every learner's
    history (``history``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._writing = False
        self.db = Connection(url)
        try:
            migrate(self.db, "site", MIGRATIONS, SCHEMA_VERSION)
            shared_history.create_tables(self.db)
        except BaseException:
            self.db.close()
            raise

    def reopen(self) -> PostgresStore:
        """A new connection in this same store, for a forked worker: the learners' histories
        hold the store, so they follow it."""
        self.db = Connection(self.url)
        return self

    def history(self, learner: str) -> SharedHistory:
        return SharedHistory(lambda: self.db, learner)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One transaction around a whole request, the class's request lock held by it; the
        saves, takes and recorded attempts inside it join it."""
        if self._writing:
            yield
            return
        with self.db.transaction():
            self.db.execute("SELECT pg_advisory_xact_lock(?)", (REQUEST_LOCK,))
            self._writing = True
            try:
                yield
            finally:
                self._writing = False
