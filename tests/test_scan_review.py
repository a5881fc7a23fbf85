"""The review page of a scan run (``quizgen serve --review DIR``): each queued field's crop,
reason and best guess, a form to confirm or correct it, saved to the run's corrections.csv
beside the scans, the run's answers written again; and the page in a real browser (keyboard
only, axe-core)."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import sheet_sim as sim
from click.testing import CliRunner
from PIL import Image
from starlette.testclient import TestClient
from web_helpers import serve_command, start_site

from quizgen.cli import cli
from quizgen.web.scan_review import create_review_app

pytestmark = pytest.mark.slow  # prints and reads an answer sheet

DPI = 150
BLUEPRINT = """\
title: Review test
sections:
  - title: S
    items:
      - {topic: sigmoid, difficulty: medium, marks: 2}
      - {topic: cce, difficulty: medium, marks: 2, form: choice}
"""


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """One student's sheet, printed and scanned with two unclear marks: a faint stroke in a
    number's grid and two letters filled for one choice."""
    root = tmp_path_factory.mktemp("review")
    (root / "exam.yaml").write_text(BLUEPRINT, encoding="utf-8")
    (root / "roster.csv").write_text("id,name\nS1,Ada Lovelace\n", encoding="utf-8")
    out = root / "printed"
    result = CliRunner().invoke(
        cli,
        [
            *("paper", str(root / "exam.yaml"), "--roster", str(root / "roster.csv")),
            *("--seed", "5", "--sheet", "--format", "pdf", "--out", str(out), "-j", "1"),
        ],
    )
    assert result.exit_code == 0, result.output
    _, layouts = sim.page_layouts(out / "sheet-layout.json")
    scans = root / "scans"
    scans.mkdir()
    rng = np.random.default_rng(2)
    for page, raster in zip(layouts["S1"], sim.rasterise(out / "S1-sheet.pdf", DPI)):
        marks = []
        for f in page["fields"]:
            boxes = sim.field_boxes(page, f)
            if f["kind"] == "number" and not any(m.style == "faint" for m in marks):
                marks.append(sim.Mark(boxes[max(boxes)]["3"], "faint"))
            elif f["kind"] == "choice":
                letters = [b for column in boxes.values() for b in column.values()]
                marks += [sim.Mark(b, "fill") for b in letters[:2]]
        sim.draw(raster, marks, DPI, rng)
        Image.fromarray(raster).save(scans / f"page-{page['page']}.png")
    return root, out, scans


@pytest.fixture
def run(printed, tmp_path):
    """A fresh scan run of the sheet (its own copy of the scans): the run's folder."""
    _, out, scans = printed
    shutil.copytree(scans, tmp_path / "scans")
    folder = tmp_path / "run"
    argv = ["scan", str(tmp_path / "scans"), "-m", str(out), "-j", "1", "-o", str(folder)]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 0, result.output
    return folder


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def queued(folder: Path) -> list[dict[str, str]]:
    return [r for r in rows(folder / "review.csv") if r["field"] != "page"]


def token(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html)[1]


def post(client: TestClient, html: str, row: dict[str, str], **given: str):
    form = {"token": token(html), "sheet": row["sheet"], "page": row["page"]}
    return client.post("/answer", data={**form, "field": row["field"], **given})


def test_the_page_shows_every_queued_field_with_its_crop_reason_and_guess(run):
    page = TestClient(create_review_app(run)).get("/").text
    queue = queued(run)
    assert len(queue) == 2
    assert page.count('src="data:image/png;base64,') == len(queue)
    for row in queue:
        assert f"field {row['field']}" in page
        assert row["reason"] in page
        assert f'value="{row["guess"]}"' in page


def test_a_correction_is_saved_beside_the_scans_and_leaves_the_queue(run):
    client = TestClient(create_review_app(run))
    first, second = queued(run)
    reply = post(client, client.get("/").text, first, answer="B", action="save")
    assert reply.status_code == 200  # after the redirect to the page
    assert f"Saved field {first['field']}" in reply.text
    kept = rows(run.parent / "scans" / "corrections.csv")
    assert [(r["sheet"], r["field"], r["answer"]) for r in kept] == [
        (first["sheet"], first["field"], "B")
    ]
    assert [r["field"] for r in queued(run)] == [second["field"]]
    answered = {(r["question"], r["answer"]) for r in rows(run / "answers.csv")}
    assert (first["question"], "B") in answered


def test_left_blank_records_an_empty_answer(run):
    client = TestClient(create_review_app(run))
    row = queued(run)[0]
    post(client, client.get("/").text, row, answer="ignored", action="blank")
    kept = rows(run.parent / "scans" / "corrections.csv")
    assert [(r["field"], r["answer"]) for r in kept] == [(row["field"], "")]


def test_a_post_without_the_pages_token_is_refused_and_nothing_saved(run):
    client = TestClient(create_review_app(run))
    row = queued(run)[0]
    form = {"token": "forged", "sheet": row["sheet"], "page": row["page"], "field": row["field"]}
    assert client.post("/answer", data={**form, "answer": "B"}).status_code == 403
    assert not (run.parent / "scans" / "corrections.csv").exists()


def test_the_page_says_when_nothing_is_left(run):
    client = TestClient(create_review_app(run))
    for row in queued(run):
        post(client, client.get("/").text, row, answer="1", action="save")
    assert "Nothing left to review" in client.get("/").text


def test_review_serves_this_machine_only_unless_said_open(run):
    result = CliRunner().invoke(cli, ["serve", "--review", str(run), "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "--open-to-anyone" in result.output


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_in_a_browser_the_queue_is_settled_from_the_keyboard_with_no_axe_violation(run, tmp_path):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    process, base, _ = start_site(serve_command("--review", str(run)))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_context(bypass_csp=True).new_page()  # axe is injected
            page.set_default_timeout(30_000)
            page.goto(base + "/")
            found = Axe().run(page).response["violations"]
            assert [v["id"] for v in found] == []
            page.screenshot(path=tmp_path / "review.png", full_page=True)
            for _ in queued(run):  # the first field has the focus: type, Enter, next
                assert page.evaluate("document.activeElement.name") == "answer"
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                assert [v["id"] for v in Axe().run(page).response["violations"]] == []
            assert page.get_by_text("Nothing left to review").is_visible()
            browser.close()
    finally:
        process.terminate()
        process.wait(10)
    assert queued(run) == []
