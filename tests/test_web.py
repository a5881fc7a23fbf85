"""The site over HTTP: every security rule of `quizgen serve`, and the pages' behaviour, through
Starlette's test client (the browser tests drive the same pages in Chromium)."""

from __future__ import annotations

import re
import signal
import urllib.request

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient
from web_helpers import CODE, csrf, roster, serve_command, shown_problem, start_site, typed

from quizgen import topics
from quizgen.cli import cli
from quizgen.core.latex import answer_text
from quizgen.exam.item_codes import encode
from quizgen.exam.problems import make_problem
from quizgen.exam.roster import read_roster
from quizgen.topics import registry
from quizgen.web import classroom as rooms
from quizgen.web.app import create_app
from quizgen.web.security import RateLimit, TokenIndex, find_token, is_loopback

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


def test_the_item_page_shows_no_answer_until_posted(client, room):
    problem = make_problem("cce", 7, "hard")
    code = encode("cce", "hard", 7)
    solution = topics.get("cce").solve(problem.params)
    page = client.get(f"/t/{room.teacher_token}/item/{code}").text
    fields = re.findall(r'<input type="text" id="[^"]+" name="([^"]+)"', page)
    assert fields == [p.key for p in solution.parts]  # named after the record's answer keys
    for part in solution.parts:
        assert answer_text(solution.answer[part.key], part.precision) not in page
    data = {"csrf": csrf(page)} | {p.key: typed(solution, p.key) for p in solution.parts}
    after = client.post(f"/t/{room.teacher_token}/item/{code}", data=data).text
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


def test_a_link_is_found_among_many_with_one_constant_time_comparison(monkeypatch):
    import hmac

    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    index = TokenIndex({f"token{i}": f"s{i}" for i in range(200)})
    assert index.find("token7") == "s7"
    assert index.find("token7x") is None and index.find("token") is None
    assert index.find("") is None
    assert len(calls) == 4  # one a lookup, found or not: never one a known token


def test_answers_are_rate_limited(room):
    client = TestClient(
        create_app(room, rate=RateLimit(per_second=0.01, burst=3)), base_url="http://127.0.0.1"
    )
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


