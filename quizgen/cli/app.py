"""The ``quizgen`` command line: a thin layer over the library.

Heavy modules (numpy, the topics) are imported inside the commands, so ``quizgen --help`` starts
fast. Every failure a user can cause (a QuizgenError, a path that cannot be read or written)
becomes a one-line message and exit status 1; anything else is a bug, reported on one line too,
with the traceback behind ``--debug`` or ``QUIZGEN_DEBUG=1``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from quizgen.core.errors import QuizgenError

DIFFICULTY = click.Choice(["easy", "medium", "hard"])
TOPICS_OPTION = click.option(
    "--topic",
    "-t",
    "topic_names",
    multiple=True,
    default=["all"],
    show_default=True,
    help="Topic name (see `quizgen topics`), or `all`; repeat for several.",
)


def _topic_names(given: tuple[str, ...]) -> list[str]:
    """The topics asked for, in order, each checked (an unknown one is a one-line error)."""
    from quizgen.topics import get, registry

    names = list(registry()) if "all" in given else list(dict.fromkeys(given))
    for name in names:
        get(name)
    return names


FORMAT = click.Choice(["text", "jsonl"])


BANK_OPTION = click.option(
    "--bank",
    "bank_dirs",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Your own bank folder or file, next to the built-in banks; repeat for several.",
)


def formats_option(help_text: str):
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


def jobs_option(help_text: str):
    """``--jobs N`` / ``-j N``: worker processes, all cores when not given."""
    return click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help=help_text)


def _bank_pool(bank_dirs: tuple[Path, ...]):
    """The built-in banks and the user's, every formula of the user's checked printable."""
    from quizgen.exam.banks import BUILTIN, BankError, builtin_banks, load_banks
    from quizgen.render.printable import problems

    pool = load_banks([BUILTIN, *bank_dirs])
    builtin = {q.id for q in builtin_banks()}
    found = problems([f for q in pool if q.id not in builtin for f in q.formulas()])
    if found:
        raise BankError(found)
    return pool


def _count(number: int, noun: str) -> str:
    """``1 problem``, ``2 problems``: a number with its noun (regular plurals only)."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _debug() -> bool:
    return os.environ.get("QUIZGEN_DEBUG", "") not in ("", "0")


class Failure(click.ClickException):
    """click's ``Error: ...`` and exit status 1, with ``Error: `` before each line when one
    run found several problems (a blueprint, a bank, a roster)."""

    def show(self, file: Any = None) -> None:
        for line in self.format_message().splitlines() or [""]:
            click.echo(f"Error: {line}", err=True)


