r"""LaTeX (the subset quizgen's topics and banks use) to Typst math, written from the parsed
tree (``quizgen.core.latex_tree``), so every script lands on its own base.

>>> to_typst(r"\sigma'(z) = \sigma(z)(1 - \sigma(z))")
"sigma'(z) = sigma(z)(1 - sigma(z))"
>>> to_typst(r"\left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1")
'lr(floor.l (n + 2 p - f)/(s) floor.r) + 1'
>>> to_typst(r"\hat{y}_{1} = \begin{bmatrix} 1 & -2 \\ 3 & 4 \end{bmatrix}")
'hat(y)_(1) = mat(delim: "[", 1, -2; 3, 4)'
>>> to_typst(r"\text{ReLU}'(0) = 0 \text{ by convention}")
'"ReLU"\'(0) = 0 " by convention"'
>>> to_typst(r"e_i^2"), to_typst(r"x^{(i)}_j"), to_typst(r"\frac{a}{b}^2")
('e_(i)^(2)', 'x_(j)^((i))', 'attach((a)/(b), t: 2)')

Commands outside the subset raise UnsupportedLatex naming the command; ``latex_check`` keeps
banks inside the same subset, so everything that passes ``bank check`` converts.
"""

from __future__ import annotations

import re
from functools import lru_cache

from quizgen.core.latex_tree import (
    Accent,
    Atom,
    Delimited,
    Frac,
    Matrix,
    Node,
    Script,
    Seq,
    Space,
    Sqrt,
    Style,
    Text,
    UnsupportedLatex,
    parse,
)

__all__ = ["UnsupportedLatex", "to_typst"]

