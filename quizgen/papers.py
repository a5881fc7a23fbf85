"""``quizgen paper``: build an exam from a blueprint and write each version's paper and key.

Files are written to a temporary name and renamed when complete, so an interrupted run never
leaves a half-written file that looks finished.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from quizgen.banks import BankQuestion
from quizgen.blueprint import Blueprint, load_blueprint
from quizgen.build import Exam, Version, build_exam
from quizgen.render import html as html_writer

FORMATS = ("html", "pdf")


def atomic_write(target: Path, write: Callable[[Path], None]) -> None:
    temporary = target.with_name(f".{target.name}.part")
    try:
        write(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def prepare_out_dir(out_dir: Path) -> None:
    """Create the output folder with the font its HTML and PDFs refer to."""
    fonts = out_dir / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    font = fonts / html_writer.FONT_NAME
    if not font.exists():
        shutil.copyfile(html_writer.font_path(), font)


def write_copy(
    exam: Exam, version: Version, base: Path, formats: Iterable[str], blueprint_name: str
) -> dict[str, Path]:
    """One version's paper and key as ``{"paper.pdf": path, ...}``: ``base`` + ``-paper.pdf``."""
    written = {}
    typst = exam.blueprint.engine == "typst"
    for kind in ("paper", "key"):
        needs_html = "html" in formats or ("pdf" in formats and not typst)
        html = html_writer.render(exam, version, kind, blueprint_name) if needs_html else ""
        for fmt in formats:
            target = base.with_name(f"{base.name}-{kind}.{fmt}")
            if fmt == "html":
                atomic_write(target, lambda p, html=html: p.write_text(html, encoding="utf-8"))
            elif typst:
                from quizgen.render import typst_pdf

                source = typst_pdf.source(exam, version, kind, blueprint_name)
                atomic_write(target, lambda p, source=source: typst_pdf.write_pdf(source, p))
            else:
                from quizgen.render.pdf import write_pdf

                atomic_write(target, lambda p, html=html: write_pdf(html, base.parent, p))
            written[f"{kind}.{fmt}"] = target
    return written


def write_exam(
    exam: Exam,
    blueprint_name: str,
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Path]:
    """Write paper and key of every version; returns the files written."""
    formats = [f for f in FORMATS if f in formats]
    prepare_out_dir(out_dir)
    stem = f"{Path(blueprint_name).stem}-{exam.seed}"
    written: list[Path] = []
    for version in exam.versions:
        files = write_copy(
            exam, version, out_dir / f"{stem}-{version.code}", formats, blueprint_name
        )
        written += files.values()
        progress(f"version {version.code}")
    return written


def override(blueprint: Blueprint, paper_size: str | None, engine: str | None) -> Blueprint:
    """The blueprint with the command line's page size and PDF engine, where given."""
    update = {k: v for k, v in (("paper", paper_size), ("engine", engine)) if v}
    return blueprint.model_copy(update=update) if update else blueprint


def make_papers(
    blueprint_path: Path,
    seed: int,
    versions: int,
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    paper_size: str | None = None,
    progress: Callable[[str], None] = lambda _: None,
    bank: Sequence[BankQuestion] | None = None,
    engine: str | None = None,
) -> list[Path]:
    blueprint = override(load_blueprint(blueprint_path), paper_size, engine)
    exam = build_exam(blueprint, seed, versions, bank)
    return write_exam(exam, blueprint_path.name, out_dir, formats, progress)
