"""Mistakes nobody listed: single edits of a worked solution's computation.

A topic describes its computation as a :class:`Computation`: named quantities, each defined by
a small expression tree over the inputs and the quantities before it, and tagged with the step
of the worked solution that establishes it. An *edit* changes one node of one tree the way a
student slips (a factor dropped, added, inverted or squared; a product doubled; a sign flipped;
a difference written the other way round; a term left out; a transpose dropped or added; floor
for ceil; a function not applied; a quantity used where its neighbour belongs). Every later
quantity is then computed from the edited one, as the student would go on, and the answer
fields come out of the edited quantities. Mistakes are computed on the data, never on text.

The search is bounded: the quantities before the edited one are computed once, an edit that
leaves its quantity unchanged is dropped before anything later is recomputed, and edits that
give the same value for their quantity share one recomputation of everything after it. When
every later line acts entry by entry (an optimizer's steps), the distinct values of one
quantity go through the later lines together, stacked along a new first axis.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import numpy as np

from quizgen.core import mathfn
from quizgen.core.latex import num
from quizgen.core.model import Edit, Misconception, Part

Array = np.ndarray
Env = Mapping[str, Array]
#: quantities' values as LaTeX, to write a formula with the numbers substituted
Values = Mapping[str, str]


class Expr:
    """A node of a step's computation: evaluates on named values, prints as plain-text maths
    (for sentences) and as LaTeX (for worked solutions: ``env``, when given, tells vectors
    from numbers, so that a dot product reads ``w \\cdot x`` and an elementwise one ``\\odot``)."""

    def value(self, env: Env) -> Array:
        raise NotImplementedError

    def text(self) -> str:
        raise NotImplementedError

    def latex(self, env: Env | None = None, values: Values | None = None) -> str:
        raise NotImplementedError

    def edits(self, context: Context) -> Iterator[tuple[str, str, Expr]]:
        """(kind, operand, edited node) for each single edit of this node or one below it."""
        raise NotImplementedError

    def grouped(self) -> str:
        """The text, in brackets when it is a sum (so that it reads right inside a product)."""
        return self.text()


@dataclass(frozen=True)
class Context:
    """What edits may draw on: which quantity may stand in for which (h for z, y_hat for y);
    ``searched``: the diagnosis's search, which also tries the edits that are slips to name
    but too subtle to draw as a ``spot`` problem (a function's other confusions, a term taken
    out of a function)."""

    neighbours: Mapping[str, tuple[str, ...]]
    texts: Mapping[str, str]
    searched: bool = False


@dataclass(frozen=True)
class Q(Expr):
    """A named input or earlier quantity."""

    name: str
    shown: str = ""

    def value(self, env: Env) -> Array:
        return env[self.name]

    def text(self) -> str:
        return self.shown or self.name

    def latex(self, env: Env | None = None, values: Values | None = None) -> str:
        if values is not None and self.name in values:
            return values[self.name]
        return tex_name(self.shown or self.name)

    def edits(self, context: Context) -> Iterator[tuple[str, str, Expr]]:
        for other in context.neighbours.get(self.name, ()):
            replacement = Q(other, context.texts.get(other, other))
            yield "neighbour", f"{replacement.text()} where {self.text()} belongs", replacement


@dataclass(frozen=True)
class C(Expr):
    """A constant of the formula (the 1 of 1 - sigma, the 2 of 2p)."""

    number: float

    def value(self, env: Env) -> Array:
        return np.asarray(self.number, float)

    def text(self) -> str:
        return f"{self.number:g}"

    def latex(self, env: Env | None = None, values: Values | None = None) -> str:
        return num(self.number)

    def edits(self, context: Context) -> Iterator[tuple[str, str, Expr]]:
        return iter(())


def _inside(
    children: Sequence[Expr], context: Context, rebuild: Callable[[list[Expr]], Expr]
) -> Iterator[tuple[str, str, Expr]]:
    """The edits of each child, each put back into a copy of the parent."""
    for i, child in enumerate(children):
        for kind, operand, edited in child.edits(context):
            yield kind, operand, rebuild([*children[:i], edited, *children[i + 1 :]])


@dataclass(frozen=True)
class Sum(Expr):
    """Signed terms: ``Sum(((1, a), (-1, b)))`` is a - b."""

    terms: tuple[tuple[int, Expr], ...]

    def value(self, env: Env) -> Array:
        return sum((sign * term.value(env) for sign, term in self.terms), np.asarray(0.0))

    def text(self) -> str:
        out = ""
        for i, (sign, term) in enumerate(self.terms):
            if i == 0:
                out = ("-" if sign < 0 else "") + term.text()
            else:
                out += (" - " if sign < 0 else " + ") + term.text()
        return out

    def grouped(self) -> str:
        return f"({self.text()})" if len(self.terms) > 1 else self.text()

    def latex(self, env: Env | None = None, values: Values | None = None) -> str:
        out = ""
        for i, (sign, term) in enumerate(self.terms):
            shown = _bracketed(term, env, values)
            if i == 0:
                out = ("-" if sign < 0 else "") + shown
            else:
                out += (" - " if sign < 0 else " + ") + shown
        return out

    def edits(self, context: Context) -> Iterator[tuple[str, str, Expr]]:
        signs = [sign for sign, _ in self.terms]
        if len(self.terms) == 2 and sorted(signs) == [-1, 1]:
            swapped = Sum(tuple((-sign, term) for sign, term in self.terms))
            yield "swapped", self.text(), swapped
        for i, (sign, term) in enumerate(self.terms):
            rest = self.terms[:i] + self.terms[i + 1 :]
            if rest:
                yield "term-dropped", term.text(), Sum(rest)
            flipped = (*self.terms[:i], (-sign, term), *self.terms[i + 1 :])
            yield "sign", term.text(), Sum(flipped)
        yield from _inside(
            [term for _, term in self.terms],
            context,
            lambda new: Sum(tuple((s, t) for (s, _), t in zip(self.terms, new))),
        )


def add(*terms: Expr) -> Sum:
    """a + b + ..."""
    return Sum(tuple((1, term) for term in terms))


def diff(left: Expr, right: Expr) -> Sum:
    """a - b."""
    return Sum(((1, left), (-1, right)))


@dataclass(frozen=True)
class Prod(Expr):
    """An (elementwise) product of factors; ``absent`` are factors a student may wrongly add."""

    factors: tuple[Expr, ...]
    absent: tuple[Expr, ...] = ()

    def value(self, env: Env) -> Array:
        out = np.asarray(1.0)
        for factor in self.factors:
            out = out * factor.value(env)
        return out

    def text(self) -> str:
        if len(self.factors) == 1:
            return self.factors[0].text()
        return " * ".join(f.grouped() for f in self.factors)

    def latex(self, env: Env | None = None, values: Values | None = None) -> str:
        factors = self.factors
        if len(factors) == 1:
            return factors[0].latex(env, values)
        if len(factors) == 2 and factors[0] == factors[1]:
            return _powered(factors[0], "2", env, values)
        shown = [_bracketed(f, env, values) for f in factors]
        if env is not None and sum(np.ndim(f.value(env)) > 0 for f in factors) > 1:
            return r" \odot ".join(shown)
        out = shown[0]
        for before, factor, text in zip(factors, factors[1:], shown[1:]):
            joined = values is None and isinstance(before, C) and isinstance(factor, (Q, Fn))
            out += text if joined else r" \cdot " + text
        return out

    def edits(self, context: Context) -> Iterator[tuple[str, str, Expr]]:
        yield "doubled", self.text(), Prod((C(2), *self.factors), self.absent)
        for i, factor in enumerate(self.factors):
            others = self.factors[:i] + self.factors[i + 1 :]
            if others:
                yield "dropped", factor.text(), Prod(others, self.absent)
            if not isinstance(factor, C):
                inverse = Div(C(1), factor)
                yield "inverted", factor.text(), Prod((*others[:i], inverse, *others[i:]))
                square = Prod((factor, factor))
                yield "squared", factor.text(), Prod((*others[:i], square, *others[i:]))
        for extra in self.absent:
            yield "added", extra.text(), Prod((*self.factors, extra))
        yield from _inside(list(self.factors), context, lambda new: Prod(tuple(new), self.absent))


@dataclass(frozen=True)
class Div(Expr):
    """numerator / denominator."""

    numerator: Expr
    denominator: Expr

    def value(self, env: Env) -> Array:
        return np.asarray(np.divide(self.numerator.value(env), self.denominator.value(env)))

    def text(self) -> str:
        return f"{self.numerator.grouped()} / {self.denominator.grouped()}"

    def latex(self, env: Env | None = None, values: Values | None = None) -> str:
        top, bottom = self.numerator.latex(env, values), self.denominator.latex(env, values)
        return rf"\frac{{{top}}}{{{bottom}}}"

    def grouped(self) -> str:
        return f"({self.text()})"

    def edits(self, context: Context) -> Iterator[tuple[str, str, Expr]]:
        if not isinstance(self.numerator, C):
            yield "dropped", self.denominator.text(), self.numerator
            yield "swapped", self.text(), Div(self.denominator, self.numerator)
        yield (
            "squared",
            self.denominator.text(),
            Div(self.numerator, Prod((self.denominator, self.denominator))),
        )
        yield from _inside(
            [self.numerator, self.denominator], context, lambda new: Div(new[0], new[1])
        )


@dataclass(frozen=True)
class Neg(Expr):
    """-a."""

    operand: Expr

    def value(self, env: Env) -> Array:
        return -self.operand.value(env)

    def text(self) -> str:
        return f"-{self.operand.grouped()}"

    def latex(self, env: Env | None = None, values: Values | None = None) -> str:
        return "-" + _bracketed(self.operand, env, values)

    def edits(self, context: Context) -> Iterator[tuple[str, str, Expr]]:
        yield "sign", self.text(), self.operand
        yield from _inside([self.operand], context, lambda new: Neg(new[0]))


@dataclass(frozen=True)
class Function:
    """A named function of the formulas: how it computes, how it prints, what it is confused
    with (floor with ceil), and whether leaving it out is a slip students make."""

    compute: Callable[..., Array]
    shown: str  # a format string over the arguments' texts: "sigma({0})"
    confused: tuple[str, ...] = ()
    skippable: bool = True
    tex: str = ""  # the same over the arguments' LaTeX: r"\sigma({0})"
    also: tuple[str, ...] = ()  # confused with these too, in the diagnosis's search only


FUNCTIONS: dict[str, Function] = {}


def function(
    name: str,
    compute: Callable[..., Array],
    shown: str,
    *,
    confused: tuple[str, ...] = (),
    skippable: bool = True,
    tex: str = "",
    also: tuple[str, ...] = (),
) -> None:
    """Register a function the expression trees may call by name (``tex``: how it is written
    in LaTeX; without it, as an operator named after it; ``also``: confusions the diagnosis
    searches but a ``spot`` problem never draws)."""
    FUNCTIONS[name] = Function(compute, shown, confused, skippable, tex, also)


@dataclass(frozen=True)
class Fn(Expr):
    """A registered function applied to arguments."""

    name: str
    args: tuple[Expr, ...]

    def value(self, env: Env) -> Array:
        return np.asarray(FUNCTIONS[self.name].compute(*(a.value(env) for a in self.args)), float)

    def text(self) -> str:
        return FUNCTIONS[self.name].shown.format(*(a.text() for a in self.args))

    def latex(self, env: Env | None = None, values: Values | None = None) -> str:
        spec = FUNCTIONS[self.name]
        args = [a.latex(env, values) for a in self.args]
        if not spec.tex:
            return rf"\operatorname{{{self.name}}}({', '.join(args)})"
        return spec.tex.format(*args)

    def edits(self, context: Context) -> Iterator[tuple[str, str, Expr]]:
        spec = FUNCTIONS[self.name]
        if spec.skippable and len(self.args) == 1:
            yield "not-applied", self.text(), self.args[0]
        for other in spec.confused + (spec.also if context.searched else ()):
            confused = Fn(other, self.args)
            yield "confused", f"{confused.text()} instead of {self.text()}", confused
        if context.searched:
            yield from self._outside()
        yield from _inside(list(self.args), context, lambda new: Fn(self.name, tuple(new)))

    def _outside(self) -> Iterator[tuple[str, str, Expr]]:
        """An entry-by-entry function of a sum applied to all terms but one, that one added
        after it: sqrt(s) + eps for sqrt(s + eps)."""
        (inner,) = self.args if len(self.args) == 1 else (None,)
        if self.name not in ELEMENTWISE or not isinstance(inner, Sum) or len(inner.terms) < 2:
            return
        for i, (sign, term) in enumerate(inner.terms):
            rest = Sum(inner.terms[:i] + inner.terms[i + 1 :])
            yield "outside", term.text(), Sum(((1, Fn(self.name, (rest,))), (sign, term)))


@dataclass(frozen=True)
class At(Expr):
    """One entry of a vector: the true class's probability, the only output's value."""

    operand: Expr
    index: int

    def value(self, env: Env) -> Array:
        return np.asarray(self.operand.value(env)[self.index])

    def text(self) -> str:
        return f"{self.operand.grouped()}_{self.index + 1}"

    def latex(self, env: Env | None = None, values: Values | None = None) -> str:
        if values is not None and env is not None:
            return num(float(self.value(env)))  # the entry itself, with the numbers substituted
        return _scripted(self.operand, "_", str(self.index + 1), env, values)

    def edits(self, context: Context) -> Iterator[tuple[str, str, Expr]]:
        for other in (self.index - 1, self.index + 1):
            if other >= 0:
                shifted = At(self.operand, other)
                yield "index", f"{shifted.text()} where {self.text()} belongs", shifted
        yield from _inside([self.operand], context, lambda new: At(new[0], self.index))


@dataclass(frozen=True)
class MatMul(Expr):
    """a @ b (vector times matrix, matrix times vector, or the dot product of two vectors)."""

    left: Expr
    right: Expr

    def value(self, env: Env) -> Array:
        left, right = np.asarray(self.left.value(env)), np.asarray(self.right.value(env))
        if left.ndim <= 2 and right.ndim <= 2:  # one problem's values: the same bits everywhere
            return mathfn.matmul(left, right)
        return np.asarray(left @ right, float)  # stacked values of the edit search

    def text(self) -> str:
        return f"{self.left.grouped()} {self.right.grouped()}"

    def latex(self, env: Env | None = None, values: Values | None = None) -> str:
        left, right = _bracketed(self.left, env, values), _bracketed(self.right, env, values)
        dot = (
            env is not None and np.ndim(self.left.value(env)) == np.ndim(self.right.value(env)) == 1
        )
        return rf"{left} \cdot {right}" if dot else f"{left} {right}"

    def edits(self, context: Context) -> Iterator[tuple[str, str, Expr]]:
        yield "swapped", self.text(), MatMul(self.right, self.left)
        for i, side in enumerate((self.left, self.right)):
            if isinstance(side, T):
                yield "transpose-dropped", side.operand.text(), self._with(i, side.operand)
            else:
                yield "transpose-added", side.text(), self._with(i, T(side))
        yield from _inside([self.left, self.right], context, lambda new: MatMul(new[0], new[1]))

    def _with(self, i: int, side: Expr) -> MatMul:
        return MatMul(side, self.right) if i == 0 else MatMul(self.left, side)


@dataclass(frozen=True)
class T(Expr):
    """The transpose of a matrix (or of an outer product's result)."""

    operand: Expr

    def value(self, env: Env) -> Array:
        return np.asarray(self.operand.value(env)).T

    def text(self) -> str:
        return f"{self.operand.grouped()}^T"

    def latex(self, env: Env | None = None, values: Values | None = None) -> str:
        return _transposed(self.operand, env, values)

    def edits(self, context: Context) -> Iterator[tuple[str, str, Expr]]:
        yield "transpose-dropped", self.operand.text(), self.operand
        yield from _inside([self.operand], context, lambda new: T(new[0]))


@dataclass(frozen=True)
class Outer(Expr):
    """a^T b for row vectors a, b: the weight gradient (layer input)^T delta."""

    left: Expr
    right: Expr

    def value(self, env: Env) -> Array:
        return np.outer(self.left.value(env), self.right.value(env))

    def text(self) -> str:
        return f"{self.left.grouped()}^T {self.right.grouped()}"

    def latex(self, env: Env | None = None, values: Values | None = None) -> str:
        return f"{_transposed(self.left, env, values)} {_bracketed(self.right, env, values)}"

    def edits(self, context: Context) -> Iterator[tuple[str, str, Expr]]:
        yield "swapped", self.text(), Outer(self.right, self.left)
        yield from _inside([self.left, self.right], context, lambda new: Outer(new[0], new[1]))


def reads(expr: Expr) -> set[str]:
    """The names of the inputs and quantities a formula uses (not the factors a student may
    wrongly add)."""
    if isinstance(expr, Q):
        return {expr.name}
    found: set[str] = set()
    for name, child in vars(expr).items():
        if name == "absent":
            continue
        for item in child if isinstance(child, tuple) else (child,):
            node = item[1] if isinstance(item, tuple) else item  # a Sum's (sign, term)
            if isinstance(node, Expr):
                found |= reads(node)
    return found


def _bracketed(expr: Expr, env: Env | None, values: Values | None) -> str:
    """The LaTeX of a term, factor or operand, in brackets where it would otherwise misread: a
    sum, a negation or a negative number."""
    text = expr.latex(env, values)
    if isinstance(expr, Sum) and (len(expr.terms) > 1 or expr.terms[0][0] < 0):
        return rf"\left({text}\right)"
    if isinstance(expr, Neg) or (isinstance(expr, (Q, C)) and text.startswith("-")):
        return rf"\left({text}\right)"
    return text


def _scripted(base: Expr, kind: str, script: str, env: Env | None, values: Values | None) -> str:
    """``base`` with a sub- or superscript: a compound base in brackets, a base already
    carrying that kind of script in braces (so that no double script arises)."""
    text = base.latex(env, values)
    if not isinstance(base, (Q, Fn, At)) or text.startswith("-"):
        text = rf"\left({text}\right)"
    elif kind in text:
        text = f"{{{text}}}"
    return f"{text}{kind}{{{script}}}"


def _powered(base: Expr, exponent: str, env: Env | None, values: Values | None) -> str:
    return _scripted(base, "^", exponent, env, values)


def _transposed(operand: Expr, env: Env | None, values: Values | None) -> str:
    """A transpose as the guide writes it: ``W^{(2)T}`` for a named matrix."""
    if isinstance(operand, Q) and (values is None or operand.name not in values):
        plain = operand.shown or operand.name
        if "^" in plain:  # e^z: its transpose in braces, not a second superscript
            return f"{{{tex_name(plain)}}}^{{T}}"
        return tex_name(plain + "^T")
    return _scripted(operand, "^", "T", env, values)


_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "sigma"}
#: words of the plain-text names that LaTeX writes otherwise
_WORDS = {
    "ReLU": r"\text{ReLU}",
    "softmax": r"\text{softmax}",
    "max": r"\max",
    "log": r"\log",
    "grad": r"\nabla",
    "sum": r"\sum",
    "loss": r"\ell",
    "act": r"\sigma",  # the guide's name for any activation, in sigma'(z)
}
#: whole names written otherwise: a gradient named alone is the loss's (bce's and cce's)
_WHOLE = {"grad": r"\nabla \ell"}
#: letters whose number is an index, not a layer (Adam's beta1, the L1 and L2 lambda)
_INDEXED = {"alpha", "beta", "lambda"}
_DERIVATIVE = re.compile(r"d(\w+)/d(\w+)")
_PARTIAL = re.compile(r"(?<![A-Za-z])d([A-Z]\w*)")
_IDENTIFIER = re.compile(r"(?<![\\A-Za-z])([A-Za-z]+?)(\d*)(?:_([A-Za-z]+))?(\^T)?(?![A-Za-z])")
_LAYER = re.compile(r"(.*) \(layer (\d+)\)")
_PHRASE = re.compile(r"[a-z]+( [a-z0-9]+)*")