SYMBOLS = {
    "alpha": "alpha",
    "beta": "beta",
    "gamma": "gamma",
    "delta": "delta",
    "epsilon": "epsilon",
    "varepsilon": "epsilon.alt",
    "zeta": "zeta",
    "eta": "eta",
    "theta": "theta",
    "vartheta": "theta.alt",
    "iota": "iota",
    "kappa": "kappa",
    "lambda": "lambda",
    "mu": "mu",
    "nu": "nu",
    "xi": "xi",
    "pi": "pi",
    "rho": "rho",
    "varrho": "rho.alt",
    "sigma": "sigma",
    "tau": "tau",
    "upsilon": "upsilon",
    "phi": "phi.alt",
    "varphi": "phi",
    "chi": "chi",
    "psi": "psi",
    "omega": "omega",
    "Gamma": "Gamma",
    "Delta": "Delta",
    "Theta": "Theta",
    "Lambda": "Lambda",
    "Xi": "Xi",
    "Pi": "Pi",
    "Sigma": "Sigma",
    "Upsilon": "Upsilon",
    "Phi": "Phi",
    "Psi": "Psi",
    "Omega": "Omega",
    "ell": "ell",
    "partial": "partial",
    "nabla": "nabla",
    "infty": "infinity",
    "emptyset": "emptyset",
    "cdot": "dot.op",
    "times": "times",
    "odot": "dot.o",
    "oplus": "plus.o",
    "otimes": "times.o",
    "circ": "compose",
    "ast": "ast.op",
    "star": "star.op",
    "bullet": "bullet",
    "setminus": "without",
    "cap": "inter",
    "cup": "union",
    "neg": "not",
    "div": "div",
    "pm": "plus.minus",
    "mp": "minus.plus",
    "leq": "<=",
    "le": "<=",
    "geq": ">=",
    "ge": ">=",
    "neq": "!=",
    "ne": "!=",
    "ll": "<<",
    "gg": ">>",
    "approx": "approx",
    "equiv": "equiv",
    "sim": "tilde.op",
    "simeq": "tilde.eq",
    "propto": "prop",
    "perp": "perp",
    "mid": "divides",
    "leftarrow": "<-",
    "rightarrow": "->",
    "leftrightarrow": "<->",
    "to": "->",
    "implies": "==>",
    "Rightarrow": "=>",
    "Leftarrow": "arrow.l.double",
    "Leftrightarrow": "<=>",
    "iff": "<==>",
    "in": "in",
    "notin": "in.not",
    "subset": "subset",
    "subseteq": "subset.eq",
    "supset": "supset",
    "supseteq": "supset.eq",
    "forall": "forall",
    "exists": "exists",
    "triangleq": "eq.delta",
    "mapsto": "arrow.r.bar",
    "ldots": "dots",
    "cdots": "dots.c",
    "vdots": "dots.v",
    "ddots": "dots.down",
    "dots": "dots",
    "quad": "quad",
    "qquad": "wide",
    "prime": "'",
    "top": "top",
    "sum": "sum",
    "prod": "product",
    "int": "integral",
    "log": "log",
    "ln": "ln",
    "exp": "exp",
    "sin": "sin",
    "cos": "cos",
    "tanh": "tanh",
    "sinh": "sinh",
    "cosh": "cosh",
    "arg": "arg",
    "det": "det",
    "lim": "lim",
    "sup": "sup",
    "inf": "inf",
    "argmax": 'op("arg max", limits: #true)',
    "argmin": 'op("arg min", limits: #true)',
    "max": "max",
    "min": "min",
    "lfloor": "floor.l",
    "rfloor": "floor.r",
    "lceil": "ceil.l",
    "rceil": "ceil.r",
    "langle": "angle.l",
    "rangle": "angle.r",
    "lVert": "bar.v.double",
    "rVert": "bar.v.double",
    "vert": "bar.v",
    "lvert": "bar.v",
    "rvert": "bar.v",
}
SPACES = {",": "thin", ";": "med", ":": "med", "!": "", " ": " ", "quad": "quad", "qquad": "wide"}
ACCENTS = {
    "hat": "hat",
    "bar": "overline",
    "overline": "overline",
    "underline": "underline",
    "tilde": "tilde",
    "vec": "arrow",
    "dot": "dot",
    "ddot": "dot.double",
    "check": "caron",
    "widehat": "hat",
    "widetilde": "tilde",
}
STYLES = {
    "mathbf": "bold",
    "boldsymbol": "bold",
    "mathit": "italic",
    "mathcal": "cal",
    "mathrm": "upright",
}
DELIMITERS = {
    "(": "(",
    ")": ")",
    "[": "[",
    "]": "]",
    ".": "",
    "|": "|",
    "\\lfloor": "floor.l",
    "\\rfloor": "floor.r",
    "\\lceil": "ceil.l",
    "\\rceil": "ceil.r",
    "\\{": "{",
    "\\}": "}",
    "\\langle": "angle.l",
    "\\rangle": "angle.r",
    "\\|": "bar.v.double",
    "\\lVert": "bar.v.double",
    "\\rVert": "bar.v.double",
    "\\vert": "bar.v",
    "\\lvert": "bar.v",
    "\\rvert": "bar.v",
}
ENVIRONMENTS = {"bmatrix": '"["', "pmatrix": '"("', "vmatrix": '"|"', "matrix": "#none"}


def _atom(text: str) -> str:
    if text.startswith("\\"):
        name = text[1:]
        if name in SYMBOLS:
            return SYMBOLS[name]
        return "bar.v.double" if name == "|" else "\\" + name  # \{ \} \_ \% \# \& \$
    if text in ('"', "#", "$"):
        return "\\" + text
    return "\\/" if text == "/" else text


def _argument(node: Node) -> str:
    """A node as an argument of a Typst function call, where a comma outside any parentheses
    or string would start the next argument: such commas are written as content."""
    out: list[str] = []
    depth, in_string = 0, False
    for ch in _emit(node):
        if ch == '"' and (not out or out[-1] != "\\"):
            in_string = not in_string
        elif not in_string:
            depth += {"(": 1, ")": -1}.get(ch, 0)
        out.append('#","' if ch == "," and depth == 0 and not in_string else ch)
    return "".join(out)


