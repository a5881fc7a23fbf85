"""Answer sheets: the PDF has each box exactly where sheet-layout.json says; every answer a
slot can have fits its grid and reads back; the sheet gives no variant's answer away."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sheet_sim as sim
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen import topics
from quizgen.cli import cli
from quizgen.core.latex import answer_text
from quizgen.exam.answer_range import GridSize, entries, grid_sizes, grid_symbols
from quizgen.exam.blueprint import load_blueprint
from quizgen.exam.build import build_exam
from quizgen.exam.problems import make_problem
from quizgen.publish.sheets import write_sheet
from quizgen.render import sheet
from quizgen.scan import layout as layout_file
from quizgen.scan.fields import read_field

PIXELS_PER_POINT = 3
SLOTS = [("sigmoid", "medium"), ("perceptron", "medium"), ("conv_shape", "medium")]
SLOTS += [("backprop", "easy")]
BLUEPRINT = """\
title: Layout test
sections:
  - title: One
    items:
      - {topic: sigmoid, marks: 2}
      - {topic: relu, marks: 2, form: choice}
      - {bank: {kind: order}, marks: 2}
      - {bank: {kind: derive}, marks: 3}
  - title: Not on the sheet
    sheet: false
    items:
      - {topic: bce, marks: 2}
"""


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sheet")
    (folder / "layout.yaml").write_text(BLUEPRINT, encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "paper",
            str(folder / "layout.yaml"),
            "--seed",
            "4",
            "--versions",
            "2",
            "--sheet",
            "--id-digits",
            "6",
            "--format",
            "pdf",
            "--out",
            str(folder),
        ],
    )
    assert result.exit_code == 0, result.output
    return folder


def assert_boxes_drawn_at(raster: np.ndarray, boxes: list[dict]) -> None:
    """Every box's four edges are inked where the layout puts them, its inside blank."""
    dark = raster < 128
    assert boxes
    for b in boxes:
        x0, y0 = round(b["x"] * PIXELS_PER_POINT), round(b["y"] * PIXELS_PER_POINT)
        x1 = round((b["x"] + b["w"]) * PIXELS_PER_POINT)
        y1 = round((b["y"] + b["h"]) * PIXELS_PER_POINT)
        for edge in (
            dark[y0 + 3 : y1 - 3, x0 - 1 : x0 + 2],
            dark[y0 + 3 : y1 - 3, x1 - 1 : x1 + 2],
        ):
            assert edge.any(axis=1).all(), f"box {b} has no left or right edge there"
        for edge in (
            dark[y0 - 1 : y0 + 2, x0 + 3 : x1 - 3],
            dark[y1 - 1 : y1 + 2, x0 + 3 : x1 - 3],
        ):
            assert edge.any(axis=0).all(), f"box {b} has no top or bottom edge there"
        assert not dark[y0 + 3 : y1 - 3, x0 + 3 : x1 - 3].any(), f"box {b} is not empty inside"


def test_every_box_is_drawn_where_the_layout_says(printed):
    _, pages = sim.page_layouts(printed / "sheet-layout.json")
    raster = sim.rasterise(printed / "layout-4-A-sheet.pdf", 72 * PIXELS_PER_POINT)[0]
    assert_boxes_drawn_at(raster, pages["A"][0]["boxes"])


def test_weasyprint_draws_every_box_where_the_layout_says_too(printed, tmp_path):
    blueprint = load_blueprint(printed / "layout.yaml").model_copy(update={"engine": "weasyprint"})
    exam = build_exam(blueprint, 4, 1)
    laid = sheet.layout_sheet(exam, exam.versions[0], id_digits=6)
    write_sheet(exam, laid, tmp_path / "sheet.pdf")
    raster = sim.rasterise(tmp_path / "sheet.pdf", 72 * PIXELS_PER_POINT)[0]
    assert_boxes_drawn_at(raster, [sheet._box_record(b) for b in laid.pages[0].boxes])


def test_corner_marks_are_solid_where_the_layout_says(printed):
    _, pages = sim.page_layouts(printed / "sheet-layout.json")
    raster = sim.rasterise(printed / "layout-4-A-sheet.pdf", 72 * PIXELS_PER_POINT)[0]
    for c in pages["A"][0]["corners"]:
        x0, y0 = (round(v * PIXELS_PER_POINT) + 2 for v in (c["x"], c["y"]))
        x1, y1 = (round((c[a] + c[b]) * PIXELS_PER_POINT) - 2 for a, b in (("x", "w"), ("y", "h")))
        assert (raster[y0:y1, x0:x1] < 60).all()


def test_the_layout_names_every_field_of_the_sheet_sections_only(printed):
    data = json.loads((printed / "sheet-layout.json").read_text(encoding="utf-8"))
    assert data["schema"] == "quizgen.sheet-layout/1"
    fields = [f for page in data["layouts"][data["sheets"][0]["layout"]] for f in page["fields"]]
    kinds = sorted({f["kind"] for f in fields})
    assert kinds == ["choice", "id", "marks", "number", "order"]
    assert {f["question"] for f in fields} == {None, 1, 2, 3, 4}  # question 5 is sheet: false
    ids = [f for f in fields if f["kind"] == "id"]
    assert len(ids) == len(data["layouts"][data["sheets"][0]["layout"]])  # one on every page


