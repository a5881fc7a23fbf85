"""A reader for the Typst math that quizgen writes, independent of the writer: it turns Typst
back into the same canonical tree that a LaTeX formula's parse gives, so that a test can say
"base, subscript, superscript, fraction, root, accent, matrix and delimiters all survived".

Canonical trees are nested tuples: ``("seq", ...)``, ``("atom", text)`` with the Typst name of
the symbol, ``("text", words)``, ``("script", base, sub, sup)``, ``("frac", num, den)``,
``("sqrt", body)``, ``("root", index, body)``, ``("accent", name, body)``,
``("style", name, body)``, ``("lr", left, body, right)``, ``("mat", delim, rows)``,
``("cases", rows)`` and ``("op", name)``. Spacing is not structure and is
left out; a sequence of one node is that node.
"""

from __future__ import annotations

import re

from quizgen.core import latex_tree as lt
from quizgen.render import typst_math as tm

ACCENT_CALLS = {"hat", "overline", "underline", "tilde", "arrow", "dot", "dot.double", "caron"}
STYLE_CALLS = {"bold", "italic", "cal", "upright", "bb"}
DELIMITER_TOKENS = {"(", ")", "[", "]", "|", "{", "}"} | {
    v for v in tm.DELIMITERS.values() if v and v[0].isalpha()
}
CALLS = {"sqrt", "root", "lr", "mat", "cases", "attach", "op"} | ACCENT_CALLS | STYLE_CALLS
SPACE_WORDS = {"thin", "med", "quad", "wide"}
_TOKEN = re.compile(
    r'\s+|"(?:[^"\\]|\\.)*"|#","|#box\(stroke: 0\.5pt, inset: 3pt, \$|'
    r"[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z]+)*|[0-9]+(?:\.[0-9]+)?|"
    r"<==>|==>|<=>|<->|<<|>>|<=|>=|!=|->|<-|=>|\\.|[^\s]"
)


def seq(items: list) -> tuple:
    flat: list = []
    for item in items:
        if item is None:
            continue
        flat += list(item[1:]) if item[0] == "seq" else [item]
    return flat[0] if len(flat) == 1 else ("seq", *flat)


# LaTeX side -----------------------------------------------------------------------------


def from_latex(node: lt.Node) -> tuple | None:
    """The canonical tree of a parsed LaTeX formula, in Typst's names."""
    if isinstance(node, lt.Seq):
        return seq([from_latex(i) for i in node.items])
    if isinstance(node, lt.Space):
        return None
    if isinstance(node, lt.Atom):
        typst_name = tm._atom(node.text)
        if typst_name.startswith('op("'):  # \argmax and \argmin: named operators
            return ("op", typst_name.split('"')[1])
        return ("atom", typst_name)
    if isinstance(node, lt.Text):
        return ("text", node.text)
    if isinstance(node, lt.Script):
        parts = [from_latex(p) if p is not None else None for p in (node.sub, node.sup)]
        base = from_latex(node.base) or ("seq",)
        return ("script", base, *parts)
    if isinstance(node, lt.Frac):
        return ("frac", from_latex(node.num), from_latex(node.den))
    if isinstance(node, lt.Sqrt):
        if node.index is not None:
            return ("root", from_latex(node.index), from_latex(node.body))
        return ("sqrt", from_latex(node.body))
    if isinstance(node, lt.Accent):
        return ("accent", tm.ACCENTS[node.name], from_latex(node.body))
    if isinstance(node, lt.Style):
        if node.name == "operatorname":
            return ("op", node.body.text)
        if node.name == "mathbb":
            body = from_latex(node.body)
            if body[0] == "atom" and len(body[1]) == 1 and body[1].isupper():
                return ("atom", body[1] * 2)
            return ("style", "bb", body)
        if node.name == "boxed":
            return ("boxed", from_latex(node.body))
        return ("style", tm.STYLES[node.name], from_latex(node.body))
    if isinstance(node, lt.Delimited):
        left, right = tm.DELIMITERS[node.left], tm.DELIMITERS[node.right]
        return ("lr", left, from_latex(node.body) or ("seq",), right)
    if isinstance(node, lt.Matrix) and node.kind == "cases":
        return ("cases", tuple(tuple(from_latex(c) or ("seq",) for c in row) for row in node.rows))
    if isinstance(node, lt.Matrix):
        rows = tuple(tuple(from_latex(c) or ("seq",) for c in row) for row in node.rows)
        return ("mat", tm.ENVIRONMENTS[node.kind], rows)
    raise TypeError(node)


# Typst side -----------------------------------------------------------------------------