class QuizgenGroup(click.Group):
    """Turns every failure into click's one-line ``Error: ...`` and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = 1  # one exit status for every failure a user causes
            raise
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except QuizgenError as exc:
            raise Failure(str(exc)) from None
        except BrokenPipeError:  # `quizgen ... | head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except OSError as exc:  # a path the user named: permissions, a full disk, not a folder
            if _debug():
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            raise Failure(f"{where}{exc.strerror or exc}") from None
        except Exception as exc:
            if _debug():
                raise
            raise Failure(
                f"internal error ({type(exc).__name__}: {exc}); this is a bug in quizgen, "
                "please report it with the output of the same command run with --debug"
            ) from None


@click.group(cls=QuizgenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dnn-quizgen")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda _ctx, _param, on: os.environ.update(QUIZGEN_DEBUG="1") if on else None,
    help="Show the full traceback of an internal error (QUIZGEN_DEBUG=1 works too).",
)
def cli() -> None:
    """Seeded, exactly solved exam problems for the mathematics of deep neural networks."""


@cli.command()
def topics() -> None:
    """List the topics with their seed-guide section and a one-line description."""
    from quizgen.topics import registry

    rows = [(t.name, f"§{t.section} {t.section_title}", t.description) for t in registry().values()]
    name_width, section_width = (max(len(r[i]) for r in rows) for i in (0, 1))
    click.echo(
        f"{'topic':<{name_width}}  {'guide section':<{section_width}}  difficulties        "
        "description"
    )
    for name, section, description in rows:
        click.echo(
            f"{name:<{name_width}}  {section:<{section_width}}  easy, medium, hard  {description}"
        )


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, allow_nan=False)


@cli.command()
@TOPICS_OPTION
@click.option(
    "--count",
    "-n",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Problems per topic.",
)
@click.option(
    "--seed",
    "-s",
    type=click.IntRange(min=0),
    default=None,
    help="Seed that reproduces the whole set [default: a fresh random seed].",
)
@click.option("--difficulty", "-d", type=DIFFICULTY, default="medium", show_default=True)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=FORMAT,
    default="text",
    show_default=True,
    help="text: stem, answer and worked steps; jsonl: problem records.",
)
def generate(
    topic_names: tuple[str, ...], count: int, seed: int | None, difficulty: str, fmt: str
) -> None:
    """Draw fresh problems and print them with answers and worked solutions.

    Example: quizgen generate --topic conv_shape --count 5 --seed 7
    """
    import secrets

    from quizgen.exam import problems

    names = _topic_names(topic_names)
    if seed is None:
        seed = secrets.randbelow(2**32)
        if fmt == "jsonl":  # the records carry their own seeds; this one redraws the whole set
            click.echo(f"quizgen generate: seed {seed}", err=True)
    drawn = list(problems.generate(names, count, seed, difficulty))  # type: ignore[arg-type]
    if fmt == "jsonl":
        for problem in drawn:
            click.echo(_json_line(problems.to_record(problem, problems.solve(problem))))
        return
    from quizgen.render.text import render_problem

    heading = f"quizgen generate: seed {seed}, difficulty {difficulty}"
    click.echo(f"{heading}, {_count(len(drawn), 'problem')}\n")
    for number, problem in enumerate(drawn, start=1):
        click.echo(render_problem(problem, problems.solve(problem), number))


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "-f",
    "fmt",
    type=FORMAT,
    default="text",
    show_default=True,
    help="text: answers and worked steps; jsonl: the records with answer filled in.",
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
            click.echo(_json_line(result.output_record()))
        else:
            from quizgen.render.text import render_problem

            click.echo(f"# {result.where}")
            click.echo(render_problem(result.problem, result.solution, number))
    if number == 0:
        raise QuizgenError(f"{file}: no records (each record needs topic and params)")
    if errors:
        sys.exit(1)


BLUEPRINT_HELP = "BLUEPRINT is a YAML file, or the name of a shipped one: midterm, quiz."


@cli.command(epilog=BLUEPRINT_HELP)
@click.argument("blueprint", default="midterm")
@click.option(
    "--seed",
    "-s",
    type=click.IntRange(min=0),
    default=2026,
    show_default=True,
    help="Exam seed: the same seed rebuilds every file byte for byte.",
)
@click.option(
    "--versions",
    "-v",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Versions with different numbers (A, B, C, ...).",
)
@click.option(
    "--out",
    "-o",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="output",
    show_default=True,
)
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
def paper(
    blueprint: str,
    seed: int,
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
) -> None:
    """Print-ready exam papers and answer keys from a BLUEPRINT (YAML), HTML and PDF.

    Examples: quizgen paper midterm --seed 2026 --versions 4;
    quizgen paper banks/exams/midterm.yaml --roster students.csv -j 2 --out class
    """
    from quizgen.exam.blueprint import find_blueprint, load_blueprint
    from quizgen.publish.papers import override, rebuild_command

    if roster is None and (only_ids or shard or resume or force or jobs):
        raise click.UsageError("--only, --jobs, --shard, --resume and --force need --roster")
    if roster is not None and versions != 1:
        raise click.UsageError(
            "--versions and --roster do not go together: every student gets a version of their own"
        )
    path = find_blueprint(blueprint)
    bank_pool = _bank_pool(bank_dirs) if bank_dirs else None
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
    from quizgen.render import fonts as font_check

    blueprint_texts = [
        (f"{path.name}: {field}", text)
        for field, text in (
            ("title", loaded.title),
            ("course", loaded.course or ""),
            *((f"instructions[{i}]", t) for i, t in enumerate(loaded.instructions)),
            *((f"sections[{i}].title", s.title) for i, s in enumerate(loaded.sections)),
        )
    ]
    extra_fonts = [Path(f) for f in loaded.fonts]
    font_check.check(blueprint_texts, extra_fonts)
    if roster is None:
        from quizgen.exam.build import build_exam
        from quizgen.publish.papers import write_exam

        exam = build_exam(loaded, seed, versions, bank_pool)
        done: list[str] = []

        def progress(version: str, files: list[Path]) -> None:
            done.append(version)
            click.echo(f"  wrote version {version}", err=True)
            for file in files:
                click.echo(str(file))

        try:
            write_exam(exam, path.name, out_dir, formats, progress, rebuild)
        except KeyboardInterrupt:
            _interrupted(f"{_count(len(done), 'version')} written whole ({', '.join(done)})")
        return
    _class_set(
        loaded,
        path,
        seed,
        out_dir,
        formats,
        bank_pool,
        roster,
        only_ids,
        jobs,
        shard,
        resume,
        force,
        rebuild,
    )


def _interrupted(done: str, hint: str = "") -> None:
    """Ctrl-C or SIGTERM: say what is on disk, and how to go on; exit status 130."""
    click.echo(f"\nInterrupted: {done}.{hint}", err=True)
    sys.exit(130)


def _class_set(
    blueprint,
    blueprint_path,
    seed,
    out_dir,
    formats,
    bank_pool,
    roster,
    only_ids,
    jobs,
    shard,
    resume,
    force,
    rebuild,
) -> None:
    """``paper --roster``: every student's paper and key, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from quizgen.exam.roster import parse_shard, read_roster
    from quizgen.publish.classset import run_class_set
    from quizgen.render import fonts as font_check

    students = read_roster(roster)
    names = [(f"{roster.name}: student {s.id}", s.name) for s in students]
    font_check.check(names, [Path(f) for f in blueprint.fonts])
    if only_ids:
        known = {s.id for s in students}
        unknown = [i for i in only_ids if i not in known]
        if unknown:
            raise QuizgenError(f"--only: {', '.join(unknown)} not in {roster.name}")
        students = [s for s in students if s.id in only_ids]
    console = _console(False)
    console.file = sys.stderr
    finished = [0]
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("papers", total=None)

        def progress(done: int, skipped: int) -> None:
            finished[0] = done + skipped
            bar.update(task, completed=done + skipped, total=len(students))

        try:
            manifest = run_class_set(
                blueprint,
                blueprint_path,
                seed,
                students,
                out_dir,
                formats,
                jobs,
                parse_shard(shard) if shard else None,
                resume,
                force,
                bank_pool,
                progress,
                rebuild,
            )
        except KeyboardInterrupt:
            bar.stop()
            _interrupted(
                f"{_count(finished[0], 'student')} written whole",
                " Run the same command with --resume to build the others.",
            )
    rows = manifest["students"]
    click.echo(f"{_count(len(rows), 'student')}: papers and keys in {out_dir}")
    for key in ("merged_papers", "merged_keys"):
        if key in manifest:
            click.echo(f"  {out_dir / manifest[key]}")


