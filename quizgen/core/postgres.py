"""PostgreSQL for what several processes or machines share (a class's site state and
histories): the connection, and versioned schemas kept in one ``quizgen_schema`` table.

psycopg is imported only when a ``postgresql://`` address is given, so the SQLite default needs
nothing more; the SQL written for sqlite3 (``?`` placeholders) runs unchanged through
``Connection.execute``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from quizgen.core.errors import QuizgenError

SCHEMES = ("postgresql://", "postgres://")
#: held while a schema is created or migrated: two processes starting at once take turns
MIGRATION_LOCK = 0x717A6701


def is_url(text: str) -> bool:
    return text.startswith(SCHEMES)


def shown(url: str) -> str:
    """The address without its password, for messages."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


class Connection:
    """One autocommit psycopg connection (transactions are explicit, as with sqlite3's
    ``isolation_level=None``), taking sqlite3's ``?`` placeholders."""

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise QuizgenError(
                f"{shown(url)}: PostgreSQL needs psycopg: pip install 'dnn-quizgen[postgres]'"
            ) from None
        self.url = url
        try:
            self.raw = psycopg.connect(url, autocommit=True)
        except psycopg.Error as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
            raise QuizgenError(f"{shown(url)}: cannot connect to PostgreSQL: {reason}") from None

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        return self.raw.execute(sql.replace("?", "%s"), params)

    def transaction(self) -> Any:
        """A transaction (a savepoint inside another one)."""
        return self.raw.transaction()

    def close(self) -> None:
        self.raw.close()


def migrate(
    db: Connection, part: str, migrations: Mapping[int, Sequence[str]], version: int
) -> None:
    """Take ``part``'s tables (e.g. "site", "history") from the version recorded in
    ``quizgen_schema`` up to ``version``, in one transaction; a database written by a newer
    quizgen is refused in one line."""
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
        db.execute(
            "CREATE TABLE IF NOT EXISTS quizgen_schema"
            " (part TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
        row = db.execute("SELECT version FROM quizgen_schema WHERE part = ?", (part,)).fetchone()
        found = row[0] if row else 0
        if found > version:
            raise QuizgenError(
                f"{shown(db.url)}: {part} tables written by a newer quizgen (schema {found}; "
                f"this one reads up to {version}); upgrade quizgen"
            )
        for step in range(found, version):
            for statement in migrations[step]:
                db.execute(statement)
        db.execute(
            "INSERT INTO quizgen_schema (part, version) VALUES (?, ?)"
            " ON CONFLICT (part) DO UPDATE SET version = excluded.version",
            (part, version),
        )
