"""``quizgen stats``: accuracy per topic, the mistakes seen most, and progress over time."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from quizgen.practice.history import History

BAR = 30


def show_stats(console: Console, history: History) -> None:
    topics = history.topic_stats()
    if not topics:
        console.print(f"No practice recorded yet in {history.path}. Try `quizgen quiz`.")
        return
    table = Table(title="Accuracy by topic")
    for column in ("topic", "parts", "right", "accuracy", ""):
        table.add_column(column, justify="left" if column in ("topic", "") else "right")
    for s in sorted(topics, key=lambda s: s.accuracy):
        filled = round(BAR * s.accuracy)
        table.add_row(
            s.topic,
            str(s.attempts),
            str(s.correct),
            f"{100 * s.accuracy:.0f} %",
            "█" * filled + "·" * (BAR - filled),
        )
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
    for day, attempts, right in history.by_day():
        share = right / attempts
        table.add_row(day, str(attempts), f"{100 * share:.0f} %", "█" * round(BAR * share))
    console.print(table)