def tex_name(plain: str) -> str:
    r"""A quantity's plain-text name as the guide writes it in LaTeX: greek letters by name,
    ``y_hat`` as a hat, a layer's number as a bracketed superscript (``W2^T`` is ``W^{(2)T}``),
    ``dW2`` as a partial derivative of J, other words as text.

    >>> print(tex_name("y_hat"), tex_name("delta2 W2^T"), tex_name("n_out (layer 3)"))
    \hat{y} \delta^{(2)} W^{(2)T} n_{out}^{(3)}
    >>> print(tex_name("beta1"), tex_name("y_hat"), tex_name("W2"))
    \beta_{1} \hat{y} W^{(2)}
    >>> print(tex_name("sigma'(z)"), tex_name("dW1"), tex_name("parameters of layer 2"))
    \sigma'(z) \frac{\partial J}{\partial W^{(1)}} \text{parameters of layer 2}
    """
    if plain in _WHOLE:
        return _WHOLE[plain]
    layer = _LAYER.fullmatch(plain)
    if layer:
        inner = tex_name(layer.group(1))
        return (
            f"{{{inner}}}^{{({layer.group(2)})}}"
            if "^" in inner
            else f"{inner}^{{({layer.group(2)})}}"
        )
    if _PHRASE.fullmatch(plain) and plain not in _WORDS and plain not in _GREEK and len(plain) > 1:
        return rf"\text{{{plain}}}"
    text = _DERIVATIVE.sub(lambda m: rf"\frac{{\partial {m[1]}}}{{\partial {m[2]}}}", plain)
    text = _PARTIAL.sub(lambda m: rf"\frac{{\partial J}}{{\partial {m[1]}}}", text)
    return _IDENTIFIER.sub(_identifier, text)


