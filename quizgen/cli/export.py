"""``quizgen export``: question banks for Moodle, Canvas, Anki or JSON Lines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from quizgen.cli.options import (
    BANK_OPTION,
    BLUEPRINT_HELP,
    FORMS_OPTION,
    checked_forms,
    difficulty_option,
    format_option,
    seed_option,
    seed_or_fresh,
    user_bank_pool,
    variants_option,
)
from quizgen.cli.terminal import fresh_seed_line

if TYPE_CHECKING:
    from quizgen.core.model import Difficulty


@click.command(epilog=BLUEPRINT_HELP)
@click.argument("blueprint", required=False)
@click.option(
    "--topic",
    "-t",
    "topic_names",
    multiple=True,
    help="Export a topic instead of a blueprint, or `all`; repeat for several.",
)
@FORMS_OPTION
@format_option(("moodle", "qti", "anki", "jsonl"))
@variants_option("Variants of each question (a random one is drawn per student).")
@seed_option("Seed of the variants [default: a fresh random seed].")
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
    form_names: tuple[str, ...],
    fmt: str,
    variants: int,
    seed: int | None,
    difficulty: Difficulty,
    out: Path | None,
    bank_dirs: tuple[Path, ...],
) -> None:
    """Question banks for Moodle (XML), Canvas (QTI zip), Anki (deck) or JSON Lines.

    Examples: quizgen export banks/exams/quiz.yaml --format moodle --variants 20;
    quizgen export --topic sigmoid --form inverse --format jsonl
    """
    from quizgen import export as exporter
    from quizgen.export import layout
    from quizgen.publish.papers import atomic_write, output_folder

    if (blueprint is None) == (not topic_names):
        raise click.UsageError("give either a BLUEPRINT or --topic")
    if blueprint is not None and form_names != ("forward",):
        raise click.UsageError("--form goes with --topic (a blueprint says its items' forms)")
    seed, fresh = seed_or_fresh(seed)
    if topic_names:
        asked = checked_forms(topic_names, form_names)
        exam = layout.topic_exam(asked, variants, seed, difficulty)  # type: ignore[arg-type]
        names = list(dict.fromkeys(topic for topic, _ in asked))
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
    if fresh:
        fresh_seed_line("export", seed)
    click.echo(str(target))
