r"""Checking that LaTeX is inside the subset quizgen typesets (ziamath, flatlatex, and later
Typst), because ziamath silently accepts unknown commands such as ``\foo{x}``.

>>> check(r"\frac{1}{1 + e^{-z}}") is None
True
>>> check(r"\frac{1}{2")
'unbalanced braces: 1 "{" left open'
>>> check(r"\sigmoid(z)")
'unsupported command \\sigmoid'
>>> check(r"\left( x \right.") is None, check(r"\left( x")
(True, '\\left without a matching \\right')
>>> check(r"x^{2}^{3}")
'double superscript'
"""

from __future__ import annotations

import re

from quizgen.core import latex_tree
from quizgen.core.latex import segments

COMMANDS = (
    latex_tree.SYMBOLS
    | latex_tree.ACCENTS
    | latex_tree.STYLES
    | latex_tree.TEXTS
    | latex_tree.FRACTIONS
    | latex_tree.IGNORED
    | {s for s in latex_tree.SPACES if s.isalpha()}
    | {"sqrt", "left", "right", "begin", "end"}
)
ENVIRONMENTS = latex_tree.MATRICES
SYMBOL_COMMANDS = frozenset(",;:! {}|\\_%#&$")
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")


def check(latex: str) -> str | None:
    """None if ``latex`` is in the supported subset, else what is wrong with it."""
    depth = 0
    for ch in latex:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return 'unbalanced braces: a "}" closes nothing'
    if depth:
        return f'unbalanced braces: {depth} "{{" left open'
    environments: list[str] = []
    lefts = 0
    for match in _COMMAND.finditer(latex.replace(r"\\", "  ")):  # "\\" rows; same offsets
        name = match.group(1)
        if len(name) == 1 and not name.isalpha():
            if name not in SYMBOL_COMMANDS:
                return f"unsupported command \\{name}"
            continue
        if name not in COMMANDS:
            return f"unsupported command \\{name}"
        if name in ("begin", "end"):
            env = re.match(r"\s*\{(\w+)\}", latex[match.end() :])
            if env is None or env.group(1) not in ENVIRONMENTS:
                return f"unsupported environment after \\{name}"
            if name == "begin":
                environments.append(env.group(1))
            elif not environments or environments.pop() != env.group(1):
                return f"\\end{{{env.group(1)}}} does not close the open environment"
        lefts += {"left": 1, "right": -1}.get(name, 0)
        if lefts < 0:
            return "\\right without a matching \\left"
    if environments:
        return f"\\begin{{{environments[-1]}}} is never closed"
    if lefts:
        return "\\left without a matching \\right"
    try:
        latex_tree.parse(latex)  # the structure: one superscript per base, arguments present
    except latex_tree.UnsupportedLatex as exc:
        return str(exc)
    return None


def check_text(text: str) -> str | None:
    """Check every ``$math$`` segment of a text; an odd number of ``$`` is an error too."""
    if text.count("$") % 2:
        return 'an unclosed "$": math segments are written $...$'
    for segment in (piece for is_math, piece in segments(text) if is_math):
        problem = check(segment)
        if problem:
            return f"{problem} in ${segment}$"
    return None