def _identifier(match: re.Match[str]) -> str:
    base, digits, sub, transposed = match.groups()
    if base in _GREEK:
        out = "\\" + base
    elif base in _WORDS:
        out = _WORDS[base]
    elif len(base) == 1:
        out = base
    else:
        out = rf"\text{{{base}}}"
    if sub == "hat":
        out = rf"\hat{{{out}}}"
    elif sub:
        out += f"_{{{sub}}}"
    if digits and base in _INDEXED:
        out, digits = f"{out}_{{{digits}}}", ""
    sup = (f"({digits})" if digits else "") + ("T" if transposed else "")
    return f"{out}^{{{sup}}}" if sup else out


@dataclass(frozen=True)
class Line:
    """One quantity of the computation: its name, how it is shown, its formula, and the step
    (1-based) of the worked solution where it is established; ``tex`` is its name in LaTeX
    (by default made from ``shown`` by :func:`tex_name`)."""

    name: str
    expr: Expr
    step: int
    shown: str = ""
    tex: str = ""

    def latex_name(self) -> str:
        return self.tex or tex_name(self.shown or self.name)


@dataclass(frozen=True)
class Computation:
    """A topic's worked solution as data: inputs, then one line per quantity in order, and how
    the answer fields are read from the quantities."""

    inputs: Mapping[str, Any]
    lines: tuple[Line, ...]
    answer: Callable[[Env], dict[str, Any]]
    neighbours: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    shown: Mapping[str, str] = field(default_factory=dict)  # how inputs are written

    def context(self, searched: bool = False) -> Context:
        texts = {**self.shown, **{line.name: line.shown or line.name for line in self.lines}}
        return Context(self.neighbours, texts, searched)

    def run(
        self, env: dict[str, Array], start: int = 0, stop: int | None = None
    ) -> dict[str, Array]:
        """Compute every line from ``start`` on (up to ``stop``), into (a copy of) ``env``."""
        env = dict(env)
        for line in self.lines[start:stop]:
            env[line.name] = line.expr.value(env)
        return env

    def base(self) -> dict[str, Array]:
        return self.run({k: np.asarray(v, float) for k, v in self.inputs.items()})


