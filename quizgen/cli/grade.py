"""``quizgen grade``: mark a class's answers; marks, feedback sheets and a class report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from quizgen.cli.options import (
    BANK_OPTION,
    formats_option,
    jobs_option,
    out_dir_option,
    seed_option,
    user_bank_pool,
    variants_option,
)
from quizgen.cli.terminal import counted
from quizgen.marking.readers import FORMATS

if TYPE_CHECKING:
    from quizgen.marking.readers import AnswerFormat


@click.command()
@click.argument("answers", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The manifest.json of a class set written by `quizgen paper --roster`.",
)
@click.option(
    "--blueprint",
    "-b",
    default=None,
    help="The blueprint of papers printed with --versions, "
    "or of a Moodle/Canvas export (with --manifest: only if it moved).",
)
@seed_option(
    "With --blueprint: the seed the papers or the export were built with (their keys' rebuild "
    "line and the export's file name say it); a manifest records its own."
)
@variants_option("For Moodle or Canvas reports: the --variants given to `quizgen export`.")
@click.option("--version", "version_code", default=None, help="Canvas: the quiz's version.")
@click.option(
    "--marks",
    "marks_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A long CSV (student,question,part,answer) whose rows replace the report's: the "
    "marks given to derivations marked by hand, or corrections.",
)
@click.option(
    "--from",
    "source",
    type=click.Choice(["auto", *FORMATS]),
    default="auto",
    show_default=True,
    help="What ANSWERS is; auto tells by its header.",
)
@out_dir_option(Path("output") / "grades")
@formats_option("The class report as HTML and/or PDF (feedback sheets come with pdf).")
@jobs_option("Processes typesetting feedback sheets [default: all cores].")
@BANK_OPTION
def grade(
    answers: Path,
    manifest: Path | None,
    blueprint: str | None,
    seed: int | None,
    variants: int,
    version_code: str | None,
    marks_file: Path | None,
    source: AnswerFormat | Literal["auto"],
    out_dir: Path,
    formats: tuple[str, ...],
    jobs: int | None,
    bank_dirs: tuple[Path, ...],
) -> None:
    """Mark a class's ANSWERS (a CSV) as the printed key says; write marks, a feedback sheet
    per student and a class report.

    ANSWERS is a long CSV (student,question,part,answer; or a version column), Moodle's quiz
    Responses report or Canvas's quiz Student Analysis report.

    Examples: quizgen grade answers.csv --manifest class/manifest.json;
    quizgen grade answers.csv --blueprint midterm --seed 2026;
    quizgen grade responses.csv --blueprint quiz --seed 7 --variants 20
    """
    from quizgen.marking.inputs import AnswerSources, answer_kind, collect
    from quizgen.publish.grades import grade_class

    if manifest is None and blueprint is None:
        raise click.UsageError("give --manifest (a class set) or --blueprint (versions, LMS)")
    if manifest is None and seed is None:
        raise click.UsageError(
            "--blueprint needs --seed: the seed the papers or the export were built with"
        )
    kind = answer_kind(answers, source)
    if manifest is not None and kind != "long":
        raise click.UsageError(
            f"a {kind} report comes from an LMS quiz: give --blueprint, --seed and "
            "--variants as used for the export, not --manifest"
        )
    sources = AnswerSources(
        answers=answers,
        kind=kind,
        manifest=manifest,
        blueprint=blueprint,
        seed=seed,
        variants=variants,
        version_code=version_code,
        marks_file=marks_file,
        bank=user_bank_pool(bank_dirs),
    )
    collected = collect(sources)
    for note in collected.submissions.notes:
        click.echo(f"Note: {note}", err=True)

    def progress(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            click.echo(f"  feedback sheets: {done} of {total}", err=True)

    graded = grade_class(collected, out_dir, formats, progress, jobs)
    for path in graded.written:
        click.echo(str(path))
    figures = graded.summary
    click.echo(
        f"Marked {counted(figures.students, 'student')}: mean {figures.mean:.1f} of "
        f"{figures.out_of}; {counted(figures.mistakes, 'named mistake')}"
        + (f"; {figures.to_mark} derivation(s) still to mark" if figures.to_mark else ""),
        err=True,
    )
