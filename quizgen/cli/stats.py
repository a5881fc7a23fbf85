"""``quizgen stats``: accuracy per topic, the mistakes seen most, and progress over time."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from quizgen.practice.history import History

BAR = 30
NARROWEST_BAR = 8


def _bar_width(console: Console, rows: list[list[str]], headers: tuple[str, ...]) -> int:
    """Bars as long as BAR where the terminal allows, shorter where it does not (never cut
    with "…" by the table): the other columns' widths plus rich's borders and padding (three
    characters a column and one) are what is left out."""
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
    left = console.width - sum(widths) - 3 * (len(headers) + 1) - 1
    return max(NARROWEST_BAR, min(BAR, left))


def show_stats(console: Console, history: History) -> None:
    topics = history.topic_stats()
    if not topics:
        console.print(f"No practice recorded yet in {history.path}. Try `quizgen quiz`.")
        return
    table = Table(title="Accuracy by topic")
    for column in ("topic", "parts", "right", "accuracy", ""):
        table.add_column(column, justify="left" if column in ("topic", "") else "right")
    ordered = sorted(topics, key=lambda s: s.accuracy)
    cells = [
        [s.topic, str(s.attempts), str(s.correct), f"{100 * s.accuracy:.0f} %"] for s in ordered
    ]
    bar = _bar_width(console, cells, ("topic", "parts", "right", "accuracy"))
    for s, row in zip(ordered, cells, strict=True):
        filled = round(bar * s.accuracy)
        table.add_row(*row, "█" * filled + "·" * (bar - filled))
    console.print(table)

    mistakes = history.misconceptions()
    if mistakes:
        table = Table(title="Mistakes seen most")
        for column in ("topic", "mistake", "times"):
            table.add_column(column, justify="right" if column == "times" else "left")
        for topic, label, times in mistakes:
            table.add_row(topic, label, str(times))
        console.print(table)

    table = Table(title="Progress by day")
    for column in ("day", "parts", "accuracy", ""):
        table.add_column(column, justify="left" if column in ("day", "") else "right")
    days = list(history.by_day())
    cells = [
        [day, str(attempts), f"{100 * right / attempts:.0f} %"] for day, attempts, right in days
    ]
    bar = _bar_width(console, cells, ("day", "parts", "accuracy"))
    for (_, attempts, right), row in zip(days, cells, strict=True):
        table.add_row(*row, "█" * round(bar * right / attempts))
    console.print(table)