@dataclass(frozen=True)
class Fields:
    """Answer fields read straight from quantities (``names``: answer key -> quantity), so that
    a quantity's answer field, and with it its precision, can be looked up."""

    names: Mapping[str, str]

    def __call__(self, env: Env) -> dict[str, Any]:
        return {key: np.asarray(env[name]).tolist() for key, name in self.names.items()}


def fields(**names: str) -> Fields:
    """Answer fields read straight from quantities: ``fields(z="z", grad="grad")``."""
    return Fields(names)


@dataclass(frozen=True)
class Mutant:
    """One edit of the computation and the answer a student making it would give."""

    edit: Edit
    answer: dict[str, Any]


def mutants(computation: Computation, searched: bool = True) -> list[Mutant]:
    """Every edit that changes the answer, with the answer it leads to: each single edit of
    one line (or of the line as a whole: negated, doubled, halved, transposed), the same edit
    made in every step that repeats a line (``w_k = w_(k-1) - Delta_k`` with the sign flipped
    for every k), and a parameter replaced by its complement or two parameters exchanged
    everywhere (1 - rho for rho, beta2 for beta1). Edits that cannot be computed, a transpose
    that does not fit or a division by zero, are left out. ``searched`` False: only the single
    edits of one formula that a ``spot`` problem draws."""
    context = computation.context(searched)
    base = computation.base()
    compiled = [_compiled(line.expr) for line in computation.lines]
    batchable = [True] * len(computation.lines)  # may every line after this one be stacked?
    for i in range(len(computation.lines) - 2, -1, -1):
        batchable[i] = batchable[i + 1] and _batchable(computation.lines[i + 1].expr)
    found: list[Mutant] = []
    # every line's edits, and whether each changes its line, for the edits in every step
    tried: list[list[tuple[str, str, Expr, bool]]] = []
    with np.errstate(all="ignore"):
        for index, line in enumerate(computation.lines):
            right = base[line.name]
            scale = 1e-12 * (1.0 + _largest(right))
            values: dict[bytes, Array] = {}
            made: list[tuple[bytes, str, str, Expr]] = []
            tried.append([])
            edits = _line_edits(line.expr, right, context) if searched else line.expr.edits(context)
            for kind, operand, edited in edits:
                try:
                    value = _shaped(edited.value(base), right, searched)
                except (ValueError, IndexError, ZeroDivisionError):
                    continue
                if value is None or not _finite(value):
                    continue
                changes = _largest(value - right) > scale
                tried[-1].append((kind, operand, edited, changes))
                if not changes:
                    continue  # the edit changes nothing here: nothing later can change
                key = value.tobytes()
                values.setdefault(key, value)
                made.append((key, kind, operand, edited))
            if not made:
                continue
            follow = _answers_from if batchable[index] else _answers_one_by_one
            answers = dict(
                zip(values, follow(computation, compiled, base, index, [*values.values()]))
            )
            formula, shown = line.expr.text(), plain_value(right)
            quantity = line.shown or line.name
            for key, kind, operand, edited in made:
                answer = answers[key]
                if answer is not None:
                    edit = Edit(line.step, quantity, kind, operand, formula, edited.text(), shown)
                    found.append(Mutant(edit, answer))
        if searched:
            found += _in_every_step(computation, compiled, base, tried)
            found += _parameters_edited(computation, compiled, base)
            found += _lines_exchanged(computation, compiled, base)
    return found


# The search makes these checks on thousands of small arrays: the ufuncs' own reductions
# skip the Python layer of ndarray.max and .all, which costs more than the arithmetic.


def _largest(value: Array) -> float:
    """The largest absolute entry (0 for no entries)."""
    return float(np.maximum.reduce(np.abs(value), axis=None, initial=0.0))


def _finite(value: Array) -> bool:
    """Is every entry finite?"""
    return bool(np.logical_and.reduce(np.isfinite(value), axis=None))


def _all_finite(values: Sequence[Array]) -> bool:
    """Is every entry of every array finite? (one check for a recomputation's lines)"""
    return not values or _finite(np.concatenate([value.ravel() for value in values]))


