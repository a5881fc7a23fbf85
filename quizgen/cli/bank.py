"""``quizgen bank``: check derivation question banks, list them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from quizgen.cli.options import BANK_OPTION, bank_pool
from quizgen.cli.terminal import counted


@click.group()
def bank() -> None:
    """Derivation question banks: check them, list them."""


@bank.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def bank_check(paths: tuple[Path, ...]) -> None:
    """Lint bank files (default: the built-in banks): every problem, with file, id and field."""
    from quizgen.exam.banks import BUILTIN, BankError, load_banks
    from quizgen.render.printable import problems

    try:
        questions, found = load_banks(paths or (BUILTIN,)), []
    except BankError as error:
        questions, found = error.questions, error.problems
    found += problems([f for q in questions for f in q.formulas()])
    if found:
        for problem in found:
            click.echo(f"Error: {problem}", err=True)
        click.echo(f"{counted(len(found), 'problem')} found.", err=True)
        sys.exit(1)
    click.echo(f"{counted(len(questions), 'question')}, no problems.")


@bank.command("list")
@BANK_OPTION
def bank_list(bank_dirs: tuple[Path, ...]) -> None:
    """The bank questions by seed-guide section and kind."""
    from quizgen.core.model import BANK_KINDS

    questions = bank_pool(bank_dirs)
    sections = sorted({q.section for q in questions})
    click.echo(f"{'section':<8} " + " ".join(f"{k:<7}" for k in BANK_KINDS) + " ids")
    for section in sections:
        mine = [q for q in questions if q.section == section]
        counts = " ".join(f"{sum(q.kind == k for q in mine):<7}" for k in BANK_KINDS)
        click.echo(f"{section:<8} {counts} {', '.join(q.id for q in mine)}")
