"""Every face shows every form: papers and keys in both engines, the terminal, the quiz and
the site, the LMS exports. A problem of a form other than forward is printed like any other;
a stem's worked solution (``Stem.worked``, the steps a spot question asks to check) is shown as
numbered steps, "Step 1" first. ``SigmoidSpot`` below is a small form of this file's own,
registered for a test, so that worked stems are checked whatever forms the topics have."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from quizgen import topics
from quizgen.cli import cli
from quizgen.core.mathfn import sigmoid
from quizgen.core.model import (
    DIFFICULTIES,
    EXACT,
    FORMS,
    Misconception,
    Part,
    Precision,
    Problem,
    Stem,
)
from quizgen.core.seeds import child_seed
from quizgen.exam.answer_range import grid_sizes
from quizgen.exam.blueprint import Blueprint, ItemSpec, Section
from quizgen.exam.model import Exam, ExamSection, Item, Version
from quizgen.exam.problems import make_problem
from quizgen.topics import Topic
from quizgen.topics import sigmoid as sigmoid_topic


class SigmoidSpot:
    """A spot form of the sigmoid for these tests: the worked solution at z with step 2 wrong
    (sigma'(z) written as sigma(z), a named mistake); asks for the step and its right value."""

    DESCRIPTION = "the first wrong step of a worked sigma'(z), and its right value"
    Params = sigmoid_topic.Params

    @staticmethod
    def generate(rng, difficulty):
        return sigmoid_topic.generate(rng, difficulty)

    @staticmethod
    def solve(p):
        s = sigmoid(p.z)
        return {"step": 2, "value": s * (1 - s)}

    @staticmethod
    def parts(p):
        return [
            Part("step", "the number of the first wrong step", EXACT),
            Part("value", "the right value of that step", Precision(3)),
        ]

    @staticmethod
    def stem(p):
        wrong = {"sigma": sigmoid(p.z), "dsigma": sigmoid(p.z)}
        return Stem(
            rf"A student worked out $\sigma({p.z})$ and $\sigma'({p.z})$ as below. Which step is "
            "the first wrong one, and what should it give?",
            worked=tuple(sigmoid_topic.steps(p, wrong)),
        )

    @staticmethod
    def steps(p, answer):
        return sigmoid_topic.steps(p, sigmoid_topic.solve(p))

    MISCONCEPTIONS = (
        Misconception(
            "flagged the first step",
            r"Step 1's $\sigma(z)$ is right; the derivative in step 2 is not.",
            lambda p: {"step": 1, "value": sigmoid(p.z)},
        ),
    )


@pytest.fixture
def spot(monkeypatch):
    """The sigmoid with ``SigmoidSpot`` as its spot form, for one test."""
    registry = topics.registry()
    known = registry["sigmoid"]
    forms = {**known.other_forms, "spot": SigmoidSpot}
    monkeypatch.setitem(registry, "sigmoid", Topic("sigmoid", known.module, other_forms=forms))
    yield registry["sigmoid"].with_form("spot")
    grid_sizes.cache_clear()  # an answer sheet's grids for this form are this test's own


def form_problem(topic: str, form: str, seed: int = 11, difficulty="medium") -> Problem:
    return make_problem(topic, child_seed(seed, topic, form), difficulty, form)


def every_form_problem() -> list[Problem]:
    """One problem of each form other than forward of every topic (at least sigmoid's
    inverse), the difficulties taken in turn (every one comes up, at a third of the cost)."""
    asked = [(t.name, form) for t in topics.registry().values() for form in t.forms[1:]]
    return [
        form_problem(name, form, difficulty=DIFFICULTIES[i % len(DIFFICULTIES)])
        for i, (name, form) in enumerate(asked)
    ]


def exam_of(problems: list[Problem], title: str = "Forms") -> Exam:
    """An exam of one version with an item per problem, as ``build`` would make it."""
    items = []
    for number, problem in enumerate(problems, start=1):
        topic = topics.get(problem.topic, problem.form)
        code = f"{problem.topic}-{problem.form}-{number}"  # a code per item, of any form
        solution = topic.solve(problem.params)
        stem = topic.stem(problem.params)
        items.append(Item(number, str(number), problem, solution, 4, code, stem))
    specs = [ItemSpec(topic=p.topic, marks=4, id=str(i)) for i, p in enumerate(problems)]
    blueprint = Blueprint(title=title, sections=[Section(title="All", items=specs)])
    section = ExamSection("All", None, tuple(items))
    return Exam(blueprint, 1, (Version("A", (section,)),))


def spot_problem(spot_topic: Topic, z: float = 1.0) -> Problem:
    return Problem("sigmoid", spot_topic.parse({"z": z}), 5, "medium", "spot")


# -- papers and keys --------------------------------------------------------------------------


def test_the_html_paper_numbers_a_worked_stems_steps_from_step_1(spot):
    from quizgen.render.html import render

    exam = exam_of([spot_problem(spot)])
    paper = render(exam, exam.versions[0], "paper", "rebuild", "mathml")
    titles = re.findall(r'<div class="title">(Step \d)\. ', paper)
    assert titles == ["Step 1", "Step 2"]
    assert "0.731" in paper  # the worked steps' numbers are on the paper, the wrong one too


def test_the_key_shows_the_right_steps_not_the_worked_stem(spot):
    from quizgen.render.html import render

    exam = exam_of([spot_problem(spot)])
    key = render(exam, exam.versions[0], "key", "rebuild", "mathml")
    assert "Step 1." not in key
    assert "0.197" in key  # the right sigma'(1), as the key's steps work it out


def test_the_typst_paper_prints_the_worked_steps_and_compiles(spot, tmp_path):
    from quizgen.render.typst_pdf import source, write_pdf

    exam = exam_of([spot_problem(spot)])
    text = source(exam, exam.versions[0], "paper", "rebuild")
    write_pdf(text, tmp_path / "paper.pdf")
    printed = PdfReader(tmp_path / "paper.pdf").pages[0].extract_text()
    assert "Step 1." in printed and "Step 2." in printed
    assert printed.index("Step 2.") < printed.index("a.")  # the steps come before the parts


def test_a_transposed_matrix_is_typeset_for_weasyprint():
    """A spot form's worked solution writes X^T with X's numbers: ziamath refuses a script
    after a bare matrix environment, so the matrix is braced as its base."""
    from quizgen.render.math import svg

    latex = r"\begin{bmatrix} 1 & 2 \\ 1 & -1 \end{bmatrix}^{T} [-3, 6] = [3, -12]"
    assert "<svg" in svg(latex, display=True)


@pytest.mark.slow
def test_every_form_of_every_topic_prints_in_both_engines(spot, tmp_path):
    """Typst typesets paper and key; WeasyPrint lays out the paper (its worked steps to check)
    and every formula of the key goes through ziamath, as the key's PDF would take it (the
    layout itself is the same for every form, and costs 20 s)."""
    from quizgen.render.html import render
    from quizgen.render.pdf import write_pdf as weasy_pdf
    from quizgen.render.typst_pdf import source, write_pdf

    exam = exam_of([*every_form_problem(), spot_problem(spot)])
    version = exam.versions[0]
    for kind in ("paper", "key"):
        write_pdf(source(exam, version, kind, "rebuild"), tmp_path / f"{kind}.pdf")
    html = {kind: render(exam, version, kind, "rebuild") for kind in ("paper", "key")}
    weasy_pdf(html["paper"], tmp_path, tmp_path / "paper-weasy.pdf")
    for name in ("paper.pdf", "key.pdf", "paper-weasy.pdf"):
        text = "".join(p.extract_text() for p in PdfReader(tmp_path / name).pages)
        assert text.count("Question ") >= len(version.items), name
    assert html["key"].count('class="qhead"') == len(version.items)


# -- the terminal -----------------------------------------------------------------------------


def test_a_worked_stem_prints_as_numbered_steps_in_the_terminal(spot):
    from quizgen.render.text import render_problem

    problem = spot_problem(spot)
    text = render_problem(problem, spot.solve(problem.params))
    assert "Problem  [sigmoid · spot · medium · seed 5]" in text
    stem, _, key = text.partition("Answer")
    assert "  Step 1. Sigmoid" in stem and "  Step 2. Derivative" in stem
    assert "  1. Sigmoid" in key  # the key's steps keep their plain numbers


def test_quizgen_topics_lists_each_topics_forms():
    output = CliRunner().invoke(cli, ["topics"]).output
    header, _, *rows = output.splitlines()
    assert "forms" in header.split()
    sigmoid_row = next(r for r in rows if r.startswith("sigmoid "))
    assert "forward, inverse" in sigmoid_row


def lacking() -> tuple[str, str]:
    """A topic and a form it does not have (relu has no what-if, say)."""
    return next(
        (t.name, form) for t in topics.registry().values() for form in FORMS if form not in t.forms
    )


def quiz(args, lines=(), tmp_path: Path | None = None):
    db = ["--db", str(tmp_path / "h.db")] if tmp_path else []
    return CliRunner().invoke(
        cli, ["quiz", *args, *db, "--no-color"], input="".join(f"{x}\n" for x in lines)
    )


def test_quiz_form_asks_problems_in_that_form(tmp_path):
    result = quiz(["-t", "sigmoid", "--form", "inverse", "-n", "1", "--seed", "3"], ["q"], tmp_path)
    assert result.exit_code == 0, result.output
    assert "· inverse ·" in result.output and "Which $z$" not in result.output
    assert "Which z gives it?" in result.output or "Find σ(z) and z." in result.output


def test_quiz_form_checks_an_answer_and_names_the_forms_mistake(tmp_path):
    from quizgen.practice.session import quiz_problems

    (problem,) = quiz_problems(["sigmoid"], 1, 3, "medium", forms=("inverse",))
    right = topics.get("sigmoid", "inverse").solve(problem.params).answer["z"]
    args = ["-t", "sigmoid", "--form", "inverse", "-n", "1", "--seed", "3"]
    result = quiz(args, [f"{-right:.3f}"], tmp_path)  # the ratio upside down gives -z
    assert "It looks like you inverted the ratio" in result.output


def test_quiz_form_of_a_topic_without_it_is_a_one_line_error():
    topic, form = lacking()
    result = quiz(["-t", topic, "--form", form])
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(f'Error: topic "{topic}" has no form "{form}"; its forms: forward')


def test_quiz_form_with_every_topic_asks_only_topics_that_have_it(tmp_path):
    from quizgen.practice.session import quiz_problems, topics_in_forms

    names = topics_in_forms(list(topics.registry()), ("inverse",))
    asked = list(quiz_problems(names, 2 * len(names), 1, "easy", forms=("inverse",)))
    assert {p.topic for p in asked} == set(names) and {p.form for p in asked} == {"inverse"}


def test_the_terminal_quiz_shows_a_worked_stems_steps(spot, tmp_path):
    from rich.console import Console

    from quizgen.cli.quiz import QuizSession

    console = Console(record=True, width=100, color_system=None)
    lines = iter(["q"])
    session = QuizSession(console, lambda prompt: next(lines), None)
    session.run([spot_problem(spot)])
    shown = console.export_text()
    assert "Step 1. Sigmoid" in shown and "Step 2. Derivative" in shown
    assert shown.index("Step 2.") < shown.index("(h hint")  # shown before the first prompt


def test_a_quiz_without_form_asks_forward_problems_as_before():
    from quizgen.practice.session import quiz_problems

    names = list(topics.registry())
    asked = list(quiz_problems(names, 20, 9, "medium"))
    assert {p.form for p in asked} == {"forward"}
    again = [make_problem(p.topic, child_seed(9, "quiz", i), "medium") for i, p in enumerate(asked)]
    assert [p.params for p in asked] == [p.params for p in again]


def test_adaptive_practice_mixes_the_forms_of_a_topic(tmp_path):
    from quizgen.practice.history import History
    from quizgen.practice.session import quiz_problems, session_forms

    history = History(tmp_path / "h.db")
    try:
        forms = session_forms((), adaptive=True)
        asked = list(quiz_problems(["sigmoid"], 30, 4, "medium", history, forms))
    finally:
        history.close()
    assert {p.form for p in asked} == set(topics.get("sigmoid").forms)


def test_a_mistake_in_one_form_brings_the_topic_back_in_adaptive_practice(tmp_path):
    from quizgen.practice.engine import Practice
    from quizgen.practice.history import History
    from quizgen.practice.session import quiz_problems

    history = History(tmp_path / "h.db")
    try:
        practice = Practice(history, "adaptive")
        for seed in range(6):  # sigmoid's inverse form always answered wrong, relu right
            run = practice.start(make_problem("sigmoid", seed, "easy", "inverse"))
            while not run.done:
                run.answer("99")
            relu = practice.start(make_problem("relu", seed, "easy"))
            while not relu.done:
                right = relu.solution.answer[relu.part.key]
                relu.answer(" ".join(map(str, right)) if isinstance(right, list) else str(right))
        asked = list(quiz_problems(["sigmoid", "relu"], 40, 2, "easy", history, ("forward",)))
    finally:
        history.close()
    assert sum(p.topic == "sigmoid" for p in asked) > 2 * sum(p.topic == "relu" for p in asked)


# -- the exports ------------------------------------------------------------------------------


def test_an_exported_stem_carries_its_worked_steps_as_a_numbered_list(spot):
    from quizgen.export.layout import stem_html

    (item,) = exam_of([spot_problem(spot)]).versions[0].items
    html = stem_html(item)
    listed = re.search(r"<ol>(.*)</ol>", html).group(1)
    assert listed.count("<li>") == 2 and listed.startswith("<li>Sigmoid\\[")
    assert "0.731" in listed


def test_a_mistake_that_gives_no_value_for_a_part_is_left_out_of_its_feedback():
    """bce's inverse names a mistake that gives no z at all (a probability above 1): the
    exports name the mistakes that do give one, and write the question."""
    from quizgen.export.layout import entries, wrong_values

    (item,) = exam_of([form_problem("sigmoid", "inverse")]).versions[0].items
    (entry,) = entries(item)
    known = [("gave nothing", "No z.", {"z": None}), ("gave a z", "Wrong z.", {"z": 99.0})]
    assert [value for value, _ in wrong_values(entry, known)] == [99.0]


def test_a_forms_slot_is_named_after_its_topic_and_form(spot):
    from quizgen.export.layout import slots

    exam = exam_of([spot_problem(spot), form_problem("sigmoid", "inverse")])
    assert [s.title for s in slots(exam)] == ["1 sigmoid-spot", "2 sigmoid-inverse"]


def test_anki_tags_a_forms_cards_with_the_form(spot, tmp_path):
    import sqlite3
    import zipfile

    from quizgen.export import write

    exam = exam_of([spot_problem(spot), form_problem("sigmoid", "forward")])
    target = tmp_path / "deck.apkg"
    write("anki", exam, target)
    with zipfile.ZipFile(target) as package:
        package.extract("collection.anki2", tmp_path)
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        tags = sorted(row[0].split() for row in db.execute("SELECT tags FROM notes"))
    assert tags == [["quizgen", "sigmoid"], ["quizgen", "sigmoid", "spot"]]


# -- the site ---------------------------------------------------------------------------------


@pytest.fixture
def room(tmp_path):
    from web_helpers import roster

    from quizgen.exam.roster import read_roster
    from quizgen.web import classroom as rooms

    classroom = rooms.open_class(read_roster(roster(tmp_path, [("ann", "Ann")])), tmp_path / "p")
    yield classroom
    classroom.close()


@pytest.fixture
def site(room):
    """(a test client of the class's site, Ann's link)."""
    from starlette.testclient import TestClient

    from quizgen.web.app import create_app

    learner = next(iter(room.learners.values()))
    return TestClient(create_app(room), base_url="http://127.0.0.1"), f"/s/{learner.token}"


def start(site, forms: list[str], topic: str = "sigmoid", **extra: str) -> str:
    """Start a practice of ``topic`` in ``forms``; the page it leads to."""
    from web_helpers import csrf

    client, base = site
    home = client.get(f"{base}/").text
    data = {"csrf": csrf(home), "topic": topic, "form": forms, "count": "3", **extra}
    return client.post(f"{base}/start", data=data).text


def shown(page: str, form: str) -> tuple[Problem, object]:
    """(problem, solution) of the item code a practice page shows, asked in ``form``."""
    from web_helpers import CODE

    from quizgen.exam.item_codes import decode

    topic, difficulty, seed = decode(CODE.search(page).group(1))[:3]
    problem = make_problem(topic, seed, difficulty, form)
    return problem, topics.get(topic, form).solve(problem.params)


def answer(site, page: str, text: str) -> str:
    from web_helpers import csrf

    client, base = site
    key = re.search(r'name="part" value="([^"]+)"', page).group(1)
    data = {"csrf": csrf(page), "part": key, key: text}
    return client.post(f"{base}/answer", data=data).text


def test_the_practice_page_offers_every_form_some_topic_has(site):
    client, base = site
    home = client.get(f"{base}/").text
    offered = re.findall(r'name="form" value="([a-z]+)"', home)
    assert offered == [
        f
        for f in ("forward", "inverse", "whatif", "spot")
        if any(f in t.forms for t in topics.registry().values())
    ]
    assert "inverse" in offered and "find a given from a result" in home


def test_a_form_chosen_on_the_site_is_asked_and_its_mistake_named(site):
    page = start(site, ["inverse"])
    assert "· inverse ·" in page
    _, solution = shown(page, "inverse")  # medium: sigma(z) given, z asked
    page = answer(site, page, f"{-solution.answer['z']:.3f}")  # the ratio upside down
    assert "It looks like you inverted the ratio" in page


def test_a_right_answer_to_a_form_is_confirmed_on_the_site(site):
    page = start(site, ["inverse"])
    _, solution = shown(page, "inverse")
    for part in solution.parts:
        page = answer(site, page, f"{solution.answer[part.key]:.{part.precision.decimals}f}")
    assert "All correct." in page


def test_a_worked_stem_is_shown_on_the_practice_page_as_numbered_steps(site, spot):
    page = start(site, ["spot"])
    listed = re.search(r'<ol class="steps worked"[^>]*>(.*?)</ol>', page, re.S).group(1)
    titles = re.findall(r'<div class="title">(Step \d)\. ', listed)
    assert titles == ["Step 1", "Step 2"] and "<math" in listed


def test_forms_no_topic_ticked_has_are_a_notice_not_an_error(site):
    from quizgen.web.app import FORM_NAMES

    topic, form = lacking()
    page = start(site, [form], topic=topic)
    assert f"None of the topics ticked is asked in the form {FORM_NAMES[form]}." in page


def test_without_a_form_ticked_the_site_asks_forward_problems(site):
    page = start(site, [])
    assert "Which z gives it" not in page and "compute the sigmoid" in page


def test_an_adaptive_sitting_of_forms_reopens_on_the_problem_it_drew(room, tmp_path):
    from starlette.testclient import TestClient
    from web_helpers import CODE, csrf

    from quizgen.exam.roster import read_roster
    from quizgen.web import classroom as rooms
    from quizgen.web.app import create_app

    client = TestClient(create_app(room), base_url="http://127.0.0.1")
    base = f"/s/{next(iter(room.learners.values())).token}"
    home = client.get(f"{base}/").text
    data = {"csrf": csrf(home), "topic": "sigmoid", "form": "inverse", "adaptive": "on"}
    page = client.post(f"{base}/start", data=data).text
    assert "· inverse ·" in page
    room.close()
    again = rooms.open_class(read_roster(tmp_path / "roster.csv"), tmp_path / "p")
    try:
        reopened = TestClient(create_app(again), base_url="http://127.0.0.1")
        later = reopened.get(f"{base}/practice").text
        assert CODE.search(later).group(1) == CODE.search(page).group(1)
        stem = re.compile(r'<div class="card stem">(.*?)</div>', re.S)
        assert stem.search(later).group(1) == stem.search(page).group(1)
    finally:
        again.close()


@pytest.fixture
def live(room, spot):
    """The class's site served by uvicorn on a free loopback port, in this process (so that
    it has ``SigmoidSpot``): (base URL, Ann's link)."""
    import socket
    import threading
    import time

    import uvicorn

    from quizgen.web.app import create_app

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(room), log_level="error"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    yield base, f"{base}/s/{next(iter(room.learners.values())).token}/"
    server.should_exit = True
    thread.join(10)


@pytest.mark.slow
def test_axe_finds_no_violation_on_the_pages_of_forms(live, tmp_path):
    """The practice page's form choice, a spot question's worked steps and an inverse
    question answered, in Chromium: axe-core finds nothing."""
    from test_web_browser import ARGS, CHROMIUM, violations

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    _, link = live
    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(bypass_csp=True).new_page()
        for form in ("spot", "inverse"):
            page.goto(link)
            found["home"] = violations(page)
            page.locator("input[name=topic]:not([value=sigmoid])").evaluate_all(
                "boxes => boxes.forEach(b => b.checked = false)"
            )
            page.check(f"input[name=form][value={form}]")
            with page.expect_navigation():
                page.click("button:has-text('Start')")
            found[form] = violations(page)
            page.screenshot(path=tmp_path / f"{form}.png", full_page=True)
            steps = page.locator("ol.worked li.step")
            assert steps.count() == (2 if form == "spot" else 0)
            assert form != "spot" or steps.first.inner_text().startswith("Step 1. Sigmoid")
            with page.expect_navigation():
                page.click("button:has-text('Show the solution')")
            found[f"{form} solution"] = violations(page)
        browser.close()
    assert {name: v for name, v in found.items() if v} == {}


# -- the LMSs' own importers ------------------------------------------------------------------


def lms_exam(spot_topic: Topic) -> Exam:
    """Every form of every topic at two difficulties, and a spot question with worked steps."""
    return exam_of([*every_form_problem(), spot_problem(spot_topic)], "Every form")


@pytest.mark.slow
def test_moodle_imports_every_form_with_its_worked_steps(spot, tmp_path):
    from test_lms_import import check_moodle_item, moodle_questions

    from quizgen.export.layout import html, slots
    from quizgen.export.moodle import mark_scale

    exam = lms_exam(spot)
    imported = moodle_questions(exam, tmp_path)
    scale = mark_scale(exam)
    for slot in slots(exam):
        (item,) = slot.items
        question = imported[f"{slot.title} variant 1 ({item.code})"]
        check_moodle_item(question, item, scale)
        assert question["questiontext"].count("<li>") == len(item.stem.worked), slot.title
        for step in item.stem.worked:  # as the export wrote them: no step lost or re-escaped
            assert f"<li>{html(step.title)}" in question["questiontext"]
    assert any(item.stem.worked for slot in slots(exam) for item in slot.items)


@pytest.mark.slow
def test_canvas_imports_every_form_with_its_worked_steps(spot, tmp_path):
    from test_lms_import import canvas_quizzes, check_canvas_item, visible

    from quizgen.export.layout import html

    exam = lms_exam(spot)
    result, questions = canvas_quizzes(exam, tmp_path)
    (quiz,) = result["assessments"]
    asked = [questions[r["migration_id"]] for r in quiz["questions"]]
    for item in exam.versions[0].items:
        mine = [
            q for q in asked if re.fullmatch(rf"Question {item.number}(: .*)?", q["question_name"])
        ]
        check_canvas_item(mine, item)
        for q in mine:
            assert q["question_text"].count("<li>") == len(item.stem.worked)
            for step in item.stem.worked:
                assert visible(html(step.title)) in visible(q["question_text"])


@pytest.mark.slow
def test_anki_imports_every_form_with_its_worked_steps(spot, tmp_path):
    anki = pytest.importorskip("anki.collection")
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    from quizgen.export import write

    exam = lms_exam(spot)
    write("anki", exam, tmp_path / "deck.apkg")
    collection = anki.Collection(str(tmp_path / "collection.anki2"))
    try:
        request = ImportAnkiPackageRequest(
            package_path=str(tmp_path / "deck.apkg"), options=ImportAnkiPackageOptions()
        )
        collection.import_anki_package(request)
        notes = [collection.get_note(n) for n in collection.find_notes("")]
        by_code = {n["Code"]: n for n in notes}
    finally:
        collection.close()
    assert len(notes) == len(exam.versions[0].items)
    for item in exam.versions[0].items:
        note = by_code[item.code]
        assert note["Question"].count("<li>") == len(item.stem.worked)
        assert item.problem.form in note.tags
