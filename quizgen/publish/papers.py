"""``quizgen paper``: build an exam from a blueprint and write each version's paper and key.

A copy (one version's, or one student's, paper and key in every format) is first written to
temporary names, then renamed into place together while Ctrl-C and SIGTERM wait, so an
interrupted run leaves each copy whole or not there at all, never a paper without its key.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from quizgen.core.errors import QuizgenError, os_reason
from quizgen.exam.banks import BankQuestion
from quizgen.exam.blueprint import Blueprint, load_blueprint
from quizgen.exam.build import build_exam
from quizgen.exam.model import Exam, Version
from quizgen.render import html as html_writer
from quizgen.render.fonts import complete, font_files

FORMATS = ("html", "pdf")
#: (temporary file, final name) pairs of one copy, renamed together by ``commit``
Staged = dict[str, tuple[Path, Path]]


def staging_name(target: Path) -> Path:
    """Where ``target`` is written before it is complete: a hidden name beside it. The name is
    fixed, so rewriting a copy after a crash reuses (and so removes) any stale one."""
    return target.with_name(f".{target.name}.part")


def atomic_write(target: Path, write: Callable[[Path], object]) -> None:
    temporary = staging_name(target)
    try:
        write(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends, then deliver them: a few renames that
    belong together happen all or not at all."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {
        sig: signal.signal(sig, lambda number, _frame: received.append(number)) for sig in held
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            signal.raise_signal(received[0])


def commit(staged: Staged) -> dict[str, Path]:
    """Rename a copy's temporary files into place, all together; returns the final paths."""
    with signals_held():
        for temporary, target in staged.values():
            os.replace(temporary, target)
    return {kind: target for kind, (_, target) in staged.items()}


def discard(staged: Staged) -> None:
    for temporary, _ in staged.values():
        temporary.unlink(missing_ok=True)


@contextmanager
def output_folder(folder: Path) -> Iterator[None]:
    """Create ``folder`` and run the block that fills it, or say in one line why it cannot be
    written there."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        yield
    except OSError as exc:
        where = Path(exc.filename) if isinstance(exc.filename, str) else folder
        raise QuizgenError(
            f"{where}: cannot write the output there: {os_reason(where, exc, folder=True)}"
        ) from None


def prepare_out_dir(out_dir: Path, extra_fonts: Sequence[str] = ()) -> None:
    """Create the output folder with the fonts its HTML and PDFs refer to: the shipped one and
    the blueprint's extra ones (Typst reads only this folder, so every machine agrees)."""
    fonts = out_dir / "fonts"
    with output_folder(fonts):
        shipped = (html_writer.font_path(), html_writer.math_font_path())
        for source in (*shipped, *map(Path, extra_fonts)):
            font = fonts / source.name
            if not font.exists() or font.stat().st_size != source.stat().st_size:
                atomic_write(font, partial(shutil.copyfile, source))


def rebuild_command(
    blueprint: str,
    seed: int,
    engine: str,
    *,
    versions: int = 1,
    roster: str | None = None,
    paper: str | None = None,
    banks: Sequence[str] = (),
    fonts: Sequence[str] = (),
    formats: Sequence[str] = FORMATS,
) -> str:
    """The command that writes these files again, as a key prints it: the blueprint as it
    was given, the seed, the engine, the page size and banks given, and the formats when not
    both. (``--out`` is left out: where the files go does not change them.) A student's key
    adds ``--only ID``.

    >>> rebuild_command("midterm", 7, "typst", versions=2, banks=["my banks"])
    "quizgen paper midterm --seed 7 --versions 2 --engine typst --bank 'my banks'"
    """
    words = ["quizgen", "paper", blueprint, "--seed", str(seed)]
    words += ["--roster", roster] if roster else ["--versions", str(versions)]
    words += ["--engine", engine]
    words += ["--paper", paper] if paper else []
    words += [w for bank in banks for w in ("--bank", bank)]
    words += [w for font in fonts for w in ("--font", font)]
    if sorted(formats) != sorted(FORMATS):
        words += [w for fmt in formats for w in ("--format", fmt)]
    return shlex.join(words)


