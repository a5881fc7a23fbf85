"""Problems one at a time: ``topics``, ``generate``, ``solve`` and ``check``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from quizgen.cli.options import (
    BANK_OPTION,
    FORMS_OPTION,
    NO_COLOR_OPTION,
    TOPICS_OPTION,
    any_bank_pool,
    checked_forms,
    difficulty_option,
    format_option,
    seed_option,
)
from quizgen.cli.terminal import console, counted, history, json_line, reader
from quizgen.core.errors import QuizgenError

if TYPE_CHECKING:
    from quizgen.core.model import Difficulty

RECORD_FORMATS = ("text", "jsonl")


@click.command()
@format_option(
    ("text", "json"),
    "json: one object per topic (name, code, section, difficulties, and each form with what "
    "it asks), for scripts.",
    "text",
)
def topics(fmt: str) -> None:
    """List the topics with their guide section, the forms each is asked in (forward,
    inverse, whatif, spot) and a one-line description."""
    if fmt == "json":
        from quizgen.core.model import DIFFICULTIES
        from quizgen.topics import registry

        listed = [
            {
                "topic": t.name,
                "title": t.title,
                "code": t.code,
                "section": t.section,
                "section_title": t.section_title,
                "description": t.description,
                "difficulties": list(DIFFICULTIES),
                "forms": [
                    {"form": form, "asks": t.with_form(form).form_description} for form in t.forms
                ],
            }
            for t in registry().values()
        ]
        click.echo(json.dumps(listed, ensure_ascii=False, indent=2))
        return
    from quizgen.render.text import topic_lines

    click.echo("\n".join(topic_lines()))


@click.command()
@TOPICS_OPTION
@click.option(
    "--count",
    "-n",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Problems per topic.",
)
@FORMS_OPTION
@seed_option("Seed that reproduces the whole set [default: a fresh random seed].")
@difficulty_option()
@format_option(
    RECORD_FORMATS, "text: stem, answer and worked steps; jsonl: problem records.", "text"
)
def generate(
    topic_names: tuple[str, ...],
    count: int,
    form_names: tuple[str, ...],
    seed: int | None,
    difficulty: Difficulty,
    fmt: str,
) -> None:
    """Draw fresh problems and print them with answers and worked solutions.

    Examples: quizgen generate --topic conv_shape --count 5 --seed 7;
    quizgen generate --topic sigmoid --form inverse --seed 7
    """
    from quizgen.core.seeds import fresh_seed
    from quizgen.exam import problems

    asked = checked_forms(topic_names, form_names)
    if seed is None:
        seed = fresh_seed()
        if fmt == "jsonl":  # the records carry their own seeds; this one redraws the whole set
            click.echo(f"quizgen generate: seed {seed}", err=True)
    drawn = [
        problem
        for name, form in asked
        for problem in problems.generate([name], count, seed, difficulty, form)  # type: ignore[arg-type]
    ]
    if fmt == "jsonl":
        for problem in drawn:
            click.echo(json_line(problems.to_record(problem, problems.solve(problem))))
        return
    from quizgen.render.text import render_problem

    heading = f"quizgen generate: seed {seed}, difficulty {difficulty}"
    click.echo(f"{heading}, {counted(len(drawn), 'problem')}\n")
    for number, problem in enumerate(drawn, start=1):
        click.echo(render_problem(problem, problems.solve(problem), number))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@format_option(
    RECORD_FORMATS,
    "text: answers and worked steps; jsonl: the records with answer filled in.",
    "text",
)
def solve(file: Path, fmt: str) -> None:
    """Solve the problem records in FILE (JSON, JSON Lines or YAML).

    Each record needs `topic` and `params`. Bad records are reported on stderr with the field
    at fault; the others are still solved, and the exit status is then 1.
    """
    from quizgen.core.record_files import read_records
    from quizgen.exam.problems import RecordError, solve_records

    errors = number = 0
    for number, result in enumerate(solve_records(read_records(file)), start=1):
        if isinstance(result, RecordError):
            errors += 1
            click.echo(f"Error: {result}", err=True)
        elif fmt == "jsonl":
            click.echo(json_line(result.output_record()))
        else:
            from quizgen.render.text import render_problem

            click.echo(f"# {result.where}")
            click.echo(render_problem(result.problem, result.solution, number))
    if number == 0:
        raise QuizgenError(f"{file}: no records (each record needs topic and params)")
    if errors:
        sys.exit(1)


@click.command()
@click.argument("code")
@click.argument("answers", nargs=-1)
@format_option(
    ("text", "json"),
    "json: one verdict per part (expected value, follow-through, named mistake) and the "
    "problem's record (topic, difficulty, params, answer) for scripts; nothing is asked.",
    "text",
)
@BANK_OPTION
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Record these answers in this practice history [default: nothing is recorded].",
)
@NO_COLOR_OPTION
def check(
    code: str,
    answers: tuple[str, ...],
    fmt: str,
    bank_dirs: tuple[Path, ...],
    db: Path | None,
    no_color: bool,
) -> None:
    """Regenerate the problem behind an item CODE printed on a paper and check ANSWERS.

    Give one answer per part, in order (quote answers with spaces); without answers the parts
    are asked interactively. A derivation question's printed id (e.g. cce-gradient-order) is
    asked interactively. Nothing goes into the practice history unless --db names one.
    Example: quizgen check SGM-3GKE1BD 0.076 0.070
    """
    from quizgen.cli.quiz import QuizSession
    from quizgen.exam.model import BankItem
    from quizgen.practice.checking import check_report, require_an_answer_per_part
    from quizgen.practice.session import item_for_code

    item = item_for_code(code, lambda: any_bank_pool(bank_dirs))
    if fmt == "json":
        if isinstance(item, BankItem):
            raise QuizgenError(
                f'"{code}" is a derivation question: its steps and options are shuffled per '
                "paper, so it is checked interactively (without --format json)"
            )
        click.echo(json_line(check_report(code, item, answers)))
        return
    if answers and not isinstance(item, BankItem):
        require_an_answer_per_part(code, item, answers)
    shown = console(no_color)
    queue = list(answers)

    def read(prompt: str) -> str:
        if not answers:
            return reader(shown)(prompt)
        if not queue:
            raise EOFError
        shown.print(prompt + queue[0], markup=False, highlight=False)
        return queue.pop(0)

    kept = history(db) if db is not None else None  # a teacher's checks are not practice
    try:
        QuizSession(shown, read, kept, "check").run([item], 1)
    finally:
        if kept is not None:
            kept.close()
