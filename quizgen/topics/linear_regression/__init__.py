r"""Linear regression: MSE cost, its gradient and one gradient-descent step (seed section 2).

>>> p = Params(X=[[1, 1], [1, 3]], y=[2, 4], w=[0, 1], eta=0.1)
>>> a = solve(p)
>>> a["y_hat"], a["error"], a["cost"], a["grad"]
([1.0, 3.0], [-1.0, -1.0], 0.5, [-1.0, -2.0])
>>> [round(v, 10) for v in a["w_new"]]
[0.1, 1.2]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.draw import grid_matrix, grid_vector, pick
from quizgen.core.latex import dot, mat, num, paren, vec
from quizgen.core.mathfn import matmul
from quizgen.core.model import EXACT, Difficulty, Part, Precision, Stem, Step
from quizgen.core.mutation import C, Computation, Div, Fn, Line, MatMul, Prod, Q, T, diff, fields
from quizgen.core.params import Matrix, Num, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import switched

TITLE = "Linear regression gradient"
CODE = "LR"
SECTION = 2
SECTION_TITLE = "Linear regression gradient derivation"
DESCRIPTION = "y_hat = Xw, J = 1/(2N) sum (y_hat - y)^2, grad = (1/N) X^T (Xw - y), one GD step"

DECIMALS = 4


class Params(ParamsModel):
    X: Matrix
    y: Vector
    w: Vector
    eta: Num = Field(gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if len(self.y) != len(self.X):
            raise ValueError(f"y has {len(self.y)} targets but X has {len(self.X)} rows")
        if len(self.w) != len(self.X[0]):
            raise ValueError(f"w has {len(self.w)} weights but X has {len(self.X[0])} columns")
        for i, row in enumerate(self.X):
            if row[0] != 1:
                raise ValueError(f"X[{i}][0] must be the bias input 1, got {row[0]}")
        return self


def _fit(
    p: Params,
    *,
    scale: bool = True,
    flip: bool = False,
    ascend: bool = False,
    half: bool = True,
    use_eta: bool = True,
) -> dict[str, Any]:
    """The answer, computed with each switch set right (the defaults) or as a known mistake."""
    X, y, w = np.array(p.X, float), np.array(p.y, float), np.array(p.w, float)
    n = len(y)
    y_hat = matmul(X, w)
    error = (y - y_hat) if flip else (y_hat - y)
    cost = float(matmul(error, error)) / (2 * n if half else n)
    grad = matmul(X.T, error) / (n if scale else 1)
    eta = p.eta if use_eta else 1.0
    w_new = w + eta * grad if ascend else w - eta * grad
    return {
        "y_hat": y_hat.tolist(),
        "error": error.tolist(),
        "cost": cost,
        "grad": grad.tolist(),
        "w_new": w_new.tolist(),
    }


def solve(p: Params) -> dict[str, Any]:
    return _fit(p)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: two examples, one feature, integers. Medium: two or four examples, one or two
    features, weights on a 0.5 grid. Hard: three or four examples, two features. The current
    weights never fit the data exactly (a zero gradient teaches nothing)."""
    if difficulty == "easy":
        n, d, w_step, eta = 2, 1, 1.0, 0.1
    elif difficulty == "medium":
        n, d, w_step, eta = pick(rng, [2, 4]), pick(rng, [1, 2]), 0.5, pick(rng, [0.1, 0.05])
    else:
        n, d, w_step, eta = pick(rng, [3, 4]), 2, 0.5, pick(rng, [0.1, 0.05, 0.01])
    features = grid_matrix(rng, n, d, -3, 3, 1)
    X = [[1, *row] for row in features]
    if len({tuple(row) for row in X}) < n:
        raise Degenerate  # repeated examples
    p = Params(
        X=X, y=grid_vector(rng, n, -4, 4, 1), w=grid_vector(rng, d + 1, -2, 2, w_step), eta=eta
    )
    if np.allclose(solve(p)["grad"], 0):
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    rounded = Precision(DECIMALS)
    return [
        Part("y_hat", r"predictions $\hat{y} = Xw$", EXACT, "vector"),
        Part("error", r"errors $e = \hat{y} - y$", EXACT, "vector"),
        Part("cost", r"cost $J(w)$", rounded),
        Part("grad", r"gradient $\nabla_w J$", rounded, "vector"),
        Part("w_new", r"updated weights $w - \eta \nabla_w J$", rounded, "vector"),
    ]


