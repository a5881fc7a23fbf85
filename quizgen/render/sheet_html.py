"""The answer sheet typeset by WeasyPrint: a page of the layout's size without margins, every
mark an absolutely positioned element at the layout's coordinates, so the PDF and
``sheet-layout.json`` agree as they do with Typst."""

from __future__ import annotations

from html import escape

from quizgen.render.sheet import Rect, Sheet, SheetPage, qr_rects

STYLE = """\
@page {{ size: {w:.3f}pt {h:.3f}pt; margin: 0; }}
html, body {{ margin: 0; padding: 0; }}
body {{ font-family: {fonts}; color: black; }}
.page {{ position: relative; width: {w:.3f}pt; height: {h:.3f}pt; overflow: hidden;
         page-break-after: always; }}
.page:last-child {{ page-break-after: auto; }}
.p {{ position: absolute; box-sizing: border-box; }}
.ink {{ background: black; }}
.box {{ border: 0.6pt solid black; }}
.t {{ position: absolute; white-space: nowrap; line-height: 1; }}
"""


def _div(r: Rect, kind: str) -> str:
    """A rectangle; a stroked one straddles its edge by half the stroke, as Typst's does."""
    if kind == "box":
        r = Rect(r.x - 0.3, r.y - 0.3, r.w + 0.6, r.h + 0.6)
    return (
        f'<div class="p {kind}" style="left:{r.x:.2f}pt;top:{r.y:.2f}pt;'
        f'width:{r.w:.2f}pt;height:{r.h:.2f}pt"></div>'
    )


def page_html(page: SheetPage) -> str:
    parts = [_div(c, "ink") for c in page.corners]
    parts += [_div(r, "ink") for r in qr_rects(page.qr, page.qr_text)]
    parts += [_div(r, "ink") for r in page.filled]
    parts += [_div(Rect(b.x, b.y, b.w, b.h), "box") for b in page.boxes]
    parts += [_div(r, "box") for r in page.outlined]
    parts += [
        f'<div class="t" style="left:{t.x:.2f}pt;top:{t.y:.2f}pt;font-size:{t.size}pt">'
        f"{escape(t.text)}</div>"
        for t in page.texts
    ]
    return '<div class="page">' + "".join(parts) + "</div>"


def document(sheet: Sheet, fonts: str = '"DejaVu Sans", sans-serif') -> str:
    """The whole sheet as one HTML document for WeasyPrint."""
    first = sheet.pages[0]
    style = STYLE.format(w=first.width, h=first.height, fonts=fonts)
    body = "".join(page_html(p) for p in sheet.pages)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Answer sheet {escape(sheet.student or sheet.version)}</title>"
        f"<style>{style}</style></head><body>{body}</body></html>"
    )
