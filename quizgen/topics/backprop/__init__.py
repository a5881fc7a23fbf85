r"""Backpropagation through a two-layer network, row-vector convention (seed sections 7 and 8).

``z1 = x W1 + b1``, ``h1 = act(z1)``, ``z2 = h1 W2 + b2``, ``y_hat = out(z2)``;
``delta2 = y_hat - y`` and ``delta1 = (delta2 W2^T) * act'(z1)``, ``dW = h^T delta``.

>>> p = Params(x=[1, 2], W1=[[1, -1], [0.5, 1]], b1=[0, 0], W2=[[1], [-1]], b2=[0],
...            hidden="relu", output="sigmoid", y=[1])
>>> a = solve(p)
>>> a["z1"], a["h1"], a["z2"]
([2.0, 1.0], [2.0, 1.0], [1.0])
>>> [round(v, 4) for v in a["delta1"]]
[-0.2689, 0.2689]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import grid_matrix, grid_vector
from quizgen.core.latex import dot, mat, num, paren, vec
from quizgen.core.mathfn import log, logsumexp, matmul, sigmoid_array, softmax, softplus
from quizgen.core.model import EXACT, Difficulty, Part, Precision, Stem, Step
from quizgen.core.mutation import (
    At,
    C,
    Computation,
    Expr,
    Fn,
    Line,
    MatMul,
    Neg,
    Outer,
    Prod,
    Q,
    T,
    add,
    diff,
    fields,
)
from quizgen.core.params import Matrix, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import dropped_loss_minus, switched

TITLE = "Backpropagation"
CODE = "BP"
SECTION = 7
SECTION_TITLE = "Backpropagation chain rule"
DESCRIPTION = "forward pass, loss and every gradient of a 2-layer net (ReLU or sigmoid hidden)"

DECIMALS = 4


class Params(ParamsModel):
    x: Vector
    W1: Matrix
    b1: Vector
    W2: Matrix
    b2: Vector
    hidden: Literal["relu", "sigmoid"]
    output: Literal["softmax", "sigmoid"]
    y: tuple[int, ...]

    @model_validator(mode="after")
    def _shapes(self) -> Params:
        n0, n1, n2 = len(self.x), len(self.b1), len(self.b2)
        if len(self.W1) != n0 or len(self.W1[0]) != n1:
            raise ValueError(
                f"W1 must be {n0} x {n1} (len(x) x len(b1)), got {len(self.W1)} x {len(self.W1[0])}"
            )
        if len(self.W2) != n1 or len(self.W2[0]) != n2:
            raise ValueError(
                f"W2 must be {n1} x {n2} (len(b1) x len(b2)), "
                f"got {len(self.W2)} x {len(self.W2[0])}"
            )
        if self.output == "sigmoid":
            if n2 != 1 or self.y not in ((0,), (1,)):
                raise ValueError("a sigmoid output needs one unit (len(b2) = 1) and y = [0] or [1]")
        elif len(self.y) != n2 or sorted(self.y) != [0] * (n2 - 1) + [1]:
            raise ValueError(f"y must be a one-hot vector of length {n2} for a softmax output")
        return self


def _hidden(p: Params, z1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """h1 and act'(z1); ReLU'(0) = 0."""
    if p.hidden == "relu":
        return np.maximum(z1, 0.0), (z1 > 0).astype(float)
    h1 = sigmoid_array(z1)
    return h1, h1 * sigmoid_array(-z1)


def _pass(
    p: Params,
    *,
    local: str = "derivative",
    sign: float = 1.0,
    hidden_bias: bool = True,
    output_bias: bool = True,
    activation: bool = True,
    transpose: bool = False,
) -> dict[str, Any]:
    """Forward and backward pass. The keywords are the mistakes students make, applied all
    the way through as they would: ``local`` is what multiplies delta2 W2^T (the activation's
    derivative, or ``"z"``, ``"value"`` (h1), ``"none"``); ``sign`` flips the output error;
    ``hidden_bias``/``output_bias`` leave b1/b2 out; ``activation`` False takes h1 = z1;
    ``transpose`` writes dW as delta^T input."""
    x, y = np.array(p.x, float), np.array(p.y, float)
    W1, W2 = np.array(p.W1, float), np.array(p.W2, float)
    z1 = matmul(x, W1) + (np.array(p.b1, float) if hidden_bias else 0.0)
    h1, dh1 = _hidden(p, z1) if activation else (z1, np.ones_like(z1))
    z2 = matmul(h1, W2) + (np.array(p.b2, float) if output_bias else 0.0)
    if p.output == "softmax":
        y_hat = softmax(z2)
        loss = logsumexp(z2) - float(z2[int(np.argmax(y))])
    else:
        y_hat = sigmoid_array(z2)
        loss = softplus(-float(z2[0])) if y[0] == 1 else softplus(float(z2[0]))
    delta2 = sign * (y_hat - y)
    factor = {"derivative": dh1, "z": z1, "value": h1, "none": np.ones_like(z1)}[local]
    delta1 = (matmul(delta2, W2.T)) * factor
    outer = (lambda a, b: np.outer(b, a)) if transpose else np.outer
    return {
        "z1": z1.tolist(),
        "h1": h1.tolist(),
        "z2": z2.tolist(),
        "y_hat": y_hat.tolist(),
        "loss": loss,
        "delta2": delta2.tolist(),
        "delta1": delta1.tolist(),
        "dW2": outer(h1, delta2).tolist(),
        "db2": delta2.tolist(),
        "dW1": outer(x, delta1).tolist(),
        "db1": delta1.tolist(),
    }


def solve(p: Params) -> dict[str, Any]:
    return _pass(p)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: 2-2-1, ReLU hidden, sigmoid output. Medium: 2-2-2 softmax, ReLU or sigmoid hidden.
    Hard: 3-2-3 softmax. Weights on a 0.5 grid. No hidden input sits on ReLU's kink, at least
    one hidden unit is active, every hidden unit receives some error, and no output saturates
    (|z2| <= 4)."""
    sizes, hidden = {
        "easy": ((2, 2, 1), "relu"),
        "medium": ((2, 2, 2), None),
        "hard": ((3, 2, 3), None),
    }[difficulty]
    n0, n1, n2 = sizes
    hidden = hidden or ("relu" if rng.random() < 0.5 else "sigmoid")
    output = "sigmoid" if n2 == 1 else "softmax"
    y = [int(rng.integers(2))] if n2 == 1 else np.eye(n2, dtype=int)[rng.integers(n2)].tolist()
    p = Params(
        x=grid_vector(rng, n0, -2, 2, 1),
        W1=grid_matrix(rng, n0, n1, -1, 1, 0.5),
        b1=grid_vector(rng, n1, -1, 1, 0.5),
        W2=grid_matrix(rng, n1, n2, -1, 1, 0.5),
        b2=grid_vector(rng, n2, -1, 1, 0.5),
        hidden=hidden,
        output=output,
        y=y,
    )
    if 0 in p.x:
        raise Degenerate  # a zero input wipes out a row of dW1
    a = solve(p)
    if hidden == "relu" and (0 in a["z1"] or max(a["z1"]) < 0):
        raise Degenerate
    if np.isclose(matmul(np.array(a["delta2"]), np.array(p.W2, float).T), 0).any():
        raise Degenerate  # a hidden unit that receives no error teaches nothing
    if max(abs(v) for v in a["z2"]) > 4 or max(abs(v) for v in a["delta1"]) < 1e-3:
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    rounded = Precision(DECIMALS)
    linear = EXACT if p.hidden == "relu" else rounded  # ReLU keeps grid values exact
    return [
        Part("z1", "$z^{(1)} = x W^{(1)} + b^{(1)}$", EXACT, "vector"),
        Part("h1", "$h^{(1)}$", linear, "vector"),
        Part("z2", "$z^{(2)}$", linear, "vector"),
        Part("y_hat", r"$\hat{y}$", rounded, "vector"),
        Part("loss", "loss $J$", rounded),
        Part("delta2", r"$\delta^{(2)} = \partial J / \partial z^{(2)}$", rounded, "vector"),
        Part("dW2", r"$\partial J / \partial W^{(2)}$", rounded, "matrix"),
        Part("delta1", r"$\delta^{(1)} = \partial J / \partial z^{(1)}$", rounded, "vector"),
        Part("dW1", r"$\partial J / \partial W^{(1)}$", rounded, "matrix"),
    ]