@cli.group()
def bank() -> None:
    """Derivation question banks: check them, list them."""


@bank.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def bank_check(paths: tuple[Path, ...]) -> None:
    """Lint bank files (default: the built-in banks): every problem, with file, id and field."""
    from quizgen.exam.banks import BUILTIN, BankError, load_banks
    from quizgen.render.printable import problems

    try:
        questions, found = load_banks(paths or (BUILTIN,)), []
    except BankError as error:
        questions, found = error.questions, error.problems
    found += problems([f for q in questions for f in q.formulas()])
    if found:
        for problem in found:
            click.echo(f"Error: {problem}", err=True)
        click.echo(f"{_count(len(found), 'problem')} found.", err=True)
        sys.exit(1)
    click.echo(f"{_count(len(questions), 'question')}, no problems.")


@bank.command("list")
@BANK_OPTION
def bank_list(bank_dirs: tuple[Path, ...]) -> None:
    """The bank questions by seed-guide section and kind."""
    from quizgen.exam.banks import KINDS

    questions = _bank_pool(bank_dirs)
    sections = sorted({q.section for q in questions})
    click.echo(f"{'section':<8} " + " ".join(f"{k:<7}" for k in KINDS) + " ids")
    for section in sections:
        mine = [q for q in questions if q.section == section]
        counts = " ".join(f"{sum(q.kind == k for q in mine):<7}" for k in KINDS)
        click.echo(f"{section:<8} {counts} {', '.join(q.id for q in mine)}")


