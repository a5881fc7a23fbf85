"""``quizgen serve``: practice in the browser, for one learner or a class."""

from __future__ import annotations

from pathlib import Path

import click

from quizgen.cli.options import BANK_OPTION, DB_OPTION, any_bank_pool
from quizgen.core.errors import QuizgenError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free."
)
@DB_OPTION
@BANK_OPTION
@click.option(
    "--class",
    "roster",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A roster CSV (id, name): a private link per student and a teacher page.",
)
@click.option(
    "--class-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="With --class: where links and histories live [default: ROSTER-practice beside it].",
)
@click.option(
    "--open-to-anyone",
    is_flag=True,
    help="Allow a --host other than this machine without --class: anyone who can reach it "
    "practises as you.",
)
@click.option("--url", default=None, help="The address students use, for links [default: host].")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes serving the site together (a class's state is in its folder, not in any "
    "of them).",
)
@click.option(
    "--database",
    default=None,
    metavar="postgresql://...",
    help="With --class: keep the site's state and the histories in this PostgreSQL database, "
    "so several --workers or machines serve one class [default: SQLite files in the class folder].",
)
@click.option(
    "--proxy",
    default=None,
    metavar="ADDRESS",
    help="The address of a reverse proxy in front of the site: only its X-Forwarded-* "
    "headers are believed (none are without it).",
)
@click.option(
    "--review",
    "review_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Serve the review queue of a quizgen scan run (its output folder) instead: each "
    "queued field's crop, reason and best guess, to confirm or correct.",
)
def serve(
    host: str,
    port: int,
    db: Path | None,
    bank_dirs: tuple[Path, ...],
    roster: Path | None,
    class_dir: Path | None,
    open_to_anyone: bool,
    url: str | None,
    proxy: str | None,
    workers: int,
    database: str | None,
    review_dir: Path | None,
) -> None:
    """Practise in the browser: the quiz's problems, grading, hints and history as a local site.

    Examples: quizgen serve; quizgen serve --class roster.csv --host 0.0.0.0;
    quizgen serve --review scanned
    """
    from quizgen.web import classroom as rooms
    from quizgen.web.server import check_database, check_host
    from quizgen.web.server import serve as run_site

    check_host(host, roster is not None, open_to_anyone)
    if review_dir is not None:
        if roster is not None or database is not None:
            raise QuizgenError("--review serves a scan run's queue alone: not with --class")
        from quizgen.web.scan_review import serve_review

        serve_review(review_dir, host, port, lambda line: click.echo(line, err=True))
        return
    check_database(database, roster is not None)
    if roster is not None:
        from quizgen.exam.roster import read_roster

        folder = class_dir or roster.with_name(f"{roster.stem}-practice")
        room = rooms.open_class(read_roster(roster), folder, database)
    else:
        from quizgen.practice.history import default_path

        room = rooms.solo(db or default_path())
    pool = any_bank_pool(bank_dirs)
    run_site(room, host, port, pool, url, lambda line: click.echo(line, err=True), proxy, workers)
