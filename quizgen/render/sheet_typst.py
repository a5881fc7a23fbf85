"""The answer sheet typeset by Typst: every mark placed at the layout's coordinates with
``place(dx, dy)`` on a page without margins, so the PDF and ``sheet-layout.json`` agree."""

from __future__ import annotations

from quizgen.render.sheet import Rect, Sheet, SheetPage, qr_rects
from quizgen.render.typst_pdf import escape

STROKE = "0.6pt + black"


def _pt(value: float) -> str:
    return f"{value:.2f}pt"


def _rect(r: Rect, style: str) -> str:
    return (
        f"#place(top + left, dx: {_pt(r.x)}, dy: {_pt(r.y)}, "
        f"rect(width: {_pt(r.w)}, height: {_pt(r.h)}, {style}))"
    )


def page_source(page: SheetPage) -> list[str]:
    lines = [_rect(c, "fill: black, stroke: none") for c in page.corners]
    lines += [_rect(r, "fill: black, stroke: none") for r in qr_rects(page.qr, page.qr_text)]
    lines += [_rect(r, "fill: black, stroke: none") for r in page.filled]
    lines += [_rect(Rect(b.x, b.y, b.w, b.h), f"stroke: {STROKE}") for b in page.boxes]
    lines += [_rect(r, f"stroke: {STROKE}") for r in page.outlined]
    lines += [
        f"#place(top + left, dx: {_pt(t.x)}, dy: {_pt(t.y)}, "
        f'text(size: {t.size}pt, top-edge: "ascender", bottom-edge: "descender")[{escape(t.text)}])'
        for t in page.texts
    ]
    return lines


def source(sheet: Sheet, fonts: str) -> str:
    """The whole sheet, one Typst page per sheet page."""
    first = sheet.pages[0]
    head = [
        f"#set page(width: {_pt(first.width)}, height: {_pt(first.height)}, margin: 0pt)",
        f"#set text(font: {fonts}, fill: black)",
        "#set document(date: none)",
    ]
    body = []
    for index, page in enumerate(sheet.pages):
        if index:
            body.append("#pagebreak()")
        body += page_source(page)
    return "\n".join(head + body) + "\n"