@cli.command(epilog=BLUEPRINT_HELP)
@click.argument("blueprint", required=False)
@click.option(
    "--topic",
    "-t",
    "topic_names",
    multiple=True,
    help="Export a topic instead of a blueprint, or `all`; repeat for several.",
)
@click.option(
    "--format", "-f", "fmt", type=click.Choice(["moodle", "qti", "anki", "jsonl"]), required=True
)
@click.option(
    "--variants",
    "-n",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Variants of each question (a random one is drawn per student).",
)
@click.option("--seed", "-s", type=click.IntRange(min=0), default=2026, show_default=True)
@click.option(
    "--difficulty", "-d", type=DIFFICULTY, default="medium", show_default=True, help="With --topic."
)
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

    if (blueprint is None) == (not topic_names):
        raise click.UsageError("give either a BLUEPRINT or --topic")
    if topic_names:
        names = _topic_names(topic_names)
        exam = exporter.topic_exam(names, variants, seed, difficulty)  # type: ignore[arg-type]
        name = names[0] if len(names) == 1 else "all" if "all" in topic_names else "topics"
    else:
        from quizgen.exam.blueprint import find_blueprint, load_blueprint

        path = find_blueprint(blueprint)  # type: ignore[arg-type]
        bank_pool = _bank_pool(bank_dirs) if bank_dirs else None
        exam = exporter.blueprint_exam(load_blueprint(path, bank_pool), variants, seed, bank_pool)
        name = path.stem
    target = out or Path("output") / f"{name}-{seed}{exporter.SUFFIX[fmt]}"
    from quizgen.publish.papers import atomic_write, output_folder

    notes: list[str] = []
    with output_folder(target.parent):
        atomic_write(target, lambda path: notes.extend(exporter.write(fmt, exam, path, name)))
    for note in notes:
        click.echo(f"Note: {note}", err=True)
    click.echo(str(target))


def _console(no_color: bool):
    from rich.console import Console

    # rich honours NO_COLOR itself and drops colour when output is not a terminal
    return Console(no_color=True if no_color else None, highlight=False)


def _reader(console):
    """Read a line at a prompt; piped answers are echoed so the transcript reads naturally."""

    def read(prompt: str) -> str:
        text = console.input(prompt)
        if not sys.stdin.isatty():
            console.print(text, markup=False, highlight=False)
        return text

    return read


def _history(db: Path | None, create: bool = True):
    from quizgen.practice.history import History, default_path

    return History(db or default_path(), create)


DB_OPTION = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Practice history database [default: in your user data directory].",
)
NO_COLOR_OPTION = click.option("--no-color", is_flag=True, help="Plain text (NO_COLOR works too).")


