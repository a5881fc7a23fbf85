r"""Regularization: an L2 or L1 weight penalty with one update, and inverted dropout (section 12).

The bias weight (first) is never penalised; L1 uses sign(0) = 0. The guide's worked example:

>>> a = solve(Params(w=[0.5, 2, -1], grad=[0.5, 1, -0.5], loss=1.5, penalty="l2", lam=0.1,
...                  lr=0.5, a=[1, 2, 0.5], mask=[1, 0, 1], p=0.5))
>>> a["penalty"], a["total_grad"], a["w_new"], a["dropped"], a["test"]
(0.25, [0.5, 1.2, -0.6], [0.25, 1.4, -0.7], [2.0, 0.0, 1.0], [1, 2, 0.5])
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.draw import grid_vector, on_grid, pick
from quizgen.core.latex import num, paren, vec
from quizgen.core.mathfn import matmul
from quizgen.core.model import Difficulty, Part, Precision, Stem, Step
from quizgen.core.mutation import C, Computation, Div, Fn, Line, Prod, Q, add, diff, fields
from quizgen.core.params import Num, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import switched

TITLE = "Weight decay and dropout"
CODE = "RG"
SECTION = 12
SECTION_TITLE = "Regularization: weight decay, L1 and dropout"
DESCRIPTION = "L2/L1 penalty, its gradient and one update (bias not decayed); inverted dropout"

DECIMALS = 4
Positive = Annotated[Num, Field(gt=0)]


class Params(ParamsModel):
    w: Vector
    grad: Vector
    loss: Num
    penalty: Literal["l2", "l1"]
    lam: Positive
    lr: Positive
    a: Vector
    mask: tuple[Literal[0, 1], ...]
    p: Annotated[Num, Field(ge=0, lt=1)]

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if len(self.w) < 2:
            raise ValueError("w needs the bias weight and at least one weight")
        if len(self.grad) != len(self.w):
            raise ValueError(f"grad has {len(self.grad)} entries but w has {len(self.w)}")
        if len(self.mask) != len(self.a):
            raise ValueError(f"mask has {len(self.mask)} entries but a has {len(self.a)}")
        return self


def _answer(
    p: Params,
    *,
    scale: Literal["right", "no-half", "half-gradient"] = "right",
    decay_bias: bool = False,
    sign_zero: int = 0,
    dropout_scale: bool = True,
    test_scale: bool = False,
) -> dict[str, Any]:
    """Penalty, update and dropout. The keywords are the mistakes: ``scale`` "no-half" takes
    R = lam sum w^2 (gradient 2 lam w), "half-gradient" keeps R but uses lam/2 w; ``decay_bias``
    penalises w_0 too; ``sign_zero`` is L1's sign(0); ``dropout_scale`` False leaves out
    1/(1 - p); ``test_scale`` divides by 1 - p at test time too."""
    w = np.array(p.w, float)
    penalised = np.ones_like(w)
    penalised[0] = 1.0 if decay_bias else 0.0
    if p.penalty == "l2":
        factor = {"right": (0.5, 1.0), "no-half": (1.0, 2.0), "half-gradient": (0.5, 0.5)}[scale]
        value = factor[0] * p.lam * float(matmul(penalised, w**2))
        penalty_grad = factor[1] * p.lam * penalised * w
    else:
        value = p.lam * float(matmul(penalised, np.abs(w)))
        penalty_grad = p.lam * penalised * np.where(w == 0, sign_zero, np.sign(w))
    total_grad = np.array(p.grad, float) + penalty_grad
    a, mask = np.array(p.a, float), np.array(p.mask, float)
    keep = 1 - p.p
    return {
        "penalty": value,
        "total_loss": p.loss + value,
        "total_grad": total_grad.tolist(),
        "w_new": (w - p.lr * total_grad).tolist(),
        "dropped": (a * mask / (keep if dropout_scale else 1)).tolist(),
        "expected": list(p.a),
        "test": (a / keep).tolist() if test_scale else list(p.a),
    }


def solve(p: Params) -> dict[str, Any]:
    return _answer(p)


def solve_with(p: Params, **switches: Any) -> dict[str, Any]:
    """The answer with some mistakes' switches set (two mistakes made at once)."""
    return _answer(p, **switches)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: L2 on two weights, dropout p = 0.5 over three units. Medium: L1 on three weights,
    one of them 0 (the question is then about sign(0) = 0). Hard: either penalty on three
    weights, activations with one decimal. The bias weight is never 0 (decaying it must show);
    every mask keeps one unit and drops one."""
    penalty = {"easy": "l2", "medium": "l1", "hard": pick(rng, ("l2", "l1"))}[difficulty]
    n = 2 if difficulty == "easy" else 3
    w = [on_grid(rng, -2, 2, 0.5), *grid_vector(rng, n, -2, 2, 0.5)]
    if penalty == "l1":
        w[1 + int(rng.integers(n))] = 0
    k = 3 if difficulty == "easy" else 4
    p = Params(
        w=w,
        grad=grid_vector(rng, n + 1, -1.5, 1.5, 0.5),
        loss=on_grid(rng, 0.5, 3, 0.25),
        penalty=penalty,
        lam=pick(rng, (0.1, 0.2, 0.5)),
        lr=pick(rng, (0.1, 0.5)),
        a=grid_vector(rng, k, 0.5, 3, 0.1 if difficulty == "hard" else 0.5),
        mask=[int(rng.integers(2)) for _ in range(k)],
        p=0.5 if difficulty == "easy" else pick(rng, (0.2, 0.25, 0.5)),
    )
    if w[0] == 0 or w[1:].count(0) != (penalty == "l1") or len(set(p.mask)) < 2:
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    rounded = Precision(DECIMALS)
    return [
        Part("penalty", "penalty $R(w)$", rounded),
        Part("total_loss", "regularized loss $L + R$", rounded),
        Part("total_grad", r"gradient $\nabla_w (L + R)$", rounded, "vector"),
        Part("w_new", "updated weights", rounded, "vector"),
        Part("dropped", r"training output $\tilde{a}$ of dropout", rounded, "vector"),
        Part("test", "test-time output of the layer", rounded, "vector"),
    ]


def _penalty_formula(p: Params) -> str:
    if p.penalty == "l2":
        return r"R(w) = \frac{\lambda}{2} \sum_{j \geq 1} w_j^2"
    return r"R(w) = \lambda \sum_{j \geq 1} |w_j|"


def stem(p: Params) -> Stem:
    sign = r" (a subgradient, with $\text{sign}(0) = 0$)" if p.penalty == "l1" else ""
    return Stem(
        f"A model has weights $w = {vec(p.w)}$ (bias weight $w_0$ first, not penalised), data "
        f"loss $L = {num(p.loss)}$ and data gradient $\\nabla_w L = {vec(p.grad)}$. With the "
        f"penalty ${_penalty_formula(p)}$, $\\lambda = {num(p.lam)}$, compute $R(w)$, the "
        f"regularized loss, its gradient{sign}, and one gradient-descent step with "
        f"$\\eta = {num(p.lr)}$. A layer's activations $a = {vec(p.a)}$ then pass through "
        f"inverted dropout with drop probability $p = {num(p.p)}$ and mask $m = {vec(p.mask)}$ "
        f"(1 = kept): give the training output and the layer's output at test time."
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    d = DECIMALS
    weights = p.w[1:]
    if p.penalty == "l2":
        value = (
            rf"R = \frac{{{num(p.lam)}}}{{2}} ("
            + " + ".join(f"{paren(v)}^2" for v in weights)
            + rf") = {num(answer['penalty'], d)}"
        )
        local = (
            r"\frac{\partial R}{\partial w_j} = \lambda w_j = "
            + vec([0, *(p.lam * v for v in weights)], d)
            + r" \quad (0 \text{ for the bias})"
        )
    else:
        value = (
            rf"R = {num(p.lam)} ("
            + " + ".join(f"|{num(v)}|" for v in weights)
            + rf") = {num(answer['penalty'], d)}"
        )
        signs = [int(np.sign(v)) for v in weights]
        local = (
            rf"\frac{{\partial R}}{{\partial w_j}} = \lambda \, \text{{sign}}(w_j) = "
            rf"{num(p.lam)} \cdot {vec([0, *signs])} \quad (\text{{sign}}(0) = 0"
            r"\text{, and 0 for the bias})"
        )
    keep = 1 - p.p
    return [
        Step(f"Penalty ${_penalty_formula(p)}$", (value,)),
        Step(
            "Regularized loss",
            (
                rf"L + R = {num(p.loss)} + {num(answer['penalty'], d)} = "
                rf"{num(answer['total_loss'], d)}",
            ),
        ),
        Step(
            "Gradient: the data gradient plus the penalty's",
            (
                local,
                rf"\nabla_w (L + R) = {vec(p.grad)} + "
                rf"{vec(np.subtract(answer['total_grad'], p.grad), d)} = "
                rf"{vec(answer['total_grad'], d)}",
            ),
        ),
        Step(
            r"Update $w \leftarrow w - \eta \nabla_w (L + R)$",
            (
                rf"w = {vec(p.w)} - {num(p.lr)} \cdot {vec(answer['total_grad'], d)}"
                rf" = {vec(answer['w_new'], d)}",
            ),
        ),
        Step(
            r"Inverted dropout in training: $\tilde{a} = a \odot m / (1 - p)$",
            (
                rf"\frac{{1}}{{1 - p}} = \frac{{1}}{{{num(keep)}}} = {num(1 / keep, d)}",
                rf"\tilde{{a}} = {vec(p.a)} \odot {vec(p.mask)} / {num(keep)}"
                rf" = {vec(answer['dropped'], d)}",
            ),
        ),
        Step(
            "Expected activation, and the layer at test time",
            (
                rf"\mathbb{{E}}[\tilde{{a}}_i] = (1 - p) \frac{{a_i}}{{1 - p}} + p \cdot 0"
                rf" = a_i = {vec(answer['expected'])}",
                rf"\text{{test: no mask, no scaling: }} {vec(answer['test'])}",
            ),
        ),
    ]


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """The regularized loss from the student's penalty, the update from their gradient."""
    right = solve(p)
    penalty = given.get("penalty", right["penalty"])
    grad = np.array(given.get("total_grad", right["total_grad"]), float)
    return {
        "total_loss": p.loss + penalty,
        "w_new": (np.array(p.w, float) - p.lr * grad).tolist(),
    }


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation). The
    indicator ``[j >= 1]`` (0 for the bias weight, 1 for the others) keeps the bias out of the
    penalty and its gradient, as the worked solution does; the keep probability 1 - p is given
    as such (a student divides by p in its place)."""
    w, lam, penalised = Q("w"), Q("lam", "lambda"), Q("penalised", "[j >= 1]")
    if p.penalty == "l2":
        penalty = Prod((Div(lam, C(2)), Fn("sum", (Prod((penalised, Fn("square", (w,)))),))))
        local = Prod((lam, penalised, w))
    else:
        penalty = Prod((lam, Fn("sum", (Prod((penalised, Fn("abs", (w,)))),))))
        local = Prod((lam, penalised, Fn("sgn", (w,))))
    scale = Q("scale", "1 / (1 - p)")
    return Computation(
        inputs={
            "w": p.w,
            "penalised": [0.0] + [1.0] * (len(p.w) - 1),
            "grad": p.grad,
            "loss": p.loss,
            "lam": p.lam,
            "lr": p.lr,
            "a": p.a,
            "mask": p.mask,
            "p": p.p,
            "keep": 1 - p.p,
        },
        lines=(
            Line("penalty", penalty, 1, "R"),
            Line("total_loss", add(Q("loss", "L"), Q("penalty", "R")), 2, "L + R"),
            Line("local", local, 3, "dR/dw"),
            Line("total_grad", add(Q("grad", "grad L"), Q("local", "dR/dw")), 3, "grad (L + R)"),
            Line("w_new", diff(w, Prod((Q("lr", "eta"), Q("total_grad", "grad (L + R)")))), 4),
            Line("scale", Div(C(1), Q("keep", "1 - p")), 5, "1 / (1 - p)"),
            Line("dropped", Prod((Q("a"), Q("mask", "m"), scale)), 5, "a~"),
            Line("test", Prod((Q("a"),), absent=(Q("mask", "m"), scale)), 6, "test output"),
        ),
        answer=fields(
            penalty="penalty",
            total_loss="total_loss",
            total_grad="total_grad",
            w_new="w_new",
            dropped="dropped",
            expected="a",
            test="test",
        ),
        # the update with the data gradient alone; dividing by p, not the keep probability
        neighbours={"total_grad": ("grad",), "keep": ("p",)},
    )


MISCONCEPTIONS = (
    switched(
        solve_with,
        "dropped the 1/2 of the L2 penalty",
        r"The penalty is $\frac{\lambda}{2} \sum_j w_j^2$, whose gradient is $\lambda w_j$; "
        r"without the $\frac{1}{2}$ both double.",
        when=lambda p: p.penalty == "l2",
        scale="no-half",
    ),
    switched(
        solve_with,
        "used lambda/2 in the L2 gradient",
        r"Differentiating $\frac{\lambda}{2} w_j^2$ gives $\lambda w_j$: the 2 of the square "
        r"cancels the $\frac{1}{2}$.",
        when=lambda p: p.penalty == "l2",
        scale="half-gradient",
    ),
    switched(
        solve_with,
        "decayed the bias",
        r"The bias weight $w_0$ is not penalised: its gradient and update come from the data "
        r"alone.",
        decay_bias=True,
    ),
    switched(
        solve_with,
        "took sign(0) = 1 in the L1 subgradient",
        r"$|w|$ has no slope at 0; the stated subgradient there is $\text{sign}(0) = 0$.",
        when=lambda p: p.penalty == "l1" and 0 in p.w[1:],
        sign_zero=1,
    ),
    switched(
        solve_with,
        "forgot the 1/(1 - p) scaling",
        r"Inverted dropout divides the kept activations by $1 - p$, so their expectation stays "
        r"$a$.",
        dropout_scale=False,
    ),
    switched(
        solve_with,
        "applied the dropout scaling at test time",
        r"Inverted dropout scales in training only: at test time the layer outputs $a$ unchanged.",
        test_scale=True,
    ),
)
