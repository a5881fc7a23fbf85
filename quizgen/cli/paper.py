"""``quizgen paper``: a blueprint's versions, or a paper per student of a roster."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from quizgen.cli.options import (
    BANK_OPTION,
    BLUEPRINT_HELP,
    formats_option,
    jobs_option,
    out_dir_option,
    seed_option,
    seed_or_fresh,
    user_bank_pool,
)
from quizgen.cli.terminal import counted, fresh_seed_line, interrupted

if TYPE_CHECKING:
    from quizgen.exam.banks import BankQuestion
    from quizgen.exam.blueprint import Blueprint


@click.command(epilog=BLUEPRINT_HELP)
@click.argument("blueprint", default="midterm")
@seed_option(
    "Exam seed: the same seed rebuilds every file byte for byte [default: a fresh random seed]."
)
@click.option(
    "--versions",
    "-v",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Versions with different numbers (A, B, C, ...).",
)
@out_dir_option("output")
@formats_option("Repeat for several.")
@click.option(
    "--paper",
    type=click.Choice(["A4", "Letter"]),
    default=None,
    help="Page size [default: the blueprint's, else A4].",
)
@BANK_OPTION
@click.option(
    "--roster",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV with id and name columns: one paper per student.",
)
@click.option(
    "--only",
    "only_ids",
    multiple=True,
    help="With --roster: just these student ids (repeat for several).",
)
@jobs_option("With --roster: parallel workers [default: all cores].")
@click.option(
    "--shard",
    default=None,
    help="With --roster: render only slice K of N, e.g. 2/8 (by a hash of the id).",
)
@click.option(
    "--resume",
    is_flag=True,
    help="With --roster: skip students whose files are complete and match the manifest.",
)
@click.option("--force", is_flag=True, help="With --roster: overwrite existing papers.")
@click.option(
    "--engine",
    type=click.Choice(["typst", "weasyprint"]),
    default=None,
    help="What typesets the PDFs [default: the blueprint's, else typst].",
)
@click.option(
    "--font",
    "fonts",
    multiple=True,
    help="A font file or folder for names and titles in scripts the shipped fonts lack "
    "(e.g. Noto Sans CJK); repeat for several.",
)
@click.option(
    "--sheet",
    is_flag=True,
    help="Answer sheets for scanning too (ID-sheet.pdf) and sheet-layout.json; see quizgen scan.",
)
@click.option(
    "--id-digits",
    type=click.IntRange(1, 16),
    default=None,
    help="With --sheet and --versions: digits of the student-id grid [default: 8].",
)
def paper(
    blueprint: str,
    seed: int | None,
    versions: int,
    out_dir: Path,
    formats: tuple[str, ...],
    paper: str | None,
    bank_dirs: tuple[Path, ...],
    roster: Path | None,
    only_ids: tuple[str, ...],
    jobs: int | None,
    shard: str | None,
    resume: bool,
    force: bool,
    engine: str | None,
    fonts: tuple[str, ...],
    sheet: bool,
    id_digits: int | None,
) -> None:
    """Print-ready exam papers and answer keys from a BLUEPRINT (YAML), HTML and PDF.

    Examples: quizgen paper midterm --seed 2026 --versions 4;
    quizgen paper banks/exams/midterm.yaml --roster students.csv -j 2 --out class
    """
    from quizgen.cli.class_set import class_set
    from quizgen.exam.blueprint import find_blueprint, load_blueprint
    from quizgen.publish.papers import check_fonts, override, rebuild_command

    if id_digits is not None and (roster is not None or not sheet):
        raise click.UsageError("--id-digits goes with --sheet and --versions")
    if roster is None and (only_ids or shard or resume or force or jobs):
        raise click.UsageError("--only, --jobs, --shard, --resume and --force need --roster")
    if roster is not None and versions != 1:
        raise click.UsageError(
            "--versions and --roster do not go together: every student gets a version of their own"
        )
    path = find_blueprint(blueprint)
    bank_pool = user_bank_pool(bank_dirs)
    seed, fresh = seed_or_fresh(seed)
    loaded = override(load_blueprint(path, bank_pool), paper, engine, fonts)
    rebuild = rebuild_command(
        blueprint,
        seed,
        loaded.engine,
        versions=versions,
        roster=str(roster) if roster else None,
        paper=paper,
        banks=[str(b) for b in bank_dirs],
        fonts=list(fonts),
        formats=formats,
    )
    loaded, notes = check_fonts(loaded, path.name)
    for note in notes:
        click.echo(note, err=True)
    if roster is None:
        if sheet:
            from quizgen.publish.sheets import DEFAULT_ID_DIGITS
        digits = (id_digits or DEFAULT_ID_DIGITS) if sheet else None
        _versions(
            loaded, path, blueprint, seed, versions, out_dir, formats, bank_pool, rebuild, digits
        )
    else:
        from quizgen.exam.roster import parse_shard
        from quizgen.publish.classset import ClassSetOptions

        options = ClassSetOptions(
            formats=formats,
            jobs=jobs,
            shard=parse_shard(shard) if shard else None,
            resume=resume,
            force=force,
            bank=bank_pool,
            rebuild=rebuild,
        )
        class_set(loaded, path, seed, roster, only_ids, out_dir, options, sheet)
    if fresh:
        fresh_seed_line("paper", seed)


def _versions(
    loaded: Blueprint,
    path: Path,
    blueprint: str,
    seed: int,
    versions: int,
    out_dir: Path,
    formats: tuple[str, ...],
    bank_pool: list[BankQuestion] | None,
    rebuild: str,
    sheet_id_digits: int | None,
) -> None:
    """``paper --versions N``: each version's paper and key, named as they are written, then
    with ``--sheet`` the answer sheets (a student-id grid of ``sheet_id_digits`` digits)."""
    from quizgen.exam.build import build_exam
    from quizgen.publish.papers import write_exam

    exam = build_exam(loaded, seed, versions, bank_pool)
    for warning in exam.warnings:
        click.echo(f"Warning: {path.name}: {warning}", err=True)
    done: list[str] = []

    def progress(version: str, files: list[Path]) -> None:
        done.append(version)
        click.echo(f"  wrote version {version}", err=True)
        for file in files:
            click.echo(str(file))

    try:
        write_exam(exam, path.name, out_dir, formats, progress, rebuild)
        if sheet_id_digits:
            from quizgen.publish.sheets import write_version_sheets

            for file in write_version_sheets(exam, blueprint, out_dir, sheet_id_digits):
                click.echo(str(file))
    except KeyboardInterrupt:
        interrupted(f"{counted(len(done), 'version')} written whole ({', '.join(done)})")
