"""The answer sheet's geometry: every box, label, corner mark and QR code of every sheet page,
in PDF points from the page's top-left corner. The layout is the truth: the Typst and WeasyPrint
writers place each thing exactly where it says, ``sheet-layout.json`` records it, and the
scanner reads boxes from it and nothing else.

A numeric answer is a digit grid in the style of auto-multiple-choice: a sign box where the
slot's answers can be negative, then a column of ten boxes per digit with the decimal point
fixed; vector, matrix and shape answers get a grid per entry. Choice and fill questions get a
row of letter boxes, order questions a row of step numbers per position, derivations a
marker's strip 0..marks.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from urllib.parse import quote, unquote

import segno

from quizgen.core.errors import QuizgenError
from quizgen.core.model import part_letter
from quizgen.exam.answer_range import GridSize, entries, grid_sizes
from quizgen.exam.model import BankItem, Exam, Item, Version

SCHEMA = "quizgen.sheet-layout/1"
QR_PREFIX = "quizgen-sheet/1"
PAGE_SIZES = {"A4": (595.276, 841.89), "Letter": (612.0, 792.0)}
BOX = 9.0  # a box's side
PITCH_X = 14.0  # from one column of boxes to the next
PITCH_Y = 12.5  # from one row of boxes to the next
LABEL = 11.0  # the field's name above its boxes
ROW_LABEL = 10.0  # digits / letters to the left of a row
MARK = 20.0  # corner marks' side
INSET = 22.0  # corner marks from the page's edges
QR_SIZE = 64.0
MARGIN = 40.0
GAP = 12.0
FieldKind = Literal["number", "choice", "order", "marks", "id"]
INSTRUCTIONS = (
    "Fill one box per column, fully, in dark ink:",
    "To cancel a box, blacken it past its edges:",
)


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Box:
    """One box: where it is, the answer field it belongs to and the symbol it stands for."""

    x: float
    y: float
    w: float
    h: float
    question: int | None
    part: str | None
    entry: tuple[int, ...] | None
    column: int
    symbol: str
    place: float | None = None


@dataclass(frozen=True)
class Field:
    """One answer read from the sheet: a number, a letter, an order, a mark or the student id."""

    kind: FieldKind
    question: int | None
    part: str | None
    entry: tuple[int, ...] | None
    label: str
    rect: Rect
    grid: GridSize | None = None  # numbers: sign, digits, decimals and the expected range


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 7.0


@dataclass
class SheetPage:
    number: int
    width: float
    height: float
    qr: Rect
    qr_text: str
    corners: list[Rect]
    fields: list[Field] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    filled: list[Rect] = field(default_factory=list)  # the instructions' pictures, in black
    #: the outline of the instructions' filled box (a box of the sheet, not one of its fields)
    outlined: list[Rect] = field(default_factory=list)


@dataclass
class Sheet:
    version: str
    student: str | None
    name: str | None
    pages: list[SheetPage]


def exam_id(exam: Exam) -> str:
    """Twelve hex digits naming the exam: its blueprint (as loaded) and its seed."""
    text = exam.blueprint.model_dump_json() + f"|{exam.seed}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def qr_text(exam_key: str, who: str, page: int) -> str:
    """What a page's QR code says: ``quizgen-sheet/1 EXAM v:A 2`` (or ``s:ID`` for a student)."""
    return f"{QR_PREFIX} {exam_key} {quote(who, safe=':')} {page}"


def parse_qr(text: str) -> tuple[str, str, int] | None:
    """(exam, who, page) from a sheet's QR text; None for anything else."""
    words = text.split(" ")
    if len(words) != 4 or words[0] != QR_PREFIX or not words[3].isdigit():
        return None
    return words[1], unquote(words[2]), int(words[3])


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code's dark modules (error correction level Q), without the quiet zone."""
    code = segno.make_qr(text, error="q", boost_error=False)
    return [[bool(m) for m in row] for row in code.matrix]


def qr_rects(qr: Rect, text: str) -> list[Rect]:
    """The QR code as black rectangles, one per run of dark modules in a row."""
    modules = qr_modules(text)
    size = qr.w / len(modules)
    runs = []
    for r, row in enumerate(modules):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.append(Rect(qr.x + start * size, qr.y + r * size, (c - start) * size, size))
            else:
                c += 1
    return runs


