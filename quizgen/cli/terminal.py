"""What the commands share on the terminal: counted nouns, JSON lines, the rich console, a
prompt reader, the practice history, and the message of an interrupted run."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from rich.console import Console

    from quizgen.practice.history import History


def counted(number: int, noun: str) -> str:
    """``1 problem``, ``2 problems``: a number with its noun (regular plurals only)."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, allow_nan=False)


def console(no_color: bool) -> Console:
    from rich.console import Console

    # rich honours NO_COLOR itself and drops colour when output is not a terminal
    return Console(no_color=True if no_color else None, highlight=False)


def reader(shown: Console) -> Callable[[str], str]:
    """Read a line at a prompt; piped answers are echoed so the transcript reads naturally."""
    from rich.text import Text

    def read(prompt: str) -> str:
        text = shown.input(Text(prompt))  # Text: "∇[z] ℓ" is maths, not a markup tag
        if not sys.stdin.isatty():
            shown.print(text, markup=False, highlight=False)
        return text

    return read


def history(db: Path | None, create: bool = True) -> History:
    from quizgen.practice.history import History, default_path

    return History(db or default_path(), create)


def interrupted(done: str, hint: str = "") -> NoReturn:
    """Ctrl-C or SIGTERM: say what is on disk, and how to go on; exit status 130."""
    click.echo(f"\nInterrupted: {done}.{hint}", err=True)
    sys.exit(130)