def _activation_name(hidden: str) -> str:
    return r"\text{ReLU}" if hidden == "relu" else r"\sigma"


def _names(p: Params) -> tuple[str, str, str]:
    act = _activation_name(p.hidden)
    out = r"\text{softmax}" if p.output == "softmax" else r"\sigma"
    loss = "categorical cross-entropy" if p.output == "softmax" else "binary cross-entropy"
    return act, out, loss


def stem(p: Params) -> Stem:
    act, out, loss = _names(p)
    return Stem(
        "A network computes, with row vectors, "
        rf"$z^{{(1)}} = x W^{{(1)}} + b^{{(1)}}$, $h^{{(1)}} = {act}(z^{{(1)}})$, "
        rf"$z^{{(2)}} = h^{{(1)}} W^{{(2)}} + b^{{(2)}}$ and $\hat{{y}} = {out}(z^{{(2)}})$, with "
        f"the {loss} loss $J$. For $x = {vec(p.x)}$, $W^{{(1)}} = {mat(p.W1)}$, "
        f"$b^{{(1)}} = {vec(p.b1)}$, $W^{{(2)}} = {mat(p.W2)}$, $b^{{(2)}} = {vec(p.b2)}$ and "
        f"target $y = {vec(p.y)}$, do the forward pass, compute the loss, and backpropagate "
        r"to $\delta^{(2)}$, $\partial J / \partial W^{(2)}$, $\delta^{(1)}$ and "
        r"$\partial J / \partial W^{(1)}$"
        + (r" (use $\text{ReLU}'(0) = 0$)." if p.hidden == "relu" else "."),
    )