def _line_edits(expr: Expr, right: Array, context: Context) -> Iterator[tuple[str, str, Expr]]:
    """The edits of a line's formula, then those of the line as a whole: its sign flipped, it
    doubled or halved (a factor of the loss dropped or doubled), a square matrix transposed
    (each left out where an edit of the formula already gives it). A line of one number is
    not edited as a whole: one wrong number that happens to be -v, 2v or v/2 says too little
    about how it was reached (all the entries of a vector negated say much more)."""
    yield from expr.edits(context)
    text = expr.text()
    names = _names(expr)
    for name in dict.fromkeys(names):
        if names.count(name) < 2:
            continue  # once: the plain neighbour edit is the same
        for other in context.neighbours.get(name, ()):
            replacement = Q(other, context.texts.get(other, other))
            where = f"{replacement.text()} where {context.texts.get(name, name)} belongs, each time"
            yield "neighbour", where, _replaced(expr, name, replacement)
    if right.size < 2:
        return
    # a - b written the other way round is its negation already
    difference = isinstance(expr, Sum) and sorted(sign for sign, _ in expr.terms) == [-1, 1]
    if not isinstance(expr, Neg) and not difference:
        yield "sign", text, Neg(expr)
    if not isinstance(expr, Prod):
        yield "doubled", text, Prod((C(2), expr))
    yield "halved", text, Div(expr, C(2))
    if right.ndim == 2 and right.shape[0] == right.shape[1] > 1 and not isinstance(expr, T):
        yield "transpose-added", text, T(expr)


def _names(expr: Expr) -> list[str]:
    """The names a formula uses, once per use (not the factors a student may wrongly add)."""
    if isinstance(expr, Q):
        return [expr.name]
    return [name for child in _children(expr) for name in _names(child)]


def _children(expr: Expr) -> list[Expr]:
    """The nodes right below ``expr`` (a sum's terms without their signs; not ``absent``)."""
    out = []
    for item in dataclasses.fields(expr):  # type: ignore[arg-type]
        value = getattr(expr, item.name)
        if item.name == "absent":
            continue
        for node in value if isinstance(value, tuple) else (value,):
            node = node[1] if isinstance(node, tuple) else node
            if isinstance(node, Expr):
                out.append(node)
    return out


def _replaced(expr: Expr, name: str, by: Expr) -> Expr:
    """``expr`` with every use of the quantity ``name`` replaced by ``by``."""
    if isinstance(expr, Q):
        return by if expr.name == name else expr

    def one(node: Any) -> Any:
        if isinstance(node, tuple):
            return tuple(one(item) for item in node)
        return _replaced(node, name, by) if isinstance(node, Expr) else node

    changes = {
        item.name: one(getattr(expr, item.name))
        for item in dataclasses.fields(expr)  # type: ignore[arg-type]
        if item.name != "absent"
    }
    return dataclasses.replace(expr, **changes)  # type: ignore[type-var]


def _shaped(value: Array, right: Array, searched: bool = True) -> Array | None:
    """An edited line's value in the right value's shape: a number where a vector belongs is
    written in every entry (the factor x left out of (y_hat - y) x), in the search only
    (``searched``); any other shape does not fit (None)."""
    if value.shape == right.shape:
        return value
    if searched and value.ndim < right.ndim:
        try:
            return np.broadcast_to(value, right.shape).copy()
        except ValueError:
            return None
    return None


_STEP_NUMBER = re.compile(r"(.*?)(\d+)")
_SHOWN_STEP = re.compile(r"_(\d+)")


def _relative(text: str, k: int) -> str:
    """An edit's operand with each step number written relative to the line's own step k
    (``h_0 where h_1 belongs`` in step 1 and ``h_1 where h_2 belongs`` in step 2 are the same
    edit: the step before's h for this step's)."""
    return _SHOWN_STEP.sub(lambda m: f"_{{k{int(m[1]) - k:+d}}}", text)


def _in_every_step(
    computation: Computation,
    compiled: Sequence[Callable[[Env], Any]],
    base: dict[str, Array],
    tried: Sequence[Sequence[tuple[str, str, Expr, bool]]],
) -> list[Mutant]:
    """The same edit made in every line of a repeated quantity (``w1``, ``w2``, ...: one line
    per step of an optimizer, a time step of an RNN): a student who flips a sign or forgets a
    bias does it each time. An edit is the same in two lines when its kind and its operand,
    step numbers counted from the line's own, are. Likewise one function taken for another,
    or one quantity for another, in every formula of one step (a mean for each sum of the
    gradients' step).

    Up to the first line whose edit changes it on the right values, every line is right, so
    the recomputation starts there; when that is the last line, the single edit is the same."""
    repeated: dict[str, list[int]] = {}
    edits: dict[tuple[str, str, str], dict[int, tuple[str, Expr, bool]]] = {}
    for index, line in enumerate(computation.lines):
        step = f"{ALL}{line.step}"
        repeated.setdefault(step, []).append(index)
        for kind, operand, edited, changes in tried[index]:
            if kind in ("confused", "neighbour"):
                at = edits.setdefault((step, kind, _changed(line.expr, edited)), {})
                at.setdefault(index, (operand, edited, changes))
        numbered = _STEP_NUMBER.fullmatch(line.name)
        if numbered is None:
            continue
        family, k = numbered[1], int(numbered[2])
        repeated.setdefault(family, []).append(index)
        for kind, operand, edited, changes in tried[index]:
            at = edits.setdefault((family, kind, _relative(operand, k)), {})
            at.setdefault(index, (operand, edited, changes))
    found = []
    for (family, kind, _), at in edits.items():
        members = repeated[family]
        if len(members) < 2 or len(at) < len(members):
            continue
        changed = [index for index in members if at[index][2]]
        if not changed or changed[0] == members[-1]:
            continue
        prefix = ALL if family.startswith(ALL) else EVERY
        lines = list(compiled)
        for index in members[members.index(changed[0]) :]:
            lines[index] = _compiled(at[index][1])
        answer = _answer_after(computation, lines, base, changed[0])
        if answer is not None:
            first = computation.lines[members[0]]
            operand, edited, _ = at[members[0]]
            edit = line_edit(first, prefix + kind, operand, edited, plain_value(base[first.name]))
            found.append(Mutant(edit, answer))
    return found


def _changed(before: Expr, after: Expr) -> str:
    """Where an edit changed a formula, as the node before and after it: the first place the
    two trees differ (``colsum -> colmean`` for sum_i x read as mean_i x), so that the same
    change in two formulas is found to be the same."""
    while True:
        same = type(before) is type(after) and _label(before) == _label(after)
        below, edited = _children(before), _children(after)
        if not same or len(below) != len(edited):
            return f"{_label(before)} -> {_label(after)}"
        differing = [(b, a) for b, a in zip(below, edited) if b != a]
        if len(differing) != 1:
            return f"{_label(before)} -> {_label(after)}"
        ((before, after),) = differing


def _label(node: Expr) -> str:
    """A node by what it is: a quantity or a function by its name, anything else by its text."""
    if isinstance(node, (Q, Fn)):
        return node.name
    return f"{type(node).__name__}: {node.text()}"


