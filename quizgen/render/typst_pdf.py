"""Typst writer: the same built exam as the HTML writer, typeset by Typst into PDF.

Templates under ``templates/typst/`` render Typst markup through Jinja; every value is escaped
for Typst unless a filter marks it as Typst already (math converted by ``typst_math``), so
blueprint text cannot inject markup. Fonts come from the typst package itself (system fonts are
ignored) and the document date is fixed, so the PDF is the same on every machine and rerun.
"""

from __future__ import annotations

import datetime
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from quizgen.core.errors import QuizgenError
from quizgen.core.latex import answer_text, segments
from quizgen.exam.model import Exam, Version
from quizgen.render import TEMPLATES, partial, wording
from quizgen.render.typst_math import to_typst

if TYPE_CHECKING:
    import typst

FIXED_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
Kind = Literal["paper", "key"]
_SPECIAL = re.compile(r"([\\#$*_@<>\[\]~`=+/\-\"'])")


class Typst(Markup):
    """Typst markup already: Jinja's autoescaping leaves it alone (it is a Markup), and every
    other value is escaped for Typst by ``_finalize`` first, so nothing is escaped twice."""


def escape(text: str) -> Typst:
    """Plain text for Typst markup: every character with a meaning gets a backslash.

    >>> print(escape("a*b_c #x [1] // -1 $5"))
    a\\*b\\_c \\#x \\[1\\] \\/\\/ \\-1 \\$5
    """
    return Typst(_SPECIAL.sub(r"\\\1", text).replace("\n", " "))


def _finalize(value: Any) -> Any:
    return value if isinstance(value, Markup) else escape(str(value))


def inline(text: str) -> Typst:
    """Text with ``$math$``: the text escaped, the math converted to Typst."""
    return Typst(
        "".join(
            _inline_math(piece) if is_math else escape(piece) for is_math, piece in segments(text)
        )
    )


def _inline_math(latex: str) -> str:
    """Inline math; a matrix is taller than a line, so it gets room above and below instead
    of touching the lines around it."""
    math = f"${to_typst(latex)}$"
    return f"#box(inset: (y: 0.35em))[{math}]" if "mat(" in math else math


def display(latex: str) -> Typst:
    return Typst(f"$ {to_typst(latex)} $")


def string(text: str) -> Typst:
    """A Typst string literal."""
    return Typst('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # with _finalize: Typst escaping, and macro output kept as it is
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=False,  # Typst reads line starts (lists, headings): keep every newline
        lstrip_blocks=True,
    )
    env.filters.update(
        inline=inline,
        display=display,
        answer=lambda value, precision: escape(answer_text(value, precision)),
        typst_string=string,
        string=lambda value: str(value),
    )
    env.globals["partial"] = lambda item: partial(item, "typst/", ".typ")
    wording.register(env)
    return env


def source(exam: Exam, version: Version, kind: Kind, rebuild: str) -> str:
    """The Typst document for one version's paper or key."""
    footer = f"{exam.blueprint.title} · version {version.code}" + (
        " · KEY" if kind == "key" else ""
    )
    return (
        environment()
        .get_template(f"typst/{kind}.typ")
        .render(
            exam=exam,
            version=version,
            blueprint=exam.blueprint,
            rebuild=rebuild,
            kind=kind,
            footer=footer,
            page_size=Typst('"a4"' if exam.blueprint.paper == "A4" else '"us-letter"'),
            text_fonts=text_fonts(exam.blueprint.fonts),
        )
    )


def text_fonts(extra: list[str]) -> Typst:
    """The text font, then fallbacks for scripts it lacks: DejaVu Sans and the --font ones."""
    from quizgen.render.fonts import family

    families = ["New Computer Modern", "DejaVu Sans", *(family(Path(p)) for p in extra)]
    return Typst("(" + ", ".join(string(f) for f in dict.fromkeys(families)) + ",)")


def font_folder(out_dir: Path) -> Path | None:
    """The output's fonts (the shipped ones and ``--font`` ones), which Typst reads besides its
    own; None before ``prepare_out_dir`` made it."""
    fonts = out_dir / "fonts"
    return fonts if fonts.is_dir() else None


@cache
def compiler(fonts: Path | None = None) -> typst.Compiler:
    """This process's Typst compiler for a font folder, made once: its fonts are read when it
    is made, not per document (a new compiler costs about 6 ms of CPU), and its memo cache
    keeps what one document shares with the next, such as a class set's header and bank
    questions. Every ``write_pdf`` into one folder (a class-set worker's students) uses the
    same one."""
    import typst

    return typst.Compiler(ignore_system_fonts=True, font_paths=[str(fonts)] if fonts else [])


def compile_check(formulas: list[str]) -> str | None:
    """None if Typst compiles these math formulas (Typst syntax), else its error."""
    document = "\n\n".join(f"$ {formula} $" for formula in formulas)
    try:
        compiler().compile(input=document.encode("utf-8"), format="pdf", timestamp=FIXED_DATE)
    except Exception as exc:  # typst raises its own error types
        return " ".join(str(exc).split())[:200]
    return None


def forget_layouts(compiles: int = 11) -> None:
    """Let Typst drop what it memoised for the documents compiled so far. typst-py ages its
    (process-wide) cache once per compile and drops what went unused for 10 compiles, so a
    process compiling one different document after another (a class set's worker) holds ten
    documents' layouts, about 100 MB; empty documents age it at almost no cost."""
    for _ in range(compiles):
        compiler().compile(input=b"", format="pdf", timestamp=FIXED_DATE)


def write_pdf(typst_source: str, target: Path) -> None:
    """Compile with Typst's own fonts only, at a fixed date: the same bytes everywhere."""
    try:
        pdf = compiler(font_folder(target.parent)).compile(
            input=typst_source.encode("utf-8"), format="pdf", timestamp=FIXED_DATE
        )
    except RuntimeError as exc:  # typst's compile errors
        raise QuizgenError(f"{target.name}: Typst could not typeset it: {exc}") from None
    target.write_bytes(cast(bytes, pdf))  # one PDF file, not a page per file
