"""The options several commands share, each declared once, and what their values resolve to
(topic names checked, bank folders loaded)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from quizgen.core.model import Form
    from quizgen.exam.banks import BankQuestion

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]

DIFFICULTY = click.Choice(["easy", "medium", "hard"])
BLUEPRINT_HELP = (
    "BLUEPRINT is a YAML file, or the name of a shipped one: midterm, final, quiz, practice-forms."
)

TOPICS_OPTION = click.option(
    "--topic",
    "-t",
    "topic_names",
    multiple=True,
    default=["all"],
    show_default=True,
    help="Topic name (see `quizgen topics`), or `all`; repeat for several.",
)
FORMS_OPTION = click.option(
    "--form",
    "form_names",
    multiple=True,
    default=["forward"],
    show_default=True,
    type=click.Choice(["forward", "inverse", "whatif", "spot", "all"]),
    help="How the problems ask (each topic's forms: `quizgen topics`), or `all` (every form "
    "of each topic); repeat for several.",
)
BANK_OPTION = click.option(
    "--bank",
    "bank_dirs",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Your own bank folder or file, next to the built-in banks; repeat for several.",
)
DB_OPTION = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Practice history database [default: in your user data directory].",
)
NO_COLOR_OPTION = click.option("--no-color", is_flag=True, help="Plain text (NO_COLOR works too).")


def seed_option(help_text: str | None = None, default: int | None = None) -> Decorator:
    """``--seed N`` / ``-s N``: the seed that reproduces a command's output."""
    return click.option(
        "--seed",
        "-s",
        type=click.IntRange(min=0),
        default=default,
        show_default=default is not None,
        help=help_text,
    )


def seed_or_fresh(seed: int | None) -> tuple[int, bool]:
    """The seed given, else a fresh random one; and whether it is fresh (then the command says
    it once its files are written: ``terminal.fresh_seed_line``)."""
    if seed is not None:
        return seed, False
    from quizgen.core.seeds import fresh_seed

    return fresh_seed(), True


def difficulty_option(help_text: str | None = None) -> Decorator:
    return click.option(
        "--difficulty", "-d", type=DIFFICULTY, default="medium", show_default=True, help=help_text
    )


def format_option(
    choices: Sequence[str], help_text: str | None = None, default: str | None = None
) -> Decorator:
    """``--format`` / ``-f``: one of ``choices``; required when there is no default."""
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        required=default is None,
        show_default=default is not None,
        help=help_text,
    )


def formats_option(help_text: str) -> Decorator:
    """``--format html|pdf``, repeatable, both by default (papers, keys, class reports)."""
    return click.option(
        "--format",
        "-f",
        "formats",
        type=click.Choice(["html", "pdf"]),
        multiple=True,
        default=["html", "pdf"],
        show_default=True,
        help=help_text,
    )


def out_dir_option(default: Path | str) -> Decorator:
    """``--out DIR`` / ``-o DIR``: the folder a command writes into."""
    return click.option(
        "--out",
        "-o",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=True,
    )


def variants_option(help_text: str) -> Decorator:
    """``--variants N`` / ``-n N``: variants of each question in an LMS export (10)."""
    return click.option(
        "--variants",
        "-n",
        type=click.IntRange(min=1),
        default=10,
        show_default=True,
        help=help_text,
    )


def jobs_option(help_text: str) -> Decorator:
    """``--jobs N`` / ``-j N``: worker processes, all cores when not given."""
    return click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help=help_text)


def checked_topics(given: tuple[str, ...]) -> list[str]:
    """The topics asked for, in order, each checked (an unknown one is a one-line error)."""
    from quizgen.topics import get, registry

    names = list(registry()) if "all" in given else list(dict.fromkeys(given))
    for name in names:
        get(name)
    return names


def checked_forms(
    topic_names: tuple[str, ...], form_names: tuple[str, ...]
) -> list[tuple[str, Form]]:
    """(topic, form) for each topic asked for and each of its forms asked for, topic by topic.
    A form that a named topic lacks is an error listing its forms; with ``--topic all`` the
    topics without it are left out (an error only when no topic has it)."""
    from quizgen.core.errors import QuizgenError
    from quizgen.topics import get

    every_topic = "all" in topic_names
    asked: list[tuple[str, Form]] = []
    for name in checked_topics(topic_names):
        topic = get(name)
        for form in topic.forms if "all" in form_names else dict.fromkeys(form_names):
            if form in topic.forms:
                asked.append((name, form))
            elif not every_topic:
                topic.with_form(form)  # the error that lists the topic's forms
    if not asked:
        raise QuizgenError(
            f"no topic has the form {' or '.join(form_names)} yet (see quizgen topics)"
        )
    return asked


def bank_pool(bank_dirs: Sequence[Path]) -> list[BankQuestion]:
    """The built-in banks and the user's, every formula of the user's checked printable."""
    from quizgen.exam.banks import BUILTIN, BankError, builtin_banks, load_banks
    from quizgen.render.printable import problems

    pool = load_banks([BUILTIN, *bank_dirs])
    builtin = {q.id for q in builtin_banks()}
    found = problems([f for q in pool if q.id not in builtin for f in q.formulas()])
    if found:
        raise BankError(found)
    return pool


def user_bank_pool(bank_dirs: Sequence[Path]) -> list[BankQuestion] | None:
    """The pool with the user's banks, or None (the built-in banks) when none is given."""
    return bank_pool(bank_dirs) if bank_dirs else None


def any_bank_pool(bank_dirs: Sequence[Path]) -> Sequence[BankQuestion]:
    """The pool with the user's banks, or the built-in banks themselves."""
    from quizgen.exam.banks import builtin_banks

    return bank_pool(bank_dirs) if bank_dirs else builtin_banks()
