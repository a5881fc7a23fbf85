r"""A tanh recurrent network over two or three steps, and BPTT for W_h (section 14).

Row vectors, as in backpropagation: ``h_t = tanh(x_t W_x + h_{t-1} W_h + b)``,
``y_t = h_t W_y + b_y``; with a target, ``L = 1/2 ||y_T - target||^2`` on the last step only.

>>> a = solve(Params(xs=[[1], [-1]], h0=[0, 0], Wx=[[0.5, -1]], Wh=[[1, 0], [0.5, 1]],
...                  b=[0, 0], Wy=[[1], [1]], by=[0]))
>>> [[round(v, 4) for v in row] for row in a["h"]]
[[0.4621, -0.7616], [-0.3958, 0.234]]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import grid_matrix, grid_vector
from quizgen.core.latex import mat, num, vec
from quizgen.core.mathfn import matmul, tanh
from quizgen.core.model import Difficulty, Part, Precision, Stem, Step
from quizgen.core.mutation import (
    C,
    Computation,
    Div,
    Fn,
    Line,
    MatMul,
    Outer,
    Prod,
    Q,
    T,
    add,
    diff,
)
from quizgen.core.params import Matrix, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import switched

TITLE = "Recurrent network and BPTT"
CODE = "RN"
SECTION = 14
SECTION_TITLE = "Recurrent networks and backpropagation through time"
DESCRIPTION = "h_t = tanh(x_t W_x + h_{t-1} W_h + b) over 2-3 steps; dL/dW_h through two steps"

DECIMALS = 4


class Params(ParamsModel):
    xs: Matrix
    h0: Vector
    Wx: Matrix
    Wh: Matrix
    b: Vector
    Wy: Matrix
    by: Vector
    target: Vector | None = None

    @model_validator(mode="after")
    def _shapes(self) -> Params:
        d, h, k = len(self.xs[0]), len(self.h0), len(self.by)
        expected = {"Wx": (d, h), "Wh": (h, h), "Wy": (h, k)}
        for name, shape in expected.items():
            matrix = getattr(self, name)
            if (len(matrix), len(matrix[0])) != shape:
                raise ValueError(
                    f"{name} must be {shape[0]} x {shape[1]}, got {len(matrix)} x {len(matrix[0])}"
                )
        if len(self.b) != h:
            raise ValueError(f"b must have {h} entries, like h0")
        if self.target is not None and len(self.target) != k:
            raise ValueError(f"target must have {k} entries, like by")
        return self


def _arrays(p: Params) -> dict[str, np.ndarray]:
    names = ("xs", "h0", "Wx", "Wh", "b", "Wy", "by")
    return {name: np.array(getattr(p, name), float) for name in names}


def _answer(
    p: Params,
    *,
    recurrent: bool = True,
    activation: bool = True,
    tanh_prime: bool = True,
    previous_state: bool = True,
    earlier_steps: bool = True,
) -> dict[str, Any]:
    """Forward pass, and BPTT when there is a target. The keywords are the mistakes:
    ``recurrent`` False leaves h_{t-1} W_h out, ``activation`` False skips the tanh (h_t = a_t
    and tanh' = 1), ``tanh_prime`` False forgets 1 - h_t^2,
    ``previous_state`` False writes h_t^T delta_t for h_{t-1}^T delta_t, ``earlier_steps`` False
    stops the error at the last step."""
    a = _arrays(p)
    states = [a["h0"]]
    for x in a["xs"]:
        pre = matmul(x, a["Wx"]) + (matmul(states[-1], a["Wh"]) if recurrent else 0.0) + a["b"]
        states.append(tanh(pre) if activation else pre)
    h = np.array(states[1:])
    y = matmul(h, a["Wy"]) + a["by"]
    out: dict[str, Any] = {"h": h.tolist(), "y": y.tolist()}
    if p.target is None:
        return out
    error = y[-1] - np.array(p.target, float)
    steps = len(h)
    delta = np.zeros_like(h)
    upstream = matmul(error, a["Wy"].T)
    for t in reversed(range(steps)):
        delta[t] = upstream * ((1 - h[t] ** 2) if tanh_prime and activation else 1.0)
        upstream = matmul(delta[t], a["Wh"].T) if earlier_steps else 0 * upstream
    inputs = h if not previous_state else np.array(states[:-1])
    out |= {
        "loss": float(matmul(error, error)) / 2,
        "delta": delta.tolist(),
        "dWh": (matmul(inputs.T, delta)).tolist(),  # the sum over steps of h_{t-1}^T delta_t
        "dWx": (matmul(a["xs"].T, delta)).tolist(),
    }
    return out


def solve(p: Params) -> dict[str, Any]:
    return _answer(p)


def solve_with(p: Params, **switches: Any) -> dict[str, Any]:
    """The answer with some mistakes' switches set (two mistakes made at once)."""
    return _answer(p, **switches)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: two steps of one input, h_0 = 0. Medium: three steps of two inputs, h_0 = 0.
    Hard: two steps of one input from a non-zero h_0, with a target on the last output.
    Two hidden units, both reaching the one output, weights on a 0.5 grid; no pre-activation
    beyond 2.5 (tanh would saturate and tanh' vanish); outputs that show the forward mistakes
    and, at hard, every path of the error carries some."""
    steps, d = {"easy": (2, 1), "medium": (3, 2), "hard": (2, 1)}[difficulty]
    hard = difficulty == "hard"
    p = Params(
        xs=grid_matrix(rng, steps, d, -2, 2, 1),
        h0=grid_vector(rng, 2, -1, 1, 0.5) if hard else [0, 0],
        Wx=grid_matrix(rng, d, 2, -1, 1, 0.5),
        Wh=grid_matrix(rng, 2, 2, -1, 1, 0.5),
        b=grid_vector(rng, 2, -0.5, 0.5, 0.5),
        Wy=grid_matrix(rng, 2, 1, -1, 1, 0.5),
        by=grid_vector(rng, 1, -0.5, 0.5, 0.5),
        target=grid_vector(rng, 1, -1, 1, 0.5) if hard else None,
    )
    a = _arrays(p)
    pre = np.arctanh(np.array(solve(p)["h"]))
    if np.abs(pre).max() > 2.5 or not np.abs(a["Wh"]).sum() or 0 in a["xs"]:
        raise Degenerate
    if np.abs(a["Wy"]).min() == 0:
        raise Degenerate  # a hidden unit that does not reach the output
    y = np.array(solve(p)["y"])
    for mistake in ({"recurrent": False}, {"activation": False}):
        if np.abs(np.array(_answer(p, **mistake)["y"]) - y).max() < 0.01:
            raise Degenerate  # outputs that do not show a forward mistake
    if hard and (0 in p.h0 or np.abs(solve(p)["delta"]).min() < 0.01):
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    rounded = Precision(DECIMALS)
    asked = [
        Part("h", "hidden states $h_t$ (one row per step)", rounded, "matrix"),
        Part("y", "outputs $y_t$ (one row per step)", rounded, "matrix"),
    ]
    if p.target is not None:
        asked += [
            Part("loss", "loss $L$", rounded),
            Part(
                "delta",
                r"$\delta_t = \partial L / \partial a_t$ (one row per step)",
                rounded,
                "matrix",
            ),
            Part("dWh", r"$\partial L / \partial W_h$", rounded, "matrix"),
        ]
    return asked


def stem(p: Params) -> Stem:
    steps = len(p.xs)
    inputs = ", ".join(f"$x_{t + 1} = {vec(x)}$" for t, x in enumerate(p.xs))
    text = (
        r"A recurrent network computes, with row vectors, "
        r"$h_t = \text{tanh}(x_t W_x + h_{t-1} W_h + b)$ and $y_t = h_t W_y + b_y$, with "
        f"$W_x = {mat(p.Wx)}$, $W_h = {mat(p.Wh)}$, $b = {vec(p.b)}$, $W_y = {mat(p.Wy)}$, "
        f"$b_y = {vec(p.by)}$ and $h_0 = {vec(p.h0)}$. For the inputs {inputs}, compute "
        f"the hidden states and outputs of all {steps} steps."
    )
    if p.target is not None:
        text += (
            rf" The loss is on the last output only, $L = \frac{{1}}{{2}} \|y_{steps} - "
            rf"t\|^2$ with $t = {vec(p.target)}$: give $L$, the errors "
            r"$\delta_t = \partial L / \partial a_t$ of the pre-activations "
            r"$a_t = x_t W_x + h_{t-1} W_h + b$, and $\partial L / \partial W_h$ "
            r"(backpropagation through time)."
        )
    return Stem(text)


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    d = DECIMALS
    a = _arrays(p)
    states = [list(p.h0), *answer["h"]]
    out = []
    for t, x in enumerate(p.xs):
        pre = matmul(np.array(x, float), a["Wx"]) + matmul(np.array(states[t]), a["Wh"]) + a["b"]
        out.append(
            Step(
                f"Step {t + 1}",
                (
                    rf"a_{t + 1} = x_{t + 1} W_x + h_{t} W_h + b = {vec(x)} {mat(p.Wx)} + "
                    rf"{vec(states[t], d)} {mat(p.Wh)} + {vec(p.b)} = {vec(pre, d)}",
                    rf"h_{t + 1} = \text{{tanh}}({vec(pre, d)}) = {vec(states[t + 1], d)}",
                    rf"y_{t + 1} = h_{t + 1} W_y + b_y = {vec(answer['y'][t], d)}",
                ),
            )
        )
    if p.target is None:
        return out
    last = len(p.xs)
    error = np.array(answer["y"][-1]) - np.array(p.target, float)
    delta = answer["delta"]
    carried_error = matmul(error, a["Wy"].T)
    back = [
        rf"\delta_{last} = (e W_y^T) \odot (1 - h_{last}^2) = {vec(carried_error, d)} \odot "
        rf"{vec(1 - np.array(states[last]) ** 2, d)} = {vec(delta[-1], d)}"
    ]
    for t in reversed(range(1, last)):
        carried = matmul(np.array(delta[t]), a["Wh"].T)
        back.append(
            rf"\delta_{t} = (\delta_{t + 1} W_h^T) \odot (1 - h_{t}^2) = {vec(carried, d)} "
            rf"\odot {vec(1 - np.array(states[t]) ** 2, d)} = {vec(delta[t - 1], d)}"
        )
    terms = " + ".join(rf"h_{t}^T \delta_{t + 1}" for t in range(last))
    return [
        *out,
        Step(
            "Loss on the last step",
            (
                rf"e = y_{last} - t = {vec(answer['y'][-1], d)} - {vec(p.target)}"
                rf" = {vec(error, d)}",
                rf"L = \frac{{1}}{{2}} \|e\|^2 = {num(answer['loss'], d)}",
            ),
        ),
        Step(r"Back through time: $\text{tanh}'(a) = 1 - \text{tanh}^2(a)$", tuple(back)),
        Step(
            r"$W_h$ is used at every step: its gradient sums $h_{t-1}^T \delta_t$",
            (rf"\frac{{\partial L}}{{\partial W_h}} = {terms} = {mat(answer['dWh'], d)}",),
        ),
    ]


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """Outputs from the student's hidden states, the loss from their outputs, the errors from
    their states and outputs, and dL/dW_h from their states and errors."""
    right = solve(p)
    a = _arrays(p)
    h = np.array(given.get("h", right["h"]), float)
    y = np.array(given.get("y", right["y"]), float)
    out: dict[str, Any] = {"y": (matmul(h, a["Wy"]) + a["by"]).tolist()}
    if p.target is None:
        return out
    error = y[-1] - np.array(p.target, float)
    delta = np.zeros_like(h)
    upstream = matmul(error, a["Wy"].T)
    for t in reversed(range(len(h))):
        delta[t] = upstream * (1 - h[t] ** 2)
        upstream = matmul(delta[t], a["Wh"].T)
    given_delta = np.array(given.get("delta", right["delta"]), float)
    previous = np.vstack([a["h0"], h[:-1]])
    return out | {
        "loss": float(matmul(error, error)) / 2,
        "delta": delta.tolist(),
        "dWh": (matmul(previous.T, given_delta)).tolist(),
    }


def _h(t: int) -> Q:
    return Q(f"h{t}", f"h_{t}")


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation): steps
    1..T of the forward pass, then the loss (step T + 1), the errors back through time (step
    T + 2) and dL/dW_h (step T + 3). A student puts h_{t-1} and h_t, a_t and h_t, delta_t and
    delta_{t+1} in each other's place."""
    last = len(p.xs)
    inputs: dict[str, Any] = {"h0": p.h0, "Wx": p.Wx, "Wh": p.Wh, "b": p.b, "Wy": p.Wy}
    inputs |= {"by": p.by} | {f"x{t}": x for t, x in enumerate(p.xs, start=1)}
    Wx, Wh, Wy = Q("Wx", "W_x"), Q("Wh", "W_h"), Q("Wy", "W_y")
    lines, neighbours = [], {}
    for t in range(1, last + 1):
        pre = add(MatMul(Q(f"x{t}", f"x_{t}"), Wx), MatMul(_h(t - 1), Wh), Q("b"))
        lines += [
            Line(f"a{t}", pre, t, f"a_{t}"),
            Line(f"h{t}", Fn("tanh", (Q(f"a{t}", f"a_{t}"),)), t, f"h_{t}"),
            Line(f"y{t}", add(MatMul(_h(t), Wy), Q("by", "b_y")), t, f"y_{t}"),
        ]
        neighbours[f"h{t}"] = (f"a{t}", f"h{t - 1}", *((f"h{t + 1}",) if t < last else ()))
    if p.target is not None:
        inputs["target"] = p.target
        error = Q("error", "e")
        lines += [
            Line("error", diff(Q(f"y{last}", f"y_{last}"), Q("target", "t")), last + 1, "e"),
            Line("loss", Div(Fn("sum", (Prod((error, error)),)), C(2)), last + 1, "L"),
        ]
        carried = MatMul(error, T(Wy))
        for t in range(last, 0, -1):
            derivative = diff(C(1), Fn("square", (_h(t),)))
            delta = Line(f"delta{t}", Prod((carried, derivative)), last + 2, f"delta_{t}")
            lines.append(delta)
            carried = MatMul(Q(f"delta{t}", f"delta_{t}"), T(Wh))
            neighbours[f"delta{t}"] = (f"delta{t + 1}",) if t < last else ()
        terms = (Outer(_h(t - 1), Q(f"delta{t}", f"delta_{t}")) for t in range(1, last + 1))
        lines.append(Line("dWh", add(*terms), last + 3, "dL/dW_h"))
    rows = ("h", "y") if p.target is None else ("h", "y", "delta")

    def read(env: Any) -> dict[str, Any]:
        out = {key: [env[f"{key}{t}"].tolist() for t in range(1, last + 1)] for key in rows}
        if p.target is None:
            return out
        return out | {"loss": float(env["loss"]), "dWh": env["dWh"].tolist()}

    return Computation(inputs, tuple(lines), read, neighbours, shown={"h0": "h_0"})


def _has_target(p: Params) -> bool:
    return p.target is not None


MISCONCEPTIONS = (
    switched(
        solve_with,
        "left out the recurrent term",
        r"Each step adds $h_{t-1} W_h$: the state carries the earlier inputs forward.",
        when=lambda p: bool(np.any(p.h0)) or len(p.xs) > 1,
        recurrent=False,
    ),
    switched(
        solve_with,
        "skipped the tanh",
        r"$h_t = \text{tanh}(a_t)$: the pre-activation $a_t$ goes through the tanh before it is "
        r"the state.",
        activation=False,
    ),
    switched(
        solve_with,
        "forgot tanh'",
        r"Going back through $h_t = \text{tanh}(a_t)$ multiplies by $\text{tanh}'(a_t) = 1 - "
        r"h_t^2$.",
        when=_has_target,
        tanh_prime=False,
    ),
    switched(
        solve_with,
        "used h_t for h_{t-1} in the gradient",
        r"$a_t = x_t W_x + h_{t-1} W_h + b$, so step $t$ contributes $h_{t-1}^T \delta_t$ to "
        r"$\partial L / \partial W_h$.",
        when=_has_target,
        previous_state=False,
    ),
    switched(
        solve_with,
        "dropped the path through the earlier step",
        r"$W_h$ also acts at the earlier steps: the error flows back through $\delta_t W_h^T$ "
        r"and adds their terms.",
        when=_has_target,
        earlier_steps=False,
    ),
)