def stem(p: Params) -> Stem:
    return Stem(
        rf"A linear model $\hat{{y}} = Xw$ has weights $w = {vec(p.w)}$ (bias weight first). "
        rf"The training set has inputs $X = {mat(p.X)}$ (each row starts with the bias input 1) "
        rf"and targets $y = {vec(p.y)}$. With the cost "
        r"$J(w) = \frac{1}{2N} \sum_i (\hat{y}^{(i)} - y^{(i)})^2$, compute the "
        r"predictions, the errors, the cost, the gradient $\nabla_w J$ and the weights after one "
        rf"gradient-descent step with $\eta = {num(p.eta)}$."
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    n = len(p.y)
    y_hat, error, grad = answer["y_hat"], answer["error"], answer["grad"]
    columns = list(zip(*p.X))
    squares = " + ".join(f"{paren(e)}^2" for e in error)
    return [
        Step(
            "Predictions $\\hat{y} = Xw$",
            tuple(
                rf"\hat{{y}}^{{({i + 1})}} = {dot(row, p.w)} = {num(v)}"
                for i, (row, v) in enumerate(zip(p.X, y_hat))
            ),
        ),
        Step(
            "Errors $e = \\hat{y} - y$",
            tuple(
                rf"e^{{({i + 1})}} = {num(v)} - {paren(t)} = {num(e)}"
                for i, (v, t, e) in enumerate(zip(y_hat, p.y, error))
            ),
        ),
        Step(
            "Cost",
            (
                rf"J = \frac{{1}}{{2N}} \sum_i e_i^2 = \frac{{1}}{{2 \cdot {n}}}({squares})"
                rf" = {num(answer['cost'], DECIMALS)}",
            ),
        ),
        Step(
            "Gradient $\\nabla_w J = \\frac{1}{N} X^T e$",
            tuple(
                rf"\frac{{\partial J}}{{\partial w_{j}}} = \frac{{1}}{{{n}}}({dot(col, error)})"
                rf" = {num(g, DECIMALS)}"
                for j, (col, g) in enumerate(zip(columns, grad))
            ),
        ),
        Step(
            "Update $w \\leftarrow w - \\eta \\nabla_w J$",
            tuple(
                rf"w_{j} = {num(w)} - {paren(p.eta)} \cdot {paren(g, DECIMALS)}"
                rf" = {num(v, DECIMALS)}"
                for j, (w, g, v) in enumerate(zip(p.w, grad, answer["w_new"]))
            ),
            rf"w = {vec(answer['w_new'], DECIMALS)}",
        ),
    ]


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """Each later value from the student's own earlier ones, for follow-through marking."""
    X, y, w = np.array(p.X, float), np.array(p.y, float), np.array(p.w, float)
    y_hat = np.array(given.get("y_hat", matmul(X, w)), float)
    error = np.array(given.get("error", y_hat - y), float)
    grad = np.array(given.get("grad", matmul(X.T, error) / len(y)), float)
    return {
        "error": (y_hat - y).tolist(),
        "cost": float(matmul(error, error)) / (2 * len(y)),
        "grad": (matmul(X.T, error) / len(y)).tolist(),
        "w_new": (w - p.eta * grad).tolist(),
    }


def solve_with(p: Params, **switches: Any) -> dict[str, Any]:
    """The answer with some mistakes' switches set (two mistakes made at once)."""
    return _fit(p, **switches)


MISCONCEPTIONS = (
    switched(
        solve_with,
        "forgot the 1/N",
        "The cost averages over the $N$ examples, so its gradient carries the factor "
        r"$\frac{1}{N}$.",
        scale=False,
    ),
    switched(
        solve_with,
        "took the error as y - y_hat",
        r"With $e = \hat{y} - y$ the gradient is $\frac{1}{N} X^T e$; using $y - \hat{y}$ "
        "flips its sign.",
        flip=True,
    ),
    switched(
        solve_with,
        "added the gradient",
        r"Gradient descent steps against the gradient: $w - \eta \nabla_w J$, not $w + \eta "
        r"\nabla_w J$.",
        ascend=True,
    ),
    switched(
        solve_with,
        "left out the 1/2 in the cost",
        r"$J = \frac{1}{2N} \sum_i e_i^2$: the $\frac{1}{2}$ is there so that it cancels the "
        "$2$ from differentiating.",
        half=False,
    ),
    switched(
        solve_with,
        "ignored the learning rate",
        r"The step is scaled by $\eta$: $w_{new} = w - \eta \nabla_w J$.",
        when=lambda p: p.eta != 1,
        use_eta=False,
    ),
)


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation)."""
    error, n = Q("error", "e"), Q("n", "N")
    return Computation(
        inputs={"X": p.X, "y": p.y, "w": p.w, "eta": p.eta, "n": len(p.y)},
        lines=(
            Line("y_hat", MatMul(Q("X"), Q("w")), 1),
            Line("error", diff(Q("y_hat"), Q("y")), 2, "e"),
            Line("cost", Div(Fn("sum", (Prod((error, error)),)), Prod((C(2), n))), 3, "J"),
            Line("grad", Div(MatMul(T(Q("X")), error), n), 4, "grad J"),
            Line("w_new", diff(Q("w"), Prod((Q("eta"), Q("grad", "grad J")))), 5, "w"),
        ),
        answer=fields(y_hat="y_hat", error="error", cost="cost", grad="grad", w_new="w_new"),
        neighbours={"y": ("y_hat",), "y_hat": ("y",)},
        shown={"n": "N", "eta": "eta"},
    )
