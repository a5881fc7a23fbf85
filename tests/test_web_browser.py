"""`quizgen serve` in a real browser: Debian's Chromium driven by Playwright, against the real
server (uvicorn on loopback), with no network. Screenshots land in the test's folder."""

from __future__ import annotations

import csv
import os
import re
import shutil
from pathlib import Path

import pytest
from web_helpers import CODE, roster, serve_command, shown_problem, start_site, typed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,  # drives a real Chromium
    pytest.mark.xdist_group("browser"),  # one worker starts the site and the browser
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="Debian's chromium is not installed (.ci/run installs it)",
    ),
]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A class of three served on a free port: (base URL, links by student id, teacher URL)."""
    folder = tmp_path_factory.mktemp("site")
    path = roster(folder, [("ann", "Ann Smith"), ("bo", "Bo Chen"), ("cy", "Cy Díaz")])
    try:
        process, base, lines = start_site(
            serve_command("--class", str(path), "--class-dir", str(folder / "practice")),
            env={**os.environ, "QUIZGEN_CACHE_DIR": str(folder / "cache")},
        )
    except RuntimeError as error:
        pytest.fail(str(error))
    teacher = next(re.search(r"(http://\S+)", x).group(1) for x in lines if "Teacher" in x)
    with (folder / "practice" / "links.csv").open(encoding="utf-8") as handle:
        links = {row["id"]: row["link"] for row in csv.DictReader(handle)}
    yield base, links, teacher, folder
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 1200})
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    yield page
    foreign = [u for u in requests if not u.startswith("http://127.0.0.1")]
    assert foreign == [], "a request left the machine"
    context.close()


def submit(page, selector: str) -> None:
    """Click a form's button and wait for the page it leads to (every form posts, then the
    site redirects to the page to show)."""
    with page.expect_navigation():
        page.click(selector)


def begin(page, link: str, topic: str, count: int = 1) -> None:
    page.goto(link)
    for box in page.locator("input[name=topic]").all():
        if box.get_attribute("value") != topic:
            box.uncheck()
    page.fill("input[name=count]", str(count))
    submit(page, "button:has-text('Start')")


def answer(page, text: str) -> None:
    page.locator("form.answer input[type=text]").fill(text)
    submit(page, "button:has-text('Check')")


def test_a_full_practice_session(site, page, tmp_path):
    _, links, _, _ = site
    begin(page, links["ann"], "sigmoid", count=2)
    for number in (1, 2):
        assert f"problem {number} of 2" in page.inner_text("main")
        _, solution = shown_problem(page.content())
        answer(page, typed(solution, "sigma"))
        answer(page, typed(solution, "dsigma"))
        assert page.get_by_text("All correct.", exact=True).is_visible()
        submit(page, "button:has-text('Next problem')")
    assert page.locator("h1:has-text('Done')").is_visible()
    assert "100 %" in page.inner_text("table")
    page.screenshot(path=tmp_path / "done.png", full_page=True)
    submit(page, "text=your history")
    assert page.locator("text=Accuracy per topic over time").is_visible()
    assert page.locator(".chart svg").count() >= 1


def test_a_wrong_answer_is_named(site, page, tmp_path):
    _, links, _, _ = site
    begin(page, links["bo"], "sigmoid")
    _, solution = shown_problem(page.content())
    answer(page, f"{1 - solution.answer['sigma']:.3f}")  # sigma(-z): the minus sign dropped
    verdict = page.locator(".part.wrong .verdict").inner_text()
    assert "It looks like you" in verdict and "minus" in verdict
    page.screenshot(path=tmp_path / "named.png", full_page=True)


def test_follow_through_credit(site, page):
    _, links, _, _ = site
    begin(page, links["bo"], "sigmoid")
    _, solution = shown_problem(page.content())
    wrong = round(solution.answer["sigma"] + 0.1, 3)
    answer(page, f"{wrong}")
    answer(page, f"{wrong * (1 - wrong):.3f}")
    assert "follow-through" in page.locator(".part.follow-through").inner_text()


def test_the_hint_ladder_gives_one_rung_at_a_time(site, page):
    _, links, _, _ = site
    begin(page, links["cy"], "backprop")
    submit(page, "button:has-text('Hint')")
    assert page.locator(".hint").count() == 1
    submit(page, "button:has-text('Hint')")
    hints = page.locator(".hint").all_inner_texts()
    assert len(hints) == 2 and hints[0] != hints[1]
    assert page.locator(".steps").count() == 0  # no worked solution yet


def test_an_item_code_opens_its_problem_on_the_teachers_link(site, page, tmp_path):
    _, _, teacher, _ = site
    from quizgen.exam.item_codes import encode

    code = encode("softmax", "medium", 4242)
    page.goto(f"{teacher}item/{code}")
    _, solution = shown_problem(page.content())
    for part in solution.parts:
        page.fill(f"input[name={part.key}]", typed(solution, part.key))
    submit(page, "button:has-text('Check')")
    assert page.locator(".verdict.right").count() == len(solution.parts)
    assert page.locator("math").count() > 0
    page.screenshot(path=tmp_path / "item.png", full_page=True)


def test_a_student_cannot_open_another_students_page(site, page):
    _, links, _, _ = site
    tampered = links["ann"].rstrip("/")[:-2] + "xx/"
    response = page.goto(tampered)
    assert response.status == 404
    page.goto(links["bo"])
    assert "Bo Chen" in page.inner_text("header") and "Ann" not in page.content()


def test_the_teacher_page(site, page, tmp_path):
    _, links, teacher, _ = site
    begin(page, links["ann"], "relu")
    answer(page, "0")
    page.goto(teacher)
    text = page.inner_text("main")
    assert "Accuracy per topic" in text and "Ann Smith" in text and "Cy Díaz" in text
    page.screenshot(path=tmp_path / "teacher.png", full_page=True)
    page.goto(teacher + "links")
    assert page.locator(".links svg").count() == 3
    assert CODE.pattern  # the helper module loads


def violations(page) -> list[str]:
    """axe-core's violations on the page (the copy bundled by axe-playwright-python)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]
    ]


