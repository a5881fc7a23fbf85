"""A class served from PostgreSQL: several worker processes share one database, one killed with
SIGKILL part-way loses no acknowledged answer, and the histories and the teacher's page are read
from the database (no SQLite file is made). A ``--database`` that cannot be used is said in one
line before anything is written."""

from __future__ import annotations

import csv
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from web_helpers import csrf, roster, serve_command, shown_problem, start_site, typed

from quizgen import topics
from quizgen.cli import cli

STUDENTS = [("ann", "Ann"), ("bo", "Bo")]


def links(folder: Path) -> dict[str, str]:
    with (folder / "links.csv").open(encoding="utf-8") as handle:
        return {row["id"]: row["link"] for row in csv.DictReader(handle)}


def stored(url: str) -> dict[str, list[tuple[str, str]]]:
    """Every attempt in the database, by learner: (part, outcome)."""
    import psycopg

    with psycopg.connect(url) as db:
        rows = db.execute("SELECT learner, part, outcome FROM attempts ORDER BY id").fetchall()
    found: dict[str, list[tuple[str, str]]] = {}
    for learner, part, outcome in rows:
        found.setdefault(learner, []).append((part, outcome))
    return found


def answer_current_part(client, link: str) -> bool:
    """Answer the part on the learner's screen rightly (or go on to the next problem); True
    when an answer was acknowledged."""
    page = client.get(f"{link}practice").text
    key = re.search(r'name="part" value="([^"]+)"', page)
    if key is None:
        client.post(f"{link}next", data={"csrf": csrf(page)})
        return False
    _, solution = shown_problem(page)
    data = {"csrf": csrf(page), "part": key[1], key[1]: typed(solution, key[1])}
    return client.post(f"{link}answer", data=data).status_code == 303


def test_two_workers_on_postgresql_lose_no_answer_when_one_is_killed(tmp_path, postgres_url):
    import httpx2 as httpx

    folder = tmp_path / "practice"
    argv = serve_command(
        *("--class", str(roster(tmp_path, STUDENTS)), "--class-dir", str(folder)),
        *("--database", postgres_url, "--workers", "2"),
    )
    server, _, lines = start_site(argv)
    acknowledged = {sid: 0 for sid, _ in STUDENTS}
    try:
        assert any("2 worker processes" in line for line in lines)
        urls = links(folder)
        for sid in acknowledged:
            home = httpx.Client(timeout=30).get(urls[sid]).text
            start = {"csrf": csrf(home), "topic": "relu", "count": "30"}
            httpx.Client(timeout=30).post(f"{urls[sid]}start", data=start)
        for number in range(8):
            if number == 3:  # one worker killed part-way: the other serves, a new one starts
                children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
                os.kill(int(children.split()[0]), signal.SIGKILL)
            for sid in acknowledged:  # a new connection each time: any worker
                acknowledged[sid] += answer_current_part(httpx.Client(timeout=30), urls[sid])
        teacher = httpx.Client(timeout=30).get(
            re.search(r"Teacher page: (\S+)", "".join(lines))[1] + "class.csv"
        )
        history = httpx.Client(timeout=30).get(f"{urls['ann']}history").text
    finally:
        server.terminate()
        server.wait(20)
    assert server.returncode == 0
    found = stored(postgres_url)
    assert {sid: len(found.get(sid, [])) for sid in acknowledged} == acknowledged
    assert all(n > 0 for n in acknowledged.values())
    rows = csv.DictReader(teacher.text.splitlines())
    answered = {row["id"]: int(row["answered"]) for row in rows}
    assert answered == acknowledged
    assert topics.get("relu").title in history
    assert not (folder / "site.sqlite").exists()
    assert list((folder / "history").iterdir()) == []


def test_a_database_that_cannot_be_reached_is_said_in_one_line_and_nothing_is_written(tmp_path):
    folder = tmp_path / "practice"
    result = CliRunner().invoke(
        cli,
        [
            *("serve", "--port", "0", "--class", str(roster(tmp_path, STUDENTS))),
            *("--class-dir", str(folder), "--database", "postgresql://u:secret@127.0.0.1:1/x"),
        ],
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "cannot connect to PostgreSQL" in lines[0]
    assert "secret" not in result.output and "u:***@127.0.0.1:1/x" in lines[0]
    assert not (folder / "links.json").exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--database", "mysql://x"], "give a PostgreSQL address"),
        (["--database", "postgresql://127.0.0.1/x"], "--database is for a class"),
    ],
)
def test_a_database_option_that_cannot_be_used_is_refused(args, said):
    result = CliRunner().invoke(cli, ["serve", "--port", "0", *args])
    assert result.exit_code == 1
    assert said in result.output and "Traceback" not in result.output


def test_without_psycopg_a_postgresql_address_says_what_to_install(monkeypatch):
    from quizgen.core.errors import QuizgenError
    from quizgen.core.postgres import Connection

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if it were not installed
    with pytest.raises(QuizgenError, match=r"needs psycopg: pip install 'dnn-quizgen\[postgres\]'"):
        Connection("postgresql://127.0.0.1/x")
