r"""Batch normalization in training mode, and the gradients of gamma and beta (section 13).

Statistics are per feature (column) over the mini-batch (rows), the variance biased (divided by
m). The guide's worked example:

>>> a = solve(Params(X=[[1, 2], [3, 2], [2, 5]], gamma=[2, 1], beta=[0, 0.5], eps=0.1,
...                  upstream=[[1, 0], [0, 1], [-1, 1]]))
>>> a["mean"], [round(v, 4) for v in a["var"]], [round(v, 4) for v in a["dbeta"]]
([2.0, 3.0], [0.6667, 2.0], [0.0, 2.0])
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.draw import grid_matrix, grid_vector, pick
from quizgen.core.latex import mat, num, paren, vec
from quizgen.core.model import Difficulty, Part, Precision, Stem, Step
from quizgen.core.mutation import Computation, Div, Fn, Line, Prod, Q, add, diff
from quizgen.core.params import Matrix, Num, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import switched

TITLE = "Batch normalization"
CODE = "BN"
SECTION = 13
SECTION_TITLE = "Batch normalization"
DESCRIPTION = "training-mode batch norm: batch means, biased variances, x_hat, y; dgamma, dbeta"

DECIMALS = 4


class Params(ParamsModel):
    X: Matrix
    gamma: Vector
    beta: Vector
    eps: Annotated[Num, Field(ge=0)]
    upstream: Matrix | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        m, n = len(self.X), len(self.X[0])
        if m < 2:
            raise ValueError("X needs at least two examples (rows) to normalize over")
        for name in ("gamma", "beta"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} must have one entry per feature (column of X): {n}")
        if self.upstream is not None and (len(self.upstream), len(self.upstream[0])) != (m, n):
            raise ValueError(f"upstream must be {m} x {n}, like X")
        if self.eps == 0 and np.var(np.array(self.X, float), axis=0).min() == 0:
            raise ValueError("with eps = 0 every feature must vary over the batch")
        return self


def _answer(
    p: Params,
    *,
    unbiased: bool = False,
    over: Literal["batch", "features"] = "batch",
    with_eps: bool = True,
) -> dict[str, Any]:
    """The forward pass (and gradients when upstream is given). The keywords are the mistakes:
    ``unbiased`` divides the variance by m - 1, ``over`` "features" takes the statistics of
    each example's row, ``with_eps`` False leaves epsilon out of the root."""
    X = np.array(p.X, float)
    axis = 0 if over == "batch" else 1
    mean = X.mean(axis=axis, keepdims=True)
    var = ((X - mean) ** 2).sum(axis=axis, keepdims=True) / (X.shape[axis] - unbiased)
    x_hat = (X - mean) / np.sqrt(var + (p.eps if with_eps else 0.0))
    out: dict[str, Any] = {
        "mean": mean.ravel().tolist(),
        "var": var.ravel().tolist(),
        "x_hat": x_hat.tolist(),
        "y": (np.array(p.gamma, float) * x_hat + np.array(p.beta, float)).tolist(),
    }
    if p.upstream is not None:
        upstream = np.array(p.upstream, float)
        out["dgamma"] = (upstream * x_hat).sum(axis=0).tolist()
        out["dbeta"] = upstream.sum(axis=0).tolist()
    return out


def solve(p: Params) -> dict[str, Any]:
    return _answer(p)


