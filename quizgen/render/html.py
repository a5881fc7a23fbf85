"""HTML writer: a student paper and an instructor key per version, from Jinja templates.

Autoescaping is on and undefined names fail loudly, so blueprint text can never inject markup
and a template typo never prints an empty field. One HTML file serves screen and print.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from quizgen.core.latex import answer_text
from quizgen.exam.model import Exam, Version
from quizgen.render import TEMPLATES, math, partial, wording

FONT_NAME = "DejaVuSans.ttf"

Kind = Literal["paper", "key"]
MathAs = Literal["svg", "mathml"]


def css_string(text: str) -> Markup:
    """Text inside a CSS string literal: quotes, backslashes and angle brackets escaped."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,:;-_()/" else f"\\{ord(ch):x} " for ch in text
    )
    return Markup(f'"{escaped}"')


@cache
def environment(math_as: MathAs = "svg") -> Environment:
    """The templates with math as SVG (for WeasyPrint) or as MathML (for HTML files)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    svg = math_as == "svg"
    env.filters.update(
        inline=math.inline if svg else math.inline_mathml,
        display=lambda latex: (math.svg if svg else math.mathml)(latex, display=True),
        answer=answer_text,
        css_string=css_string,
    )
    env.globals["partial"] = lambda item: partial(item, "", ".html")
    wording.register(env)
    return env


MATH_FONT_NAME = "STIXTwoMath-Regular.ttf"


def math_font_path() -> Path:
    """The math font for MathML, shipped with ziamath (a dependency): browsers differ in the
    math fonts they have, so the HTML brings its own."""
    import ziamath

    return Path(ziamath.__file__).resolve().parent / "fonts" / MATH_FONT_NAME


def font_path() -> Path:
    """The text font, shipped with ziafont (a dependency), so papers look the same anywhere."""
    import ziafont

    return Path(ziafont.__file__).resolve().parent / "fonts" / FONT_NAME


def render(exam: Exam, version: Version, kind: Kind, rebuild: str, math_as: MathAs = "svg") -> str:
    """One version's paper or key; a key prints ``rebuild``, the command that writes it
    again. ``math_as``: SVG for WeasyPrint, MathML for the HTML files."""
    env = environment(math_as)
    footer = f"{exam.blueprint.title} · version {version.code}" + (
        " · KEY" if kind == "key" else ""
    )
    extra_fonts = [(f"quizgen font {i}", Path(p).name) for i, p in enumerate(exam.blueprint.fonts)]
    stylesheet = env.get_template("style.css").render(
        paper=exam.blueprint.paper, footer=footer, extra_fonts=extra_fonts
    )
    return env.get_template(f"{kind}.html").render(
        exam=exam,
        version=version,
        blueprint=exam.blueprint,
        rebuild=rebuild,
        kind=kind,
        stylesheet=Markup(stylesheet),
    )