def stage_copy(
    exam: Exam, version: Version, base: Path, formats: Iterable[str], rebuild: str
) -> Staged:
    """Write one version's paper and key to temporary names: ``{"paper.pdf": (tmp, final)}``,
    finals named ``base`` + ``-paper.pdf``. Nothing is left behind if this fails."""
    staged: Staged = {}
    typst = exam.blueprint.engine == "typst"
    try:
        for kind in ("paper", "key"):
            for fmt in formats:
                target = base.with_name(f"{base.name}-{kind}.{fmt}")
                temporary = staging_name(target)
                staged[f"{kind}.{fmt}"] = (temporary, target)
                if fmt == "html":
                    page = html_writer.render(exam, version, kind, rebuild, "mathml")
                    temporary.write_text(page, encoding="utf-8")
                elif typst:
                    from quizgen.render import typst_pdf

                    typst_pdf.write_pdf(typst_pdf.source(exam, version, kind, rebuild), temporary)
                else:
                    from quizgen.render.pdf import write_pdf

                    page = html_writer.render(exam, version, kind, rebuild, "svg")
                    write_pdf(page, base.parent, temporary)
    except BaseException:
        discard(staged)
        raise
    return staged


def write_copy(
    exam: Exam, version: Version, base: Path, formats: Iterable[str], rebuild: str
) -> dict[str, Path]:
    """One version's paper and key, written whole or not at all: ``{"paper.pdf": path}``."""
    staged = stage_copy(exam, version, base, formats, rebuild)
    try:
        return commit(staged)
    finally:
        discard(staged)


def write_exam(
    exam: Exam,
    blueprint_name: str,
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    progress: Callable[[str, list[Path]], None] = lambda version, files: None,
    rebuild: str | None = None,
) -> list[Path]:
    """Write paper and key of every version, each whole or not at all; returns the files
    written. ``progress(version code, its files)`` follows each version; ``rebuild`` is the
    command the keys print (default: the blueprint's name with the exam's settings)."""
    formats = [f for f in FORMATS if f in formats]
    prepare_out_dir(out_dir, exam.blueprint.fonts)
    if rebuild is None:
        rebuild = rebuild_command(
            blueprint_name,
            exam.seed,
            exam.blueprint.engine,
            versions=len(exam.versions),
            formats=formats,
        )
    stem = f"{Path(blueprint_name).stem}-{exam.seed}"
    written: list[Path] = []
    for version in exam.versions:
        files = write_copy(exam, version, out_dir / f"{stem}-{version.code}", formats, rebuild)
        written += files.values()
        progress(version.code, list(files.values()))
    return written


def override(
    blueprint: Blueprint,
    paper_size: str | None,
    engine: str | None,
    fonts: Sequence[str | Path] = (),
) -> Blueprint:
    """The blueprint with the command line's page size, PDF engine and extra fonts, where
    given; its fonts become the absolute font files they name."""
    update: dict = {k: v for k, v in (("paper", paper_size), ("engine", engine)) if v}
    files = font_files([*blueprint.fonts, *fonts])
    if [str(f) for f in files] != blueprint.fonts:
        update["fonts"] = [str(f) for f in files]
    return blueprint.model_copy(update=update) if update else blueprint


def with_installed_fonts(
    blueprint: Blueprint, texts: Iterable[tuple[str, str]]
) -> tuple[Blueprint, list[str]]:
    """The blueprint with an installed font for each script of ``texts`` (``(where, text)``)
    that its fonts do not cover, and a line saying which font each is; refused, before
    anything is written, when no font on the machine covers a text."""
    found, notes = complete(texts, [Path(f) for f in blueprint.fonts])
    if [str(f) for f in found] == list(blueprint.fonts):
        return blueprint, notes
    return blueprint.model_copy(update={"fonts": [str(f) for f in found]}), notes


def check_fonts(blueprint: Blueprint, source: str) -> tuple[Blueprint, list[str]]:
    """The blueprint (file name ``source``) with the installed fonts its printed texts need,
    as ``with_installed_fonts``."""
    return with_installed_fonts(blueprint, blueprint.printed_texts(source))


def make_papers(
    blueprint_path: Path,
    seed: int,
    versions: int,
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    paper_size: str | None = None,
    progress: Callable[[str, list[Path]], None] = lambda version, files: None,
    bank: Sequence[BankQuestion] | None = None,
    engine: str | None = None,
) -> list[Path]:
    blueprint = override(load_blueprint(blueprint_path, bank), paper_size, engine)
    exam = build_exam(blueprint, seed, versions, bank)
    return write_exam(exam, blueprint_path.name, out_dir, formats, progress)
