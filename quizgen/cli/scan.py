"""``quizgen scan``: read scanned answer sheets into answers for ``quizgen grade``."""

from __future__ import annotations

from pathlib import Path

import click


def _ask(item, picture: Path | None) -> str | None:
    """A queued field in the terminal: Enter takes the best guess, ``-`` records a blank,
    ``s`` leaves it queued, anything else is the answer."""
    click.echo(f"\n{item.where}: {item.student or item.key[0]}, field {item.key[2]}")
    click.echo(f"  {item.reason}" + (f"; the crop is {picture}" if picture else ""))
    reply = click.prompt(
        "  answer (Enter: the guess, -: blank, s: skip)", default=item.guess, show_default=True
    )
    reply = reply.strip()
    if reply.lower() == "s":
        return None
    return "" if reply == "-" else reply


@click.command()
@click.argument("scans", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--manifest",
    "-m",
    default=None,
    type=click.Path(exists=True, path_type=Path),
    help="The sheets' sheet-layout.json, or the manifest or folder it lies beside "
    "(not with --review DIR).",
)
@click.option(
    "--out",
    "-o",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="scanned",
    show_default=True,
)
@click.option(
    "--review",
    is_flag=True,
    help="Go through the review queue in the terminal; answers are kept in corrections.csv "
    "beside the scans and applied on every later run. Given a scan run's output folder "
    "instead of scans (quizgen scan --review DIR), settles that run's queue without reading "
    "the scans again and writes its answers, marks and queue again.",
)
@click.option(
    "--grade",
    "then_grade",
    is_flag=True,
    help="Go on into quizgen grade when nothing is left to review.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes reading pages [default: all cores].",
)
@click.pass_context
def scan(
    ctx: click.Context,
    scans: tuple[Path, ...],
    manifest: Path,
    out_dir: Path,
    review: bool,
    then_grade: bool,
    jobs: int | None,
) -> None:
    """Read scanned answer sheets (PDFs or images, any order, any way up) printed by
    quizgen paper --sheet: answers.csv for quizgen grade, a report and a review queue.

    Examples: quizgen scan scans/ --manifest class/manifest.json -o scanned --grade;
    quizgen scan --review scanned
    """
    from quizgen.core.errors import QuizgenError
    from quizgen.scan.run import review_run, run_scan
    from quizgen.scan.state import is_run

    if manifest is None:
        if not (review and len(scans) == 1 and is_run(scans[0])):
            raise QuizgenError(
                "scan: --manifest is needed to read scans (or review a run already made: "
                "quizgen scan --review DIR, DIR its output folder)"
            )
        out_dir = scans[0]
        summary, _ = review_run(out_dir, _ask)
    else:
        summary, _ = run_scan(scans, manifest, out_dir, _ask if review else None, jobs)
    for line in summary.unreadable:
        click.echo(f"Unreadable: {line}", err=True)
    click.echo(
        f"Read {summary.pages} page(s) of {summary.students} student(s); "
        f"{summary.review} field(s) to review",
        err=True,
    )
    for path in summary.files:
        click.echo(str(path))
    if not then_grade:
        return
    if summary.review:
        click.echo(
            "Not grading: fields are waiting in the review queue (quizgen scan ... --review)",
            err=True,
        )
        ctx.exit(1)
    from quizgen.cli.grade import grade

    layout = summary.layout
    options: dict[str, Path | str | None]
    if layout.versions is None:
        options = {"manifest": layout.path.parent / "manifest.json", "blueprint": None}
    else:
        options = {"manifest": None, "blueprint": layout.blueprint}
    ctx.invoke(
        grade,
        answers=out_dir / "answers.csv",
        seed=layout.seed,
        marks_file=out_dir / "marks.csv",
        out_dir=out_dir / "graded",
        **options,
    )