# -- fields --------------------------------------------------------------------------------


#: a symbol a box stands for and, in a number grid, its place value
Symbol = tuple[str, float | None]


@dataclass(frozen=True)
class _Spec:
    """A field before it is placed: its kind, names and columns of symbols."""

    kind: FieldKind
    question: int | None
    part: str | None
    entry: tuple[int, ...] | None
    label: str
    columns: list[list[Symbol]]  # per column, its boxes' (symbol, place)
    rows: list[str]  # row labels, top to bottom (number grids: "-" then digits)
    grid: GridSize | None = None


def number_spec(
    question: int, part: str | None, entry: tuple[int, ...] | None, label: str, grid: GridSize
) -> _Spec:
    columns: list[list[Symbol]] = [[("-", None)]] if grid.signed else []
    for k in range(grid.integers + grid.decimals):
        place = 10.0 ** (grid.integers - 1 - k)
        columns.append([(str(d), round(place, grid.decimals)) for d in range(10)])
    rows = ([""] if grid.signed else []) + [str(d) for d in range(10)]
    return _Spec("number", question, part, entry, label, columns, rows, grid)


def entry_label(path: tuple[int, ...]) -> str:
    return "[" + ",".join(str(i + 1) for i in path) + "]" if path else ""


def item_specs(item: Item | BankItem) -> list[_Spec]:
    """The fields of one question."""
    q = item.number
    if isinstance(item, BankItem):
        if item.kind == "derive":
            marks: list[list[Symbol]] = [[(str(m), None)] for m in range(item.marks + 1)]
            return [_Spec("marks", q, "a", None, f"{q}  marker: marks", marks, [])]
        if item.kind == "order":
            n = len(item.order)
            steps: list[list[Symbol]] = [
                [(str(s), None) for s in range(1, n + 1)] for _ in range(n)
            ]
            return [_Spec("order", q, "a", None, f"{q}  steps in order", steps, [])]
        letters: list[list[Symbol]] = [[(o.letter, None)] for o in item.options]
        return [_Spec("choice", q, "a", None, str(q), letters, [])]
    if item.choices:
        choices: list[list[Symbol]] = [[(c.letter, None)] for c in item.choices]
        return [_Spec("choice", q, "a", None, str(q), choices, [])]
    problem = item.problem
    sizes = grid_sizes(problem.topic, problem.difficulty or "medium", problem.form)
    specs = []
    several = len(item.solution.parts) > 1
    for i, part in enumerate(item.solution.parts):
        name = part_letter(i) if several else "a"
        shown = f"{q}{name}" if several else str(q)
        for path, _ in entries(item.solution.answer[part.key]):
            label = shown + entry_label(path)
            specs.append(number_spec(q, name, path or None, label, sizes[part.key]))
    return specs


def id_spec(digits: int) -> _Spec:
    columns: list[list[Symbol]] = [[(str(d), None) for d in range(10)] for _ in range(digits)]
    return _Spec("id", None, None, None, "student id", columns, [str(d) for d in range(10)])


# -- placement -----------------------------------------------------------------------------


def block_size(spec: _Spec) -> tuple[float, float]:
    """Width and height of a field with its label."""
    if spec.kind in ("number", "id"):
        return ROW_LABEL + len(spec.columns) * PITCH_X, LABEL + len(spec.rows) * PITCH_Y + 8
    if spec.kind == "order":
        n = len(spec.columns)
        return ROW_LABEL + n * PITCH_X, LABEL + (n + 1) * PITCH_Y
    label_width = max(len(spec.label) * 4.2, 14.0)
    return label_width + len(spec.columns) * (PITCH_X + 6), PITCH_Y + 4


