"""Practice history in SQLite: every attempt at every part, kept across sessions.

Each attempt is written in its own transaction and the database runs in WAL mode, so killing
the quiz at any moment leaves a consistent database with every answer given so far.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    started REAL NOT NULL,
    mode TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    session INTEGER NOT NULL REFERENCES sessions(id),
    at REAL NOT NULL,
    topic TEXT NOT NULL,
    seed INTEGER NOT NULL,
    difficulty TEXT NOT NULL,
    code TEXT NOT NULL,
    part TEXT NOT NULL,
    answer TEXT,              -- as typed; NULL when skipped
    correct INTEGER NOT NULL,
    follow_through INTEGER NOT NULL DEFAULT 0,
    misconception TEXT,
    hint INTEGER NOT NULL DEFAULT 0,
    seconds REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_topic ON attempts(topic, at);
"""


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
    hint: bool = False


@dataclass(frozen=True)
class TopicStats:
    topic: str
    attempts: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.attempts if self.attempts else 0.0


class History:
    """A connection to the history database, created on first use."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        with self.db:
            self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def start_session(self, mode: str) -> int:
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO sessions (started, mode) VALUES (?, ?)", (time.time(), mode)
            )
        return int(cursor.lastrowid)

    def record(self, session: int, attempt: Attempt) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO attempts (session, at, topic, seed, difficulty, code, part, answer,"
                " correct, follow_through, misconception, hint, seconds)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
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
                    int(attempt.hint),
                    attempt.seconds,
                ),
            )

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
