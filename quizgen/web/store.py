"""What the site keeps between requests, in SQLite (one file per class, WAL): each learner's
sittings (what is on their screen, as the actions that led there), which one is current, and
the rate limit's buckets. Nothing a page needs lives only in the server's memory, so a restart
(even ``kill -9``) or another process carries on exactly where the learner was.

The schema carries its version in ``PRAGMA user_version``; MIGRATIONS take an older file up to
it, and a file from a newer quizgen is refused with a one-line message. The queries are SQL
that PostgreSQL reads too (upserts by ``ON CONFLICT``): ``postgres_store`` runs them unchanged.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from quizgen.core.errors import QuizgenError, os_reason

SCHEMA_VERSION = 1
BUSY_SECONDS = 30.0
#: SQL that takes the store from version v (the key) to v + 1.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    0: (
        """
        CREATE TABLE sittings (
            learner TEXT NOT NULL,
            slot TEXT NOT NULL,        -- "practice", or the id of an assigned set
            revision INTEGER NOT NULL,
            state TEXT NOT NULL,       -- JSON: how to draw it, where it is, the actions since
            updated REAL NOT NULL,
            PRIMARY KEY (learner, slot)
        )
        """,
        "CREATE TABLE current (learner TEXT PRIMARY KEY, slot TEXT NOT NULL)",
        "CREATE TABLE buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, at REAL NOT NULL)",
    ),
}


class Database(Protocol):
    """What the store asks of its connection: sqlite3's, or ``core.postgres.Connection``."""

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Saved:
    """One sitting as stored: ``revision`` grows by one with every save."""

    slot: str
    revision: int
    state: dict[str, Any]


class Store:
    """A connection to a class's state file (used by one thread at a time: the event loop),
    and the learners' locks beside it (``site-locks/``: a file per learner, locked while one
    of their requests runs)."""

    db: Database

    def __init__(self, path: Path) -> None:
        self.path = path
        self.locks = path.with_name(f"{path.stem}-locks")
        self._writing = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.locks.mkdir(mode=0o700, exist_ok=True)
            self.db = sqlite3.connect(
                path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False
            )
            path.chmod(0o600)
        except (OSError, sqlite3.Error) as exc:
            reason = os_reason(path, exc) if isinstance(exc, OSError) else str(exc)
            raise QuizgenError(f"{path}: cannot open the site's state: {reason}") from None
        try:
            self._upgrade()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise QuizgenError(f"{path}: not a quizgen site state file ({exc})") from None
        except QuizgenError:
            self.db.close()
            raise

    def _upgrade(self) -> None:
        if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.db.execute("PRAGMA journal_mode=WAL")
        # committed is kept through a crash of the process (kill -9): what NORMAL may lose is
        # the last moments before a power cut, and it spares a disk sync per request
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise QuizgenError(
                    f"{self.path}: site state written by a newer quizgen (schema {version}; "
                    f"this one reads up to {SCHEMA_VERSION}); upgrade quizgen"
                )
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()

    def reopen(self) -> Store:
        """A connection of its own for a forked worker (none may cross a fork)."""
        return Store(self.path)

    @contextmanager
    def writing(self, key: str) -> Iterator[None]:
        """One request of ``key`` (a learner, or whoever a rate-limit bucket is for) at a time,
        in every process on this file, so two requests of one learner never both act on the
        same revision; other learners' requests do not wait. The lock is a file of the key's
        own (an flock, which goes with the process however it ends); the writes inside are
        short transactions of their own, so the file's write lock is held for a statement or
        two, not for the judging. Requests inside it join it."""
        if self._writing:
            yield
            return
        name = hashlib.sha256(key.encode()).hexdigest()[:32]  # a link's token is no file name
        descriptor = os.open(self.locks / name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            self._writing = True
            try:
                yield
            finally:
                self._writing = False
        finally:
            os.close(descriptor)  # and with it the lock

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """A few statements written whole or not at all (one commit for them)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def current(self, learner: str) -> Saved | None:
        """The sitting on the learner's screen, if any."""
        row = self.db.execute("SELECT slot FROM current WHERE learner = ?", (learner,)).fetchone()
        return self.sitting(learner, row[0]) if row else None

    def sitting(self, learner: str, slot: str) -> Saved | None:
        row = self.db.execute(
            "SELECT revision, state FROM sittings WHERE learner = ? AND slot = ?", (learner, slot)
        ).fetchone()
        return Saved(slot, row[0], json.loads(row[1])) if row else None

    def revision(self, learner: str, slot: str | None = None) -> tuple[str, int] | None:
        """(slot, revision) of the learner's current sitting (or of ``slot``): one query, the
        state left unread, for a server that may have that revision already."""
        if slot is None:
            row = self.db.execute(
                "SELECT s.slot, s.revision FROM current c JOIN sittings s"
                " ON s.learner = c.learner AND s.slot = c.slot WHERE c.learner = ?",
                (learner,),
            ).fetchone()
        else:
            row = self.db.execute(
                "SELECT slot, revision FROM sittings WHERE learner = ? AND slot = ?",
                (learner, slot),
            ).fetchone()
        return (row[0], row[1]) if row else None

    def save(self, learner: str, slot: str, state: dict[str, Any], current: bool = True) -> int:
        """Store a sitting (and make it the current one); returns its new revision."""
        with self._transaction():
            (revision,) = self.db.execute(
                "INSERT INTO sittings (learner, slot, revision, state, updated)"
                " VALUES (?, ?, 1, ?, ?) ON CONFLICT (learner, slot) DO UPDATE SET"
                " revision = sittings.revision + 1, state = excluded.state,"
                " updated = excluded.updated RETURNING revision",
                (learner, slot, json.dumps(state, sort_keys=True), time.time()),
            ).fetchone()
            if current:
                self._point(learner, slot)
        return int(revision)

    def make_current(self, learner: str, slot: str) -> None:
        self._point(learner, slot)  # one statement: atomic as it is

    def _point(self, learner: str, slot: str) -> None:
        self.db.execute(
            "INSERT INTO current (learner, slot) VALUES (?, ?)"
            " ON CONFLICT (learner) DO UPDATE SET slot = excluded.slot",
            (learner, slot),
        )

    def in_slot(self, slot: str) -> dict[str, dict[str, Any]]:
        """Every learner's sitting of one slot (an assigned set), by learner."""
        rows = self.db.execute("SELECT learner, state FROM sittings WHERE slot = ?", (slot,))
        return {learner: json.loads(state) for learner, state in rows}

    def take(self, key: str, per_second: float, burst: int) -> bool:
        """Take one token from ``key``'s bucket (``burst`` at most, refilled at ``per_second``);
        False when it is empty. Under ``key``'s lock (or the request's it is taken in: a
        learner's bucket is theirs alone), so every process shares the same bucket."""
        now = time.time()
        with self.writing(key), self._transaction():
            row = self.db.execute("SELECT tokens, at FROM buckets WHERE key = ?", (key,)).fetchone()
            tokens, last = row if row else (float(burst), now)
            tokens = min(float(burst), tokens + max(0.0, now - last) * per_second)
            allowed = tokens >= 1
            self.db.execute(
                "INSERT INTO buckets (key, tokens, at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, at = excluded.at",
                (key, tokens - 1 if allowed else tokens, now),
            )
        return allowed
