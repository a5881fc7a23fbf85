r"""LaTeX (the subset quizgen's topics and banks use) to Typst math, with one tokenizer.

>>> to_typst(r"\sigma'(z) = \sigma(z)(1 - \sigma(z))")
"sigma'(z) = sigma(z)(1 - sigma(z))"
>>> to_typst(r"\left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1")
'lr(floor.l (n + 2 p - f)/(s) floor.r) + 1'
>>> to_typst(r"\hat{y}_{1} = \begin{bmatrix} 1 & -2 \\ 3 & 4 \end{bmatrix}")
'hat(y)_(1) = mat(delim: "[", 1, -2; 3, 4)'
>>> to_typst(r"\text{ReLU}'(0) = 0 \text{ by convention}")
'"ReLU"\'(0) = 0 " by convention"'

Commands outside the subset raise UnsupportedLatex naming the command; ``latex_check`` keeps
banks inside the same subset, so everything that passes ``bank check`` converts.
"""

from __future__ import annotations

import re
from functools import lru_cache

from quizgen.errors import QuizgenError


class UnsupportedLatex(QuizgenError):
    """LaTeX that the Typst converter does not know."""


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
    "lambda": "lambda",
    "mu": "mu",
    "nu": "nu",
    "xi": "xi",
    "pi": "pi",
    "rho": "rho",
    "sigma": "sigma",
    "tau": "tau",
    "phi": "phi.alt",
    "varphi": "phi",
    "chi": "chi",
    "psi": "psi",
    "omega": "omega",
    "Gamma": "Gamma",
    "Delta": "Delta",
    "Theta": "Theta",
    "Lambda": "Lambda",
    "Sigma": "Sigma",
    "Phi": "Phi",
    "Psi": "Psi",
    "Omega": "Omega",
    "ell": "ell",
    "partial": "partial",
    "nabla": "nabla",
    "infty": "infinity",
    "cdot": "dot.op",
    "times": "times",
    "odot": "dot.o",
    "div": "div",
    "pm": "plus.minus",
    "mp": "minus.plus",
    "leq": "<=",
    "le": "<=",
    "geq": ">=",
    "ge": ">=",
    "neq": "!=",
    "ne": "!=",
    "approx": "approx",
    "equiv": "equiv",
    "sim": "tilde.op",
    "propto": "prop",
    "leftarrow": "<-",
    "rightarrow": "->",
    "to": "->",
    "implies": "==>",
    "Rightarrow": "=>",
    "Leftarrow": "arrow.l.double",
    "iff": "<==>",
    "in": "in",
    "notin": "in.not",
    "subset": "subset",
    "forall": "forall",
    "exists": "exists",
    "triangleq": "eq.delta",
    "mapsto": "arrow.r.bar",
    "ldots": "dots",
    "cdots": "dots.c",
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
    "limits": "",
    "displaystyle": "",
}
SPACES = {",": "thin", ";": "med", ":": "med", "!": "", " ": " "}
ACCENTS = {
    "hat": "hat",
    "bar": "overline",
    "overline": "overline",
    "underline": "underline",
    "tilde": "tilde",
    "vec": "arrow",
    "dot": "dot",
}
STYLES = {
    "mathbf": "bold",
    "boldsymbol": "bold",
    "mathit": "italic",
    "mathcal": "cal",
    "mathrm": "upright",
    "operatorname": "op",
}
ENVIRONMENTS = {"bmatrix": '"["', "pmatrix": '"("', "matrix": "#none"}
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([{}^_&'])|(\s+)|([0-9]+(?:\.[0-9]+)?)|(.)", re.S)


def _tokens(latex: str) -> list[str]:
    out = []
    for match in _TOKEN.finditer(latex.replace(r"\\", "\x00")):
        command, special, space, digits, char = match.groups()
        if command is not None:
            out.append("\\" + command)
        elif special is not None or digits is not None:
            out.append(special or digits)
        elif space is not None:
            out.append(" ")
        else:
            out.append("\\\\" if char == "\x00" else char)
    return out


class _Parser:
    def __init__(self, latex: str) -> None:
        self.tokens = _tokens(latex)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        if self.pos >= len(self.tokens):
            raise UnsupportedLatex("the formula ends in the middle of a command")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def skip_spaces(self) -> None:
        while self.peek() == " ":
            self.pos += 1

    def group(self) -> str:
        """A ``{...}`` group or a single token, as Typst."""
        self.skip_spaces()
        if self.peek() == "{":
            self.take()
            return self.sequence(until="}")
        return self.atom()

    def raw_group(self) -> str:
        """The literal text of a ``{...}`` group (for \\text and environment names)."""
        self.skip_spaces()
        if self.take() != "{":
            raise UnsupportedLatex("expected { after a command")
        depth, text = 1, []
        while True:
            token = self.take()
            depth += {"{": 1, "}": -1}.get(token, 0)
            if depth == 0:
                return "".join(text)
            text.append(token[1:] if token.startswith("\\") and len(token) == 2 else token)

    def sequence(self, until: str | None = None) -> str:
        parts: list[str] = []
        while self.peek() is not None and self.peek() != until:
            parts.append(self.atom())
        if until is not None:
            if self.peek() != until:
                raise UnsupportedLatex(f'missing "{until}"')
            self.take()
        return _join(parts)

    def script(self, base: str) -> str:
        while self.peek() in ("^", "_"):
            mark = self.take()
            body = self.group()
            base = f"{base}{mark}({body})" if body else base
        return base

    def atom(self) -> str:
        token = self.take()
        if token == " ":
            return " "
        if token == "{":
            return self.script(self.sequence(until="}"))
        if token in ("^", "_"):
            self.pos -= 1
            return self.script('""')
        if token == "'":
            return "'"
        if token == "&" or token == "\\\\":
            raise UnsupportedLatex(f'"{token}" outside a matrix')
        if not token.startswith("\\"):
            text = token
            if token in '"#$':
                text = "\\" + token
            elif token == "/":
                text = "\\/"
            return self.script(text)
        name = token[1:]
        if name in ("frac", "tfrac", "dfrac"):
            top, bottom = self.group(), self.group()
            return self.script(f"({top})/({bottom})")
        if name == "sqrt":
            return self.script(f"sqrt({self.group()})")
        if name in ACCENTS:
            return self.script(f"{ACCENTS[name]}({self.group()})")
        if name in STYLES:
            if name == "operatorname":
                return self.script(f'op("{self.raw_group()}")')
            return self.script(f"{STYLES[name]}({self.group()})")
        if name == "mathbb":
            letter = self.raw_group().strip()
            return self.script(letter * 2 if len(letter) == 1 else f"bb({letter})")
        if name in ("text", "textbf", "textit", "boxed"):
            if name == "boxed":
                return self.script(f"#box(stroke: 0.5pt, inset: 3pt, ${self.group()}$)")
            text = self.raw_group().replace("\\", "\\\\").replace('"', '\\"')
            return self.script(f'"{text}"')
        if name == "left" or name == "right":
            return self.delimiter(name)
        if name == "begin":
            return self.script(self.environment())
        if name in ("{", "}", "|", "_", "%", "#", "&", "$"):
            return self.script({"|": "bar.v.double"}.get(name, "\\" + name))
        if name in SPACES:
            return SPACES[name]
        if name in SYMBOLS:
            return self.script(SYMBOLS[name])
        raise UnsupportedLatex(f"unsupported command \\{name}")

    def delimiter(self, side: str) -> str:
        self.skip_spaces()
        token = self.take()
        mapping = {
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
        }
        if token not in mapping:
            raise UnsupportedLatex(f"unsupported delimiter after \\{side}: {token}")
        if side == "right":
            return "\x01" + mapping[token]  # closes the lr( opened by \left
        inner = self.sequence_until_right()
        return self.script(f"lr({mapping[token]} {inner})")

    def sequence_until_right(self) -> str:
        parts: list[str] = []
        while True:
            if self.peek() is None:
                raise UnsupportedLatex("\\left without a matching \\right")
            part = self.atom()
            if part.startswith("\x01"):
                parts.append(" " + part[1:])
                return _join(parts)
            parts.append(part)

    def environment(self) -> str:
        name = self.raw_group()
        if name not in ENVIRONMENTS:
            raise UnsupportedLatex(f"unsupported environment {name}")
        rows, row, cell = [], [], []
        while True:
            token = self.peek()
            if token is None:
                raise UnsupportedLatex(f"\\begin{{{name}}} is never closed")
            if token == "\\end":
                self.take()
                self.raw_group()
                break
            if token == "&":
                self.take()
                row.append(_join(cell).strip())
                cell = []
            elif token == "\\\\":
                self.take()
                row.append(_join(cell).strip())
                rows.append(row)
                row, cell = [], []
            else:
                cell.append(self.atom())
        if cell or row:
            row.append(_join(cell).strip())
            rows.append(row)
        body = "; ".join(", ".join(c or '""' for c in r) for r in rows)
        return f"mat(delim: {ENVIRONMENTS[name]}, {body})"


def _join(parts: list[str]) -> str:
    """Concatenate, keeping adjacent letters apart: Typst reads ``ab`` as one identifier."""
    out = ""
    for part in parts:
        if out and part and (out[-1].isalnum() or out[-1] == ")") and part[0].isalpha():
            out += " "
        out += part
    return re.sub(r" {2,}", " ", out)


@lru_cache(maxsize=4096)  # bounded: a class set brings new numbers with every student
def to_typst(latex: str) -> str:
    """One formula in Typst math syntax (without the surrounding ``$``)."""
    return _Parser(latex).sequence().strip()
