"""What the site keeps between requests, in SQLite (one file per class, WAL): each learner's
sittings (what is on their screen, as the actions that led there), which one is current, and
the rate limit's buckets. Nothing a page needs lives only in the server's memory, so a restart
(even ``kill -9``) or another process carries on exactly where the learner was.

The schema carries its version in ``PRAGMA user_version``; MIGRATIONS take an older file up to
it, and a file from a newer quizgen is refused with a one-line message. The queries are SQL
that PostgreSQL reads too (upserts by ``ON CONFLICT``): ``postgres_store`` runs them unchanged.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class Saved:
    """One sitting as stored: ``revision`` grows by one with every save."""

    slot: str
    revision: int
    state: dict[str, Any]


class Store:
    """A connection to a class's state file (used by one thread at a time: the event loop)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writing = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
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
    def writing(self) -> Iterator[None]:
        """One write transaction around a whole request (read, judge, save): every process on
        this file waits its turn, so two requests of one learner never both act on the same
        revision. The saves and takes inside it join it."""
        if self._writing:
            yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._writing = True
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        finally:
            self._writing = False

    def current(self, learner: str) -> Saved | None:
        """The sitting on the learner's screen, if any."""
        row = self.db.execute("SELECT slot FROM current WHERE learner = ?", (learner,)).fetchone()
        return self.sitting(learner, row[0]) if row else None

    def sitting(self, learner: str, slot: str) -> Saved | None:
        row = self.db.execute(
            "SELECT revision, state FROM sittings WHERE learner = ? AND slot = ?", (learner, slot)
        ).fetchone()
        return Saved(slot, row[0], json.loads(row[1])) if row else None

    def save(self, learner: str, slot: str, state: dict[str, Any], current: bool = True) -> int:
        """Store a sitting (and make it the current one); returns its new revision."""
        with self.writing():
            row = self.db.execute(
                "SELECT revision FROM sittings WHERE learner = ? AND slot = ?", (learner, slot)
            ).fetchone()
            revision = (row[0] if row else 0) + 1
            self.db.execute(
                "INSERT INTO sittings (learner, slot, revision, state, updated)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (learner, slot) DO UPDATE SET"
                " revision = excluded.revision, state = excluded.state, updated = excluded.updated",
                (learner, slot, revision, json.dumps(state, sort_keys=True), time.time()),
            )
            if current:
                self._point(learner, slot)
        return revision

    def make_current(self, learner: str, slot: str) -> None:
        with self.writing():
            self._point(learner, slot)

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
        False when it is empty. One transaction, so every process shares the same bucket."""
        now = time.time()
        with self.writing():
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