def hidden_steps(p: Any, z1: Sequence[float], h1: Sequence[float]) -> list[Step]:
    """The hidden layer's steps, z1 = x W1 + b1 and h1 = act(z1), for any params with ``x``,
    ``W1``, ``b1`` and ``hidden`` (shared with the inverse form)."""
    d = DECIMALS
    act = _activation_name(p.hidden)
    return [
        Step(
            "Hidden pre-activation $z^{(1)} = x W^{(1)} + b^{(1)}$",
            tuple(
                rf"z^{{(1)}}_{j + 1} = {dot(p.x, col)} + {paren(b)} = {num(z, d)}"
                for j, (col, b, z) in enumerate(zip(zip(*p.W1), p.b1, z1))
            ),
        ),
        Step(
            f"Hidden activation $h^{{(1)}} = {act}(z^{{(1)}})$",
            (rf"h^{{(1)}} = {act}({vec(z1, d)}) = {vec(h1, d)}",),
        ),
    ]


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    """The forward pass layer by layer, the loss, then backpropagation to each gradient."""
    return [
        *hidden_steps(p, answer["z1"], answer["h1"]),
        *_output_steps(p, answer),
        *_backward_steps(p, answer),
    ]


def _output_steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    """The output layer's pre-activation and activation, and the loss."""
    d = DECIMALS
    _, out, _ = _names(p)
    return [
        Step(
            "Output pre-activation $z^{(2)} = h^{(1)} W^{(2)} + b^{(2)}$",
            tuple(
                rf"z^{{(2)}}_{k + 1} = {dot(answer['h1'], col, d)} + {paren(b)} = {num(z, d)}"
                for k, (col, b, z) in enumerate(zip(zip(*p.W2), p.b2, answer["z2"]))
            ),
        ),
        Step(
            rf"Output $\hat{{y}} = {out}(z^{{(2)}})$", (rf"\hat{{y}} = {vec(answer['y_hat'], d)}",)
        ),
        Step("Loss", (_loss_line(p, answer),)),
    ]


def _loss_line(p: Params, answer: dict[str, Any]) -> str:
    """The loss from the output for the target: the log of the target class's probability."""
    d = DECIMALS
    loss = num(answer["loss"], d)
    if p.output == "softmax":
        c = p.y.index(1)
        return rf"J = -\log \hat{{y}}_{c + 1} = -\log({num(answer['y_hat'][c], d)}) = {loss}"
    if p.y[0] == 1:
        return rf"J = -\log \hat{{y}} = -\log({num(answer['y_hat'][0], d)}) = {loss}"
    return rf"J = -\log(1 - \hat{{y}}) = -\log(1 - {num(answer['y_hat'][0], d)}) = {loss}"