def test_id_digits_needs_sheet_and_versions(tmp_path):
    result = CliRunner().invoke(cli, ["paper", "quiz", "--id-digits", "5", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "--id-digits goes with --sheet and --versions" in result.output


def test_grids_of_a_slot_are_the_same_for_every_variant(printed):
    data = json.loads((printed / "sheet-layout.json").read_text(encoding="utf-8"))
    shapes = []
    for s in data["sheets"]:
        page = data["layouts"][s["layout"]][0]
        shapes.append(
            [
                (f["signed"], f["integers"], f["decimals"])
                for f in page["fields"]
                if f["kind"] == "number" and f["question"] == 1
            ]
        )
    assert shapes[0] == shapes[1]


def read_back(value: float, grid) -> str:
    """Write ``value`` into a grid laid out as on a sheet and read it as the scanner does."""
    symbols = grid_symbols(value, grid)
    reading = reading_of(grid, {c: [s] for c, s in enumerate(symbols) if s})
    assert reading.doubt is None, reading
    return reading.text


@settings(max_examples=40, deadline=None)
@given(slot=st.sampled_from(SLOTS), seed=st.integers(0, 2**40))
def test_every_answer_a_slot_can_have_fits_its_grid_and_reads_back(slot, seed):
    topic, difficulty = slot
    sizes = grid_sizes(topic, difficulty)
    problem = make_problem(topic, seed, difficulty)
    solution = topics.get(topic).solve(problem.params)
    for part in solution.parts:
        grid = sizes[part.key]
        for _, value in entries(solution.answer[part.key]):
            shown = float(answer_text(value, part.precision))
            assert grid.fits(shown), (part.key, shown, grid)
            assert grid.low <= shown <= grid.high
            assert np.isclose(float(read_back(shown, grid)), shown, atol=1e-12)


def one_grid(grid):
    page = sheet._page(1, 595.0, 842.0, "")
    sheet.place_spec(sheet.number_spec(1, "a", None, "1", grid), 40.0, 40.0, page)
    return layout_file._page(sheet._page_record(page))


def reading_of(grid, marked: dict[int, list[str]], unclear: tuple[int, str] | None = None):
    """Read a grid with the given boxes filled (by column: symbols) and one unclear box."""
    laid = one_grid(grid)
    states = []
    for i, symbol in enumerate(laid.symbols):
        column = int(laid.columns[i])
        if unclear == (column, symbol):
            states.append("unclear")
        else:
            states.append("filled" if symbol in marked.get(column, []) else "empty")
    return read_field(laid.fields[0], laid, tuple(states))


GRID = GridSize(True, 2, 2, -20.0, 20.0)  # columns: sign, tens, units, tenths, hundredths


def test_a_number_is_read_with_leading_blanks():
    assert reading_of(GRID, {0: ["-"], 2: ["3"], 3: ["0"], 4: ["5"]}).text == "-3.05"


def test_nothing_marked_is_a_blank_answer():
    reading = reading_of(GRID, {})
    assert (reading.text, reading.doubt) == ("", None)


def test_two_boxes_in_one_column_go_to_review():
    assert reading_of(GRID, {2: ["3", "4"], 3: ["0"], 4: ["0"]}).doubt == (
        "two boxes filled in one column"
    )


def test_a_mark_between_the_thresholds_goes_to_review():
    reading = reading_of(GRID, {2: ["3"], 3: ["0"], 4: ["0"]}, unclear=(1, "1"))
    assert reading.doubt == "a mark between empty and filled"


def test_a_blank_column_inside_a_number_goes_to_review():
    assert reading_of(GRID, {1: ["1"], 3: ["0"], 4: ["0"]}).doubt == (
        "a blank column inside the number"
    )


def test_a_decimal_left_blank_goes_to_review():
    assert reading_of(GRID, {2: ["3"], 3: ["5"]}).doubt == "a decimal column left blank"


def test_a_number_outside_the_slot_range_goes_to_review_with_its_reading():
    reading = reading_of(GRID, {1: ["9"], 2: ["9"], 3: ["0"], 4: ["0"]})
    assert (reading.doubt, reading.guess) == (
        "outside the range of this question's answers",
        "99.00",
    )


def test_a_class_set_printed_in_shards_has_one_layout_for_the_whole_class(tmp_path):
    (tmp_path / "one.yaml").write_text(
        "title: One\nsections:\n  - title: S\n    items:\n"
        "      - {topic: sigmoid, difficulty: medium, marks: 2}\n",
        encoding="utf-8",
    )
    ids = [f"S{k}" for k in range(6)]
    (tmp_path / "roster.csv").write_text(
        "id,name\n" + "".join(f"{i},Name {i}\n" for i in ids), encoding="utf-8"
    )
    out = tmp_path / "class"
    for shard in ("1/2", "2/2"):
        result = CliRunner().invoke(
            cli,
            [
                *("paper", str(tmp_path / "one.yaml"), "--roster", str(tmp_path / "roster.csv")),
                *("--seed", "3", "--sheet", "--shard", shard, "--out", str(out), "-j", "1"),
            ],
        )
        assert result.exit_code == 0, result.output
    layout = json.loads((out / "sheet-layout.json").read_text(encoding="utf-8"))
    assert sorted(s["student"] for s in layout["sheets"]) == ids
    assert {s["layout"] for s in layout["sheets"]} <= set(layout["layouts"])
    assert (out / "all-sheets-1-of-2.pdf").is_file() and (out / "all-sheets-2-of-2.pdf").is_file()