def _parameters_edited(
    computation: Computation, compiled: Sequence[Callable[[Env], Any]], base: dict[str, Array]
) -> list[Mutant]:
    """A rate or a decay (a number strictly between 0 and 1 given with the problem) replaced
    by its complement 1 - x everywhere (rho and 1 - rho swapped in RMSProp's average), and two
    of them exchanged everywhere (Adam's beta1 and beta2)."""
    rates = [
        name
        for name, value in computation.inputs.items()
        if np.ndim(value) == 0 and 0 < float(value) < 1
    ]
    readers = {
        name: reader for name in rates if (reader := _first_reader(computation, name)) is not None
    }
    rates = [name for name in rates if name in readers]
    texts = computation.context().texts
    found = []
    # a rate with its complement for a neighbour (keep = 1 - p, p) is the neighbour edit
    changes: list[tuple[tuple[str, ...], dict[str, Array]]] = [
        ((name,), {name: 1 - base[name]})
        for name in rates
        if not any(
            np.allclose(base[other], 1 - base[name], rtol=0, atol=1e-12)
            for other in computation.neighbours.get(name, ())
        )
    ]
    changes += [
        ((a, b), {a: base[b], b: base[a]})
        for i, a in enumerate(rates)
        for b in rates[i + 1 :]
        if float(base[a]) != float(base[b])
    ]
    for names, values in changes:
        start = min(readers[name] for name in names)
        answer = _answer_after(computation, compiled, {**base, **values}, start)
        if answer is None:
            continue
        line = computation.lines[start]
        shown = [texts.get(name, name) for name in names]
        kind, operand = (
            ("complement", shown[0]) if len(names) == 1 else ("exchanged", " and ".join(shown))
        )
        edited = f"{line.expr.text()}, with " + (
            f"1 - {operand} for {operand}" if kind == "complement" else f"{operand} exchanged"
        )
        edit = Edit(
            line.step,
            line.shown or line.name,
            kind,
            operand,
            line.expr.text(),
            edited,
            plain_value(base[line.name]),
        )
        found.append(Mutant(edit, answer))
    return found


def _lines_exchanged(
    computation: Computation, compiled: Sequence[Callable[[Env], Any]], base: dict[str, Array]
) -> list[Mutant]:
    """Two quantities of one step, computed one after the other from the same things, each
    written in the other's place (dL/dgamma given as dL/dbeta and the other way round)."""
    found = []
    lines = computation.lines
    for i, (first, second) in enumerate(itertools.pairwise(lines)):
        if first.step != second.step or first.name in reads(second.expr):
            continue
        right, other = base[first.name], base[second.name]
        if right.shape != other.shape or np.array_equal(right, other):
            continue
        env = {**base, first.name: other, second.name: right}
        answer = _answer_after(computation, compiled, env, i + 2)
        if answer is not None:
            names = f"{first.shown or first.name} and {second.shown or second.name}"
            edited = (
                f"{second.expr.text()}, and {first.expr.text()} for {second.shown or second.name}"
            )
            edit = line_edit(first, "lines-exchanged", names, second.expr, plain_value(right))
            found.append(Mutant(dataclasses.replace(edit, edited=edited), answer))
    return found


def _first_reader(computation: Computation, name: str) -> int | None:
    """The first line whose formula uses the input ``name`` (None: no line does)."""
    return next((i for i, line in enumerate(computation.lines) if name in reads(line.expr)), None)


def _answer_after(
    computation: Computation,
    compiled: Sequence[Callable[[Env], Any]],
    env: Mapping[str, Array],
    start: int,
) -> dict[str, Any] | None:
    """The answer when every line from ``start`` on is computed by ``compiled`` from ``env``
    (None when a line cannot be computed, does not keep its shape, or is not finite)."""
    env = dict(env)
    computed = []
    try:
        for line, compute in zip(computation.lines[start:], compiled[start:]):
            value = np.asarray(compute(env))
            if value.shape != env[line.name].shape:
                return None
            env[line.name] = value
            computed.append(value)
        return computation.answer(env) if _all_finite(computed) else None
    except (ValueError, IndexError, ZeroDivisionError):
        return None


def line_edit(line: Line, kind: str, operand: str, edited: Expr, right: str) -> Edit:
    """The :class:`Edit` that puts ``edited`` in place of ``line``'s formula (``right``: the
    line's right value, as a sentence shows it)."""
    return Edit(
        line.step, line.shown or line.name, kind, operand, line.expr.text(), edited.text(), right
    )


def run_from(
    computation: Computation, base: dict[str, Array], index: int, value: Array
) -> dict[str, Array] | None:
    """Every quantity when line ``index`` gives ``value`` and every later line follows from it
    (None when a later line cannot be computed or is not finite)."""
    env = dict(base)
    env[computation.lines[index].name] = value
    try:
        with np.errstate(all="ignore"):
            env = computation.run(env, index + 1)
    except (ValueError, IndexError, ZeroDivisionError):
        return None
    if not _all_finite([np.asarray(env[line.name]) for line in computation.lines[index:]]):
        return None
    return env


def _answers_one_by_one(
    computation: Computation,
    compiled: Sequence[Callable[[Env], Any]],
    base: dict[str, Array],
    index: int,
    values: Sequence[Array],
) -> list[dict[str, Any] | None]:
    """The answer for each value of line ``index``, every later line recomputed from it."""
    return [_answer_from(computation, compiled, base, index, value) for value in values]


def _answer_from(
    computation: Computation,
    compiled: Sequence[Callable[[Env], Any]],
    base: dict[str, Array],
    index: int,
    value: Array,
) -> dict[str, Any] | None:
    """The answer when line ``index`` gives ``value`` and every later line follows from it,
    computed by the lines' ``compiled`` closures (None when a later line cannot be computed or
    is not finite)."""
    env = dict(base)
    env[computation.lines[index].name] = value
    computed = []
    try:
        for line, compute in zip(computation.lines[index + 1 :], compiled[index + 1 :]):
            computed.append(np.asarray(compute(env)))
            env[line.name] = computed[-1]
        return computation.answer(env) if _all_finite(computed) else None
    except (ValueError, IndexError, ZeroDivisionError):
        return None


def plain_value(value: Array) -> str:
    """A quantity's right value for a sentence: up to four decimals, lists in brackets."""

    def one(v: Any) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(one(x) for x in v) + "]"
        text = f"{round(float(v), 4):.4f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text

    return one(np.asarray(value).tolist())


def answer_key(answer: Mapping[str, Any], keys: Sequence[str]) -> bytes:
    """Answers equal to nine decimals on the asked parts (``keys``), entry for entry and shape
    for shape, are one answer."""
    arrays = [np.asarray(answer[k], float) for k in keys]
    flat = np.concatenate([a.ravel() for a in arrays]).round(9) + 0.0
    return repr([a.shape for a in arrays]).encode() + flat.tobytes()


#: Edits giving one answer that are said in words; the rest are counted ("or 2 more edits").
MOST_NAMED = 3


