"""The ``quizgen`` command group: where every failure becomes one line, and where each
command's module is found.

A command's module is imported only when that command (or the group's help) needs it, and the
modules import their heavy machinery (numpy, the topics, the renderers) inside the commands, so
``quizgen --help`` starts fast. Every failure a user can cause (a QuizgenError, a path that
cannot be read or written) becomes a one-line message and exit status 1; anything else is a
bug, reported on one line too, with the traceback behind ``--debug`` or ``QUIZGEN_DEBUG=1``.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import warnings
from collections.abc import Callable
from typing import Any

import click

from quizgen.core.errors import QuizgenError, QuizgenNote

#: each command's name and the module of quizgen.cli that defines it (under the same name)
COMMANDS = {
    "topics": "problems",
    "generate": "problems",
    "solve": "problems",
    "check": "problems",
    "paper": "paper",
    "bank": "bank",
    "export": "export",
    "quiz": "practice",
    "stats": "practice",
    "serve": "serve",
    "grade": "grade",
    "scan": "scan",
}


def _debug() -> bool:
    return os.environ.get("QUIZGEN_DEBUG", "") not in ("", "0")


class Failure(click.ClickException):
    """click's ``Error: ...`` and exit status 1, with ``Error: `` before each line when one
    run found several problems (a blueprint, a bank, a roster)."""

    def show(self, file: Any = None) -> None:
        for line in self.format_message().splitlines() or [""]:
            click.echo(f"Error: {line}", err=True)


class QuizgenGroup(click.Group):
    """Finds the commands in their modules, and turns every failure into click's one-line
    ``Error: ...`` and exit status 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command: click.Command = getattr(importlib.import_module(f"quizgen.cli.{module}"), cmd_name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("always", QuizgenNote)
            warnings.showwarning = _note_once(warnings.showwarning)
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = 1  # one exit status for every failure a user causes
            raise
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except QuizgenError as exc:
            raise Failure(str(exc)) from None
        except BrokenPipeError:  # `quizgen ... | head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except OSError as exc:  # a path the user named: permissions, a full disk, not a folder
            if _debug():
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            raise Failure(f"{where}{exc.strerror or exc}") from None
        except Exception as exc:
            if _debug():
                raise
            raise Failure(
                f"internal error ({type(exc).__name__}: {exc}); this is a bug in quizgen, "
                "please report it with the output of the same command run with --debug"
            ) from None


def _note_once(show: Callable[..., None]) -> Callable[..., None]:
    """``warnings.showwarning`` that prints a QuizgenNote as ``Note: ...`` on stderr, each
    note once per run however often its input is read (other warnings go to ``show``)."""
    shown: set[str] = set()

    def showwarning(message: Warning | str, category: type[Warning], *args: Any) -> None:
        if not issubclass(category, QuizgenNote):
            show(message, category, *args)
        elif str(message) not in shown:
            shown.add(str(message))
            click.echo(f"Note: {message}", err=True)

    return showwarning


@click.group(cls=QuizgenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dnn-quizgen")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda _ctx, _param, on: os.environ.update(QUIZGEN_DEBUG="1") if on else None,
    help="Show the full traceback of an internal error (QUIZGEN_DEBUG=1 works too).",
)
def cli() -> None:
    """Seeded, exactly solved exam problems for the mathematics of deep neural networks."""


def _terminate(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops as cleanly as Ctrl-C: temporary files go, work is kept


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    cli(prog_name="quizgen")