def _backward_steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    """The output error and its gradients, then the hidden error and its gradients."""
    d = DECIMALS
    h1, delta2 = answer["h1"], answer["delta2"]
    back = [sum(a * w for a, w in zip(delta2, row)) for row in p.W2]
    return [
        Step(
            r"Output error $\delta^{(2)} = \hat{y} - y$",
            (rf"\delta^{{(2)}} = {vec(answer['y_hat'], d)} - {vec(p.y)} = {vec(delta2, d)}",),
        ),
        Step(
            r"$\partial J / \partial W^{(2)} = h^{(1)T} \delta^{(2)}$, "
            r"$\partial J / \partial b^{(2)} = \delta^{(2)}$",
            (
                rf"\frac{{\partial J}}{{\partial W^{{(2)}}}} = {vec(h1, d)}^T {vec(delta2, d)}"
                rf" = {mat(answer['dW2'], d)}",
            ),
        ),
        Step(
            r"Hidden error $\delta^{(1)} = (\delta^{(2)} W^{(2)T}) \odot "
            + ("\\text{ReLU}'" if p.hidden == "relu" else r"\sigma'")
            + "(z^{(1)})$",
            (
                rf"\delta^{{(2)}} W^{{(2)T}} = {vec(back, d)}",
                _activation_slope(p, answer),
                rf"\delta^{{(1)}} = {vec(answer['delta1'], d)}",
            ),
        ),
        Step(
            r"$\partial J / \partial W^{(1)} = x^T \delta^{(1)}$, "
            r"$\partial J / \partial b^{(1)} = \delta^{(1)}$",
            (
                rf"\frac{{\partial J}}{{\partial W^{{(1)}}}} = {vec(p.x)}^T "
                rf"{vec(answer['delta1'], d)} = {mat(answer['dW1'], d)}",
            ),
        ),
    ]


def _activation_slope(p: Params, answer: dict[str, Any]) -> str:
    """The hidden activation's derivative at z1, entry by entry."""
    if p.hidden == "relu":
        ones = [1 if v > 0 else 0 for v in answer["z1"]]
        return r"\text{ReLU}'(z^{(1)}) = \mathbf{1}_{z^{(1)} > 0} = " + vec(ones)
    slopes = [v * (1 - v) for v in answer["h1"]]
    return r"\sigma'(z^{(1)}) = h^{(1)} \odot (1 - h^{(1)}) = " + vec(slopes, DECIMALS)


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """Every later quantity from the student's own earlier ones, in the order they are asked."""
    a = {k: np.array(v, float) for k, v in solve(p).items()}
    use = {k: np.array(given[k], float) if k in given else a[k] for k in a}
    W2 = np.array(p.W2, float)
    if p.hidden == "relu":
        h1 = np.maximum(use["z1"], 0.0)
        local = (use["z1"] > 0).astype(float)
    else:
        h1 = sigmoid_array(use["z1"])
        local = use["h1"] * (1 - use["h1"])
    z2 = matmul(use["h1"], W2) + np.array(p.b2, float)
    y_hat = softmax(use["z2"]) if p.output == "softmax" else sigmoid_array(use["z2"])
    delta2 = use["y_hat"] - np.array(p.y, float)
    delta1 = (matmul(use["delta2"], W2.T)) * local
    out = {
        "h1": h1,
        "z2": z2,
        "y_hat": y_hat,
        "delta2": delta2,
        "dW2": np.outer(use["h1"], use["delta2"]),
        "delta1": delta1,
        "dW1": np.outer(np.array(p.x, float), use["delta1"]),
    }
    c = int(np.argmax(p.y)) if p.output == "softmax" else 0
    target = use["y_hat"][c] if (p.output == "softmax" or p.y[0] == 1) else 1 - use["y_hat"][0]
    if 0 < target < 1:
        out["loss"] = -float(log(target))
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in out.items()}


def solve_with(p: Params, **switches: Any) -> dict[str, Any]:
    """The answer with some mistakes' switches set (two mistakes made at once)."""
    return _pass(p, **switches)