def _simple(node: Node) -> bool:
    """Can a script attach to this base as written (``base_(..)``), or does it need
    ``attach(base, ..)`` to stay whole?"""
    if isinstance(node, Seq):
        return len(node.items) == 1 and _simple(node.items[0])
    return not isinstance(node, (Frac, Script))


def _emit(node: Node) -> str:
    if isinstance(node, Seq):
        return _join([_emit(item) for item in node.items])
    if isinstance(node, Atom):
        return _atom(node.text)
    if isinstance(node, Space):
        return SPACES[node.command]
    if isinstance(node, Text):
        return '"' + node.text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(node, Script):
        return _script(node)
    if isinstance(node, Frac):
        return f"({_emit(node.num)})/({_emit(node.den)})"
    if isinstance(node, Sqrt):
        if node.index is not None:
            return f"root({_argument(node.index)}, {_argument(node.body)})"
        return f"sqrt({_argument(node.body)})"
    if isinstance(node, Accent):
        return f"{ACCENTS[node.name]}({_argument(node.body)})"
    if isinstance(node, Style):
        return _style(node)
    if isinstance(node, Delimited):  # lr's content is an argument unless ( ) enclose it
        inner = _emit(node.body) if node.left == "(" else _argument(node.body)
        return f"lr({DELIMITERS[node.left]} {inner} {DELIMITERS[node.right]})".replace("  ", " ")
    if isinstance(node, Matrix) and node.kind == "cases":  # cells of a row align at "&"
        rows = ", ".join(" & ".join(_argument(c).strip() for c in row) for row in node.rows)
        return f"cases({rows})"
    if isinstance(node, Matrix):
        rows = "; ".join(", ".join(_argument(c).strip() or '""' for c in row) for row in node.rows)
        return f"mat(delim: {ENVIRONMENTS[node.kind]}, {rows})"
    raise UnsupportedLatex(f"cannot write {type(node).__name__} in Typst")  # pragma: no cover


def _script(node: Script) -> str:
    base = _emit(node.base) or '""'
    sub = _emit(node.sub) if node.sub is not None else ""
    sup = _emit(node.sup) if node.sup is not None else ""
    if not _simple(node.base):
        args = [
            f"b: {_argument(node.sub)}" if node.sub is not None and sub else "",
            f"t: {_argument(node.sup)}" if node.sup is not None and sup else "",
        ]
        if not (sub or sup):
            return base
        return f"attach({_argument(node.base) or base}, {', '.join(filter(None, args))})"
    return base + (f"_({sub})" if sub else "") + (f"^({sup})" if sup else "")


def _style(node: Style) -> str:
    if node.name == "operatorname":
        assert isinstance(node.body, Text)
        return f'op("{node.body.text}")'
    if node.name == "mathbb":
        letters = _emit(node.body).strip()
        # Typst names the double-struck capitals AA ... ZZ; anything else is bb(...)
        return letters * 2 if len(letters) == 1 and "A" <= letters <= "Z" else f"bb({letters})"
    if node.name == "boxed":
        return f"#box(stroke: 0.5pt, inset: 3pt, ${_emit(node.body)}$)"
    return f"{STYLES[node.name]}({_argument(node.body)})"


def _apart(last: str, first: str) -> bool:
    """Must a space separate these? ``times`` then ``0`` would read as one name, ``dot.op``
    then ``.`` as a symbol modifier, ``2`` then ``p`` or ``)`` then ``x`` run together."""
    if last.isalpha():
        return first.isalnum() or first == "."
    return (last.isalnum() or last in ')"') and first.isalpha()


def _join(parts: list[str]) -> str:
    """Concatenate, keeping adjacent letters apart: Typst reads ``ab`` as one identifier."""
    out = ""
    for part in parts:
        if out and part and _apart(out[-1], part[0]):
            out += " "
        out += part
    return re.sub(r" {2,}", " ", out)


@lru_cache(maxsize=4096)  # bounded: a class set brings new numbers with every student
def to_typst(latex: str) -> str:
    """One formula in Typst math syntax (without the surrounding ``$``)."""
    return _emit(parse(latex)).strip()
