r"""LaTeX to readable Unicode for the terminal, built on flatlatex.

flatlatex handles fractions, scripts and Greek; this wrapper adds what it lacks (``\left``,
``\lfloor``, ``\text``, primes, function names, ``^\top``, ``\sqrt[n]``, matrices and cases
written row by row), so that everything ``bank check`` accepts reads in the terminal too.

>>> to_unicode(r"\left\lfloor \frac{32 - 5}{1} \right\rfloor + 1 = 28")
'⌊(32 - 5)/1⌋ + 1 = 28'
>>> to_unicode(r"\sigma'(1) = 0.731")
'σ′(1) = 0.731'
>>> inline("For $z = 1$, find $\\hat{y}$.")
'For z = 1, find ŷ.'
>>> to_unicode(r"\nabla_{W} L = \delta x^\top"), to_unicode(r"\max_i \tanh(z_i)")
('∇[W] L = δxᵀ', 'maxᵢ tanh(zᵢ)')
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import flatlatex  # type: ignore[import-untyped]

from quizgen.core import latex_tree
from quizgen.core.latex import segments

_MATRIX = re.compile(r"\\begin\{([bpv]?matrix|cases)\}(.*?)\\end\{\1\}", re.S)
_MATRIX_BRACKETS = {
    "bmatrix": ("[", "]"),
    "pmatrix": ("(", ")"),
    "vmatrix": ("|", "|"),
    "matrix": ("[", "]"),
}
# flatlatex drops the space after a command (``\geq 0`` -> ``≥0``): relations get it back
_RELATIONS = re.compile(r"\s*([=≥≤←→↔⇐⇒⇔↦×⊙⊕⊗≠≈≡∼≃∝≪≫∈∉⊂⊆⊃⊇∪∩∖⊥∣⟹⟺])\s*")
_IGNORED = re.compile(r"\\(?:" + "|".join(sorted(latex_tree.IGNORED)) + r")(?![A-Za-z])")
_TRANSPOSE = re.compile(r"\^\s*(?:\\top|\{\s*\\top\s*\})")
_ROOT_INDEX = re.compile(r"\\sqrt\s*\[([^\]]*)\]")
# flatlatex puts a script on a word in parentheses, ``(max)ᵢ``; a function name needs none
_NAMED_BASE = re.compile(r"\((max|min|lim|sup|inf|argmax|argmin|log)\)(?=[_^\[(₀-₉ₐ-ₜᵢ-ᵪ⁰-⁹ᵃ-ᶻ])")
_CALL = re.compile(r"\b(log|ln|exp|sin|cos|tanh|sinh|cosh|arg|det) \(")
_FUNCTIONS = "log ln exp sin cos tanh sinh cosh arg det lim sup inf max min argmax argmin"
_NEW_COMMANDS = {
    r"\text": "#1",
    r"\mathrm": "#1",
    r"\operatorname": "#1",
    r"\boldsymbol": "#1",
    r"\textbf": "#1",
    r"\textit": "#1",
    r"\boxed": "#1",
    r"\tfrac": r"\frac{#1}{#2}",
    r"\dfrac": r"\frac{#1}{#2}",
    r"\widehat": r"\hat{#1}",
    r"\widetilde": r"\tilde{#1}",
}
_SYMBOLS = {
    r"\lfloor": "⌊",
    r"\rfloor": "⌋",
    r"\left": "",
    r"\right": "",
    r"\,": " ",
    r"\le": "≤",
    r"\ge": "≥",
    r"\ne": "≠",
    r"\ldots": "…",
    r"\prime": "′",
    r"\top": "⊤",
    r"\Upsilon": "Υ",
    r"\langle": "⟨",
    r"\rangle": "⟩",
    r"\lceil": "⌈",
    r"\rceil": "⌉",
    r"\vert": "|",
    r"\lvert": "|",
    r"\rvert": "|",
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
    for name in _FUNCTIONS.split():  # a word, then a space before its operand
        space = "" if name in ("max", "min", "lim", "sup", "inf", "argmax", "argmin") else " "
        converter.add_newcommand(rf"\newcommand{{\{name}}}{{{name}{space}}}")
    return converter


def _matrix_rows(match: re.Match[str]) -> str:
    """A matrix as its rows, ``[[1, 2], [3, 4]]``; cases as ``{ z, z > 0; 0, otherwise``."""
    kind = match.group(1)
    rows = [row.strip() for row in match.group(2).split(r"\\") if row.strip()]
    cells = [[c.strip() for c in row.split("&")] for row in rows]
    if kind == "cases":
        return r"\{ " + "; ".join(", ".join(row) for row in cells)
    left, right = _MATRIX_BRACKETS[kind]
    return left + ", ".join(left + ", ".join(row) + right for row in cells) + right


@lru_cache(maxsize=4096)
def to_unicode(latex: str) -> str:
    """One LaTeX formula as a single line of Unicode text."""
    source = _IGNORED.sub("", latex)
    source = _TRANSPOSE.sub("^{T}", source)
    source = _ROOT_INDEX.sub(r"{}^{\1}\\sqrt", source)
    source = _MATRIX.sub(_matrix_rows, source).replace("'", "′")
    text = _NAMED_BASE.sub(r"\1", _converter().convert(source))
    text = _RELATIONS.sub(r" \1 ", text).replace("\\{", "{").replace("\\}", "}")
    text = _CALL.sub(r"\1(", text)
    text = re.sub(r"\s*·\s*", "·", text)  # products stay tight, as the seed writes 0·1
    return re.sub(r"\s+", " ", text).strip().replace("⌋+", "⌋ +").replace(" ⌋", "⌋")


def inline(text: str) -> str:
    """Text with ``$math$`` segments, the math turned into Unicode."""
    return "".join(to_unicode(piece) if is_math else piece for is_math, piece in segments(text))
