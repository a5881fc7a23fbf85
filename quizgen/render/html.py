"""HTML writer: a student paper and an instructor key per version, from Jinja templates.

Autoescaping is on and undefined names fail loudly, so blueprint text can never inject markup
and a template typo never prints an empty field. One HTML file serves screen and print.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from quizgen.core.latex import answer_text
from quizgen.core.resources import cache_folder, package_folder
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


#: how the templates are compiled: part of the compiled templates' cache key
_OPTIONS: dict[str, Any] = {
    "autoescape": True,
    "undefined": StrictUndefined,
    "trim_blocks": True,
    "lstrip_blocks": True,
}


def compiled_templates() -> FileSystemBytecodeCache | None:
    """The templates compiled by an earlier run (compiling them is a fifth of a one-copy run),
    kept in the user's cache by Jinja's version and the options above; Jinja itself keys each
    by the template's path and Python's version, and compiles it again when its source changed.
    None when the cache is off."""
    options = hashlib.sha256(repr(sorted(_OPTIONS.items())).encode()).hexdigest()[:16]
    folder = cache_folder(f"templates-jinja{jinja2.__version__}-{options}")
    return FileSystemBytecodeCache(str(folder)) if folder else None


@cache
def environment(math_as: MathAs = "svg") -> Environment:
    """The templates with math as SVG (for WeasyPrint) or as MathML (for HTML files)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), bytecode_cache=compiled_templates(), **_OPTIONS
    )
    svg = math_as == "svg"
    env.filters.update(
        inline=math.inline if svg else math.inline_mathml,
        display=lambda latex: (math.image if svg else math.mathml)(latex, display=True),
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
    return package_folder("ziamath") / "fonts" / MATH_FONT_NAME


def font_path() -> Path:
    """The text font, shipped with ziafont (a dependency), so papers look the same anywhere."""
    return package_folder("ziafont") / "fonts" / FONT_NAME


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
