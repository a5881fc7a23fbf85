r"""Linear regression backwards: an input feature for a stated prediction, the learning rate
for a stated weight after one step, or a target for a stated gradient entry.

Each asked quantity enters its stated result linearly with a coefficient the draw keeps
non-zero: the prediction w^T x has slope w_m in the feature x_m; the updated weight
w_j - eta g_j has slope -g_j in eta; the gradient entry (1/N) sum_i x_ij (y_hat_i - y_i) has
slope -x_kj / N in the target y_k. So each answer exists and is unique.

>>> from quizgen.topics import get
>>> p = Params(asked="input", X=[[1, None]], w=[1, 2], value=7)
>>> get("linear_regression", "inverse").solve(p).answer
{'x': 3.0}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import grid_vector, on_grid, pick
from quizgen.core.latex import dot, mat, num, paren, vec
from quizgen.core.mathfn import matmul
from quizgen.core.model import EXACT, Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import NonNegativeInt, Num, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics import linear_regression as forward
from quizgen.topics._shared import a_mistake_is_right, short_decimal

DESCRIPTION = (
    "an input for a stated prediction, the learning rate for a stated weight after one step, "
    "or a target for a stated gradient entry"
)

#: learning rates a stated step is drawn with
ETAS = (0.05, 0.1, 0.2, 0.25, 0.5)


class Params(ParamsModel):
    #: "input": the null feature of the one row of ``X`` for the prediction ``value``;
    #: "eta": the learning rate that takes weight ``index`` to ``value`` in one step;
    #: "target": the null target of ``y`` that makes gradient entry ``index`` equal ``value``
    asked: Literal["input", "eta", "target"]
    X: tuple[tuple[Num | None, ...], ...]
    w: Vector
    y: tuple[Num | None, ...] | None = None
    index: NonNegativeInt | None = None
    value: Num

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        width = len(self.w)
        for i, row in enumerate(self.X):
            if len(row) != width:
                raise ValueError(f"X[{i}] has {len(row)} entries but w has {width} weights")
            if row[0] != 1:
                raise ValueError(f"X[{i}][0] must be the bias input 1, got {row[0]}")
        missing = [(i, c) for i, row in enumerate(self.X) for c, v in enumerate(row) if v is None]
        if self.asked == "input":
            if (
                len(self.X) != 1
                or len(missing) != 1
                or self.y is not None
                or self.index is not None
            ):
                raise ValueError('asked "input" takes one row X with one null feature, w, value')
            if self.w[missing[0][1]] == 0:
                raise ValueError("the unknown feature's weight is 0: any value fits")
            return self
        if missing:
            raise ValueError(f'asked "{self.asked}" takes X with no null entries')
        if self.y is None or len(self.y) != len(self.X) or self.index is None:
            raise ValueError(f'asked "{self.asked}" takes X, y (one target per row), w, index')
        if self.index >= width:
            raise ValueError(f"index: a weight of 0 to {width - 1}, got {self.index}")
        unknowns = sum(v is None for v in self.y)
        if unknowns != (1 if self.asked == "target" else 0):
            raise ValueError(f"y: {'one null target' if self.asked == 'target' else 'no nulls'}")
        if self.asked == "target" and self.X[_unknown(self.y)][self.index] == 0:
            raise ValueError("the stated gradient entry does not depend on the unknown target")
        if self.asked == "eta" and _gradient(self)[self.index] == 0:
            raise ValueError("that weight's gradient is 0: no learning rate moves it")
        return self


def _unknown(values: Sequence[Any]) -> int:
    return next(i for i, v in enumerate(values) if v is None)


def _rows(p: Params) -> list[list[float]]:
    """X as numbers (the "eta" and "target" questions, whose X has no unknown)."""
    return [[v for v in row if v is not None] for row in p.X]


def _matrix(p: Params) -> np.ndarray:
    return np.array(_rows(p), float)


def _gradient(p: Params, *, scale: bool = True, flip: bool = False) -> np.ndarray:
    """grad J = (1/N) X^T (Xw - y), for the "eta" questions (``scale`` False: without the
    1/N; ``flip``: with the error taken as y - y_hat)."""
    X, y = _matrix(p), np.array(p.y, float)
    error = matmul(X, np.array(p.w, float)) - y
    return matmul(X.T, -error if flip else error) / (len(y) if scale else 1)


def _input(p: Params, *, bias: bool = True, multiply: bool = False, flip: bool = False) -> float:
    """The unknown feature x_m = (y_hat - sum of the other terms) / w_m; the keywords are
    mistakes (the bias term left out, multiplied by w_m, the subtraction turned round)."""
    row, m = p.X[0], _unknown(p.X[0])
    others = sum(w * x for c, (w, x) in enumerate(zip(p.w, row)) if x is not None and (bias or c))
    left = (others - p.value) if flip else (p.value - others)
    return float(left * p.w[m] if multiply else left / p.w[m])


def _eta(p: Params, *, scale: bool = True, flip: bool = False, invert: bool = False) -> float:
    """eta = (w_j - w_j') / g_j; ``invert`` turns the ratio upside down."""
    assert p.index is not None
    g, moved = _gradient(p, scale=scale, flip=flip)[p.index], p.w[p.index] - p.value
    return float(g / moved if invert else moved / g)


def _target(
    p: Params, *, scale: bool = True, flip: bool = False, transpose: bool = False
) -> float | None:
    """The y_k with (1/N) sum_i A_ji e_i = g_j, A = X^T (``transpose``: X itself, for a square
    X), e = y_hat - y (``flip``: y - y_hat); None where the mistake cannot be made."""
    assert p.y is not None and p.index is not None
    X, k, j = _matrix(p), _unknown(p.y), p.index
    if transpose and X.shape[0] != X.shape[1]:
        return None
    A = X if transpose else X.T
    sign = -1.0 if flip else 1.0
    y_hat = matmul(X, np.array(p.w, float))
    error = sign * (y_hat - np.array([0.0 if v is None else v for v in p.y]))
    rest = sum(A[j][i] * error[i] for i in range(len(error)) if i != k)
    if A[j][k] == 0:
        return None
    return float(y_hat[k] - (p.value * (len(p.y) if scale else 1) - rest) / (sign * A[j][k]))


def solve(p: Params) -> dict[str, float]:
    if p.asked == "input":
        return {"x": _input(p)}
    if p.asked == "eta":
        return {"eta": _eta(p)}
    target = _target(p)
    assert target is not None  # the validator refuses a target the gradient does not see
    return {"y": target}


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: one feature (or two) of an input for its prediction, integers, weights non-zero.
    Medium: the learning rate (one of ETAS) from one weight after a step, on the forward
    form's medium data. Hard: one target from one gradient entry, on the forward form's hard
    data. Stated values have at most four decimals; a draw where a named mistake gives the
    right answer is redrawn."""
    if difficulty == "easy":
        d = pick(rng, [1, 2])
        w = [on_grid(rng, -3, 3, 1), *(pick(rng, [-3, -2, -1, 1, 2, 3]) for _ in range(d))]
        x = [1, *grid_vector(rng, d, -4, 4, 1)]
        m = int(rng.integers(1, d + 1))
        value = sum(a * b for a, b in zip(w, x))
        row = [None if c == m else v for c, v in enumerate(x)]
        p = Params(asked="input", X=[row], w=w, value=value)
    else:
        data = forward.generate(rng, difficulty)
        j = int(rng.integers(len(data.w)))
        gradient = forward.solve(data)["grad"][j]
        if difficulty == "medium":
            if gradient == 0:
                raise Degenerate
            value = short_decimal(data.w[j] - pick(rng, ETAS) * gradient)
            p = Params(asked="eta", X=data.X, w=data.w, y=data.y, index=j, value=value)
        else:
            k = int(rng.integers(len(data.y)))
            if data.X[k][j] == 0:
                raise Degenerate
            y = [None if i == k else v for i, v in enumerate(data.y)]
            p = Params(
                asked="target", X=data.X, w=data.w, y=y, index=j, value=short_decimal(gradient)
            )
    if a_mistake_is_right(p, solve, parts, MISCONCEPTIONS):
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    if p.asked == "input":
        return [Part("x", f"$x_{_unknown(p.X[0])}$", EXACT)]
    if p.asked == "eta":
        return [Part("eta", r"learning rate $\eta$", Precision(3))]
    assert p.y is not None
    return [Part("y", f"target $y^{{({_unknown(p.y) + 1})}}$", EXACT)]


def _shown(values: Sequence[Any], name: str) -> str:
    return "[" + ", ".join(name if v is None else num(v) for v in values) + "]"


COST = r"$J(w) = \frac{1}{2N} \sum_i (\hat{y}^{(i)} - y^{(i)})^2$"


def stem(p: Params) -> Stem:
    model = rf"A linear model $\hat{{y}} = w^T x$ has weights $w = {vec(p.w)}$ (bias weight first)."
    if p.asked == "input":
        m = _unknown(p.X[0])
        return Stem(
            rf"{model} For the input $x = {_shown(p.X[0], f'x_{m}')}$ (bias input 1 first) it "
            rf"predicts $\hat{{y}} = {num(p.value)}$. Find $x_{m}$."
        )
    assert p.y is not None and p.index is not None
    data = (
        rf"The training set has inputs $X = {mat(_rows(p))}$ (each row starts with the bias "
        "input 1)"
    )
    if p.asked == "eta":
        return Stem(
            rf"{model} {data} and targets $y = {_shown(p.y, '')}$. With the cost {COST}, one "
            r"gradient-descent step $w \leftarrow w - \eta \nabla_w J$ takes the weight "
            rf"$w_{p.index}$ from ${num(p.w[p.index])}$ to ${num(p.value)}$. Which learning rate "
            r"$\eta$ was used?"
        )
    k = _unknown(p.y) + 1
    return Stem(
        rf"{model} {data} and targets $y = {_shown(p.y, f'y^{{({k})}}')}$, one of them unknown. "
        rf"With the cost {COST}, the gradient entry is "
        rf"$\frac{{\partial J}}{{\partial w_{p.index}}} = {num(p.value)}$. Find $y^{{({k})}}$."
    )


def _forward_params(p: Params, y: Sequence[float] | None = None) -> forward.Params:
    """The forward form's problem on this data (the unknown target, if any, given as ``y``)."""
    return forward.Params(X=_rows(p), y=p.y if y is None else y, w=p.w, eta=1)


def steps(p: Params, answer: dict[str, float]) -> list[Step]:
    if p.asked == "input":
        return _input_steps(p, answer["x"])
    if p.asked == "eta":
        return _eta_steps(p, answer["eta"])
    return _target_steps(p, answer["y"])


def _input_steps(p: Params, x: float) -> list[Step]:
    row, m = p.X[0], _unknown(p.X[0])
    known = [(c, w, v) for c, (w, v) in enumerate(zip(p.w, row)) if v is not None]
    others = sum(w * v for _, w, v in known)
    terms = " + ".join(f"{paren(w)} \\cdot {paren(v)}" for _, w, v in known)
    filled = [x if v is None else v for v in row]
    return [
        Step(
            r"The prediction $\hat{y} = w^T x$",
            (rf"{num(p.value)} = {terms} + {paren(p.w[m])} \cdot x_{m}",),
        ),
        Step(
            f"Rearrange for $x_{m}$",
            (
                rf"x_{m} = \frac{{\hat{{y}} - \sum_{{c \neq {m}}} w_c x_c}}{{w_{m}}}"
                rf" = \frac{{{num(p.value)} - {paren(others)}}}{{{num(p.w[m])}}} = {num(x)}",
            ),
        ),
        Step(
            "Check with the forward formula",
            (rf"\hat{{y}} = {dot(filled, p.w)} = {num(float(matmul(filled, p.w)))}",),
        ),
    ]


def _eta_steps(p: Params, eta: float) -> list[Step]:
    assert p.index is not None
    data = _forward_params(p)
    worked = forward.steps(data, forward.solve(data))
    j, g = p.index, forward.solve(data)["grad"][p.index]
    check = p.w[j] - round(eta, 3) * g
    return [
        *(worked[i] for i in (0, 1, 3)),  # predictions, errors, gradient
        Step(
            rf"Rearrange the update $w_{j}' = w_{j} - \eta \frac{{\partial J}}{{\partial w_{j}}}$",
            (
                rf"\eta = \frac{{w_{j} - w_{j}'}}{{\partial J / \partial w_{j}}}"
                rf" = \frac{{{num(p.w[j])} - {paren(p.value)}}}{{{num(g)}}} = {num(eta, 3)}",
            ),
        ),
        Step(
            "Check with the forward formula",
            (rf"w_{j}' = {num(p.w[j])} - {num(eta, 3)} \cdot {paren(g)} = {num(check)}",),
        ),
    ]


def _target_steps(p: Params, target: float) -> list[Step]:
    assert p.y is not None and p.index is not None
    k, j, n = _unknown(p.y), p.index, len(p.y)
    y = [target if v is None else v for v in p.y]
    data = _forward_params(p, y)
    right = forward.solve(data)
    y_hat, error = right["y_hat"], right["error"]
    column = [row[j] for row in _rows(p)]
    known = " + ".join(f"{paren(column[i])} \\cdot {paren(error[i])}" for i in range(n) if i != k)
    rest = sum(column[i] * error[i] for i in range(n) if i != k)
    return [
        forward.steps(data, right)[0],  # the predictions (no target in them)
        Step(
            rf"The gradient entry, $y^{{({k + 1})}}$ unknown",
            (
                rf"\frac{{\partial J}}{{\partial w_{j}}} = \frac{{1}}{{N}} \sum_i x^{{(i)}}_{j}"
                r"(\hat{y}^{(i)} - y^{(i)}) = "
                rf"\frac{{1}}{{{n}}}\left({known} + {paren(column[k])}"
                rf"({num(y_hat[k])} - y^{{({k + 1})}})\right) = {num(p.value)}",
            ),
        ),
        Step(
            rf"Rearrange for $y^{{({k + 1})}}$",
            (
                rf"y^{{({k + 1})}} = \hat{{y}}^{{({k + 1})}} - "
                rf"\frac{{N \frac{{\partial J}}{{\partial w_{j}}} - \sum_{{i \neq {k + 1}}} "
                rf"x^{{(i)}}_{j} e^{{(i)}}}}{{x^{{({k + 1})}}_{j}}}"
                rf" = {num(y_hat[k])} - \frac{{{n} \cdot {paren(p.value)} - {paren(rest)}}}"
                rf"{{{num(column[k])}}} = {num(target)}",
            ),
        ),
        Step(
            "Check with the forward formula",
            (
                rf"\frac{{\partial J}}{{\partial w_{j}}} = \frac{{1}}{{{n}}}({dot(column, error)})"
                rf" = {num(right['grad'][j])}",
            ),
        ),
    ]


def _when(asked: str, answer: Any) -> Any:
    """A mistake of the ``asked`` questions: ``answer(p)`` as the student's number, under the
    part's key (None for the other questions, or where the mistake cannot be made)."""
    key = {"input": "x", "eta": "eta", "target": "y"}[asked]

    def solve(p: Params) -> dict[str, float] | None:
        value = answer(p) if p.asked == asked else None
        return None if value is None else {key: value}

    return solve


def _scaled_apart(p: Params) -> bool:
    """Can multiplying by w_m be told from dividing by it (w_m not +-1, and x_m not 0)?"""
    return p.w[_unknown(p.X[0])] ** 2 != 1 and _input(p) != 0


MISCONCEPTIONS = (
    Misconception(
        "left out the bias term",
        r"$\hat{y} = w_0 + w_1 x_1 + \dots$: the bias weight $w_0$ (times the input 1) is part "
        "of the prediction.",
        _when("input", lambda p: _input(p, bias=False) if p.w[0] else None),
    ),
    Misconception(
        "multiplied by the weight instead of dividing",
        r"$w_m x_m = \hat{y} - \sum_{c \neq m} w_c x_c$, so $x_m$ is that difference divided by "
        "$w_m$.",
        _when("input", lambda p: _input(p, multiply=True) if _scaled_apart(p) else None),
    ),
    Misconception(
        "subtracted the wrong way round",
        r"$w_m x_m = \hat{y} - \sum_{c \neq m} w_c x_c$: the other terms are taken from the "
        "prediction, not the other way round.",
        _when("input", lambda p: _input(p, flip=True) if _input(p) else None),
    ),
    Misconception(
        "forgot the 1/N",
        r"The cost averages over the $N$ examples, so its gradient carries the factor "
        r"$\frac{1}{N}$.",
        lambda p: (
            _when("eta", lambda q: _eta(q, scale=False))(p)
            or _when("target", lambda q: _target(q, scale=False))(p)
        ),
    ),
    Misconception(
        "took the error as y - y_hat",
        r"With $e = \hat{y} - y$ the gradient is $\frac{1}{N} X^T e$; using $y - \hat{y}$ "
        "flips its sign.",
        lambda p: (
            _when("eta", lambda q: _eta(q, flip=True))(p)
            or _when("target", lambda q: _target(q, flip=True))(p)
        ),
    ),
    Misconception(
        "turned the ratio upside down",
        r"$w_j' = w_j - \eta g_j$ gives $\eta = \frac{w_j - w_j'}{g_j}$, not "
        r"$\frac{g_j}{w_j - w_j'}$.",
        _when("eta", lambda p: _eta(p, invert=True)),
    ),
    Misconception(
        "used X instead of its transpose",
        r"$\nabla_w J = \frac{1}{N} X^T e$: entry $j$ sums $x^{(i)}_j e^{(i)}$ down column $j$ "
        "of $X$, not along row $j$.",
        _when("target", lambda p: _target(p, transpose=True)),
    ),
)
