"""A class kept whole in PostgreSQL (``--database``), so that several machines serve one class:
what a server would otherwise find only in the class folder (the students' links and the
teacher's, the form tokens' key, the assigned sets with a copy of each blueprint, and which
servers hold the class) is in the database, and a machine started with an empty or absent
class folder serves the same class, with the same links, accepting forms the others issued.

What a folder already holds (a class moved from SQLite to PostgreSQL) is offered on first
start; the database keeps what it has and the folder is brought in line with it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from quizgen.core.postgres import Connection, migrate

SCHEMA_VERSION = 1
MIGRATIONS: dict[int, tuple[str, ...]] = {
    0: (
        # the teacher's link ("teacher") and the form tokens' key ("form-secret", hex)
        "CREATE TABLE class_keys (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE class_links (student TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE)",
        """
        CREATE TABLE class_assignments (
            number INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            blueprint TEXT NOT NULL,   -- a shipped name, or the copy's name in a class folder
            seed BIGINT NOT NULL,
            copy TEXT                  -- the copied blueprint's text (none for a shipped one)
        )
        """,
        # a server's own connection, as PostgreSQL names it (pid and start), holds its row
        """
        CREATE TABLE class_servers (
            backend INTEGER NOT NULL,
            started TIMESTAMPTZ NOT NULL,
            who TEXT NOT NULL,
            PRIMARY KEY (backend, started)
        )
        """,
    ),
}
#: held while links, keys or assignments are agreed: two machines starting at once take turns
CLASS_LOCK = 0x717A6703


@dataclass(frozen=True)
class Assigned:
    """An assigned set as the database keeps it."""

    number: int
    title: str
    blueprint: str
    seed: int
    copy: str | None


def create_tables(db: Connection) -> None:
    migrate(db, "class", MIGRATIONS, SCHEMA_VERSION)


@contextmanager
def _agreeing(db: Connection) -> Iterator[None]:
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(?)", (CLASS_LOCK,))
        yield


def agree_links(
    db: Connection, teacher: str, students: Mapping[str, str]
) -> tuple[str, dict[str, str]]:
    """The class's teacher token and every student's token: those in the database, and the
    ones offered for whoever has none yet."""
    with _agreeing(db):
        db.execute(
            "INSERT INTO class_keys (name, value) VALUES ('teacher', ?) ON CONFLICT DO NOTHING",
            (teacher,),
        )
        for student, token in students.items():
            db.execute(
                "INSERT INTO class_links (student, token) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (student, token),
            )
        kept = db.execute("SELECT value FROM class_keys WHERE name = 'teacher'").fetchone()[0]
        tokens = dict(db.execute("SELECT student, token FROM class_links").fetchall())
    return kept, tokens


def agree_secret(db: Connection, offered: bytes) -> bytes:
    """The form tokens' key: the database's, or ``offered`` when it has none."""
    with _agreeing(db):
        db.execute(
            "INSERT INTO class_keys (name, value) VALUES ('form-secret', ?) ON CONFLICT DO NOTHING",
            (offered.hex(),),
        )
        row = db.execute("SELECT value FROM class_keys WHERE name = 'form-secret'").fetchone()
    return bytes.fromhex(row[0])


def assignments(db: Connection) -> list[Assigned]:
    rows = db.execute(
        "SELECT number, title, blueprint, seed, copy FROM class_assignments ORDER BY number"
    ).fetchall()
    return [Assigned(*row) for row in rows]


def add_assignment(
    db: Connection, title: str, blueprint: str, seed: int, copy: str | None
) -> Assigned:
    """Record a set under the next number; ``copy``: the text of a blueprint file, which is
    then named ``blueprints/aN-BLUEPRINT`` (``blueprint`` being the file's name)."""
    with _agreeing(db):
        row = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM class_assignments").fetchone()
        number = row[0]
        name = blueprint if copy is None else f"blueprints/a{number}-{blueprint}"
        db.execute(
            "INSERT INTO class_assignments (number, title, blueprint, seed, copy)"
            " VALUES (?, ?, ?, ?, ?)",
            (number, title, name, seed, copy),
        )
    return Assigned(number, title, name, seed, copy)


def offer_assignments(db: Connection, offered: Sequence[Assigned]) -> None:
    """A folder's assignments, recorded when the database has none yet."""
    with _agreeing(db):
        if db.execute("SELECT COUNT(*) FROM class_assignments").fetchone()[0]:
            return
        for a in offered:
            db.execute(
                "INSERT INTO class_assignments (number, title, blueprint, seed, copy)"
                " VALUES (?, ?, ?, ?, ?)",
                (a.number, a.title, a.blueprint, a.seed, a.copy),
            )


class ServerClaim:
    """This server's row among those serving the class, held by a connection of its own for as
    long as the server runs: when the process ends however it ends (even ``kill -9``), the
    connection goes and the row no longer counts."""

    def __init__(self, url: str) -> None:
        self.db = Connection(url)
        self.me = self.db.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()"
        ).fetchone()

    def claim(self, who: str) -> list[str]:
        """Say who this server is (``who`` on ``machine``); the others serving the class now."""
        described = f"{who} on {socket.gethostname()}, since {time.strftime('%H:%M:%S')}"
        with self.db.transaction():
            self.db.execute(
                "DELETE FROM class_servers WHERE (backend, started) NOT IN"
                " (SELECT pid, backend_start FROM pg_stat_activity WHERE backend_start"
                " IS NOT NULL)"
            )
            self.db.execute(
                "INSERT INTO class_servers (backend, started, who) VALUES (?, ?, ?)"
                " ON CONFLICT (backend, started) DO UPDATE SET who = excluded.who",
                (*self.me, described),
            )
            rows = self.db.execute(
                "SELECT who FROM class_servers WHERE (backend, started) <> (?, ?) ORDER BY who",
                self.me,
            ).fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        self.db.close()