def test_axe_finds_no_violation_on_any_page(site, browser):
    from quizgen.exam.item_codes import encode

    _, links, teacher, _ = site
    context = browser.new_context(bypass_csp=True)  # axe is injected as a script
    page = context.new_page()
    found = {}

    def check(name: str) -> None:
        found[name] = violations(page)

    code = encode("sigmoid", "medium", 7)
    begin(page, links["cy"], "sigmoid")
    check("learner practice")
    _, solution = shown_problem(page.content())
    answer(page, "0.5.5")
    check("format notice")
    answer(page, typed(solution, "sigma"))
    check("feedback")
    submit(page, "button:has-text('Show the solution')")
    check("worked solution")
    submit(page, "button:has-text('Next problem')")
    check("done")
    page.goto(links["cy"])
    check("home")
    page.goto(links["cy"] + "history")
    check("history")
    page.goto(f"{links['cy']}item/{code}")
    check("item from a link")
    page.goto(f"{teacher}item/{code}")
    check("teacher's item")
    page.fill("input[name=sigma]", "1")
    submit(page, "button:has-text('Check')")
    check("teacher's item checked")
    page.goto(teacher)
    check("teacher")
    page.goto(teacher + "links")
    check("links")
    page.goto(links["cy"])
    page.check("input[value=derivations]")
    page.fill("input[name=count]", "3")
    submit(page, "button:has-text('Start')")
    check("derivation question")
    page.goto(links["cy"].rstrip("/")[:-3] + "zzz/")
    check("not found")
    context.close()
    assert {name: v for name, v in found.items() if v} == {}


def test_every_answer_box_names_its_maths_in_text(site, page):
    _, links, _, _ = site
    begin(page, links["cy"], "softmax")
    name = page.locator("form.answer input[type=text]").get_attribute("aria-label")
    assert name.startswith("(a) ") and name.endswith(" =")
    assert re.search(r"[\w\u0370-\u03ff]", name[4:-2].split("(to")[0]), name  # the symbol itself


def test_a_whole_session_by_keyboard_alone(site, page):
    _, links, _, _ = site
    begin(page, links["ann"], "relu", count=1)
    _, solution = shown_problem(page.content())
    for part in solution.parts:  # the page puts the focus in the answer box; Enter checks it
        page.wait_for_function(
            "document.activeElement?.matches('form.answer input[type=text]')", timeout=10_000
        )
        with page.expect_navigation():
            page.keyboard.type(typed(solution, part.key))
            page.keyboard.press("Enter")
    assert page.get_by_text("All correct.", exact=True).is_visible()
    for _ in range(30):  # Tab to "Next problem", then Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Next problem":
            break
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1:has-text('Done')").is_visible()
