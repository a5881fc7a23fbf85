"""``quizgen paper --roster``: a class set written with a progress bar, then what it holds."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from quizgen.cli.terminal import console, counted, interrupted

if TYPE_CHECKING:
    from quizgen.exam.blueprint import Blueprint
    from quizgen.publish.classset import ClassSetOptions


def class_set(
    loaded: Blueprint,
    path: Path,
    seed: int,
    roster: Path,
    only_ids: tuple[str, ...],
    out_dir: Path,
    options: ClassSetOptions,
    sheet: bool = False,
) -> None:
    """``paper --roster``: every student's paper and key, with a progress bar; with ``sheet``
    their answer sheets too."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from quizgen.publish.classset import class_roster, run_class_set

    read = class_roster(roster, only_ids, loaded)
    students, loaded = read.chosen, read.blueprint
    for note in read.notes:
        click.echo(note, err=True)
    shown = console(False)
    shown.file = sys.stderr
    finished = [0]
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=shown,
        disable=not shown.is_terminal,
    ) as bar:
        task = bar.add_task("papers", total=None)

        def progress(done: int, skipped: int) -> None:
            finished[0] = done + skipped
            bar.update(task, completed=done + skipped, total=len(students))

        try:
            manifest = run_class_set(
                loaded,
                path,
                seed,
                students,
                out_dir,
                options=options,
                roster=read.everyone,
                progress=progress,
            )
        except KeyboardInterrupt:
            bar.stop()
            interrupted(
                f"{counted(finished[0], 'student')} written whole",
                f" Run the same command with --seed {seed} --resume to build the others.",
            )
    for warning in manifest["warnings"]:
        click.echo(f"Warning: {path.name}: {warning}", err=True)
    rows = manifest["students"]
    click.echo(f"{counted(len(rows), 'student')}: papers and keys in {out_dir}")
    if sheet:
        from quizgen.publish.sheets import write_roster_sheets

        for file in write_roster_sheets(
            loaded, path.name, seed, students, out_dir, manifest, options.bank
        ):
            click.echo(f"  {file}")
    for key in ("merged_papers", "merged_keys"):
        if key in manifest:
            click.echo(f"  {out_dir / manifest[key]}")
