"""LaTeX for HTML: MathML for the HTML files (browsers typeset it natively, screen readers read
it, and converting is ~30x faster), SVG from ziamath for what WeasyPrint prints (it cannot
typeset MathML).

The SVG is glyph paths (no font needed by the viewer), sized in ``em`` and lowered by its depth
so that inline math sits on the text baseline; the LaTeX stays in ``aria-label``. WeasyPrint
gets it as an ``<img>`` of that SVG (``image``), not inline: an inline ``<svg>``'s every path
is an HTML element to parse and to cascade the page's CSS over. Conversions
are cached in memory and on disk (``QUIZGEN_CACHE_DIR``, default the user cache directory;
``QUIZGEN_CACHE_DIR=off`` turns it off), so parallel workers and later runs share them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache, wraps
from importlib.metadata import version
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from quizgen.core.errors import QuizgenError
from quizgen.core.latex import segments
from quizgen.core.resources import cache_folder, kept_text

FONT_PX = 16.0
CACHE_FORMAT = 5  # bump when the SVG pre- or post-processing in _convert changes
#: Formulas kept in memory: enough for a paper and its key; more would grow without bound over
#: a class set, where every student brings new numbers (the disk cache keeps them all).
MEMORY_CACHE = 4096
_SIZE = re.compile(
    r'width="([\d.]+)" height="([\d.]+)" viewBox="([-\d.]+) ([-\d.]+) [\d.]+ [\d.]+"'
)
#: a glyph as ziamath draws it: one black path each
_GLYPH = re.compile(r'<path d="([^"]*)" fill="black" />')
#: the placing attributes ``_convert`` gives the ``<svg>``: its lowering, its LaTeX, its class
_PLACING = re.compile(r'style="([^"]*)" role="img" aria-label="([^"]*)" class="([^"]*)"')


#: ziamath's versions whose style parsing and size conversion ``_quicker`` was checked against
QUICKENED = frozenset({"0.13"})
#: sizes converted to pixels kept (a size attribute and a font size each: a few dozen in use)
SIZES_KEPT = 4096


@cache
def _ziamath():
    import ziafont
    import ziamath

    ziafont.config.svg2 = False  # no shared <symbol> ids between the many SVGs of one page
    ziafont.config.precision = 2  # fewer digits per path point: smaller files, same look
    if ziamath.__version__ in QUICKENED:
        _quicker()
    return ziamath


def _quicker() -> None:
    """ziamath 0.13 without two of its costs per MathML node (a third of its time, each formula
    being a few hundred nodes laid out, some more than once): its style parser deep-copies the
    parent's style into a dict (``dataclasses.asdict``) only to look up its plain fields, and
    its size conversion builds a table of fourteen formatted named spaces on each call. The
    parser looks the fields up in the style's own attributes (a style has no others), and a
    size is converted once per size and font size (all the conversion reads): the same
    numbers, so the same SVG."""
    from ziamath import styles
    from ziamath.nodes.mnode import Mnode

    to_pixels = Mnode.size_px  # reads its node only for the glyph size, when given no font size

    @lru_cache(maxsize=SIZES_KEPT)
    def converted(size: str, font_size: float) -> float:
        return to_pixels(None, size, font_size)  # type: ignore[arg-type]

    @wraps(to_pixels)
    def size_px(node: Any, size: str, fontsize: float | None = None) -> float:
        return converted(size, node.glyphsize if fontsize is None else fontsize)

    styles.asdict = vars  # type: ignore[assignment]
    Mnode.size_px = size_px  # type: ignore[method-assign,assignment]


def cache_dir() -> Path | None:
    """Where converted formulas are kept between runs and processes (None: nowhere): by the
    versions of ziamath and of ziafont (which draws the glyphs), the font size and the format
    of what is kept, so that a formula typeset differently is never taken from an older run."""
    return cache_folder(f"math-{_versions()}-{FONT_PX:g}px-{CACHE_FORMAT}")


@cache
def _versions() -> str:
    """ziamath's and ziafont's versions (read from their metadata: ~20 ms, so once)."""
    return f"{version('ziamath')}-ziafont{version('ziafont')}"


@lru_cache(maxsize=MEMORY_CACHE)
def svg(latex: str, display: bool = False) -> Markup:
    """One formula as an inline ``<svg>`` element (memory cache, then disk cache)."""
    return Markup(
        kept_text(
            cache_dir(),
            f"{int(display)}|{latex}",
            lambda: _convert(latex, display),
            lambda kept: kept.startswith("<svg") and kept.endswith("</svg>"),
        )
    )


#: how the HTML that WeasyPrint prints names a formula's SVG (``image``): by its LaTeX, the SVG
#: handed over when WeasyPrint fetches the URL (``fetched``)
FORMULA_URL = "quizgen-formula:"


def image(latex: str, display: bool = False) -> Markup:
    """One formula as an ``<img>`` of its SVG, for WeasyPrint: placed as the inline ``<svg>``
    is (lowered by its depth, overflow shown, sized by the SVG's own width and height), and
    drawn the same, but parsed once per document, off the page's HTML and CSS. The image is
    named by its LaTeX, not given as a data URL: WeasyPrint's HTML parser reads an attribute
    a character at a time, and a key's formulas were most of its 800 kB."""
    from urllib.parse import quote  # not on the HTML path, which never prints an <img>

    placing = _PLACING.search(svg(latex, display))
    if placing is None:  # pragma: no cover - _convert always writes these attributes
        raise ValueError(f"unexpected SVG for {latex!r}")
    style, label, kind = placing.groups()
    url = f"{FORMULA_URL}{'display' if display else 'inline'},{quote(latex, safe='')}"
    return Markup(
        f'<img src="{url}" style="{style};overflow:visible" alt="{label}" class="{kind}">'
    )


def fetched(url: str) -> bytes | None:
    """The SVG that an ``image``'s URL names (typeset again if it is no longer kept), or None
    for any other URL."""
    if not url.startswith(FORMULA_URL):
        return None
    from urllib.parse import unquote

    kind, _, latex = url.removeprefix(FORMULA_URL).partition(",")
    return str(svg(unquote(latex), kind == "display")).encode()


def _convert(latex: str, display: bool) -> str:
    zm = _ziamath()
    source_latex = _for_ziamath(latex)
    # inline fractions in text style are too small to read on paper: set them in display
    # style, which also sets a sum's index below it rather than beside its term
    text_style = not display and "frac" not in latex
    try:
        source = zm.Latex(source_latex, size=FONT_PX, inline=text_style).svg()
    except Exception as exc:  # ziamath's own errors, e.g. DoubleSuperscriptsError
        raise QuizgenError(
            f"${latex}$ cannot be typeset (ziamath: {type(exc).__name__} {exc})".rstrip()
        ) from None
    match = _SIZE.search(source)
    if match is None:  # pragma: no cover - ziamath always writes these attributes
        raise ValueError(f"unexpected SVG from ziamath for {latex!r}")
    width, height, _, top = (float(v) for v in match.groups())
    depth = height + float(top)  # viewBox y runs from -ascent (top) down to +depth
    style = (
        f'width="{width / FONT_PX:.3f}em" height="{height / FONT_PX:.3f}em" '
        f'style="vertical-align:{-depth / FONT_PX:.3f}em" role="img" '
        f'aria-label="{escape(latex)}" class="{"math display" if display else "math"}"'
    )
    body = source[source.index("<svg") :]
    body = body.replace(f'width="{match.group(1)}" height="{match.group(2)}"', style, 1)
    return _one_path(body)


def _one_path(body: str) -> str:
    """The SVG with all its glyphs in one black path, where the first was: filled alike, they
    look the same, and WeasyPrint, whose time goes on each SVG element (its style, state and
    markers), draws a formula as one element and its bars."""
    first = _GLYPH.search(body)
    if first is None:
        return body
    glyphs = "".join(_GLYPH.findall(body, first.start()))
    rest = _GLYPH.sub("", body[first.end() :])
    return f'{body[: first.start()]}<path d="{glyphs}" fill="black" />{rest}'


# a minus that starts a number after an opening bracket, a comma or a relation is a sign, not a
# subtraction: TeX spaces it as one only when braced
_UNARY_MINUS = re.compile(r"(^|[\[(,=]|\\cdot|\\times)(\s*)-(?=\s*[\d.])")
_HAT_LETTER = re.compile(r"\\hat\{([A-Za-z])\}")
# a bracketed matrix with a script (a transpose): ziamath fails on a script after \end{...}
# unless the matrix is braced as the script's base
_SCRIPTED_MATRIX = re.compile(r"(\\begin\{([bp]matrix)\}.*?\\end\{\2\})(?=\s*[\^_])")


# commands of the subset latex2mathml (and so ziamath, built on it) does not know: written in
# ones it does
_LATEX2MATHML_SPELLINGS = {"\\arg": "\\operatorname{arg}", "\\nolimits": ""}
_UNKNOWN_TO_LATEX2MATHML = re.compile(r"\\(?:arg|nolimits)(?![A-Za-z])")


def _for_latex2mathml(latex: str) -> str:
    return _UNKNOWN_TO_LATEX2MATHML.sub(lambda m: _LATEX2MATHML_SPELLINGS[m.group(0)], latex)


def _for_ziamath(latex: str) -> str:
    """What ziamath lays out as TeX would: a sign braced with its number, ``\\nabla`` braced so
    its subscript is a script (not a limit set apart), a matrix braced as its transpose's base,
    and a hatted letter as the precomposed character where Unicode has one (ziamath's hat glyph
    is wider than the letter and leaves a gap before it)."""
    signed = _UNARY_MINUS.sub(r"\1\2{-}", _for_latex2mathml(latex))
    signed = signed.replace("\\nabla_", "{\\nabla}_")
    signed = _SCRIPTED_MATRIX.sub(r"{\1}", signed)
    return _HAT_LETTER.sub(_precomposed_hat, signed)


def _precomposed_hat(match: re.Match[str]) -> str:
    letter = match.group(1)
    composed = unicodedata.normalize("NFC", letter + "\u0302")
    return composed if len(composed) == 1 else match.group(0)


def inline(text: str) -> Markup:
    """Text with ``$math$`` segments: the text escaped, the math as SVG images (for
    WeasyPrint)."""
    return Markup("").join(
        image(piece) if is_math else escape(piece) for is_math, piece in segments(text)
    )


@lru_cache(maxsize=MEMORY_CACHE)
def mathml(latex: str, display: bool = False) -> Markup:
    """One formula as a ``<math>`` element, its LaTeX kept as an annotation for copying."""
    signed = _SIGNED_NUMBER.sub(r"\1\2{-\3}", _for_latex2mathml(latex))  # sign with number
    try:
        element = _by_shape(signed, display)
    except Exception as exc:  # latex2mathml's own errors
        raise QuizgenError(f"${latex}$ cannot be written as MathML ({exc})") from None
    element = element.replace(_ASCII_HAT, _HAT)  # browsers place U+02C6 over the letter
    element = _FUNCTION_THEN_OPERAND.sub(r'\1<mspace width="0.1667em"></mspace>', element)
    return Markup(element.replace("<math ", f'<math alttext="{escape(latex)}" ', 1))


# MathML spaces a minus as a binary operator unless it opens its own row: -1 after a bracket,
# a comma, a relation or a product is written {-1}
_SIGNED_NUMBER = re.compile(r"(^|[\[(,=]|\\cdot|\\times)(\s*)-(\s*(?:\d[\d.]*|\.\d+))")
# a function name (log, exp, tanh, ...) is an <mi> with no space after it: TeX sets a thin
# space between it and an operand that is not in parentheses (log ŷ, not logŷ)
_FUNCTION_THEN_OPERAND = re.compile(
    r"(<mi>(?:log|ln|exp|sin|cos|tanh|sinh|cosh|det|arg)</mi>)"
    r"(?=<(?:mi|mn|mover|msub|msup|msubsup|mfrac|mrow|msqrt)[ >])"
)
_ASCII_HAT = "<mo>&#x0005E;</mo></mover>"
_HAT = "<mo>&#x002C6;</mo></mover>"

# the numbers of a formula (not a script's digit: x^12 is x^1 then 2, as in TeX), and what
# stands for the i-th of them in its shape (9 digits each, so one never contains another)
_NUMBER = re.compile(r"(?<![_^])\d+(?:\.\d+)?")
_MARK = 987_650_000
_MARKED = re.compile(r"(<mn[^>]*>)(98765\d{4})</mn>")
#: Shapes kept in memory: unlike formulas they come from the topics' steps, not from each
#: student's numbers (about ten thousand over every topic, form and difficulty)
SHAPES = 16384


def _by_shape(latex: str, display: bool) -> str:
    """latex2mathml's MathML of ``latex``, converted once per shape: a problem's formulas differ
    from another's of its topic in their numbers only, and each number is one ``<mn>``, so the
    shape (each number a placeholder) is converted once and the numbers put into it (~0.6 ms a
    formula saved). A shape whose placeholders do not come out as one ``<mn>`` each (a number
    in ``\\text``, say) is not reused: that formula is converted as it is."""
    numbers = _NUMBER.findall(latex)
    if not numbers or len(numbers) > 9999:
        return _converted(latex, display)
    marks = iter(range(_MARK, _MARK + len(numbers)))
    try:
        template = _shape(_NUMBER.sub(lambda _: str(next(marks)), latex), display, len(numbers))
    except Exception:  # latex2mathml's own errors: said of the formula itself, below
        template = None
    if template is None:
        return _converted(latex, display)
    return _MARKED.sub(lambda m: f"{m[1]}{numbers[int(m[2]) - _MARK]}</mn>", template)


@lru_cache(maxsize=SHAPES)
def _shape(shape: str, display: bool, count: int) -> str | None:
    """The MathML of a shape of ``count`` placeholders, or None when they do not each come out
    as one ``<mn>`` of their own (then the numbers cannot just be put back)."""
    element = _converted(shape, display)
    marked = [number for _, number in _MARKED.findall(element)]
    if sorted(marked) != [str(_MARK + i) for i in range(count)]:
        return None
    if any(element.count(str(_MARK + i)) != 1 for i in range(count)):
        return None
    return element


def _converted(latex: str, display: bool) -> str:
    """latex2mathml's MathML of ``latex``, kept on disk by the formula (a shape, mostly) and
    latex2mathml's version: the shapes of a paper's formulas are the same from run to run, so
    a later run reads them and does not even import latex2mathml (a tenth of a one-copy run).
    A formula it cannot read raises its error each time (nothing is kept of it)."""
    return kept_text(
        mathml_cache_dir(),
        f"{int(display)}|{latex}",
        lambda: _latex2mathml(latex, display),
        lambda kept: kept.startswith("<math") and kept.endswith("</math>"),
    )


def mathml_cache_dir() -> Path | None:
    """Where converted MathML is kept (None: nowhere), by latex2mathml's version."""
    return cache_folder(f"mathml-latex2mathml{_latex2mathml_version()}")


@cache
def _latex2mathml_version() -> str:
    """latex2mathml's version, from its metadata: latex2mathml itself is not imported."""
    return version("latex2mathml")


def _latex2mathml(latex: str, display: bool) -> str:
    from latex2mathml.converter import convert

    return convert(latex, display="block" if display else "inline")


@lru_cache(maxsize=MEMORY_CACHE)
def inline_mathml(text: str) -> Markup:
    """Text with ``$math$`` segments: the text escaped, the math as MathML (kept: the site
    shows the same problem's sentences on every page of it)."""
    return Markup("").join(
        mathml(piece) if is_math else escape(piece) for is_math, piece in segments(text)
    )
