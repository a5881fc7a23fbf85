r"""The LaTeX subset quizgen writes, parsed into a tree: what is a base, its subscript and its
superscript, a fraction, a root, an accent, a matrix, a pair of delimiters.

Writers that translate LaTeX (Typst, for one) work from this tree, so a script can never drift
into the wrong place: ``e_i^2`` is ``Script(e, sub=i, sup=2)`` whatever the order of ``_`` and
``^``, and a second superscript on one base (``x^{2}^{3}``) is an error, as in TeX.

>>> parse(r"e_i^2")
Seq(items=(Script(base=Atom(text='e'), sub=Atom(text='i'), sup=Atom(text='2')),))
>>> parse(r"\frac{1}{2}").items[0]
Frac(num=Atom(text='1'), den=Atom(text='2'))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from quizgen.core.errors import QuizgenError


class UnsupportedLatex(QuizgenError):
    """LaTeX outside the subset, or malformed (a double superscript, a missing brace)."""


class Node:
    """A node of the tree."""


@dataclass(frozen=True)
class Seq(Node):
    """Nodes side by side (a formula, a ``{...}`` group, a matrix cell)."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Atom(Node):
    """One token: a letter, a number, an operator character or a symbol command (``\\sigma``,
    kept as its name with the backslash), or a prime."""

    text: str


@dataclass(frozen=True)
class Space(Node):
    """``\\,``, ``\\;``, ``\\quad``, ..., or whitespace in the source (``" "``): spacing
    only, no structure."""

    command: str


@dataclass(frozen=True)
class Text(Node):
    """``\\text{...}``: upright words, never math."""

    text: str


@dataclass(frozen=True)
class Script(Node):
    base: Node
    sub: Node | None = None
    sup: Node | None = None


@dataclass(frozen=True)
class Frac(Node):
    num: Node
    den: Node


@dataclass(frozen=True)
class Sqrt(Node):
    """``\\sqrt{x}``, or ``\\sqrt[n]{x}`` with its index."""

    body: Node
    index: Node | None = None


@dataclass(frozen=True)
class Accent(Node):
    """``\\hat``, ``\\bar``, ``\\tilde``, ``\\vec``, ``\\dot``, ``\\overline``, ``\\underline``."""

    name: str
    body: Node


@dataclass(frozen=True)
class Style(Node):
    """``\\mathbf``, ``\\boldsymbol``, ``\\mathit``, ``\\mathcal``, ``\\mathrm``, ``\\mathbb``,
    ``\\operatorname`` (its body a Text) and ``\\boxed``."""

    name: str
    body: Node


@dataclass(frozen=True)
class Delimited(Node):
    """``\\left( ... \\right)``: ``left`` and ``right`` are the delimiters as written ("." for
    none)."""

    left: str
    body: Node
    right: str


@dataclass(frozen=True)
class Matrix(Node):
    """``bmatrix``, ``pmatrix``, ``vmatrix``, ``matrix`` or ``cases``: rows of cells."""

    kind: str
    rows: tuple[tuple[Node, ...], ...]