def place_spec(spec: _Spec, x: float, y: float, page: SheetPage) -> None:
    """Put a field's label, boxes and row labels on ``page`` with its top-left at (x, y)."""
    w, h = block_size(spec)
    page.fields.append(
        Field(
            spec.kind, spec.question, spec.part, spec.entry, spec.label, Rect(x, y, w, h), spec.grid
        )
    )
    inset = (PITCH_X - BOX) / 2

    def add(bx: float, by: float, column: int, symbol: str, place: float | None) -> None:
        page.boxes.append(
            Box(
                round(bx, 2),
                round(by, 2),
                BOX,
                BOX,
                spec.question,
                spec.part,
                spec.entry,
                column,
                symbol,
                place,
            )
        )

    if spec.kind in ("number", "id"):
        page.texts.append(Text(x, y, spec.label, 7.5))
        top = y + LABEL
        for r, row in enumerate(spec.rows):
            page.texts.append(Text(x, top + r * PITCH_Y + 2.5, row, 6.5))
        signed = spec.grid is not None and spec.grid.signed
        for c, boxes in enumerate(spec.columns):
            cx = x + ROW_LABEL + c * PITCH_X + inset
            for r, (symbol, place) in enumerate(boxes):
                add(
                    cx,
                    top + r * PITCH_Y + (PITCH_Y - BOX) / 2 + (PITCH_Y if signed and c else 0),
                    c,
                    symbol,
                    place,
                )
            if symbol == "-":
                page.texts.append(Text(cx - 7.5, top + 1.5, "−", 7.0))
        if spec.grid is not None and spec.grid.decimals:
            point = x + ROW_LABEL + (signed + spec.grid.integers) * PITCH_X
            page.texts.append(Text(point - 2.0, top + len(spec.rows) * PITCH_Y - 1.0, "•", 8.0))
        return
    if spec.kind == "order":
        page.texts.append(Text(x, y, spec.label, 7.5))
        n = len(spec.columns)
        for k in range(n):
            page.texts.append(
                Text(x + ROW_LABEL + k * PITCH_X + inset + 1.5, y + LABEL, str(k + 1), 6.5)
            )
        for position, boxes in enumerate(spec.columns):
            by = y + LABEL + (position + 1) * PITCH_Y
            page.texts.append(Text(x, by + 1.5, f"{position + 1}.", 6.5))
            for k, (symbol, place) in enumerate(boxes):
                add(
                    x + ROW_LABEL + k * PITCH_X + inset,
                    by + (PITCH_Y - BOX) / 2,
                    position,
                    symbol,
                    place,
                )
        return
    label_width = w - len(spec.columns) * (PITCH_X + 6)
    page.texts.append(Text(x, y + 2.5, spec.label, 7.5))
    for c, ((symbol, place),) in enumerate(spec.columns):
        cx = x + label_width + c * (PITCH_X + 6)
        page.texts.append(Text(cx, y + 3.0, symbol, 6.5))
        add(cx + 7.5, y + (PITCH_Y - BOX) / 2 + 2, c, symbol, place)


def sheet_specs(version: Version) -> list[_Spec]:
    return [
        spec
        for section in version.sections
        if section.sheet
        for item in section.items
        for spec in item_specs(item)
    ]


def layout_sheet(
    exam: Exam, version: Version, *, id_digits: int | None = None, exam_key: str | None = None
) -> Sheet:
    """Every page of one version's (or student's) answer sheet, placed. With ``id_digits``
    (papers printed by version) every page carries a student-id grid, so that the pages of one
    student's photocopy belong together whichever order they come in."""
    width, height = PAGE_SIZES[exam.blueprint.paper]
    key = exam_key or exam_id(exam)
    who = f"s:{version.student.id}" if version.student else f"v:{version.code}"
    specs = sheet_specs(version)
    if not specs:
        raise QuizgenError("--sheet: no section of the blueprint has answers for a sheet")
    pages: list[SheetPage] = []
    head = id_spec(id_digits) if id_digits else None
    top = MARGIN + 70 + (block_size(head)[1] + GAP if head else 0)
    bottom = height - MARGIN - 10
    x, y, row_height = MARGIN, top, 0.0
    page: SheetPage | None = None

    def new_page() -> SheetPage:
        made = _page(len(pages) + 1, width, height, qr_text(key, who, len(pages) + 1))
        if head:
            place_spec(head, MARGIN, MARGIN + 70, made)
        pages.append(made)
        return made

    page = new_page()
    for spec in specs:
        w, h = block_size(spec)
        if x + w > width - MARGIN:
            x, y, row_height = MARGIN, y + row_height + GAP, 0.0
        if y + h > bottom:
            page = new_page()
            x, y, row_height = MARGIN, top, 0.0
        place_spec(spec, x, y, page)
        x += w + GAP
        row_height = max(row_height, h)
    title = exam.blueprint.title
    whose = (
        f"{version.student.name} ({version.student.id})"
        if version.student
        else f"Version {version.code}   Name: ______________________"
    )
    for p in pages:
        p.texts[:0] = _header(p, title, whose, len(pages))
    return Sheet(
        version.code,
        version.student.id if version.student else None,
        version.student.name if version.student else None,
        pages,
    )