def solve_with(p: Params, **switches: Any) -> dict[str, Any]:
    """The answer with some mistakes' switches set (two mistakes made at once)."""
    return _answer(p, **switches)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: three examples of two integer features, gamma 1 or 2, beta 0. Medium: four
    examples, gamma and beta on a 0.5 grid. Hard: three examples and an upstream gradient for
    dgamma and dbeta. eps = 0.1, large enough to show; every feature varies over the batch and
    every example over its features (so no mistake divides by zero)."""
    m = 4 if difficulty == "medium" else 3
    n = 2
    X = grid_matrix(rng, m, n, -2, 3, 1)
    gamma: list[int | float]
    beta: list[int | float]
    if difficulty == "easy":
        gamma, beta = [pick(rng, (1, 2)) for _ in range(n)], [0] * n
    else:
        gamma, beta = grid_vector(rng, n, 0.5, 2, 0.5), grid_vector(rng, n, -1, 1, 0.5)
    upstream = grid_matrix(rng, m, n, -1, 1, 0.5) if difficulty == "hard" else None
    values = np.array(X, float)
    if values.var(axis=0).min() == 0 or values.var(axis=1).min() == 0:
        raise Degenerate
    if upstream is not None and np.abs(np.array(upstream)).sum(axis=0).min() == 0:
        raise Degenerate
    return Params(X=X, gamma=gamma, beta=beta, eps=0.1, upstream=upstream)


def parts(p: Params) -> list[Part]:
    rounded = Precision(DECIMALS)
    asked = [
        Part("mean", r"batch means $\mu_j$", rounded, "vector"),
        Part("var", r"batch variances $\sigma_j^2$", rounded, "vector"),
        Part("x_hat", r"normalized values $\hat{x}$", rounded, "matrix"),
        Part("y", r"outputs $y = \gamma \hat{x} + \beta$", rounded, "matrix"),
    ]
    if p.upstream is not None:
        # dgamma last: it depends on every earlier part (a choice form offers its mistakes)
        asked += [
            Part("dbeta", r"$\partial L / \partial \beta$", rounded, "vector"),
            Part("dgamma", r"$\partial L / \partial \gamma$", rounded, "vector"),
        ]
    return asked


def stem(p: Params) -> Stem:
    m = len(p.X)
    gradients = ""
    if p.upstream is not None:
        gradients = (
            r" The gradient of the loss with respect to the outputs is "
            rf"$\partial L / \partial y = {mat(p.upstream)}$: also give "
            r"$\partial L / \partial \gamma$ and $\partial L / \partial \beta$."
        )
    return Stem(
        f"A batch-normalization layer in training mode receives a mini-batch of {m} examples "
        f"(rows) with {len(p.gamma)} features (columns), $X = {mat(p.X)}$, and has "
        rf"$\gamma = {vec(p.gamma)}$, $\beta = {vec(p.beta)}$, $\epsilon = {num(p.eps)}$. "
        r"Compute each feature's batch mean $\mu_j$ and biased variance $\sigma_j^2$ "
        r"(divided by $m$), the normalized values "
        r"$\hat{x}_{ij} = (x_{ij} - \mu_j) / \sqrt{\sigma_j^2 + \epsilon}$ and the outputs "
        r"$y_{ij} = \gamma_j \hat{x}_{ij} + \beta_j$." + gradients
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    d = DECIMALS
    m = len(p.X)
    columns = [list(c) for c in zip(*p.X)]
    out = [
        Step(
            r"Batch means $\mu_j = \frac{1}{m} \sum_i x_{ij}$",
            tuple(
                rf"\mu_{j + 1} = \frac{{{' + '.join(paren(v) for v in col)}}}{{{m}}}"
                rf" = {num(mu, d)}"
                for j, (col, mu) in enumerate(zip(columns, answer["mean"]))
            ),
        ),
        Step(
            r"Biased variances $\sigma_j^2 = \frac{1}{m} \sum_i (x_{ij} - \mu_j)^2$",
            tuple(
                rf"\sigma_{j + 1}^2 = \frac{{"
                + " + ".join(f"{paren(v - mu, d)}^2" for v in col)
                + rf"}}{{{m}}} = {num(var, d)}"
                for j, (col, mu, var) in enumerate(zip(columns, answer["mean"], answer["var"]))
            ),
        ),
        Step(
            r"Normalize: $\hat{x}_{ij} = (x_{ij} - \mu_j) / \sqrt{\sigma_j^2 + \epsilon}$",
            (
                *tuple(
                    rf"\sqrt{{\sigma_{j + 1}^2 + \epsilon}} = \sqrt{{{num(var, d)} + {num(p.eps)}}}"
                    rf" = {num(np.sqrt(var + p.eps), d)}"
                    for j, var in enumerate(answer["var"])
                ),
                rf"\hat{{x}} = {mat(answer['x_hat'], d)}",
            ),
        ),
        Step(
            r"Scale and shift: $y_{ij} = \gamma_j \hat{x}_{ij} + \beta_j$",
            (rf"y = {mat(answer['y'], d)}",),
        ),
    ]
    if p.upstream is not None:
        g_columns = list(zip(*p.upstream))
        x_columns = list(zip(*answer["x_hat"]))
        out.append(
            Step(
                r"$\partial L / \partial \beta_j = \sum_i \frac{\partial L}{\partial y_{ij}}$, "
                r"$\partial L / \partial \gamma_j = \sum_i \frac{\partial L}{\partial y_{ij}} "
                r"\hat{x}_{ij}$",
                (
                    rf"\frac{{\partial L}}{{\partial \beta}} = {vec(answer['dbeta'], d)}",
                    *tuple(
                        rf"\frac{{\partial L}}{{\partial \gamma_{j + 1}}} = "
                        + " + ".join(rf"{paren(g)} \cdot {paren(x, d)}" for g, x in zip(gc, xc))
                        + rf" = {num(dg, d)}"
                        for j, (gc, xc, dg) in enumerate(
                            zip(g_columns, x_columns, answer["dgamma"])
                        )
                    ),
                ),
            )
        )
    return out


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """Each later quantity from the student's own earlier ones: variances from their means,
    x_hat from their means and variances, y and the gradients from their x_hat."""
    right = solve(p)
    X = np.array(p.X, float)
    mean = np.array(given.get("mean", right["mean"]), float)
    var = np.array(given.get("var", right["var"]), float)
    x_hat = np.array(given.get("x_hat", right["x_hat"]), float)
    out: dict[str, Any] = {
        "var": ((X - mean) ** 2).mean(axis=0).tolist(),
        "y": (np.array(p.gamma, float) * x_hat + np.array(p.beta, float)).tolist(),
    }
    if (var + p.eps > 0).all():
        out["x_hat"] = ((X - mean) / np.sqrt(var + p.eps)).tolist()
    if p.upstream is not None:
        out["dgamma"] = (np.array(p.upstream, float) * x_hat).sum(axis=0).tolist()
    return out


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation): the
    statistics are sums down each column (over the batch), divided by m."""
    X, m, x_hat = Q("X"), Q("m"), Q("x_hat")
    centred = diff(X, Q("mean", "mu"))
    lines = [
        Line("mean", Div(Fn("colsum", (X,)), m), 1, "mu"),
        Line("var", Div(Fn("colsum", (Fn("square", (centred,)),)), m), 2, "sigma^2"),
        Line("root", Fn("sqrt", (add(Q("var", "sigma^2"), Q("eps")),)), 3, "sqrt(sigma^2 + eps)"),
        Line("x_hat", Div(centred, Q("root", "sqrt(sigma^2 + eps)")), 3),
        Line("y", add(Prod((Q("gamma"), x_hat)), Q("beta")), 4),
    ]
    inputs = {"X": p.X, "m": len(p.X), "n": len(p.X[0]), "gamma": p.gamma, "beta": p.beta}
    inputs["eps"] = p.eps
    if p.upstream is not None:
        upstream = Q("upstream", "dL/dy")
        inputs["upstream"] = p.upstream
        lines += [
            # x_hat belongs to dgamma: put into dbeta, it is the two gradients confused
            Line("dbeta", Fn("colsum", (Prod((upstream,), absent=(x_hat,)),)), 5, "dL/dbeta"),
            Line("dgamma", Fn("colsum", (Prod((upstream, x_hat)),)), 5, "dL/dgamma"),
        ]

    def read(env: Any) -> dict[str, Any]:
        flat = {"mean", "var", "dbeta", "dgamma"}
        names = [line.name for line in lines if line.name != "root"]
        return {k: (env[k].ravel() if k in flat else env[k]).tolist() for k in names}

    # the number of features for the batch size; the output or the input for x_hat
    neighbours = {"m": ("n",), "x_hat": ("y", "X")}
    return Computation(inputs, tuple(lines), read, neighbours)


def _varies(p: Params, axis: int) -> bool:
    """Does every feature (axis 0) or every example (axis 1) take more than one value?"""
    return bool(np.var(np.array(p.X, float), axis=axis).min() > 0)


MISCONCEPTIONS = (
    switched(
        solve_with,
        "used the unbiased variance",
        r"Batch norm's training statistics divide by $m$, the batch size, not by $m - 1$.",
        unbiased=True,
    ),
    switched(
        solve_with,
        "normalized over the features instead of the batch",
        "Each feature is normalized with its own mean and variance over the mini-batch (a "
        "column), not over one example's features (a row).",
        when=lambda p: p.eps > 0 or _varies(p, 1),
        over="features",
    ),
    switched(
        solve_with,
        "forgot epsilon",
        r"The denominator is $\sqrt{\sigma^2 + \epsilon}$: $\epsilon$ is added under the root.",
        when=lambda p: p.eps > 0 and _varies(p, 0),
        with_eps=False,
    ),
)