SPACES = frozenset({",", ";", ":", "!", " ", "quad", "qquad"})
ACCENTS = frozenset(
    {"hat", "bar", "overline", "underline", "tilde", "vec", "dot", "ddot", "check"}
    | {"widehat", "widetilde"}
)
STYLES = frozenset({"mathbf", "boldsymbol", "mathit", "mathcal", "mathrm", "mathbb", "boxed"})
TEXTS = frozenset({"text", "textbf", "textit", "operatorname"})
FRACTIONS = frozenset({"frac", "tfrac", "dfrac"})
DELIMITERS = frozenset(
    {"(", ")", "[", "]", ".", "|", "\\lfloor", "\\rfloor", "\\lceil", "\\rceil", "\\{", "\\}"}
    | {"\\langle", "\\rangle", "\\|", "\\lVert", "\\rVert", "\\vert", "\\lvert", "\\rvert"}
)
MATRICES = frozenset({"bmatrix", "pmatrix", "vmatrix", "matrix", "cases"})
#: commands that are symbols (Greek letters, operators, relations, functions); latex_check
#: and the writers agree on this list
SYMBOLS = frozenset(
    """
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi
    pi rho varrho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi
    Sigma Upsilon Phi Psi Omega ell partial nabla infty emptyset
    cdot times odot oplus otimes circ ast star bullet div pm mp setminus cap cup neg
    leq le geq ge neq ne ll gg approx equiv sim simeq propto perp mid
    leftarrow rightarrow leftrightarrow to implies Rightarrow Leftarrow Leftrightarrow iff
    in notin subset subseteq supset supseteq forall exists triangleq mapsto
    ldots cdots vdots ddots dots prime top sum prod int
    log ln exp sin cos tanh sinh cosh arg det lim sup inf max min argmax argmin
    lfloor rfloor lceil rceil langle rangle lVert rVert vert lvert rvert
    """.split()  # noqa: SIM905 - a word list reads better than quoted strings
)
#: commands that change only sizes or placement, dropped before parsing: ``\\sum\\limits_{i}``
#: is ``\\sum_{i}``, ``\\bigl(`` is ``(``
IGNORED = frozenset(
    {"limits", "nolimits", "displaystyle", "textstyle"}
    | {"big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr"}
)
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([{}^_&'])|(\s+)|([0-9]+(?:\.[0-9]+)?)|(.)", re.S)
_ROW_BREAK = "\\\\"


def _tokens(latex: str) -> list[str]:
    out = []
    for match in _TOKEN.finditer(latex.replace(_ROW_BREAK, "\x00")):
        command, special, space, digits, char = match.groups()
        if command is not None:
            if command not in IGNORED:
                out.append("\\" + command)
        elif special is not None or digits is not None:
            out.append(special or digits)
        elif space is not None:
            out.append(" ")
        else:
            out.append(_ROW_BREAK if char == "\x00" else char)
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
        self.pos += 1
        return self.tokens[self.pos - 1]

    def skip_spaces(self) -> None:
        while self.peek() == " ":
            self.pos += 1

    def sequence(self, stop: frozenset[str] = frozenset()) -> Seq:
        items: list[Node] = []
        while self.peek() is not None and self.peek() not in stop:
            item = self.scripted()
            if item is not None:
                items.append(item)
        return Seq(tuple(items))

    def argument(self) -> Node:
        """A ``{...}`` group, or one token, without scripts: the argument of a command or of
        ``^``/``_``."""
        self.skip_spaces()
        if self.peek() == "{":
            self.take()
            body = self.sequence(frozenset("}"))
            self.expect("}")
            return body.items[0] if len(body.items) == 1 else body  # {x} is x
        node = self.primary() if self.peek() is not None else None
        if node is None or isinstance(node, Space):
            raise UnsupportedLatex("a command or script without an argument")
        return node

    def expect(self, token: str) -> None:
        if self.peek() != token:
            raise UnsupportedLatex(f'missing "{token}"')
        self.take()

    def scripted(self) -> Node | None:
        """A primary with whatever ``_``, ``^`` and primes follow it."""
        if self.peek() in ("^", "_"):
            base: Node = Seq(())  # a script on nothing, as in ``{}^{2}``
        else:
            primary = self.primary()
            if primary is None or isinstance(primary, Space):
                return primary  # nothing here, or a space: no script can attach to either
            base = primary
        sub: Node | None = None
        sup: Node | None = None
        while self._script_follows():
            mark = self.take()
            if mark == "'":
                if sup is not None:
                    raise UnsupportedLatex("a prime after a superscript: write x^{\\prime}")
                base = (
                    Seq((base, Atom("'")))
                    if not isinstance(base, Seq)
                    else Seq((*base.items, Atom("'")))
                )
                continue
            if (mark == "^" and sup is not None) or (mark == "_" and sub is not None):
                raise UnsupportedLatex("double superscript" if mark == "^" else "double subscript")
            body = self.argument()
            if mark == "^":
                sup = body
            else:
                sub = body
        return base if sub is None and sup is None else Script(base, sub, sup)

    def _script_follows(self) -> bool:
        """Is the next token, past any spaces, a ``^``, ``_`` or prime? (Spaces before a
        script are skipped, as TeX does.)"""
        ahead = self.pos
        while ahead < len(self.tokens) and self.tokens[ahead] == " ":
            ahead += 1
        if ahead < len(self.tokens) and self.tokens[ahead] in ("^", "_", "'"):
            self.pos = ahead
            return True
        return False

    def primary(self) -> Node:
        token = self.take()
        if token == " ":
            return Space(" ")
        if token == "{":
            body = self.sequence(frozenset("}"))
            self.expect("}")
            return body
        if token == "}":
            raise UnsupportedLatex('a "}" closes nothing')
        if token in ("&", _ROW_BREAK):
            raise UnsupportedLatex(f'"{token}" outside a matrix')
        if token == "'":
            return Atom("'")
        if not token.startswith("\\"):
            return Atom(token)
        name = token[1:]
        if name in FRACTIONS:
            return Frac(self.argument(), self.argument())
        if name == "sqrt":
            index = self.optional_argument()
            return Sqrt(self.argument(), index)
        if name in ACCENTS:
            return Accent(name, self.argument())
        if name in STYLES:
            return Style(name, self.argument())
        if name in TEXTS:
            text = Text(self.raw_group())
            return Style("operatorname", text) if name == "operatorname" else text
        if name == "left":
            return self.delimited()
        if name == "right":
            raise UnsupportedLatex("\\right without a matching \\left")
        if name == "begin":
            return self.matrix()
        if name == "end":
            raise UnsupportedLatex("\\end without a \\begin")
        if name in SPACES:
            return Space(name)
        if name in SYMBOLS or (len(name) == 1 and name in "{}|_%#&$"):
            return Atom(token)
        raise UnsupportedLatex(f"unsupported command \\{name}")

    def optional_argument(self) -> Node | None:
        """A ``[...]`` argument (the index of ``\\sqrt[n]{x}``), if one follows."""
        self.skip_spaces()
        if self.peek() != "[":
            return None
        self.take()
        body = self.sequence(frozenset("]"))
        self.expect("]")
        return body.items[0] if len(body.items) == 1 else body

    def raw_group(self) -> str:
        """The literal text of a ``{...}`` group (for \\text and environment names)."""
        self.skip_spaces()
        if self.take() != "{":
            raise UnsupportedLatex("expected { after a command")
        depth, text = 1, list[str]()
        while True:
            token = self.take()
            depth += {"{": 1, "}": -1}.get(token, 0)
            if depth == 0:
                return "".join(text)
            text.append(token[1:] if token.startswith("\\") and len(token) == 2 else token)

    def delimiter(self, side: str) -> str:
        self.skip_spaces()
        token = self.take()
        if token not in DELIMITERS:
            raise UnsupportedLatex(f"unsupported delimiter after \\{side}: {token}")
        return token

    def delimited(self) -> Delimited:
        left = self.delimiter("left")
        body = self.sequence(frozenset({"\\right"}))
        if self.peek() != "\\right":
            raise UnsupportedLatex("\\left without a matching \\right")
        self.take()
        return Delimited(left, body, self.delimiter("right"))

    def matrix(self) -> Matrix:
        kind = self.raw_group()
        if kind not in MATRICES:
            raise UnsupportedLatex(f"unsupported environment {kind}")
        rows: list[tuple[Node, ...]] = []
        row: list[Node] = []
        while True:
            cell = self.sequence(frozenset({"&", _ROW_BREAK, "\\end"}))
            row.append(cell)
            token = self.peek()
            if token is None:
                raise UnsupportedLatex(f"\\begin{{{kind}}} is never closed")
            self.take()
            if token == "&":
                continue
            rows.append(tuple(row))
            row = []
            if token == "\\end":
                if self.raw_group() != kind:
                    raise UnsupportedLatex(f"\\end does not close \\begin{{{kind}}}")
                return Matrix(kind, tuple(r for r in rows if any(_filled(c) for c in r)))


def _filled(cell: Node) -> bool:
    return not (isinstance(cell, Seq) and not cell.items)


@lru_cache(maxsize=4096)  # bounded: a class set brings new numbers with every student
def parse(latex: str) -> Seq:
    """The tree of one formula, or UnsupportedLatex saying what is wrong."""
    parser = _Parser(latex)
    tree = parser.sequence()
    if parser.peek() is not None:  # pragma: no cover - sequence() stops only at the end
        raise UnsupportedLatex(f'unexpected "{parser.peek()}"')
    return tree