def edit_mistakes(
    computation: Computation,
    parts: Sequence[Part],
    right: Mapping[str, Any],
    listed: Sequence[Mapping[str, Any]] = (),
) -> list[tuple[Misconception, Mapping[str, Any]]]:
    """The single edits as named mistakes, with their answers: edits giving the same answer are
    one mistake naming them all (never one of them picked), and an answer that is right at the
    precision asked, or that a hand-written mistake (``listed``) already gives, is left out."""
    from quizgen.core.grading import same_answer

    keys = [part.key for part in parts]
    groups: dict[bytes, list[Mutant]] = {}
    for mutant in mutants(computation):
        groups.setdefault(answer_key(mutant.answer, keys), []).append(mutant)
    listed_keys = {answer_key(a, keys) for a in listed if all(k in a for k in keys)}
    out: list[tuple[Misconception, Mapping[str, Any]]] = []
    for key, group in groups.items():
        answer = group[0].answer
        # later parts first: an edit shows there, so a difference is found at once
        if key in listed_keys or same_answer(parts[::-1], answer, right):
            continue
        edits = tuple(dict.fromkeys(m.edit for m in group))
        out.append((edit_misconception(edits, answer), answer))
    return out


Found = TypeVar("Found")


class Deferred(Sequence[Found]):
    """The edit mistakes of a problem (or its pairs of mistakes), searched only when first
    asked for: a right answer, or one a listed mistake explains, never pays for the search."""

    def __init__(self, search: Callable[[], list[Found]]):
        self._search = search

    @cached_property
    def found(self) -> list[Found]:
        return self._search()

    def __len__(self) -> int:
        return len(self.found)

    def __getitem__(self, index: Any) -> Any:
        return self.found[index]


PHRASES = {
    "dropped": "left out the factor {operand} in step {step}",
    "added": "put the factor {operand} into step {step}, where it does not belong",
    "inverted": "inverted the factor {operand} in step {step}",
    "squared": "squared the factor {operand} in step {step}",
    "doubled": "doubled {operand} in step {step}",
    "term-dropped": "left out the term {operand} in step {step}",
    "sign": "flipped the sign of {operand} in step {step}",
    "swapped": "wrote {operand} the other way round in step {step}",
    "transpose-dropped": "left out the transpose of {operand} in step {step}",
    "transpose-added": "transposed {operand} in step {step}",
    "confused": "used {operand} in step {step}",
    "not-applied": "skipped the function in {operand} in step {step}",
    "neighbour": "used {operand} in step {step}",
    "index": "used {operand} in step {step}",
    "halved": "halved {operand} in step {step}",
    "outside": "put {operand} outside the function in step {step}",
    "complement": "swapped {operand} and 1 - {operand} everywhere from step {step} on",
    "exchanged": "exchanged {operand} everywhere from step {step} on",
    "lines-exchanged": "wrote {operand} in each other's place in step {step}",
}
#: the same edit in every step that repeats a line: "every-sign"
EVERY = "every-"
#: the same edit in every formula of one step: "all-confused"
ALL = "all-"


def describe(edit: Edit) -> str:
    """The edit in words, as what the student did: "left out the factor x in step 4"; an edit
    made in every step says so ("... in step 1, and so in every step")."""
    if edit.kind.startswith(EVERY):
        said = PHRASES[edit.kind.removeprefix(EVERY)].format(operand=edit.operand, step=edit.step)
        return f"{said}, and so in every step"
    if edit.kind.startswith(ALL):
        said = PHRASES[edit.kind.removeprefix(ALL)].format(operand=edit.operand, step=edit.step)
        return f"{said}, and so in every formula of step {edit.step}"
    return PHRASES[edit.kind].format(operand=edit.operand, step=edit.step)


def edit_misconception(edits: Sequence[Edit], answer: Mapping[str, Any]) -> Misconception:
    """A named mistake for one edit, or for several that give the same answer: all of them are
    named ("... or ..."), the first few in words, never one picked from them; the explanation
    gives each edited step's formula and right value, and what was computed instead."""
    said = edits[:MOST_NAMED]
    label = " or ".join(describe(e) for e in said)
    if len(edits) > len(said):
        label += f" (or {len(edits) - len(said)} more edits giving the same answer)"
    explanation = " ".join(
        f"In step {e.step}, {e.quantity} = {e.formula} = {e.right}, not {e.edited}."
        for e in dict.fromkeys(said)
    )
    fixed = dict(answer)
    return Misconception(label, explanation, lambda _params: fixed, edits=tuple(edits))


def _step(z: Array) -> Array:
    return (np.asarray(z) > 0).astype(float)


function("exp", mathfn.exp, "e^({0})", tex="e^{{{0}}}")
function("log", mathfn.log, "log({0})", confused=("log10",), tex=r"\log\left({0}\right)")
function("log10", np.log10, "log10({0})", tex=r"\log_{{10}}\left({0}\right)")
function(
    "sigmoid", lambda z: 1.0 / (1.0 + mathfn.exp(-np.asarray(z))), "sigma({0})", tex=r"\sigma({0})"
)
function("relu", lambda z: np.maximum(z, 0.0), "ReLU({0})", tex=r"\text{{ReLU}}({0})")
function(
    "step",
    _step,
    "1[{0} > 0]",
    skippable=False,
    tex=r"\mathbf{{1}}_{{{0} > 0}}",
    also=("atmost",),
)
function("softmax", mathfn.softmax, "softmax({0})", tex=r"\text{{softmax}}({0})")
function(
    "sign",
    lambda z: np.where(z >= 0, 1.0, -1.0),
    "sign({0})",
    confused=("heaviside",),
    tex=r"\text{{sign}}({0})",
)
function(
    "heaviside",
    lambda z: np.where(z >= 0, 1.0, 0.0),
    "step({0})",
    confused=("sign",),
    tex=r"\text{{step}}({0})",
)
function(
    "lse",
    lambda z: np.asarray(mathfn.logsumexp(z)),
    "log sum_k e^({0})_k",
    skippable=False,
    tex=r"\log \sum_k e^{{\left({0}\right)_k}}",
)
function(
    "sum",
    lambda v: np.asarray(math.fsum(np.ravel(v).tolist())),
    "sum {0}",
    skippable=False,
    tex=r"\sum {0}",
)
function("diag", lambda v: np.diag(v), "diag({0})", skippable=False, tex=r"\text{{diag}}({0})")
function(
    "offdiag",
    lambda m: m - np.diag(np.diag(m)),
    "({0}) off the diagonal",
    skippable=False,
    tex=r"\left({0}\right)_{{i \neq j}}",
)
function(
    "floor",
    np.floor,
    "floor({0})",
    confused=("ceil", "round"),
    skippable=False,
    tex=r"\left\lfloor {0} \right\rfloor",
)
function(
    "ceil",
    np.ceil,
    "ceil({0})",
    confused=("floor", "round"),
    skippable=False,
    tex=r"\left\lceil {0} \right\rceil",
)
function(
    "round",
    np.rint,
    "round({0})",
    confused=("floor", "ceil"),
    skippable=False,
    tex=r"\operatorname{{round}}({0})",
)


def _compiled(expr: Expr) -> Callable[[Env], Any]:
    """A node as one closure, for the many recomputations of the steps after an edit: the
    arithmetic of ``value`` (up to the sign of a zero) without walking the tree each time; the
    nodes that are not sums, products, quotients or names compute themselves."""
    if isinstance(expr, Q):
        name = expr.name
        return lambda env: env[name]
    if isinstance(expr, C):
        constant = expr.value({})
        return lambda env: constant
    if isinstance(expr, Neg):
        operand = _compiled(expr.operand)
        return lambda env: -operand(env)
    if isinstance(expr, Div):
        top, bottom = _compiled(expr.numerator), _compiled(expr.denominator)
        return lambda env: np.divide(top(env), bottom(env))
    if isinstance(expr, Prod):
        return _chained([(1, f) for f in expr.factors], np.multiply)
    if isinstance(expr, Sum):
        return _chained(list(expr.terms), np.add, np.subtract)
    return expr.value