def test_only_the_packages_own_files_are_served(client, room):
    sheet = re.search(
        r'href="(/static/site\.[0-9a-f]+\.css)"', client.get(link(room, "ann") + "/").text
    )
    css = client.get(sheet.group(1))
    assert css.status_code == 200
    font = re.search(r'url\("(/static/STIXTwoMath-Regular\.[0-9a-f]+\.ttf)"\)', css.text).group(1)
    assert client.get(font).status_code == 200
    for path in (
        "/static/site.css",
        "/static/STIXTwoMath-Regular.ttf",
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
    assert topics.get("sigmoid").title in page
    table = client.get(f"{teacher}/class.csv")
    assert table.headers["content-type"].startswith("text/csv")
    rows = table.text.splitlines()
    assert rows[0].startswith("id,name,answered,right,accuracy")
    assert [r.split(",")[0] for r in rows[1:]] == ["ann", "bo", "cy"]


def test_a_student_who_never_practised_shows_a_blank_accuracy_not_zero(client, room):
    base = link(room, "ann")
    start(client, base)
    client.get(f"{base}/practice")
    answer(client, base, "sigma", "0")  # wrong: ann's accuracy is a true 0 %
    teacher = f"/t/{room.teacher_token}"
    rows = {
        r.split(",")[0]: r.split(",") for r in client.get(f"{teacher}/class.csv").text.splitlines()
    }
    assert rows["ann"][4] == "0.00" and rows["bo"][4] == ""
    page = client.get(f"{teacher}/").text
    bo = re.search(r'<tr><td>[^<]*</td><td class="text">bo</td>(.*?)</tr>', page).group(1)
    assert "%" not in bo


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
    assert "nope: not a blueprint here" in response.text
    assert room.assignments == []


@pytest.mark.parametrize(
    ("kind", "shown"),
    [
        ("order", 'name="order" autocomplete="off" autofocus'),
        ("choice", 'type="radio" name="letter"'),
        ("fill", 'type="radio" name="letter"'),
        ("derive", "Show the model derivation</button>"),
    ],
)
def test_an_item_page_asks_a_bank_question_with_the_practice_pages_form(room, kind, shown):
    from quizgen.exam.banks import builtin_banks

    client = TestClient(create_app(room, builtin_banks()), base_url="http://127.0.0.1")
    question = next(q for q in builtin_banks() if q.kind == kind)
    page = client.get(f"/t/{room.teacher_token}/item/{question.id}").text
    form = re.search(r'<form class="card[^"]*" method="post".*?</form>', page, re.S).group(0)
    assert shown in form
    if kind == "order":  # the example the practice page gives: the steps' numbers backwards
        assert f"(e.g. {' '.join(map(str, range(len(question.steps), 0, -1)))})" in form


def test_derivation_questions_of_every_kind_can_be_answered(room):
    from quizgen.exam.banks import builtin_banks

    unlimited = RateLimit(per_second=1000, burst=1000)  # this test answers faster than anyone
    client = TestClient(create_app(room, builtin_banks(), unlimited), base_url="http://127.0.0.1")
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


def open_derivation(room):
    """A client on Ann's page of a derivation question (self-marked), before its model shows."""
    from quizgen.exam.banks import builtin_banks

    client = TestClient(create_app(room, builtin_banks()), base_url="http://127.0.0.1")
    base = link(room, "ann")
    question = next(q for q in builtin_banks() if q.kind == "derive")
    page = client.get(f"{base}/item/{question.id}").text
    client.post(f"{base}/item", data={"csrf": csrf(page), "code": question.id})
    return client, base, sum(step.marks for step in question.steps)


def shown_column(client, room) -> dict[str, str]:
    import csv

    sheet = client.get(f"/t/{room.teacher_token}/class.csv").text
    row = next(r for r in csv.DictReader(sheet.splitlines()) if r["id"] == "ann")
    return {key: row[key] for key in ("answered", "right", "solutions_shown")}


def test_a_model_derivation_shown_before_self_marks_is_recorded_as_shown(room):
    client, base, _ = open_derivation(room)
    page = client.get(f"{base}/practice").text
    assert "Show the model derivation" in page and attempts(room, "ann") == 0
    client.post(f"{base}/reveal", data={"csrf": csrf(page)})
    learner = next(v for v in room.learners.values() if v.id == "ann")
    assert learner.history.count("shown") == 1
    assert shown_column(client, room) == {"answered": "1", "right": "0", "solutions_shown": "1"}


def test_self_marks_after_the_model_go_on_its_shown_row_counted_once(room):
    client, base, total = open_derivation(room)
    page = client.get(f"{base}/practice").text
    client.post(f"{base}/reveal", data={"csrf": csrf(page)})
    page = client.get(f"{base}/practice").text
    client.post(f"{base}/marks", data={"csrf": csrf(page), "marks": str(total)})
    assert "You gave yourself" in client.get(f"{base}/practice").text
    assert attempts(room, "ann") == 1
    assert shown_column(client, room) == {"answered": "1", "right": "1", "solutions_shown": "1"}


def test_loopback_only_unless_a_class_or_said_open():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 1
    assert "--open-to-anyone" in result.output and "Traceback" not in result.output


def test_solo_site_opens_on_the_learners_page(tmp_path):
    client = TestClient(create_app(rooms.solo(tmp_path / "h.sqlite")), base_url="http://127.0.0.1")
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/s/me/"


def test_a_derivation_questions_printed_id_opens_it(room):
    from quizgen.exam.banks import builtin_banks

    client = TestClient(create_app(room, builtin_banks()), base_url="http://127.0.0.1")
    question = next(q for q in builtin_banks() if q.kind == "order")
    page = client.get(f"/t/{room.teacher_token}/item/{question.id}").text
    assert 'name="order"' in page
    n = len(question.steps)
    after = client.post(
        f"/t/{room.teacher_token}/item/{question.id}",
        data={"csrf": csrf(page), "order": " ".join(map(str, range(n, 0, -1)))},
    ).text
    assert "Model derivation" in after


def test_an_unreadable_item_code_says_what_is_wrong(client, room):
    response = client.get(f"/t/{room.teacher_token}/item/XX-123")
    assert response.status_code == 404 and "not an item code" in response.text


def test_the_item_page_says_each_parts_verdict_in_a_word(client, room):
    problem = make_problem("sigmoid", 11, "medium")
    solution = topics.get("sigmoid").solve(problem.params)
    code = encode("sigmoid", "medium", 11)
    page = client.get(f"/t/{room.teacher_token}/item/{code}").text
    data = {"csrf": csrf(page), "sigma": typed(solution, "sigma"), "dsigma": "banana"}
    after = client.post(f"/t/{room.teacher_token}/item/{code}", data=data).text
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


# -- the class's promises (issue 27) ------------------------------------------------------------


def teacher_of(room) -> str:
    return f"/t/{room.teacher_token}"


def history_rows(room, sid: str) -> list[tuple]:
    learner = next(v for v in room.learners.values() if v.id == sid)
    return list(learner.history.db.execute("SELECT code, part, answer, outcome FROM attempts"))


def act_on(client, base: str, action: str, **fields):
    page = client.get(f"{base}/practice").text
    key = re.search(r'name="part" value="([^"]+)"', page)
    data = {"csrf": csrf(page), "part": key.group(1) if key else "", **fields}
    return client.post(f"{base}/{action}", data=data, follow_redirects=False)


def test_in_a_class_a_bare_item_code_gives_no_answer(client):
    code = encode("backprop", "hard", 3)
    page = client.get(f"/item/{code}")
    assert page.status_code == 404 and "your private link" in page.text
    posted = client.post(f"/item/{code}", data={"csrf": "x"})
    assert posted.status_code == 404 and "the answer is" not in posted.text


def test_an_item_code_from_a_students_link_is_practised_and_recorded(client, room):
    base, code = link(room, "ann"), encode("sigmoid", "medium", 11)
    page = client.get(f"{base}/item/{code}").text
    client.post(f"{base}/item/{code}", data={"csrf": csrf(page)})
    practice = client.get(f"{base}/practice").text
    assert CODE.search(practice).group(1) == code
    _, solution = shown_problem(practice)
    assert typed(solution, "sigma") not in practice
    act_on(client, base, "show")
    assert [(c, o) for c, _, _, o in history_rows(room, "ann")] == [(code, "shown")] * 2


def test_a_shown_solution_is_recorded_and_the_teacher_sees_it(client, room):
    base = link(room, "bo")
    start(client, base)
    act_on(client, base, "show")
    assert [o for *_, o in history_rows(room, "bo")] == ["shown", "shown"]
    rows = client.get(f"{teacher_of(room)}/class.csv").text.splitlines()
    header, bo = rows[0].split(","), rows[2].split(",")
    assert bo[header.index("solutions_shown")] == "2"


def test_a_chunked_body_is_cut_at_64_kb_as_it_arrives():
    """A body with no Content-Length (chunked) is counted chunk by chunk: the site stops
    reading and answers 413 soon after 64 KB, not after the 1.6 MB the client would send."""
    import asyncio

    from quizgen.web.guards import MAX_BODY, Guards

    read, statuses = [], []

    async def route(scope, receive, send):
        raise AssertionError("the route ran")

    async def chunks():
        read.append(8192)
        return {"type": "http.request", "body": b"x" * 8192, "more_body": len(read) < 200}

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    headers = [(b"host", b"127.0.0.1"), (b"transfer-encoding", b"chunked")]
    scope = {"type": "http", "method": "POST", "path": "/s/x/start", "headers": headers}
    asyncio.run(Guards(route, [])(scope, chunks, send))
    assert statuses == [413] and sum(read) <= MAX_BODY + 8192


def test_multipart_forms_are_refused(client, room):
    response = client.post(f"{link(room, 'ann')}/start", files={"f": ("a.txt", b"x")})
    assert response.status_code == 415


def assign(client, room, blueprint: str = "quiz", seed: str = "5"):
    page = client.get(f"{teacher_of(room)}/").text
    data = {"csrf": csrf(page), "blueprint": blueprint, "seed": seed}
    return client.post(f"{teacher_of(room)}/assign", data=data)


def start_assigned(client, base: str):
    home = client.get(f"{base}/").text
    action = re.search(r'action="([^"]*/assigned/[^"]+)"', home).group(1)
    return client.post(action, data={"csrf": csrf(home)})


def test_an_assigned_set_is_resumed_never_drawn_again(client, room):
    assign(client, room)
    base = link(room, "ann")
    start_assigned(client, base)
    first = CODE.search(client.get(f"{base}/practice").text).group(1)
    act_on(client, base, "show")
    act_on(client, base, "next")
    rows = len(history_rows(room, "ann"))
    start(client, base)  # some practice of their own in between
    start_assigned(client, base)
    page = client.get(f"{base}/practice").text
    assert "problem 2 of" in page and CODE.search(page).group(1) != first
    assert len(history_rows(room, "ann")) == rows  # nothing drawn or answered again


def test_a_problem_of_an_unfinished_set_does_not_open_on_its_own(client, room):
    assign(client, room)
    base = link(room, "ann")
    start_assigned(client, base)
    code = CODE.search(client.get(f"{base}/practice").text).group(1)
    page = client.get(f"{base}/item/{code}").text
    home = client.post(f"{base}/item/{code}", data={"csrf": csrf(page)}).text
    assert "answer it there" in home
    assert CODE.search(client.get(f"{base}/practice").text).group(1) == code  # still the set
    assert history_rows(room, "ann") == []


def test_the_teacher_page_says_first_answers_count(client, room):
    assign(client, room)
    start_assigned(client, link(room, "ann"))
    page = client.get(f"{teacher_of(room)}/").text
    assert "first answers are the ones counted" in page
    assert "problem 1 of" in page and "not started" in page


def test_skip_or_show_with_nothing_answered_is_not_all_correct(client, room):
    base = link(room, "ann")
    for action in ("skip", "show"):
        start(client, base)
        act_on(client, base, action)
        page = client.get(f"{base}/practice").text
        assert "All correct." not in page and "Worked solution" in page


def test_history_charts_are_drawn_off_the_event_loop_and_once(client, room, monkeypatch):
    import threading

    from quizgen.web import charts

    threads = []
    real = charts.accuracy_over_time
    monkeypatch.setattr(
        charts,
        "accuracy_over_time",
        lambda series: threads.append(threading.current_thread()) or real(series),
    )
    base = link(room, "ann")
    start(client, base)
    act_on(client, base, "show")
    for _ in range(3):
        assert "Accuracy per topic over time" in client.get(f"{base}/history").text
    assert len(threads) == 1 and threads[0] is not threading.main_thread()


def test_the_listening_socket_is_tcp_so_every_connection_gets_nodelay():
    import asyncio
    import socket

    from quizgen.web.server import bind

    async def accepted_nodelay() -> int:
        sock = bind("127.0.0.1", 0)
        seen = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport):
                raw = transport.get_extra_info("socket")
                seen.set_result(raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname())
        value = await asyncio.wait_for(seen, 5)
        writer.close()
        server.close()
        return value

    assert asyncio.run(accepted_nodelay()) != 0