class Reader:
    def __init__(self, text: str) -> None:
        self.tokens = [t for t in _TOKEN.findall(text) if not t.isspace()]
        self.pos = 0

    def peek(self, ahead: int = 0) -> str | None:
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.tokens[self.pos]
        if expected is not None and token != expected:
            raise ValueError(f"expected {expected!r}, found {token!r} at {self.pos}")
        self.pos += 1
        return token

    def sequence(self, stop: set[str]) -> tuple:
        """Nodes up to a stop token; literal parentheses inside nest, so their ``)`` and
        commas are content, not the end."""
        items, depth = [], 0
        while self.peek() is not None:
            token = self.peek()
            if token in stop and depth == 0:
                break
            item = self.scripted()
            if token == "(" and item and item[0] != "frac":
                depth += 1
            elif token == ")":
                depth -= 1
            items.append(item)
        return seq(items)

    def group(self) -> tuple:
        """``( ... )`` whose parentheses are syntax (fraction parts, script arguments)."""
        self.take("(")
        body = self.sequence({")"})
        self.take(")")
        return body if body is not None else ("seq",)

    def script_argument(self) -> tuple:
        return self.group() if self.peek() == "(" else self.primary()

    def scripted(self) -> tuple:
        base = self.primary()
        sub = sup = None
        while self.peek() in ("_", "^"):
            mark = self.take()
            if mark == "_":
                sub = self.script_argument()
            else:
                sup = self.script_argument()
        if sub is None and sup is None:
            return base
        return ("script", ("seq",) if base == ("text", "") else base, sub, sup)

    def primary(self) -> tuple:
        token = self.take()
        if token == "(" and self._fraction_ahead():
            self.pos -= 1
            num = self.group()
            self.take("/")
            return ("frac", num, self.group())
        if token.startswith('"'):
            return ("text", re.sub(r"\\(.)", r"\1", token[1:-1]))
        if token == '#","':
            return ("atom", ",")
        if token.startswith("#box("):
            body = self.sequence({"$"})
            self.take("$")
            self.take(")")
            return ("boxed", body)
        if token.startswith("\\"):
            return ("atom", token)
        if token in SPACE_WORDS:
            return None  # spacing
        if self.peek() == "(" and token in CALLS:
            return self.call(token)
        return ("atom", token)

    def _fraction_ahead(self) -> bool:
        """Is the ``(`` just taken the start of ``(...)/(...)``?"""
        depth, i = 1, self.pos
        while i < len(self.tokens) and depth:
            depth += {"(": 1, ")": -1}.get(self.tokens[i], 0)
            i += 1
        return i < len(self.tokens) and self.tokens[i] == "/"

    def arguments(self) -> list[list[str]]:
        """The top-level comma-separated token lists of a call's ``( ... )``."""
        self.take("(")
        args, current, depth = [], [], 1
        while True:
            token = self.take()
            depth += {"(": 1, ")": -1}.get(token, 0)
            if depth == 0:
                args.append(current)
                return args
            if token == "," and depth == 1:
                args.append(current)
                current = []
            else:
                current.append(token)

    def call(self, name: str) -> tuple:
        if name == "lr":
            (tokens,) = self.arguments()
            left = tokens[0] if tokens and tokens[0] in DELIMITER_TOKENS else ""
            right = tokens[-1] if len(tokens) > 1 and tokens[-1] in DELIMITER_TOKENS else ""
            body = tokens[1 if left else 0 : len(tokens) - (1 if right else 0)]
            return ("lr", left, read_tokens(body) or ("seq",), right)
        if name == "mat":
            self.take("(")
            self.take("delim")
            self.take(":")
            delim = self.take()
            self.take(",")
            rows, row = [], []
            while True:
                cell = self.sequence({",", ";", ")"})
                row.append(cell if cell is not None else ("seq",))
                token = self.take()
                if token != ",":
                    rows.append(tuple(row))
                    row = []
                if token == ")":
                    return ("mat", delim, tuple(rows))
        args = self.arguments()
        if name == "cases":
            return ("cases", tuple(_cells(arg) for arg in args))
        if name == "root":
            return ("root", read_tokens(args[0]), read_tokens(args[1]))
        if name == "op":  # op("name") or op("name", limits: #true)
            return ("op", args[0][0][1:-1])
        if name == "attach":
            base = read_tokens(args[0])
            named = {a[0]: read_tokens(a[2:]) for a in args[1:]}
            return ("script", base, named.get("b"), named.get("t"))
        (body,) = args
        inner = read_tokens(body) or ("seq",)
        if name == "sqrt":
            return ("sqrt", inner)
        if name in ACCENT_CALLS:
            return ("accent", name, inner)
        return ("style", name, inner)


def _cells(tokens: list[str]) -> tuple:
    """The cells of one row of ``cases(...)``, split at its ``&``."""
    cells, current, depth = [], [], 0
    for token in [*tokens, "&"]:
        depth += {"(": 1, ")": -1}.get(token, 0)
        if token == "&" and depth == 0:  # a nested call's "&" belongs to its own cells
            cells.append(read_tokens(current) or ("seq",))
            current = []
        else:
            current.append(token)
    return tuple(cells)


def read_tokens(tokens: list[str]) -> tuple | None:
    reader = Reader("")
    reader.tokens = tokens
    return reader.sequence(set())


def from_typst(text: str) -> tuple | None:
    reader = Reader(text)
    tree = reader.sequence(set())
    if reader.peek() is not None:
        raise ValueError(f"unread Typst: {reader.tokens[reader.pos :]}")
    return tree