def _chained(
    items: Sequence[tuple[int, Expr]],
    join: Callable[[Any, Any], Any],
    join_negated: Callable[[Any, Any], Any] | None = None,
) -> Callable[[Env], Any]:
    """A product (``join`` multiplies) or a signed sum (``join_negated`` subtracts the terms
    whose sign is -1) of compiled operands, left to right."""
    (sign, first), *rest = items
    head = _compiled(first)
    start: Callable[[Env], Any] = head if sign > 0 else (lambda env: 0.0 - head(env))
    for sign, item in rest:
        start = _joined(start, _compiled(item), join if sign > 0 else join_negated or join)
    return start


def _joined(
    left: Callable[[Env], Any], right: Callable[[Env], Any], join: Callable[[Any, Any], Any]
) -> Callable[[Env], Any]:
    return lambda env: join(left(env), right(env))


#: functions that act entry by entry, so that a stack of values goes through them at once
ELEMENTWISE = frozenset(
    [
        "exp",
        "log",
        "log10",
        "sigmoid",
        "relu",
        "step",
        "atmost",
        "sign",
        "heaviside",
        "sqrt",
        "tanh",
        "abs",
        "sgn",
        "power",
        "square",
        "floor",
        "ceil",
        "round",
    ]
)


def _batchable(expr: Expr) -> bool:
    """Can the node compute a stack of values (a leading axis) as it computes one? Sums,
    products, quotients and entry-by-entry functions of them can; anything that reduces,
    indexes or transposes cannot."""
    if isinstance(expr, (Q, C)):
        return True
    if isinstance(expr, Neg):
        return _batchable(expr.operand)
    if isinstance(expr, Div):
        return _batchable(expr.numerator) and _batchable(expr.denominator)
    if isinstance(expr, Prod):
        return all(_batchable(f) for f in expr.factors)
    if isinstance(expr, Sum):
        return all(_batchable(term) for _, term in expr.terms)
    if isinstance(expr, Fn):
        return expr.name in ELEMENTWISE and all(_batchable(a) for a in expr.args)
    return False


def _answers_from(
    computation: Computation,
    compiled: Sequence[Callable[[Env], Any]],
    base: dict[str, Array],
    index: int,
    values: Sequence[Array],
) -> list[dict[str, Any] | None]:
    """The answer for each value of line ``index``, the later lines computed once for all of
    them: the values are stacked along a new first axis (padded so that they broadcast against
    every other value as one value does), so only lines that act entry by entry may follow."""
    if len(values) < 2:
        return _answers_one_by_one(computation, compiled, base, index, values)
    depth = max(np.ndim(v) for v in base.values())
    count, lines = len(values), computation.lines
    shape = values[0].shape
    env = dict(base)
    env[lines[index].name] = np.stack(values).reshape(
        (count,) + (1,) * (depth - len(shape)) + shape
    )
    stacked = [lines[index].name]
    finite = np.ones(count, bool)
    try:
        for line, compute in zip(lines[index + 1 :], compiled[index + 1 :]):
            result = env[line.name] = np.asarray(compute(env))
            if result.ndim == depth + 1:  # it follows from the edited line
                stacked.append(line.name)
                finite &= np.isfinite(result).reshape(count, -1).all(axis=1)
    except (ValueError, IndexError, ZeroDivisionError):
        return _answers_one_by_one(computation, compiled, base, index, values)
    out: list[dict[str, Any] | None] = []
    for i in range(count):
        if not finite[i]:
            out.append(None)
            continue
        one = dict(env)
        for name in stacked:
            one[name] = env[name][i].reshape(np.shape(base[name]))
        try:
            out.append(computation.answer(one))
        except (ValueError, IndexError, ZeroDivisionError):
            out.append(None)
    return out


def _rows(reduce: Callable[..., Array]) -> Callable[[Array], Array]:
    """A reduction along each row (over the columns), kept as a column for broadcasting."""
    return lambda m: np.asarray(reduce(np.asarray(m), axis=-1, keepdims=True))


def _kept_max(scores: Array, keep: Array) -> Array:
    """Each row's largest score among the entries a causal mask keeps."""
    return np.asarray(np.where(np.asarray(keep) > 0, scores, -np.inf).max(axis=-1, keepdims=True))


function("sqrt", np.sqrt, "sqrt({0})", tex=r"\sqrt{{{0}}}")
function("tanh", mathfn.tanh, "tanh({0})", confused=("sigmoid",), tex=r"\tanh({0})")
function("abs", np.abs, "|{0}|", tex=r"\left|{0}\right|")
function("sgn", np.sign, "sign({0})", confused=("abs",), tex=r"\text{{sign}}({0})")
function("power", np.power, "{0}^{1}", skippable=False, tex=r"\left({0}\right)^{{{1}}}")
function(
    "colsum",
    lambda m: np.asarray(m).sum(axis=0, keepdims=True),
    "sum_i {0}",
    skippable=False,
    also=("colmean",),
    tex=r"\sum_i {0}",
)
function(
    "rowsum",
    _rows(np.sum),
    "sum_j {0}",
    confused=("colsum", "sum"),
    skippable=False,
    tex=r"\sum_j {0}",
)
function("rowmax", _rows(np.max), "max_j {0}", skippable=False, tex=r"\max_j {0}")
function(
    "keptmax",
    _kept_max,
    "max_(j kept) {0}",
    skippable=False,
    tex=r"\max_{{j \text{{ kept}}}} {0}",
)
function("square", np.square, "({0})^2", tex=r"\left({0}\right)^2")
function(
    "colmean",
    lambda m: np.asarray(m).mean(axis=0, keepdims=True),
    "mean_i {0}",
    skippable=False,
    tex=r"\frac{{1}}{{m}} \sum_i {0}",
)
function("atmost", lambda z: (np.asarray(z) <= 0).astype(float), "1[{0} <= 0]", skippable=False)


#: each kind of edit as a class report groups it: "step 3, factor left out"
KINDS = {
    "dropped": "factor left out",
    "added": "factor put in where it does not belong",
    "inverted": "factor inverted",
    "squared": "factor squared",
    "doubled": "doubled",
    "term-dropped": "term left out",
    "sign": "sign flipped",
    "swapped": "written the other way round",
    "transpose-dropped": "transpose left out",
    "transpose-added": "transpose added",
    "confused": "one function for another",
    "not-applied": "function not applied",
    "neighbour": "one quantity for another",
    "index": "the entry next to the right one",
    "halved": "halved",
    "outside": "a term taken out of a function",
    "complement": "a rate swapped with its complement",
    "exchanged": "two parameters exchanged",
    "lines-exchanged": "two quantities in each other's place",
}
KINDS |= {EVERY + kind: f"{said}, in every step" for kind, said in KINDS.items()} | {
    ALL + kind: f"{said}, in every formula of the step" for kind, said in KINDS.items()
}
