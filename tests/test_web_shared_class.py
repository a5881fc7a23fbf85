"""Several machines sharing one class through PostgreSQL: a second server started with the same
``--database`` and an empty or absent class folder serves the same class (the same links, the
teacher's included, the same assignments with their blueprints), and accepts the forms the first
one issued. Two app instances on one database stand for the two machines."""

from __future__ import annotations

import re
import time

import pytest
from starlette.testclient import TestClient
from web_helpers import CODE, csrf, roster

from quizgen.exam.blueprint import shipped_blueprints
from quizgen.exam.roster import read_roster
from quizgen.web import classroom as rooms
from quizgen.web.app import create_app

STUDENTS = [("ann", "Ann"), ("bo", "Bo")]


@pytest.fixture
def machines(tmp_path, postgres_url):
    """(first, second): the first with the class folder, the second with none at all."""
    students = read_roster(roster(tmp_path, STUDENTS))
    first = rooms.open_class(students, tmp_path / "here" / "practice", postgres_url)
    second = rooms.open_class(students, tmp_path / "there" / "practice", postgres_url)
    yield first, second
    second.close()
    first.close()


def client_of(room) -> TestClient:
    return TestClient(create_app(room), base_url="http://127.0.0.1")


def token_of(room, sid: str) -> str:
    return next(learner.token for learner in room.learners.values() if learner.id == sid)


def assign_file(room, name: str = "mine.yaml") -> None:
    """Assign a blueprint file from the first machine's folder, through the teacher's page."""
    (room.folder / name).write_bytes(shipped_blueprints()["quiz"].read_bytes())
    client = client_of(room)
    teacher = f"/t/{room.teacher_token}"
    page = client.get(f"{teacher}/").text
    client.post(f"{teacher}/assign", data={"csrf": csrf(page), "blueprint": name, "seed": "5"})


def test_a_second_machine_without_the_folder_has_the_same_links(machines):
    first, second = machines
    assert {sid: token_of(second, sid) for sid, _ in STUDENTS} == {
        sid: token_of(first, sid) for sid, _ in STUDENTS
    }
    assert second.teacher_token == first.teacher_token


def test_a_form_issued_by_one_machine_is_accepted_by_the_other(machines):
    first, second = machines
    base = f"/s/{token_of(first, 'ann')}"
    home = client_of(first).get(f"{base}/").text
    data = {"csrf": csrf(home), "topic": "sigmoid", "count": "1", "difficulty": "medium"}
    response = client_of(second).post(f"{base}/start", data=data, follow_redirects=False)
    assert response.status_code == 303
    on_first = CODE.search(client_of(first).get(f"{base}/practice").text)
    on_second = CODE.search(client_of(second).get(f"{base}/practice").text)
    assert on_first and on_second and on_first.group(1) == on_second.group(1)


def test_a_set_assigned_on_one_machine_is_served_by_the_other_from_its_copy(machines):
    first, second = machines
    assign_file(first)
    (first.folder / "mine.yaml").unlink()  # moved away after assigning
    base = f"/s/{token_of(second, 'bo')}"
    client = client_of(second)
    home = client.get(f"{base}/").text
    action = re.search(r'action="([^"]*/assigned/[^"]+)"', home).group(1)
    client.post(action, data={"csrf": csrf(home)})
    drawn = CODE.search(client.get(f"{base}/practice").text)
    assert drawn and CODE.search(client_of(first).get(f"{base}/practice").text).group(1) == (
        drawn.group(1)
    )
    assert [a.id for a in second.assignments] == ["a1"]
    assert (second.folder / second.assignments[0].blueprint).is_file()


def test_the_next_assignment_is_numbered_by_the_database_whichever_machine_assigns(machines):
    first, second = machines
    assign_file(first, "one.yaml")
    assign_file(second, "two.yaml")
    assert [a.id for a in first.assignments] == ["a1", "a2"]
    assert [a.blueprint for a in second.assignments] == [
        "blueprints/a1-one.yaml",
        "blueprints/a2-two.yaml",
    ]


def test_each_server_of_a_shared_class_names_the_others(machines):
    first, second = machines
    assert first.claim("process 1, http://here:8000/") == []
    others = second.claim("process 2, http://there:8000/")
    assert len(others) == 1 and others[0].startswith("process 1, http://here:8000/ on ")


def test_a_server_that_has_gone_is_no_longer_named(machines):
    first, second = machines
    first.claim("process 1, http://here:8000/")
    first.close()
    for _ in range(50):  # the database notices a closed connection within moments
        if second.claim("process 2, http://there:8000/") == []:
            break
        time.sleep(0.1)
    assert second.claim("process 2, http://there:8000/") == []


def test_a_folder_moved_to_postgresql_keeps_its_links_and_form_key(tmp_path, postgres_url):
    students = read_roster(roster(tmp_path, STUDENTS))
    folder = tmp_path / "practice"
    alone = rooms.open_class(students, folder)
    before = (alone.teacher_token, token_of(alone, "ann"), alone.secret)
    alone.close()
    shared = rooms.open_class(students, folder, postgres_url)
    try:
        assert (shared.teacher_token, token_of(shared, "ann"), shared.secret) == before
    finally:
        shared.close()


def test_a_derivation_shown_on_one_machine_takes_its_self_marks_on_the_other(machines):
    from quizgen.exam.banks import builtin_banks

    first, second = machines
    question = next(q for q in builtin_banks() if q.kind == "derive")
    one, other = (
        TestClient(create_app(room, builtin_banks()), base_url="http://127.0.0.1")
        for room in machines
    )
    base = f"/s/{token_of(first, 'ann')}"
    page = one.get(f"{base}/item/{question.id}").text
    one.post(f"{base}/item", data={"csrf": csrf(page), "code": question.id})
    one.post(f"{base}/reveal", data={"csrf": csrf(one.get(f"{base}/practice").text)})
    page = other.get(f"{base}/practice").text
    total = sum(step.marks for step in question.steps)
    other.post(f"{base}/marks", data={"csrf": csrf(page), "marks": str(total)})
    history = next(v for v in second.learners.values() if v.id == "ann").history
    assert (history.count(), history.count("shown")) == (1, 1)
    assert [(s.attempts, s.correct) for s in history.topic_stats()] == [(1, 1)]


def test_two_servers_on_one_database_serve_one_class_and_name_each_other(tmp_path, postgres_url):
    import httpx2 as httpx
    from web_helpers import serve_command, start_site

    path = str(roster(tmp_path, STUDENTS))
    started = []
    try:
        for place in ("here", "there"):  # the second's class folder does not exist yet
            folder = str(tmp_path / place / "practice")
            argv = serve_command("--class", path, "--class-dir", folder, "--database", postgres_url)
            started.append(start_site(argv))
        (_, first, _), (_, second, said) = started
        assert any("served on its database by 1 more: process" in line for line in said)
        links = [
            (tmp_path / place / "practice" / "links.csv").read_text().replace(base, "")
            for place, base in (("here", first), ("there", second))
        ]
        assert links[0] == links[1]
        ann = re.search(r"ann,Ann,(\S+)", links[0]).group(1)
        home = httpx.get(f"{first}{ann}", timeout=30).text
        data = {"csrf": csrf(home), "topic": "relu", "count": "1", "difficulty": "medium"}
        assert httpx.post(f"{second}{ann}start", data=data, timeout=30).status_code == 303
    finally:
        for process, _, _ in started:
            process.terminate()
            process.wait(20)
