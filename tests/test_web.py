"""The site over HTTP: every security rule of `quizgen serve`, and the pages' behaviour, through
Starlette's test client (the browser tests drive the same pages in Chromium)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient
from web_helpers import CODE, csrf, roster, shown_problem, typed

from quizgen.cli import cli
from quizgen.core.latex import answer_text
from quizgen.exam.item_codes import encode
from quizgen.exam.problems import make_problem
from quizgen.exam.roster import read_roster
from quizgen.topics import registry
from quizgen.web import classroom as rooms
from quizgen.web.app import create_app
from quizgen.web.security import RateLimit, find_token, is_loopback

EVIL = '<script>alert("x")</script>'


@pytest.fixture
def room(tmp_path):
    path = roster(tmp_path, [("ann", "Ann"), ("bo", "Bo"), ("cy", EVIL)])
    classroom = rooms.open_class(read_roster(path), tmp_path / "practice")
    yield classroom
    classroom.close()


@pytest.fixture
def client(room):
    return TestClient(create_app(room), base_url="http://127.0.0.1")


def link(room, sid: str) -> str:
    learner = next(v for v in room.learners.values() if v.id == sid)
    return f"/s/{learner.token}"


def start(client, base: str, topic: str = "sigmoid", count: int = 1):
    page = client.get(f"{base}/").text
    data = {"csrf": csrf(page), "topic": topic, "count": str(count), "difficulty": "medium"}
    return client.post(f"{base}/start", data=data)


def answer(client, base: str, key: str, text: str):
    page = client.get(f"{base}/practice").text
    return client.post(f"{base}/answer", data={"csrf": csrf(page), "part": key, key: text})


def attempts(room, sid: str) -> int:
    learner = next(v for v in room.learners.values() if v.id == sid)
    return learner.history.count() if learner.history_path.exists() else 0


def test_a_practice_problem_is_answered_part_by_part(client, room):
    base = link(room, "ann")
    start(client, base)
    _, solution = shown_problem(client.get(f"{base}/practice").text)
    page = answer(client, base, "sigma", typed(solution, "sigma")).text
    assert "Correct." in page and 'name="dsigma"' in page
    page = answer(client, base, "dsigma", typed(solution, "dsigma")).text
    assert "All correct." in page
    assert attempts(room, "ann") == 2


@pytest.mark.parametrize("topic", list(registry()))
def test_a_problem_of_every_topic_is_answered_to_the_end_in_the_browser_face(client, room, topic):
    base = link(room, "ann")
    start(client, base, topic)
    _, solution = shown_problem(client.get(f"{base}/practice").text)
    for part in solution.parts:
        page = answer(client, base, part.key, typed(solution, part.key)).text
    assert "All correct." in page


def test_no_answer_reaches_the_page_before_it_is_answered(client, room):
    base = link(room, "ann")
    for topic in ("backprop", "softmax", "bce", "linear_regression"):
        start(client, base, topic)
        page = client.get(f"{base}/practice").text
        _, solution = shown_problem(page)
        for part in solution.parts:
            if part.precision.exact:
                continue  # small integers appear in any page
            assert answer_text(solution.answer[part.key], part.precision) not in page, part.key


def test_the_item_page_shows_no_answer_until_posted(client):
    problem = make_problem("cce", 7, "hard")
    code = encode("cce", "hard", 7)
    from quizgen import topics

    solution = topics.get("cce").solve(problem.params)
    page = client.get(f"/item/{code}").text
    fields = re.findall(r'<input type="text" id="[^"]+" name="([^"]+)"', page)
    assert fields == [p.key for p in solution.parts]  # named after the record's answer keys
    for part in solution.parts:
        assert answer_text(solution.answer[part.key], part.precision) not in page
    data = {"csrf": csrf(page)} | {p.key: typed(solution, p.key) for p in solution.parts}
    after = client.post(f"/item/{code}", data=data).text
    assert after.count("✓ Correct.") == len(solution.parts)


def test_post_without_a_form_token_is_refused_and_not_recorded(client, room):
    base = link(room, "ann")
    start(client, base)
    response = client.post(f"{base}/answer", data={"part": "sigma", "sigma": "0.5"})
    assert response.status_code == 403
    assert attempts(room, "ann") == 0


def test_one_learners_form_token_is_no_good_on_anothers_page(client, room):
    ann, bo = link(room, "ann"), link(room, "bo")
    start(client, bo)
    token = csrf(client.get(f"{ann}/").text)
    response = client.post(f"{bo}/answer", data={"csrf": token, "part": "sigma", "sigma": "1"})
    assert response.status_code == 403
    assert attempts(room, "bo") == 0


def test_an_unknown_link_is_not_found(client, room):
    token = link(room, "ann").split("/")[-1]
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "me", ""):
        assert client.get(f"/s/{wrong}/").status_code in (404, 307), wrong
        assert client.get(f"/s/{wrong}/history").status_code == 404


def test_one_student_cannot_read_anothers_history(client, room):
    ann, bo = link(room, "ann"), link(room, "bo")
    start(client, bo)
    answer(client, bo, "sigma", "0.5")
    assert attempts(room, "bo") == 1 and attempts(room, "ann") == 0
    page = client.get(f"{ann}/history").text
    assert "No practice recorded yet" in page


def test_links_are_compared_in_constant_time(monkeypatch):
    import hmac

    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    known = [(f"token{i}", f"s{i}") for i in range(5)]
    assert find_token("token0", known) == "s0"
    assert len(calls) == 5  # every token compared, no early exit
    assert find_token("token", known) is None


def test_answers_are_rate_limited(room):
    client = TestClient(create_app(room, rate=RateLimit(per_second=0.01, burst=3)))
    base = link(room, "ann")
    start(client, base, count=30)
    statuses = []
    for _ in range(6):
        page = client.get(f"{base}/practice").text
        key = re.search(r'name="part" value="([^"]+)"', page)
        if key is None:
            client.post(f"{base}/next", data={"csrf": csrf(page)})
            continue
        response = client.post(
            f"{base}/answer", data={"csrf": csrf(page), "part": key.group(1), key.group(1): "0"}
        )
        statuses.append(response.status_code)
    assert 429 in statuses
    assert attempts(room, "ann") <= 3


def test_names_and_text_are_escaped(client, room):
    teacher = f"/t/{room.teacher_token}"
    for page in (client.get(f"{teacher}/").text, client.get(f"{teacher}/links").text):
        assert EVIL not in page and "&lt;script&gt;" in page
    assert EVIL not in client.get(f"{link(room, 'cy')}/").text


def test_only_the_packages_own_files_are_served(client):
    assert client.get("/static/site.css").status_code == 200
    assert client.get("/static/STIXTwoMath-Regular.ttf").status_code == 200
    for path in (
        "/static/../../pyproject.toml",
        "/static/%2e%2e/pyproject.toml",
        "/static/links.json",
        "/static/app.py",
    ):
        assert client.get(path).status_code == 404, path


def test_every_page_forbids_scripts_and_foreign_requests(client, room):
    page = client.get(f"{link(room, 'ann')}/")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script" not in page.text and "http://" not in page.text and "https://" not in page.text


def test_the_teacher_page_needs_its_own_link(client, room):
    assert client.get(f"/t/{link(room, 'ann').split('/')[-1]}/").status_code == 404
    assert client.get("/t/nope/class.csv").status_code == 404
    assert client.get(f"/t/{room.teacher_token}/").status_code == 200


def test_the_teacher_sees_accuracy_mistakes_and_a_csv(client, room):
    for sid in ("ann", "bo"):
        base = link(room, sid)
        start(client, base)
        _, solution = shown_problem(client.get(f"{base}/practice").text)
        wrong = f"{1 - solution.answer['sigma']:.3f}"  # sigma(-z): the sign dropped
        answer(client, base, "sigma", wrong)
    teacher = f"/t/{room.teacher_token}"
    page = client.get(f"{teacher}/").text
    assert "sigmoid" in page
    table = client.get(f"{teacher}/class.csv")
    assert table.headers["content-type"].startswith("text/csv")
    rows = table.text.splitlines()
    assert rows[0].startswith("id,name,answered,right,accuracy")
    assert [r.split(",")[0] for r in rows[1:]] == ["ann", "bo", "cy"]


def test_a_practice_set_from_a_blueprint_gives_each_student_their_own_numbers(client, room):
    teacher = f"/t/{room.teacher_token}"
    page = client.get(f"{teacher}/").text
    client.post(f"{teacher}/assign", data={"csrf": csrf(page), "blueprint": "quiz", "seed": "5"})
    codes = {}
    for sid in ("ann", "bo"):
        base = link(room, sid)
        home = client.get(f"{base}/").text
        assert "Set by your teacher" in home
        action = re.search(r'action="([^"]*/assigned/[^"]+)"', home).group(1)
        client.post(action, data={"csrf": csrf(home)})
        codes[sid] = CODE.search(client.get(f"{base}/practice").text).group(1)
    assert codes["ann"] != codes["bo"]


def test_a_bad_blueprint_assigned_is_said_on_the_teacher_page(client, room):
    teacher = f"/t/{room.teacher_token}"
    page = client.get(f"{teacher}/").text
    response = client.post(f"{teacher}/assign", data={"csrf": csrf(page), "blueprint": "nope"})
    assert "cannot read" in response.text
    assert room.assignments == []


def test_derivation_questions_of_every_kind_can_be_answered(room):
    from quizgen.exam.banks import builtin_banks

    unlimited = RateLimit(per_second=1000, burst=1000)  # this test answers faster than anyone
    client = TestClient(create_app(room, builtin_banks(), unlimited))
    base = link(room, "ann")
    page = client.get(f"{base}/").text
    client.post(f"{base}/start", data={"csrf": csrf(page), "count": "30", "kind": "derivations"})
    kinds = set()
    for _ in range(30):
        page = client.get(f"{base}/practice").text
        token = csrf(page) if 'name="csrf"' in page else None
        if token is None:
            break
        if 'action="' + base + '/order"' in page:
            kinds.add("order")
            client.post(
                f"{base}/order",
                data={"csrf": token, "order": "1 2 3 4 5 6 7 8 9"[: 2 * page.count("<li>") - 1]},
            )
        elif 'name="letter"' in page:
            kinds.add("choice")
            letter = re.search(r'name="letter" value="([A-Z])"', page).group(1)
            client.post(f"{base}/choose", data={"csrf": token, "letter": letter})
        elif f"{base}/reveal" in page:
            kinds.add("derive")
            client.post(f"{base}/reveal", data={"csrf": token})
            page = client.get(f"{base}/practice").text
            client.post(f"{base}/marks", data={"csrf": csrf(page), "marks": "1"})
        page = client.get(f"{base}/practice").text
        if "Done" in page:
            break
        client.post(f"{base}/next", data={"csrf": csrf(page)})
    assert kinds == {"order", "choice", "derive"}
    assert attempts(room, "ann") >= 2


def test_loopback_only_unless_a_class_or_said_open():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 1
    assert "--open-to-anyone" in result.output and "Traceback" not in result.output


def test_solo_site_opens_on_the_learners_page(tmp_path):
    client = TestClient(create_app(rooms.solo(tmp_path / "h.sqlite")))
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/s/me/"


def test_a_derivation_questions_printed_id_opens_it(room):
    from quizgen.exam.banks import builtin_banks

    client = TestClient(create_app(room, builtin_banks()))
    question = next(q for q in builtin_banks() if q.kind == "order")
    page = client.get(f"/item/{question.id}").text
    assert 'name="order"' in page
    n = len(question.steps)
    after = client.post(
        f"/item/{question.id}",
        data={"csrf": csrf(page), "order": " ".join(map(str, range(n, 0, -1)))},
    ).text
    assert "Model derivation" in after


def test_an_unreadable_item_code_says_what_is_wrong(client):
    response = client.get("/item/XX-123")
    assert response.status_code == 404 and "not an item code" in response.text


def test_the_item_page_says_each_parts_verdict_in_a_word(client):
    from quizgen import topics

    problem = make_problem("sigmoid", 11, "medium")
    solution = topics.get("sigmoid").solve(problem.params)
    code = encode("sigmoid", "medium", 11)
    page = client.get(f"/item/{code}").text
    data = {"csrf": csrf(page), "sigma": typed(solution, "sigma"), "dsigma": "banana"}
    after = client.post(f"/item/{code}", data=data).text
    verdicts = re.findall(r'data-part="([^"]+)" data-verdict="([^"]+)"', after)
    assert verdicts == [("sigma", "correct"), ("dsigma", "unreadable")]


def test_an_oversized_form_is_refused(client, room):
    base = link(room, "ann")
    token = csrf(client.get(f"{base}/").text)
    response = client.post(f"{base}/start", data={"csrf": token, "topic": "x" * 100_000})
    assert response.status_code == 413


def test_unknown_addresses_get_the_sites_own_page_and_headers(client):
    response = client.get("/nowhere")
    assert response.status_code == 404 and "Not found" in response.text
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert client.post("/s/me/").status_code == 405