def test_a_request_for_another_host_name_is_refused(client, room):
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example"):
        response = client.get(f"{link(room, 'ann')}/", headers={"Host": host})
        assert response.status_code == 400, host
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host


def test_the_site_answers_to_its_url_and_the_address_it_listens_on(room):
    app = create_app(room, base="http://class.example:8123", listening="192.168.1.5")
    client = TestClient(app, base_url="http://127.0.0.1")
    for host in ("class.example:8123", "192.168.1.5:8123", "CLASS.example"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host
    assert client.get("/", headers={"Host": "192.168.1.6"}).status_code == 400


def test_printed_links_come_from_the_sites_address_never_the_host_header(room):
    app = create_app(room, base="http://class.example:8123")
    client = TestClient(app, base_url="http://class.example:8123")
    page = client.get(f"{teacher_of(room)}/links", headers={"Host": "localhost"}).text
    assert "http://class.example:8123/s/" in page and "localhost" not in page


def test_forwarded_headers_are_believed_only_behind_a_named_proxy(monkeypatch, room):
    import uvicorn

    from quizgen.web import server

    configs = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets: configs.append(self.config))
    for proxy in (None, "10.0.0.2"):
        server.serve(room, "127.0.0.1", 0, (), None, lambda _line: None, proxy)
        room.lock = None  # serve closed the class; the next run only needs the object
    assert configs[0].proxy_headers is False
    assert configs[1].proxy_headers is True and configs[1].forwarded_allow_ips == "10.0.0.2"


