"""The practice history database: shared by several sessions at once without losing an attempt,
older databases migrated, and what it cannot read refused in one line."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from quizgen.core.errors import QuizgenError
from quizgen.practice.history import SCHEMA_VERSION, Attempt, History

#: the tables quizgen 0.1.0 wrote (no version, no outcome column)
SCHEMA_0_1_0 = (
    "CREATE TABLE sessions (id INTEGER PRIMARY KEY, started REAL NOT NULL, mode TEXT NOT NULL)",
    "CREATE TABLE attempts (id INTEGER PRIMARY KEY, session INTEGER NOT NULL REFERENCES "
    "sessions(id), at REAL NOT NULL, topic TEXT NOT NULL, seed INTEGER NOT NULL, difficulty "
    "TEXT NOT NULL, code TEXT NOT NULL, part TEXT NOT NULL, answer TEXT, correct INTEGER NOT "
    "NULL, follow_through INTEGER NOT NULL DEFAULT 0, misconception TEXT, hint INTEGER NOT "
    "NULL DEFAULT 0, seconds REAL NOT NULL)",
    "CREATE INDEX attempts_topic ON attempts(topic, at)",
)

WRITER = """
import sys
from pathlib import Path
from quizgen.practice.history import Attempt, History
history = History(Path(sys.argv[1]))
session = history.start_session("quiz")
for i in range(int(sys.argv[2])):
    history.record(session, Attempt("relu", i, "easy", "RLE-0000000", "a", "1", True, 0.1))
history.close()
"""
READER = """
import sys
from pathlib import Path
from quizgen.practice.history import History
for _ in range(int(sys.argv[2])):
    history = History(Path(sys.argv[1]), create=False)
    history.topic_stats(); history.by_day(); history.misconceptions()
    history.close()
"""


def attempt(topic: str = "sigmoid") -> Attempt:
    return Attempt(topic, 1, "easy", "SGE-0000001", "sigma", "0.5", True, 1.0)


def test_two_sessions_and_stats_at_once_lose_no_attempt(tmp_path):
    db = tmp_path / "h.db"
    History(db).close()
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db), "300"], stderr=subprocess.PIPE),
        subprocess.Popen([sys.executable, "-c", WRITER, str(db), "300"], stderr=subprocess.PIPE),
        subprocess.Popen([sys.executable, "-c", READER, str(db), "100"], stderr=subprocess.PIPE),
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()
    history = History(db, create=False)
    assert history.topic_stats()[0].attempts == 600
    assert history.db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 2


def test_a_database_from_quizgen_0_1_0_is_migrated_and_keeps_its_attempts(tmp_path):
    db = tmp_path / "old.db"
    old = sqlite3.connect(db)
    for statement in SCHEMA_0_1_0:  # 0.1.0 wrote these tables and no user_version
        old.execute(statement)
    old.execute("INSERT INTO sessions (started, mode) VALUES (1.0, 'quiz')")
    old.execute(
        "INSERT INTO attempts (session, at, topic, seed, difficulty, code, part, answer, correct,"
        " seconds) VALUES (1, 1.0, 'relu', 1, 'easy', 'RLE-0000001', 'relu', '1', 1, 2.0)"
    )
    old.execute(
        "INSERT INTO attempts (session, at, topic, seed, difficulty, code, part, answer, correct,"
        " seconds) VALUES (1, 2.0, 'relu', 1, 'easy', 'RLE-0000001', 'drelu', NULL, 0, 1.0)"
    )
    old.commit()
    old.close()
    history = History(db)
    assert history.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [(s.topic, s.attempts) for s in history.topic_stats()] == [("relu", 2)]
    outcomes = history.db.execute("SELECT part, outcome FROM attempts ORDER BY id").fetchall()
    assert outcomes == [("relu", "answered"), ("drelu", "skipped")]  # what each row was
    history.record(history.start_session("quiz"), attempt())
    assert len(history.topic_stats()) == 2


def test_a_database_from_a_newer_quizgen_is_refused(tmp_path):
    db = tmp_path / "new.db"
    History(db).close()
    with sqlite3.connect(db) as newer:
        newer.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(QuizgenError, match="newer quizgen"):
        History(db)


def test_another_programs_database_is_refused_untouched(tmp_path):
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as other:
        other.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(QuizgenError, match="not a quizgen history database"):
        History(db)
    tables = sqlite3.connect(db).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("invoices",)]


def test_opening_for_reading_never_creates_the_file(tmp_path):
    with pytest.raises(QuizgenError, match="no such history database"):
        History(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_a_new_database_is_created_with_its_folder(tmp_path):
    history = History(tmp_path / "deep" / "er" / "h.db")
    history.record(history.start_session("quiz"), attempt())
    assert Path(tmp_path / "deep" / "er" / "h.db").is_file()
