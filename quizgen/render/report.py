"""HTML for class results: a feedback sheet per student and the class report, from the
templates in ``templates/report``. Maths as MathML in the HTML files, SVG for WeasyPrint."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from fractions import Fraction
from functools import cache
from typing import Any

from markupsafe import Markup

from quizgen.render import plots
from quizgen.render.html import MathAs, environment
from quizgen.topics import topic_title


def marks_text(value: Fraction | int | float) -> str:
    """Marks as printed: whole, else to two decimals (``2``, ``1.5``, ``0.67``)."""
    value = Fraction(value).limit_denominator(1000)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


@cache
def _environment(math_as: MathAs):
    """The papers' templates and filters, plus ``marks``, without touching the papers' own."""
    env = environment(math_as).overlay()
    env.filters["marks"] = marks_text
    return env


def _stylesheet(math_as: MathAs, footer: str) -> Markup:
    css = _environment(math_as).get_template("report/style.css").render(footer=footer)
    return Markup(css)


def feedback(
    title: str, total: Any, version: str, rows: Sequence[Any], math_as: MathAs = "svg"
) -> str:
    """One student's sheet: every part's answer and mark, then each lost part with the named
    mistake and the worked step that gives the right answer."""
    many = {
        r.question: r.part != "a" or sum(x.question == r.question for x in rows) > 1 for r in rows
    }
    return (
        _environment(math_as)
        .get_template("report/feedback.html")
        .render(
            title=title,
            total=total,
            version=version,
            rows=rows,
            many=many,
            lost=[r for r in rows if r.lost],
            stylesheet=_stylesheet(math_as, f"{title} · {total.name} ({total.student})"),
        )
    )


def class_report(title: str, seed: int | None, report: Any, math_as: MathAs = "svg") -> str:
    """The class report with its charts (the same SVG in the HTML and the PDF)."""
    totals = report.totals
    charts = {
        "totals": plots.histogram(totals, report.max),
        "questions": plots.question_bars(
            [q.label for q in report.questions],
            [q.facility for q in report.questions],
            [q.discrimination for q in report.questions],
        ),
        "topics": plots.horizontal(
            [topic_title(t) for t, _ in report.topics],
            [a for _, a in report.topics],
            "share of the topic's marks earned",
            percent=True,
        ),
        "mistakes": plots.horizontal(
            [m.label for m in report.mistakes[:12]],
            [m.count for m in report.mistakes[:12]],
            "times named",
            percent=False,
        ),
    }
    if report.edits:  # a chart costs a noticeable time: only when it is shown
        charts["edits"] = plots.horizontal(
            [e.short for e in report.edits[:12]],
            [e.students for e in report.edits[:12]],
            "students",
            percent=False,
        )
    return (
        _environment(math_as)
        .get_template("report/class.html")
        .render(
            title=title,
            seed=seed if seed is not None else "n/a",
            report=report,
            charts=charts,
            mean=statistics.fmean(totals) if totals else 0.0,
            median=statistics.median(totals) if totals else 0.0,
            stylesheet=_stylesheet(math_as, f"{title} · class report"),
        )
    )