MISCONCEPTIONS = (
    switched(
        solve_with,
        "used z instead of the activation's derivative",
        r"$\delta^{(1)}$ multiplies by $\operatorname{act}'(z^{(1)})$ elementwise, not by "
        "$z^{(1)}$ itself.",
        local="z",
    ),
    switched(
        solve_with,
        "forgot the activation's derivative",
        r"Going back through $h^{(1)} = \operatorname{act}(z^{(1)})$ multiplies by "
        r"$\operatorname{act}'(z^{(1)})$ elementwise.",
        local="none",
    ),
    switched(
        solve_with,
        "used the activation instead of its derivative",
        r"The local gradient is $\operatorname{act}'(z^{(1)})$ ($\sigma(1 - \sigma)$, or $1$ "
        "for $z > 0$ in ReLU), not $h^{(1)}$.",
        local="value",
    ),
    switched(
        solve_with,
        "flipped the sign of the output error",
        r"For softmax with CCE and sigmoid with BCE, $\delta^{(2)} = \hat{y} - y$, not $y - "
        r"\hat{y}$.",
        sign=-1.0,
    ),
    switched(
        solve_with,
        "forgot the bias in the hidden layer",
        "The hidden pre-activation is $z^{(1)} = x W^{(1)} + b^{(1)}$: the bias is added "
        "before the activation.",
        when=lambda p: any(p.b1),
        hidden_bias=False,
    ),
    switched(
        solve_with,
        "forgot the bias in the output layer",
        "The output pre-activation is $z^{(2)} = h^{(1)} W^{(2)} + b^{(2)}$.",
        when=lambda p: any(p.b2),
        output_bias=False,
    ),
    switched(
        solve_with,
        "skipped the hidden activation",
        r"$h^{(1)} = \operatorname{act}(z^{(1)})$: the activation is applied to $z^{(1)}$ "
        "before it feeds the next layer.",
        activation=False,
    ),
    dropped_loss_minus(solve),
    switched(
        solve_with,
        "transposed the weight gradients",
        r"$\frac{\partial J}{\partial W} = (\text{layer input})^T \delta$: rows follow the "
        "inputs, columns the units (as $W$ does).",
        transpose=True,
    ),
)


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation)."""
    act = "relu" if p.hidden == "relu" else "sigmoid"
    z1, h1, y_hat = Q("z1"), Q("h1"), Q("y_hat")
    local = Fn("step", (z1,)) if p.hidden == "relu" else Prod((h1, diff(C(1), h1)))
    output_derivative = Prod((y_hat, diff(C(1), y_hat)))  # cancelled by the loss: not there
    return Computation(
        inputs={k: getattr(p, k) for k in ("x", "W1", "b1", "W2", "b2", "y")},
        lines=(
            Line("z1", add(MatMul(Q("x"), Q("W1")), Q("b1")), 1),
            Line("h1", Fn(act, (z1,)), 2),
            Line("z2", add(MatMul(h1, Q("W2")), Q("b2")), 3),
            Line("y_hat", Fn(p.output, (Q("z2"),)), 4),
            Line("loss", _loss(p, y_hat), 5, "J"),
            Line(
                "delta2",
                Prod((diff(y_hat, Q("y")),), absent=(output_derivative,)),
                6,
            ),
            Line("dW2", Outer(h1, Q("delta2")), 7),
            Line("back", MatMul(Q("delta2"), T(Q("W2"))), 8, "delta2 W2^T"),
            Line("local", local, 8, f"{'ReLU' if p.hidden == 'relu' else 'sigma'}'(z1)"),
            Line("delta1", Prod((Q("back", "delta2 W2^T"), Q("local", "act'(z1)"))), 8),
            Line("dW1", Outer(Q("x"), Q("delta1")), 9),
        ),
        answer=fields(
            z1="z1",
            h1="h1",
            z2="z2",
            y_hat="y_hat",
            loss="loss",
            delta2="delta2",
            delta1="delta1",
            dW2="dW2",
            db2="delta2",
            dW1="dW1",
            db1="delta1",
        ),
        neighbours={
            "z1": ("h1",),
            "h1": ("z1",),
            "z2": ("y_hat",),
            "y_hat": ("z2", "y"),
            "y": ("y_hat",),
            "x": ("h1",),
            "delta1": ("delta2",),
            "delta2": ("delta1",),
        },
    )


def _loss(p: Params, y_hat: Expr) -> Expr:
    """-log of the probability the output gives the target, as the worked solution writes it."""
    if p.output == "softmax":
        return Neg(Fn("log", (At(y_hat, p.y.index(1)),)))
    if p.y[0] == 1:
        return Neg(Fn("log", (At(y_hat, 0),)))
    return Neg(Fn("log", (diff(C(1), At(y_hat, 0)),)))