def _page(number: int, width: float, height: float, text: str) -> SheetPage:
    far_x, far_y = width - INSET - MARK, height - INSET - MARK
    corners = [Rect(INSET, INSET, MARK, MARK), Rect(far_x, INSET, MARK, MARK)]
    corners += [Rect(INSET, far_y, MARK, MARK), Rect(far_x, far_y, MARK, MARK)]
    qr = Rect(width - MARGIN - QR_SIZE - 10, MARGIN + 10, QR_SIZE, QR_SIZE)
    return SheetPage(number, width, height, qr, text, corners)


def _header(page: SheetPage, title: str, whose: str, count: int) -> list[Text]:
    """Title, whose sheet, page number and the one-line instructions with their pictures."""
    x, y = MARGIN + 20, MARGIN
    first, second = INSTRUCTIONS
    picture_1 = x + len(first) * 3.9 + 4
    # a filled box: ink inside its edges, the outline still seen round it
    page.outlined.append(Rect(picture_1, y + 44, BOX, BOX))
    page.filled.append(Rect(picture_1 + 1.5, y + 45.5, BOX - 3, BOX - 3))
    picture_2 = picture_1 + 22 + len(second) * 3.9
    # a cancelled box: ink over the box and well past its edges, no outline left to see
    page.filled.append(Rect(picture_2 - 3, y + 41, BOX + 6, BOX + 6))
    return [
        Text(x, y, title[:80], 10.0),
        Text(x, y + 15, f"Answer sheet · {whose}", 9.0),
        Text(x, y + 29, f"Page {page.number} of {count}", 8.0),
        Text(x, y + 45, first, 7.0),
        Text(picture_1 + 20, y + 45, second, 7.0),
    ]


# -- the layout file -----------------------------------------------------------------------


def layout_record(
    exam: Exam, blueprint_name: str, sheets: list[Sheet], files: dict[str, str]
) -> dict[str, Any]:
    """``sheet-layout.json``: identical page layouts stored once, each sheet naming its own."""
    layouts: dict[str, list[dict[str, Any]]] = {}
    records = []
    for sheet in sheets:
        pages = [_page_record(p) for p in sheet.pages]
        name = hashlib.sha256(repr(pages).encode()).hexdigest()[:10]
        layouts.setdefault(name, pages)
        records.append(
            {
                "version": sheet.version,
                "student": sheet.student,
                "name": sheet.name,
                "file": files.get(sheet.student or sheet.version),
                "layout": name,
                "qr": [p.qr_text for p in sheet.pages],
            }
        )
    return {
        "schema": SCHEMA,
        "exam": exam_id(exam),
        "blueprint": blueprint_name,
        "seed": exam.seed,
        "versions": None if sheets and sheets[0].student else len(exam.versions),
        "units": "pt",
        "origin": "top-left",
        "sheets": records,
        "layouts": layouts,
    }


def _page_record(page: SheetPage) -> dict[str, Any]:
    return {
        "page": page.number,
        "width": round(page.width, 3),
        "height": round(page.height, 3),
        "corners": [asdict(c) for c in page.corners],
        "qr": asdict(page.qr),
        "fields": [_field_record(f) for f in page.fields],
        "boxes": [_box_record(b) for b in page.boxes],
    }


def _field_record(f: Field) -> dict[str, Any]:
    record: dict[str, Any] = {
        "kind": f.kind,
        "question": f.question,
        "part": f.part,
        "entry": list(f.entry) if f.entry else None,
        "label": f.label,
        "rect": asdict(f.rect),
    }
    if f.grid is not None:
        record |= {
            "signed": f.grid.signed,
            "integers": f.grid.integers,
            "decimals": f.grid.decimals,
            "range": [round(f.grid.low, 6), round(f.grid.high, 6)],
        }
    return record


def _box_record(b: Box) -> dict[str, Any]:
    return {
        "x": b.x,
        "y": b.y,
        "w": b.w,
        "h": b.h,
        "question": b.question,
        "part": b.part,
        "entry": list(b.entry) if b.entry else None,
        "column": b.column,
        "symbol": b.symbol,
        "place": b.place,
    }
