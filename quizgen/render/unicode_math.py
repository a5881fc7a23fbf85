r"""LaTeX to readable Unicode for the terminal, built on flatlatex.

flatlatex handles fractions, scripts and Greek; this wrapper adds what it lacks (``\left``,
``\lfloor``, ``\text``, primes, matrices written row by row).

>>> to_unicode(r"\left\lfloor \frac{32 - 5}{1} \right\rfloor + 1 = 28")
'⌊(32 - 5)/1⌋ + 1 = 28'
>>> to_unicode(r"\sigma'(1) = 0.731")
'σ′(1) = 0.731'
>>> inline("For $z = 1$, find $\\hat{y}$.")
'For z = 1, find ŷ.'
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import flatlatex

from quizgen.core.latex import segments

_MATRIX = re.compile(r"\\begin\{[bp]?matrix\}(.*?)\\end\{[bp]?matrix\}", re.S)
# flatlatex drops the space after a command (``\geq 0`` -> ``≥0``): relations get it back
_RELATIONS = re.compile(r"\s*([=≥≤←→×⊙≠≈⟹])\s*")
_NEW_COMMANDS = {
    r"\text": "#1",
    r"\mathrm": "#1",
    r"\operatorname": "#1",
    r"\boldsymbol": "#1",
    r"\tfrac": r"\frac{#1}{#2}",
}
_SYMBOLS = {
    r"\lfloor": "⌊",
    r"\rfloor": "⌋",
    r"\left": "",
    r"\right": "",
    r"\,": " ",
    r"\log": "log ",
    r"\ln": "ln ",
    r"\exp": "exp ",
    r"\max": "max",
    r"\min": "min",
    r"\implies": " ⟹ ",
    r"\to": " → ",
    r"\iff": " ⟺ ",
    r"\quad": "  ",
    r"\qquad": "   ",
}


@cache
def _converter() -> flatlatex.converter:
    converter = flatlatex.converter()
    converter.keep_spaces = True
    for name, body in _NEW_COMMANDS.items():
        arity = max(int(n) for n in re.findall(r"#(\d)", body))
        converter.add_newcommand(rf"\newcommand{{{name}}}[{arity}]{{{body}}}")
    for name, symbol in _SYMBOLS.items():
        converter.add_newcommand(rf"\newcommand{{{name}}}{{{symbol}}}")
    return converter


def _matrix_rows(match: re.Match[str]) -> str:
    rows = [row.strip() for row in match.group(1).split(r"\\")]
    return (
        "[" + ", ".join("[" + ", ".join(c.strip() for c in r.split("&")) + "]" for r in rows) + "]"
    )


@lru_cache(maxsize=4096)
def to_unicode(latex: str) -> str:
    """One LaTeX formula as a single line of Unicode text."""
    source = _MATRIX.sub(_matrix_rows, latex).replace("'", "′")
    text = _converter().convert(source)
    text = _RELATIONS.sub(r" \1 ", text)
    text = re.sub(r"\s*·\s*", "·", text)  # products stay tight, as the seed writes 0·1
    return re.sub(r"\s+", " ", text).strip().replace("⌋+", "⌋ +").replace(" ⌋", "⌋")


def inline(text: str) -> str:
    """Text with ``$math$`` segments, the math turned into Unicode."""
    return "".join(to_unicode(piece) if is_math else piece for is_math, piece in segments(text))
