"""Charts for the class report, drawn by matplotlib as SVG (vector, no network, the same bytes
for the same numbers: no date in the file, a fixed seed for its element ids)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from markupsafe import Markup

WIDTH = 6.4  # inches: the report's text width
BAR = "#3b6ea5"
WARN = "#c0392b"
NEUTRAL = "#7f8c8d"


def _figure(height: float):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.hashsalt": "quizgen",
            "svg.fonttype": "path",
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return plt, plt.subplots(figsize=(WIDTH, height))


def _svg(plt, figure) -> Markup:
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(figure)
    text = buffer.getvalue()
    return Markup(text[text.index("<svg") :])


def histogram(totals: Sequence[float], out_of: int) -> Markup:
    """The distribution of total marks."""
    plt, (figure, axes) = _figure(2.4)
    bins = min(20, max(out_of, 1))
    axes.hist(totals, bins=bins, range=(0, max(out_of, 1)), color=BAR, edgecolor="white")
    axes.set_xlabel(f"total mark (out of {out_of})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _svg(plt, figure)


def _discrimination_colour(value: float) -> str:
    return WARN if value < 0 else NEUTRAL


def question_legend(discrimination: Sequence[float]) -> list[tuple[str, str]]:
    """(label, colour) of the question chart's legend: each colour the chart draws, said as
    drawn (matplotlib's own legend shows a bar series in its first bar's colour)."""
    keys = [("facility", BAR), ("discrimination", NEUTRAL)]
    if any(value < 0 for value in discrimination):
        keys.append(("discrimination below 0", WARN))
    return keys


def question_bars(
    labels: Sequence[str], facility: Sequence[float], discrimination: Sequence[float | None]
) -> Markup:
    """Facility (share of marks earned) and discrimination per question, side by side."""
    plt, (figure, axes) = _figure(0.9 + 0.28 * len(labels))
    positions = list(range(len(labels)))[::-1]
    axes.barh([p + 0.2 for p in positions], facility, height=0.4, color=BAR, label="facility")
    shown = [d if d is not None else 0.0 for d in discrimination]
    axes.barh(
        [p - 0.2 for p in positions],
        shown,
        height=0.4,
        color=[_discrimination_colour(d) for d in shown],
        label="discrimination",
    )
    axes.set_yticks(positions, labels)
    axes.set_xlim(min(-0.5, min(shown, default=0)), 1)
    axes.axvline(0, color="black", linewidth=0.6)
    from matplotlib.patches import Patch

    keys = [Patch(color=colour, label=label) for label, colour in question_legend(shown)]
    # anchored at the right: a long legend reaches left over the labels, not off the page
    axes.legend(handles=keys, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, frameon=False)
    return _svg(plt, figure)


def horizontal(
    labels: Sequence[str], values: Sequence[float], xlabel: str, percent: bool
) -> Markup:
    """One bar per label, top to bottom in the order given."""
    plt, (figure, axes) = _figure(0.7 + 0.3 * max(len(labels), 1))
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, values, color=BAR, height=0.6)
    axes.set_yticks(
        positions, [label if len(label) < 48 else label[:45] + "..." for label in labels]
    )
    axes.set_xlabel(xlabel)
    if percent:
        axes.set_xlim(0, 1)
        axes.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    else:
        axes.xaxis.get_major_locator().set_params(integer=True)
    return _svg(plt, figure)


def accuracy_over_time(series: dict[str, list[tuple[str, float]]]) -> Markup:
    """Accuracy per topic by day: one line (with dots) per topic."""
    plt, (figure, axes) = _figure(2.8)
    days = sorted({day for points in series.values() for day, _ in points})
    where = {day: i for i, day in enumerate(days)}
    for topic, points in sorted(series.items()):
        axes.plot([where[d] for d, _ in points], [a for _, a in points], marker="o", label=topic)
    axes.set_xticks(range(len(days)), days, rotation=30 if len(days) > 4 else 0)
    axes.set_ylim(0, 1.05)
    axes.yaxis.set_major_formatter(lambda y, _: f"{y:.0%}")
    axes.set_ylabel("parts right")
    axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
    return _svg(plt, figure)