def test_fonts_have_hashed_names_long_caching_and_swap(client, room):
    page = client.get(f"{link(room, 'ann')}/").text
    css = client.get(re.search(r'href="(/static/site[^"]+)"', page).group(1))
    assert css.text.count("font-display: swap") == 2
    for url in re.findall(r'url\("([^"]+)"\)', css.text):
        response = client.get(url)
        assert re.search(r"\.[0-9a-f]{10}\.ttf$", url)
        assert "immutable" in response.headers["cache-control"]
        assert "max-age=31536000" in response.headers["cache-control"]


def test_histories_are_the_teachers_alone(client, room):
    base = link(room, "ann")
    start(client, base)
    act_on(client, base, "show")
    folder = room.folder
    for path in (folder, folder / "history"):
        assert path.stat().st_mode & 0o777 == 0o700, path
    for path in (folder / "history" / "ann.sqlite", folder / "site.sqlite", folder / "form-secret"):
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_a_client_that_goes_away_is_logged_in_one_line(caplog):
    import asyncio

    from quizgen.web.guards import Guards

    async def never(scope, receive, send):
        raise AssertionError("the route ran without a body")

    async def gone():
        return {"type": "http.disconnect"}

    scope = {"type": "http", "method": "POST", "path": "/s/x/answer", "headers": []}
    asyncio.run(Guards(never, [])(scope | {"headers": [(b"host", b"localhost")]}, gone, None))
    assert len(caplog.records) == 1 and "went away" in caplog.records[0].getMessage()
    assert caplog.records[0].exc_info is None


