"""The site's state in PostgreSQL (``quizgen serve --class ... --database postgresql://...``):
the tables of ``store`` and the class's histories in one database, so several worker processes
or several machines behind a proxy serve one class.

Every query is the SQLite store's own; what differs is how the database is opened and how a
learner's requests are made one at a time across processes: a transaction around the whole
request (its recorded attempts and its save commit together) holding an advisory lock of that
learner's own, so other learners' requests never wait for it.
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
#: the first key of the advisory locks a request's transaction holds (the second: its
#: learner's, hashed), so one request of a learner at a time
REQUEST_LOCK = 0x717A6702


class PostgresStore(Store):
    """A connection to a class's PostgreSQL database: the site's state and every learner's
    history (``history``)."""

    db: Connection

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
    def writing(self, key: str) -> Iterator[None]:
        """One transaction around a whole request of ``key`` (a learner, or whoever a bucket
        is for), holding ``key``'s lock; the saves, takes and recorded attempts inside it join
        it. Two keys whose hashes meet share a lock: a rare wait, never a wrong answer."""
        if self._writing:
            yield
            return
        with self.db.transaction():
            self.db.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (REQUEST_LOCK, key))
            self._writing = True
            try:
                yield
            finally:
                self._writing = False

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """The request's transaction, or one of its own outside a request."""
        if self._writing:
            yield
            return
        with self.db.transaction():
            yield
