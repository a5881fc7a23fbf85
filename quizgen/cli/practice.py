"""Practice in the terminal: ``quiz`` asks and checks, ``stats`` shows the history."""

from __future__ import annotations

from pathlib import Path

import click

from quizgen.cli.options import (
    BANK_OPTION,
    DB_OPTION,
    NO_COLOR_OPTION,
    TOPICS_OPTION,
    bank_pool,
    checked_topics,
    difficulty_option,
    seed_option,
)
from quizgen.cli.terminal import console, counted, history, reader
from quizgen.core.model import FORMS, Difficulty


@click.command()
@TOPICS_OPTION
@click.option("--count", "-n", type=click.IntRange(min=1), default=5, show_default=True)
@difficulty_option()
@seed_option("Reproduce the same sequence of problems [default: random].")
@click.option(
    "--adaptive",
    is_flag=True,
    help="Lean toward your weakest topics; difficulty rises with success.",
)
@click.option(
    "--derivations",
    is_flag=True,
    help="Ask derivation-bank questions (order, fill, choice, derive) instead of numbers.",
)
@click.option(
    "--form",
    "form_names",
    multiple=True,
    type=click.Choice([*FORMS, "all"]),
    help="Ask the problems in this form (see `quizgen topics`); repeat to mix several "
    "[default: forward; with --adaptive, every form].",
)
@BANK_OPTION
@DB_OPTION
@NO_COLOR_OPTION
def quiz(
    topic_names: tuple[str, ...],
    count: int,
    difficulty: Difficulty,
    seed: int | None,
    adaptive: bool,
    form_names: tuple[str, ...],
    derivations: bool,
    bank_dirs: tuple[Path, ...],
    db: Path | None,
    no_color: bool,
) -> None:
    """Practise in the terminal: answers checked as you type, mistakes named.

    At each prompt: an answer, or h (hint), s (skip), ? (solution), q (quit).
    """
    from quizgen.cli.quiz import QuizSession
    from quizgen.core.seeds import fresh_seed
    from quizgen.practice.session import (
        bank_questions,
        forms_of,
        quiz_problems,
        session_forms,
        topics_in_forms,
    )

    names = checked_topics(topic_names)  # an unknown topic is an error before anything is asked
    forms = session_forms(form_names, adaptive)
    if "all" in topic_names:
        names = topics_in_forms(names, forms)
    for name in names:  # a named topic without any of the forms: an error before anything
        forms_of(name, forms)
    seed = fresh_seed() if seed is None else seed
    shown = console(no_color)
    kept = history(db)
    try:
        session = QuizSession(shown, reader(shown), kept, "adaptive" if adaptive else "quiz")
        shown.print(f"quizgen quiz: seed {seed}", style="dim", highlight=False)
        if derivations:
            asked = list(bank_questions(bank_pool(bank_dirs), names, count, seed))
            if len(asked) < count:
                shown.print(
                    f"(those sections hold {counted(len(asked), 'derivation question')}; "
                    "each is asked once)",
                    style="dim",
                    highlight=False,
                )
            session.run(asked, len(asked))
        else:
            problems = quiz_problems(
                names, count, seed, difficulty, kept if adaptive else None, forms
            )
            session.run(problems, count)
    finally:
        kept.close()


@click.command()
@DB_OPTION
@NO_COLOR_OPTION
def stats(db: Path | None, no_color: bool) -> None:
    """Your practice history: accuracy per topic, common mistakes, progress over time."""
    from quizgen.cli.stats import show_stats
    from quizgen.practice.history import default_path

    if db is None and not default_path().exists():
        click.echo("No practice history yet: `quizgen quiz` starts one.")
        return
    kept = history(db, create=False)
    try:
        show_stats(console(no_color), kept)
    finally:
        kept.close()
