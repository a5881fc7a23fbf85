"""``quizgen export``: question banks for Moodle, Canvas, Anki or JSON Lines."""

from __future__ import annotations

from pathlib import Path

import click

from quizgen.cli.options import (
    BANK_OPTION,
    BLUEPRINT_HELP,
    checked_topics,
    difficulty_option,
    format_option,
    seed_option,
    user_bank_pool,
)


@click.command(epilog=BLUEPRINT_HELP)
@click.argument("blueprint", required=False)
@click.option(
    "--topic",
    "-t",
    "topic_names",
    multiple=True,
    help="Export a topic instead of a blueprint, or `all`; repeat for several.",
)
@format_option(("moodle", "qti", "anki", "jsonl"))
@click.option(
    "--variants",
    "-n",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Variants of each question (a random one is drawn per student).",
)
@seed_option(default=2026)
@difficulty_option("With --topic.")
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write [default: output/NAME-SEED.EXT].",
)
@BANK_OPTION
def export(
    blueprint: str | None,
    topic_names: tuple[str, ...],
    fmt: str,
    variants: int,
    seed: int,
    difficulty: str,
    out: Path | None,
    bank_dirs: tuple[Path, ...],
) -> None:
    """Question banks for Moodle (XML), Canvas (QTI zip), Anki (deck) or JSON Lines.

    Example: quizgen export banks/exams/quiz.yaml --format moodle --variants 20
    """
    from quizgen import export as exporter
    from quizgen.export import layout
    from quizgen.publish.papers import atomic_write, output_folder

    if (blueprint is None) == (not topic_names):
        raise click.UsageError("give either a BLUEPRINT or --topic")
    if topic_names:
        names = checked_topics(topic_names)
        exam = layout.topic_exam(names, variants, seed, difficulty)  # type: ignore[arg-type]
        name = names[0] if len(names) == 1 else "all" if "all" in topic_names else "topics"
    else:
        from quizgen.exam.blueprint import find_blueprint, load_blueprint

        path = find_blueprint(blueprint)  # type: ignore[arg-type]
        bank_pool = user_bank_pool(bank_dirs)
        exam = layout.blueprint_exam(load_blueprint(path, bank_pool), variants, seed, bank_pool)
        name = path.stem
    target = out or Path("output") / f"{name}-{seed}{exporter.SUFFIX[fmt]}"
    notes: list[str] = []
    with output_folder(target.parent):
        atomic_write(target, lambda path: notes.extend(exporter.write(fmt, exam, path, name)))
    for warning in exam.warnings:
        click.echo(f"Warning: {name}: {warning}", err=True)
    for note in notes:
        click.echo(f"Note: {note}", err=True)
    click.echo(str(target))