def test_the_favicon_is_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"


def test_topic_titles_not_keys_on_the_teacher_and_summary_pages(client, room):
    base = link(room, "ann")
    start(client, base, topic="linear_regression")
    act_on(client, base, "show")
    act_on(client, base, "next")
    title = topics.get("linear_regression").title
    for page in (client.get(f"{base}/practice").text, client.get(f"{teacher_of(room)}/").text):
        assert title in page and "linear_regression" not in page


def test_a_format_notice_keeps_what_was_typed(client, room):
    base = link(room, "ann")
    start(client, base)
    act_on(client, base, "answer", sigma="0.5.5 oops")
    page = client.get(f"{base}/practice").text
    assert "not counted" in page and 'value="0.5.5 oops"' in page


def test_the_blueprint_field_says_nothing_about_other_files(client, room, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("title: x\n", encoding="utf-8")
    said = []
    for name in (str(secret), str(tmp_path / "absent.yaml"), "../roster.csv"):
        page = assign(client, room, name).text
        said.append(re.search(r'<p class="notice">[^:]*: ([^<]*)</p>', page).group(1))
    assert said[0] == said[1] == said[2] and "not a blueprint here" in said[0]
    assert room.assignments == []


def test_an_assigned_blueprint_is_copied_into_the_class_folder(client, room):
    from quizgen.exam.blueprint import shipped_blueprints

    own = room.folder / "mine.yaml"
    own.write_bytes(shipped_blueprints()["quiz"].read_bytes())
    assign(client, room, "mine.yaml")
    own.unlink()  # moved away after assigning
    start_assigned(client, link(room, "ann"))
    assert CODE.search(client.get(f"{link(room, 'ann')}/practice").text)
    assert (room.folder / room.assignments[0].blueprint).is_file()


def test_rate_limits_are_per_link_not_per_address(room):
    client = TestClient(
        create_app(room, rate=RateLimit(per_second=0.01, burst=2)), base_url="http://127.0.0.1"
    )
    ann, bo = link(room, "ann"), link(room, "bo")
    for base in (ann, bo):
        start(client, base, count=5)
    statuses = [act_on(client, ann, "hint").status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    assert act_on(client, bo, "hint").status_code == 303  # the same address, another link


def test_a_reopened_class_carries_on_where_the_student_was(room, tmp_path):
    """What the restart test over a real server checks, in-process: a new app on the folder
    accepts the old page's form, with the hints and typed text still on the page."""
    client = TestClient(create_app(room), base_url="http://127.0.0.1")
    base = link(room, "ann")
    start(client, base)
    act_on(client, base, "hint")
    act_on(client, base, "answer", sigma="0.5.5")
    old = client.get(f"{base}/practice").text
    room.close()
    again = rooms.open_class(read_roster(tmp_path / "roster.csv"), tmp_path / "practice")
    try:
        client = TestClient(create_app(again), base_url="http://127.0.0.1")
        page = client.get(f"{base}/practice").text
        assert CODE.search(page).group(1) == CODE.search(old).group(1)
        assert page.count('class="hint"') == 1 and 'value="0.5.5"' in page
        _, solution = shown_problem(old)
        data = {"csrf": csrf(old), "part": "sigma", "sigma": typed(solution, "sigma")}
        response = client.post(f"{base}/answer", data=data, follow_redirects=False)
        assert response.status_code == 303
        assert "Correct." in client.get(f"{base}/practice").text
    finally:
        again.close()


def test_a_second_open_of_a_class_folder_is_refused_by_name(room, tmp_path):
    from quizgen.core.errors import QuizgenError

    room.claim("process 4242, http://127.0.0.1:8000/")
    with pytest.raises(QuizgenError, match=r"in use by another quizgen serve.*process 4242"):
        rooms.open_class(read_roster(tmp_path / "roster.csv"), tmp_path / "practice")


def test_an_adaptive_sitting_reopens_on_the_problem_it_drew(room, tmp_path):
    client = TestClient(create_app(room), base_url="http://127.0.0.1")
    base = link(room, "ann")
    page = client.get(f"{base}/").text
    client.post(f"{base}/start", data={"csrf": csrf(page), "adaptive": "on", "count": "5"})
    act_on(client, base, "show")
    act_on(client, base, "next")  # drawn after the history changed
    before = CODE.search(client.get(f"{base}/practice").text).group(1)
    room.close()
    again = rooms.open_class(read_roster(tmp_path / "roster.csv"), tmp_path / "practice")
    try:
        client = TestClient(create_app(again), base_url="http://127.0.0.1")
        page = client.get(f"{base}/practice").text
        assert CODE.search(page).group(1) == before and "problem 2 of 5" in page
    finally:
        again.close()


def test_a_state_file_from_a_newer_quizgen_is_refused_in_one_line(tmp_path):
    import sqlite3

    from quizgen.core.errors import QuizgenError
    from quizgen.web.store import Store

    path = tmp_path / "site.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(QuizgenError, match="newer quizgen") as error:
        Store(path)
    assert "\n" not in str(error.value)


def test_ctrl_c_stops_serve_quietly_with_exit_status_0(tmp_path):
    process, base, _ = start_site(serve_command("--db", str(tmp_path / "h.db")))
    with urllib.request.urlopen(f"{base}/", timeout=30) as page:  # serving, not starting
        assert page.status == 200
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=30)
    assert process.returncode == 0
    assert rest.strip().splitlines() == ["quizgen stopped serving. Goodbye."]