@cli.command()
@TOPICS_OPTION
@click.option("--count", "-n", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--difficulty", "-d", type=DIFFICULTY, default="medium", show_default=True)
@click.option(
    "--seed",
    "-s",
    type=click.IntRange(min=0),
    default=None,
    help="Reproduce the same sequence of problems [default: random].",
)
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
@BANK_OPTION
@DB_OPTION
@NO_COLOR_OPTION
def quiz(
    topic_names: tuple[str, ...],
    count: int,
    difficulty: str,
    seed: int | None,
    adaptive: bool,
    derivations: bool,
    bank_dirs: tuple[Path, ...],
    db: Path | None,
    no_color: bool,
) -> None:
    """Practise in the terminal: answers checked as you type, mistakes named.

    At each prompt: an answer, or h (hint), s (skip), ? (solution), q (quit).
    """
    import secrets

    from quizgen.cli.quiz import QuizSession
    from quizgen.practice.session import bank_questions, quiz_problems

    names = _topic_names(topic_names)  # an unknown topic is an error before anything is asked
    seed = secrets.randbelow(2**32) if seed is None else seed
    console = _console(no_color)
    history = _history(db)
    try:
        session = QuizSession(
            console, _reader(console), history, "adaptive" if adaptive else "quiz"
        )
        console.print(f"quizgen quiz: seed {seed}", style="dim", highlight=False)
        if derivations:
            asked = list(bank_questions(_bank_pool(bank_dirs), names, count, seed))
            if len(asked) < count:
                console.print(
                    f"(those sections hold {_count(len(asked), 'derivation question')}; "
                    "each is asked once)",
                    style="dim",
                    highlight=False,
                )
            session.run(asked, len(asked))
        else:
            problems = quiz_problems(names, count, seed, difficulty, history if adaptive else None)
            session.run(problems, count)
    finally:
        history.close()


@cli.command()
@click.argument("code")
@click.argument("answers", nargs=-1)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one verdict per part (expected value, follow-through, named mistake) for "
    "scripts; nothing is asked and no history is written.",
)
@BANK_OPTION
@DB_OPTION
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
    asked interactively. Example: quizgen check SGM-3GKE1BD 0.076 0.070
    """
    from quizgen.cli.quiz import QuizSession
    from quizgen.exam.item_codes import decode
    from quizgen.exam.problems import make_problem

    bank_item = _bank_item(code, bank_dirs)
    if bank_item is not None and fmt == "json":
        raise QuizgenError(
            f'"{code}" is a derivation question: its steps and options are shuffled per '
            "paper, so it is checked interactively (without --format json)"
        )
    if bank_item is None:
        topic, difficulty, seed = decode(code)
        problem = make_problem(topic, seed, difficulty)
    if fmt == "json":
        _check_json(code, problem, answers)
        return
    console = _console(no_color)
    queue = list(answers)

    def read(prompt: str) -> str:
        if not answers:
            return _reader(console)(prompt)
        if not queue:
            raise EOFError
        console.print(prompt + queue[0], markup=False, highlight=False)
        return queue.pop(0)

    history = _history(db)
    try:
        QuizSession(console, read, history, "check").run([bank_item or problem], 1)
    finally:
        history.close()


def _bank_item(code: str, bank_dirs: tuple[Path, ...]):
    """The derivation question whose id a paper prints, or None for anything else."""
    from quizgen.practice.session import bank_item_for, looks_like_bank_id

    if not looks_like_bank_id(code):
        return None
    return bank_item_for(code, _bank_pool(bank_dirs) if bank_dirs else _builtin_pool())


def _check_json(code: str, problem, answers: tuple[str, ...]) -> None:
    from quizgen.core.latex import answer_text
    from quizgen.practice.checking import check_typed

    checks = check_typed(problem, answers)
    parts = []
    for check_ in checks:
        record = check_.record()
        record["expected_shown"] = answer_text(check_.expected, check_.part.precision)
        parts.append(record)
    right = sum(p["verdict"] in ("correct", "follow-through") for p in parts)
    click.echo(
        _json_line(
            {
                "code": code,
                "topic": problem.topic,
                "difficulty": problem.difficulty,
                "seed": problem.seed,
                "parts": parts,
                "right": right,
                "of": len(parts),
            }
        )
    )


@cli.command()
@DB_OPTION
@NO_COLOR_OPTION
def stats(db: Path | None, no_color: bool) -> None:
    """Your practice history: accuracy per topic, common mistakes, progress over time."""
    from quizgen.cli.stats import show_stats
    from quizgen.practice.history import default_path

    if db is None and not default_path().exists():
        click.echo("No practice history yet: `quizgen quiz` starts one.")
        return
    history = _history(db, create=False)
    try:
        show_stats(_console(no_color), history)
    finally:
        history.close()


@cli.command()
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
def serve(
    host: str,
    port: int,
    db: Path | None,
    bank_dirs: tuple[Path, ...],
    roster: Path | None,
    class_dir: Path | None,
    open_to_anyone: bool,
    url: str | None,
) -> None:
    """Practise in the browser: the quiz's problems, grading, hints and history as a local site.

    Examples: quizgen serve; quizgen serve --class roster.csv --host 0.0.0.0
    """
    from quizgen.web import classroom as rooms
    from quizgen.web.server import check_host
    from quizgen.web.server import serve as run_site

    check_host(host, roster is not None, open_to_anyone)
    if roster is not None:
        from quizgen.exam.roster import read_roster

        folder = class_dir or roster.with_name(f"{roster.stem}-practice")
        room = rooms.open_class(read_roster(roster), folder)
    else:
        from quizgen.practice.history import default_path

        room = rooms.solo(db or default_path())
    pool = _bank_pool(bank_dirs) if bank_dirs else _builtin_pool()
    run_site(room, host, port, pool, url, lambda line: click.echo(line, err=True))


def _builtin_pool():
    from quizgen.exam.banks import builtin_banks

    return builtin_banks()


@cli.command()
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
@click.option("--seed", "-s", type=click.IntRange(min=0), default=2026, show_default=True)
@click.option(
    "--variants",
    "-n",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="For Moodle or Canvas reports: the --variants given to `quizgen export`.",
)
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
    type=click.Choice(["auto", "long", "moodle", "canvas"]),
    default="auto",
    show_default=True,
    help="What ANSWERS is; auto tells by its header.",
)
@click.option(
    "--out",
    "-o",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output") / "grades",
    show_default=True,
)
@formats_option("The class report as HTML and/or PDF (feedback sheets come with pdf).")
@jobs_option("Processes typesetting feedback sheets [default: all cores].")
@BANK_OPTION
def grade(
    answers: Path,
    manifest: Path | None,
    blueprint: str | None,
    seed: int,
    variants: int,
    version_code: str | None,
    marks_file: Path | None,
    source: str,
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
    from quizgen.marking import answer_files, papers
    from quizgen.marking.analysis import analyse
    from quizgen.marking.mark import mark_paper
    from quizgen.publish.grades import write_results

    if manifest is None and blueprint is None:
        raise click.UsageError("give --manifest (a class set) or --blueprint (versions, LMS)")
    header = (answer_files.rows_of(answers) or [[]])[0]
    kind = answer_files.sniff(header) if source == "auto" else source
    bank_pool = _bank_pool(bank_dirs) if bank_dirs else None
    if manifest is not None:
        if kind != "long":
            raise click.UsageError(
                f"a {kind} report comes from an LMS quiz: give --blueprint, --seed and "
                "--variants as used for the export, not --manifest"
            )
        class_set = papers.from_manifest(manifest, blueprint, bank_pool)
        title, seed_used = class_set.blueprint.title, class_set.seed
        found = answer_files.read_long(answers, class_set.papers, None)
    else:
        assert blueprint is not None
        seed_used = seed
        if kind == "long":
            found = answer_files.read_long(
                answers, None, lambda n: papers.versions_exam(blueprint, seed, n, bank_pool)
            )
            title = _blueprint_title(blueprint, bank_pool)
        else:
            exam = papers.variants_exam(blueprint, seed, variants, bank_pool)
            title = exam.blueprint.title
            if kind == "moodle":
                found = answer_files.read_moodle(answers, exam)
            else:
                found = answer_files.read_canvas(answers, exam, version_code)
    if marks_file is not None:
        extra = answer_files.read_long(marks_file, found.papers, None)
        for sid, given in extra.answers.items():
            found.answers[sid] = {**found.answers[sid], **given}
    for note in found.notes:
        click.echo(f"Note: {note}", err=True)
    rows = [r for sid, p in found.papers.items() for r in mark_paper(p, found.answers[sid])]
    report = analyse(rows)
    versions = {sid: p.version for sid, p in found.papers.items()}

    def progress(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            click.echo(f"  feedback sheets: {done} of {total}", err=True)

    workers = jobs or os.cpu_count() or 1
    written = write_results(
        rows, report, versions, title, seed_used, out_dir, formats, progress, workers
    )
    for path in written:
        click.echo(str(path))
    to_mark = sum(1 for r in rows if r.verdict == "to mark")
    mean = sum(float(s.mark) for s in report.students) / max(len(report.students), 1)
    click.echo(
        f"Marked {_count(len(report.students), 'student')}: mean {mean:.1f} of {report.max}; "
        f"{_count(len(report.mistakes), 'named mistake')}"
        + (f"; {to_mark} derivation(s) still to mark" if to_mark else ""),
        err=True,
    )


def _blueprint_title(blueprint: str, bank_pool) -> str:
    from quizgen.exam.blueprint import find_blueprint, load_blueprint

    return load_blueprint(find_blueprint(blueprint), bank_pool).title


def _terminate(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops as cleanly as Ctrl-C: temporary files go, work is kept


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    cli(prog_name="quizgen")


if __name__ == "__main__":
    main()
