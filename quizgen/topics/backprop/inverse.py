r"""Backpropagation backwards, with stated errors so that every number is exact: the input x
from dW1 and delta1, the learning rate from one entry of W2 after a step, or the true class
from the hidden error delta1.

Uniqueness. dW1 = x^T delta1: row i is x_i delta1, so x_i = dW1_ij / delta1_j for any j with
delta1_j != 0 (the draw has one). The step W2'_jk = W2_jk - eta h1_j delta2_k is affine in eta
with slope -h1_j delta2_k != 0. The hidden error of class c is
delta1 = (y_hat W2^T - W2[:, c]) * ReLU'(z1): the classes' candidates differ exactly where W2's
columns differ on the active units, and the draw keeps those columns distinct, so one class
alone gives the stated delta1 (the tests also try every class).

>>> from quizgen.topics import get
>>> p = Params(asked="input", delta1=[0.5, -1], dW1=[[1, -2], [-1.5, 3]])
>>> get("backprop", "inverse").solve(p).answer
{'x': [2.0, -3.0]}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import model_validator

from quizgen.core.draw import grid_matrix, grid_vector, pick
from quizgen.core.latex import mat, num, paren, vec
from quizgen.core.mathfn import matmul
from quizgen.core.model import EXACT, Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import Matrix, NonNegativeInt, Num, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import a_mistake_is_right, short_decimal
from quizgen.topics.backprop import hidden_steps
from quizgen.topics.softmax.inverse import grid_probabilities

DESCRIPTION = (
    "the input x from dW1 and delta1, the learning rate from one W2 entry after a step, or the "
    "true class from the hidden error delta1 (ReLU hidden layer, softmax output)"
)

#: learning rates a stated step is drawn with
ETAS = (0.05, 0.1, 0.2, 0.5)
#: the fields each question takes
FIELDS = {
    "input": ("delta1", "dW1"),
    "eta": ("x", "W1", "b1", "W2", "delta2", "index", "value"),
    "target": ("z1", "W2", "y_hat", "delta1"),
}


class Params(ParamsModel):
    #: "input": x from ``dW1`` and ``delta1``; "eta": the learning rate that takes W2's entry
    #: ``index`` = (j, k) to ``value``, with the output error ``delta2`` stated; "target": the
    #: true class from ``delta1``, with the hidden pre-activations ``z1`` and the softmax output
    #: ``y_hat`` stated. The hidden layer is ReLU throughout.
    asked: Literal["input", "eta", "target"]
    x: Vector | None = None
    W1: Matrix | None = None
    b1: Vector | None = None
    z1: Vector | None = None
    W2: Matrix | None = None
    y_hat: Vector | None = None
    delta2: Vector | None = None
    delta1: Vector | None = None
    dW1: Matrix | None = None
    index: tuple[NonNegativeInt, NonNegativeInt] | None = None
    value: Num | None = None

    @model_validator(mode="after")
    def _complete(self) -> Params:
        needed = FIELDS[self.asked]
        given = set(FIELDS["eta"] + FIELDS["input"] + FIELDS["target"])
        extra = sorted(name for name in given - set(needed) if getattr(self, name) is not None)
        lacking = [name for name in needed if getattr(self, name) is None]
        if extra or lacking:
            raise ValueError(f'asked "{self.asked}" takes {", ".join(needed)}')
        if self.asked == "input":
            _check_input(self)
        elif self.asked == "eta":
            _check_eta(self)
        else:
            _check_target(self)
        return self


def _check_input(p: Params) -> None:
    assert p.delta1 is not None and p.dW1 is not None
    if len(p.dW1[0]) != len(p.delta1) or not any(p.delta1):
        raise ValueError("dW1 needs one column per entry of delta1, and delta1 an entry not 0")
    if not np.allclose(np.outer(_input(p), p.delta1), p.dW1, atol=1e-9):
        raise ValueError("dW1 is not x^T delta1 for any x: its rows are not multiples of delta1")


def _check_eta(p: Params) -> None:
    assert p.x and p.W1 and p.b1 and p.W2 and p.delta2 and p.index
    n0, n1, n2 = len(p.x), len(p.b1), len(p.delta2)
    if (len(p.W1), len(p.W1[0]), len(p.W2), len(p.W2[0])) != (n0, n1, n1, n2):
        raise ValueError(
            f"W1 must be {n0} x {n1} and W2 {n1} x {n2} (len(x), len(b1), len(delta2))"
        )
    j, k = p.index
    if j >= n1 or k >= n2:
        raise ValueError(f"index: an entry (j, k) of W2, j < {n1} and k < {n2}")
    if _hidden(p)[j] * p.delta2[k] == 0:
        raise ValueError("that entry's gradient h1_j delta2_k is 0: no learning rate moves it")


def _check_target(p: Params) -> None:
    assert p.z1 and p.W2 and p.y_hat and p.delta1
    if (len(p.W2), len(p.W2[0])) != (len(p.z1), len(p.y_hat)) or len(p.delta1) != len(p.z1):
        raise ValueError("W2 must be len(z1) x len(y_hat), and delta1 as long as z1")
    if min(p.y_hat) <= 0 or abs(sum(p.y_hat) - 1) > 1e-9:
        raise ValueError("y_hat: softmax probabilities, each above 0, summing to 1")
    if len(_fitting_classes(p)) != 1:
        raise ValueError("delta1 is the hidden error of no class, or of several: no one answer")


def _input(p: Params, *, multiply: bool = False, transpose: bool = False) -> list[float]:
    """x_i = dW1_ij / delta1_j with j the largest entry of delta1; ``transpose`` reads dW1 as
    delta1^T x (x_j = dW1_ij / delta1_i, i the largest entry), ``multiply`` multiplies."""
    assert p.delta1 is not None and p.dW1 is not None
    dW1 = np.array(p.dW1, float)
    if transpose:
        dW1 = dW1.T
    j = int(np.argmax(np.abs(p.delta1)))
    return [
        round(float(row[j] * p.delta1[j] if multiply else row[j] / p.delta1[j]), 10) for row in dW1
    ]


def _pre_activation(p: Params) -> np.ndarray:
    return matmul(np.array(p.x, float), np.array(p.W1, float)) + np.array(p.b1, float)


def _hidden(p: Params, *, activation: bool = True) -> list[float]:
    """h1 = ReLU(x W1 + b1) (``activation`` False: z1 itself)."""
    z1 = _pre_activation(p)
    return (np.maximum(z1, 0.0) if activation else z1).tolist()


def _eta(
    p: Params,
    h1: Sequence[float],
    *,
    invert: bool = False,
    transpose: bool = False,
    ascend: bool = False,
) -> Any:
    """eta = (W2_jk - W2'_jk) / (h1_j delta2_k), from the hidden outputs ``h1`` given;
    ``transpose`` takes dW2 as delta2^T h1 (entry delta2_j h1_k), ``invert`` the ratio upside
    down, ``ascend`` the step as W + eta g; None where the mistake cannot be made."""
    assert p.W2 and p.delta2 and p.index and p.value is not None
    j, k = p.index
    if transpose:
        if max(j, k) >= min(len(h1), len(p.delta2)):
            return None
        gradient = p.delta2[j] * h1[k]
    else:
        gradient = h1[j] * p.delta2[k]
    moved = (p.value - p.W2[j][k]) if ascend else (p.W2[j][k] - p.value)
    if gradient == 0 or moved == 0:
        return None
    return float(gradient / moved if invert else moved / gradient)


def _candidate(z1: Sequence[float], W2: Any, y_hat: Sequence[float], c: int) -> np.ndarray:
    """The hidden error delta1 if class ``c`` (0-based) were the true one."""
    delta2 = np.array(y_hat, float) - np.eye(len(y_hat))[c]
    return (matmul(delta2, np.array(W2, float).T)) * (np.array(z1) > 0)


def _fitting_classes(p: Params) -> list[int]:
    assert p.z1 and p.W2 and p.y_hat and p.delta1
    return [
        c
        for c in range(len(p.y_hat))
        if np.allclose(_candidate(p.z1, p.W2, p.y_hat, c), p.delta1, atol=1e-9)
    ]


def _target(p: Params, c: int, delta2: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Any:
    """The answer for class ``c`` (0-based), with delta2 computed by ``delta2(y_hat, y)``."""
    assert p.y_hat
    y_hat = np.array(p.y_hat, float)
    return {"true_class": c + 1, "delta2": delta2(y_hat, np.eye(len(y_hat))[c]).tolist()}


def _right_delta2(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    return y_hat - y


def solve(p: Params) -> dict[str, Any]:
    if p.asked == "input":
        return {"x": _input(p)}
    if p.asked == "eta":
        h1 = _hidden(p)
        return {"h1": h1, "eta": _eta(p, h1)}
    return _target(p, _fitting_classes(p)[0], _right_delta2)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: x (two or three whole inputs) from dW1 and delta1 in tenths. Medium: the learning
    rate (one of ETAS) for a 2-2-2 network's W2 entry, weights in halves, delta2 from
    probabilities in twentieths. Hard: the true class of three from delta1 of two or three
    hidden units, z1 whole and not 0, W2 in halves, y_hat in twentieths. Redrawn where a named
    mistake gives the right answer."""
    if difficulty == "easy":
        x = grid_vector(rng, pick(rng, [2, 3]), -3, 3, 1)
        delta1 = grid_vector(rng, 2, -1, 1, 0.1)
        if not any(delta1) or not any(x):
            raise Degenerate
        dW1 = [[round(a * b, 10) for b in delta1] for a in x]
        p = Params(asked="input", delta1=delta1, dW1=dW1)
    elif difficulty == "medium":
        probs = grid_probabilities(rng, 2)
        c = int(rng.integers(2))
        x, W1 = grid_vector(rng, 2, -2, 2, 1), grid_matrix(rng, 2, 2, -1, 1, 0.5)
        b1, W2 = grid_vector(rng, 2, -1, 1, 0.5), grid_matrix(rng, 2, 2, -1, 1, 0.5)
        delta2 = [round(v - (k == c), 10) for k, v in enumerate(probs)]
        z1 = matmul(np.array(x, float), np.array(W1, float)) + np.array(b1, float)
        j, k = int(rng.integers(2)), int(rng.integers(2))
        if z1[j] <= 0 or 0 in z1:
            raise Degenerate
        value = short_decimal(W2[j][k] - pick(rng, ETAS) * z1[j] * delta2[k], 6)
        p = Params(asked="eta", x=x, W1=W1, b1=b1, W2=W2, delta2=delta2, index=(j, k), value=value)
    else:
        n1 = pick(rng, [2, 3])
        z1 = grid_vector(rng, n1, -2, 2, 1)
        if 0 in z1 or max(z1) < 0:
            raise Degenerate
        W2, y_hat = grid_matrix(rng, n1, 3, -1, 1, 0.5), grid_probabilities(rng, 3)
        c = int(rng.integers(3))
        delta1 = [round(float(v), 10) + 0.0 for v in _candidate(z1, W2, y_hat, c)]  # no -0
        candidates = {tuple(np.round(_candidate(z1, W2, y_hat, other), 9)) for other in range(3)}
        if len(candidates) < 3:
            raise Degenerate  # two classes would give the same delta1
        p = Params(asked="target", z1=z1, W2=W2, y_hat=y_hat, delta1=delta1)
    if a_mistake_is_right(p, solve, parts, MISCONCEPTIONS):
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    if p.asked == "input":
        return [Part("x", "the input $x$", EXACT, "vector")]
    if p.asked == "eta":
        return [
            Part("h1", "$h^{(1)}$", EXACT, "vector"),
            Part("eta", r"learning rate $\eta$", Precision(3)),
        ]
    return [
        Part("true_class", "the true class $c$", EXACT),
        Part("delta2", r"$\delta^{(2)}$", Precision(2), "vector"),
    ]


NETWORK = (
    "A network computes, with row vectors, $z^{(1)} = x W^{(1)} + b^{(1)}$, "
    r"$h^{(1)} = \text{ReLU}(z^{(1)})$, $z^{(2)} = h^{(1)} W^{(2)} + b^{(2)}$ and "
    r"$\hat{y} = \text{softmax}(z^{(2)})$, with the categorical cross-entropy loss $J$ "
    r"(one-hot target $y$), so that $\delta^{(2)} = \hat{y} - y$, "
    r"$\delta^{(1)} = (\delta^{(2)} W^{(2)T}) \odot \text{ReLU}'(z^{(1)})$ and "
    r"$\partial J / \partial W^{(\ell)} = h^{(\ell - 1)T} \delta^{(\ell)}$ (with $h^{(0)} = x$)."
)


def stem(p: Params) -> Stem:
    if p.asked == "input":
        assert p.delta1 and p.dW1
        return Stem(
            rf"{NETWORK} For one example, backpropagation gives $\delta^{{(1)}} = {vec(p.delta1)}$ "
            rf"and $\partial J / \partial W^{{(1)}} = {mat(p.dW1)}$. What was the input $x$?"
        )
    if p.asked == "eta":
        assert p.x and p.W1 and p.b1 and p.W2 and p.delta2 and p.index and p.value is not None
        j, k = p.index
        return Stem(
            rf"{NETWORK} For $x = {vec(p.x)}$, $W^{{(1)}} = {mat(p.W1)}$, "
            rf"$b^{{(1)}} = {vec(p.b1)}$ and $W^{{(2)}} = {mat(p.W2)}$, the output error is "
            rf"$\delta^{{(2)}} = {vec(p.delta2)}$. One gradient-descent step "
            r"$W \leftarrow W - \eta \, \partial J / \partial W$ takes the entry "
            rf"$W^{{(2)}}_{{{j + 1}{k + 1}}}$ from ${num(p.W2[j][k])}$ to "
            rf"$\tilde{{W}}^{{(2)}}_{{{j + 1}{k + 1}}} = {num(p.value)}$. Find "
            r"$h^{(1)}$ and the learning rate $\eta$."
        )
    assert p.z1 and p.W2 and p.y_hat and p.delta1
    return Stem(
        rf"{NETWORK} For one example, $z^{{(1)}} = {vec(p.z1)}$, $W^{{(2)}} = {mat(p.W2)}$, "
        rf"the output is $\hat{{y}} = {vec(p.y_hat)}$ and backpropagation gives "
        rf"$\delta^{{(1)}} = {vec(p.delta1)}$ (use $\text{{ReLU}}'(0) = 0$). Which class "
        r"$c$ is the true one, and what is $\delta^{(2)}$?"
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    if p.asked == "input":
        return _input_steps(p, answer["x"])
    if p.asked == "eta":
        return _eta_steps(p, answer)
    return _target_steps(p, answer)


def _input_steps(p: Params, x: list[float]) -> list[Step]:
    assert p.delta1 and p.dW1
    j = int(np.argmax(np.abs(p.delta1)))
    return [
        Step(
            r"Row $i$ of $\partial J / \partial W^{(1)} = x^T \delta^{(1)}$ is "
            r"$x_i \delta^{(1)}$",
            tuple(
                rf"x_{i + 1} = \frac{{(\partial J / \partial W^{{(1)}})_{{{i + 1}{j + 1}}}}}"
                rf"{{\delta^{{(1)}}_{j + 1}}} = \frac{{{num(row[j])}}}{{{num(p.delta1[j])}}}"
                rf" = {num(v)}"
                for i, (row, v) in enumerate(zip(p.dW1, x))
            ),
            rf"x = {vec(x)}",
        ),
        Step(
            "Check with the forward formula",
            (
                rf"x^T \delta^{{(1)}} = {vec(x)}^T {vec(p.delta1)}"
                rf" = {mat(np.outer(x, p.delta1).tolist())}",
            ),
        ),
    ]


def _eta_steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    assert p.W2 and p.delta2 and p.index and p.value is not None
    j, k = p.index
    h1, eta = answer["h1"], answer["eta"]
    gradient = h1[j] * p.delta2[k]
    entry = f"{j + 1}{k + 1}"
    return [
        *hidden_steps(p.model_copy(update={"hidden": "relu"}), _pre_activation(p).tolist(), h1),
        Step(
            rf"The entry's gradient $(h^{{(1)T}} \delta^{{(2)}})_{{{entry}}} = "
            rf"h^{{(1)}}_{j + 1} \delta^{{(2)}}_{k + 1}$",
            (
                rf"\frac{{\partial J}}{{\partial W^{{(2)}}_{{{entry}}}}} = {num(h1[j])} \cdot "
                rf"{paren(p.delta2[k])} = {num(gradient)}",
            ),
        ),
        Step(
            r"Rearrange the update for $\eta$",
            (
                rf"\eta = \frac{{W^{{(2)}}_{{{entry}}} - \tilde{{W}}^{{(2)}}_{{{entry}}}}}"
                rf"{{\partial J / \partial W^{{(2)}}_{{{entry}}}}} = "
                rf"\frac{{{num(p.W2[j][k])} - {paren(p.value)}}}{{{num(gradient)}}}"
                rf" = {num(eta, 3)}",
            ),
        ),
        Step(
            "Check with the forward formula",
            (
                rf"\tilde{{W}}^{{(2)}}_{{{entry}}} = {num(p.W2[j][k])} - {num(eta, 3)} \cdot "
                rf"{paren(gradient)} = {num(p.W2[j][k] - round(eta, 3) * gradient, 6)}",
            ),
        ),
    ]


def _target_steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    assert p.z1 and p.W2 and p.y_hat and p.delta1
    c = answer["true_class"]
    active = [int(v > 0) for v in p.z1]
    back = (matmul(np.array(p.y_hat, float), np.array(p.W2, float).T)).tolist()
    column = [b - d for b, d, a in zip(back, p.delta1, active) if a]
    units = [i + 1 for i, a in enumerate(active) if a]
    columns = tuple(
        rf"W^{{(2)}}_{{\cdot {k + 1}}} \text{{ on units }} {vec(units)}: "
        rf"{vec([row[k] for row, a in zip(p.W2, active) if a])}"
        for k in range(len(p.y_hat))
    )
    check = (matmul(np.array(answer["delta2"]), np.array(p.W2, float).T)) * np.array(active)
    return [
        Step(
            r"$\text{ReLU}'(z^{(1)})$",
            (rf"\text{{ReLU}}'({vec(p.z1)}) = {vec(active)}",),
        ),
        Step(
            r"With $\delta^{(2)} = \hat{y} - y$: "
            r"$\delta^{(1)} = (\hat{y} W^{(2)T} - W^{(2)}_{\cdot c}) \odot \text{ReLU}'(z^{(1)})$",
            (rf"\hat{{y}} W^{{(2)T}} = {vec(back)}",),
        ),
        Step(
            r"On the active units, $W^{(2)}_{\cdot c} = \hat{y} W^{(2)T} - \delta^{(1)}$",
            (
                rf"\hat{{y}} W^{{(2)T}} - \delta^{{(1)}} = {vec(column)} \text{{ on units }} "
                rf"{vec(units)}",
                *columns,
            ),
            rf"c = {c}",
        ),
        Step(
            r"Output error $\delta^{(2)} = \hat{y} - y$",
            (
                rf"\delta^{{(2)}} = {vec(p.y_hat)} - {vec(np.eye(len(p.y_hat))[c - 1])}"
                rf" = {vec(answer['delta2'])}",
            ),
        ),
        Step(
            "Check with the forward formula",
            (rf"(\delta^{{(2)}} W^{{(2)T}}) \odot \text{{ReLU}}'(z^{{(1)}}) = {vec(check)}",),
        ),
    ]


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """The learning rate from the student's own h1 (follow-through); nothing else follows."""
    if p.asked != "eta" or "h1" not in given or p.index is None:
        return {}
    eta = _eta(p, given["h1"])
    return {} if eta is None else {"eta": eta}


def _when(asked: str, answer: Callable[[Params], Any]) -> Callable[[Params], Any]:
    """A mistake of the ``asked`` questions only (None on the others)."""
    return lambda p: answer(p) if p.asked == asked else None


def _eta_with(h1: Callable[[Params], list[float]], **switches: bool) -> Callable[[Params], Any]:
    """An "eta" answer with the hidden outputs ``h1(p)`` and the switches of :func:`_eta`."""

    def answer(p: Params) -> Any:
        hidden = h1(p)
        eta = _eta(p, hidden, **switches)
        return None if eta is None else {"h1": hidden, "eta": eta}

    return _when("eta", answer)


def _likeliest(p: Params) -> Any:
    """The likeliest class taken as the true one (None when it is the true one)."""
    assert p.y_hat
    c, right = int(np.argmax(p.y_hat)), _fitting_classes(p)[0]
    return None if c == right else _target(p, c, _right_delta2)


def _true_class_with(delta2: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Any:
    return _when("target", lambda p: _target(p, _fitting_classes(p)[0], delta2))


MISCONCEPTIONS = (
    Misconception(
        "multiplied by delta1 instead of dividing",
        r"Row $i$ of $x^T \delta^{(1)}$ is $x_i \delta^{(1)}$, so $x_i$ is an entry of that row "
        r"divided by the entry of $\delta^{(1)}$ below it.",
        _when("input", lambda p: {"x": _input(p, multiply=True)}),
    ),
    Misconception(
        "read dW1 as delta1^T x",
        r"$\frac{\partial J}{\partial W^{(1)}} = x^T \delta^{(1)}$: row $i$ belongs to input "
        "$x_i$, column $j$ to hidden unit $j$ (the layout of $W^{(1)}$).",
        _when(
            "input",
            lambda p: (
                {"x": _input(p, transpose=True)} if p.dW1 and len(p.dW1) == len(p.dW1[0]) else None
            ),
        ),
    ),
    Misconception(
        "skipped the hidden activation",
        r"$h^{(1)} = \text{ReLU}(z^{(1)})$: a negative pre-activation gives $0$.",
        lambda p: (
            _eta_with(lambda q: _hidden(q, activation=False))(p)
            if p.asked == "eta" and min(_pre_activation(p)) < 0
            else None
        ),
    ),
    Misconception(
        "added the gradient",
        r"Gradient descent steps against the gradient, $W - \eta \, \partial J / \partial W$: "
        r"$\eta = (W - W') / \frac{\partial J}{\partial W}$, positive.",
        _eta_with(_hidden, ascend=True),
    ),
    Misconception(
        "turned the ratio upside down",
        r"$W' = W - \eta g$ gives $\eta = \frac{W - W'}{g}$, not $\frac{g}{W - W'}$.",
        _eta_with(_hidden, invert=True),
    ),
    Misconception(
        "transposed the weight gradient",
        r"$\frac{\partial J}{\partial W^{(2)}} = h^{(1)T} \delta^{(2)}$: entry $jk$ is "
        r"$h^{(1)}_j \delta^{(2)}_k$, not $\delta^{(2)}_j h^{(1)}_k$.",
        lambda p: (
            _eta_with(_hidden, transpose=True)(p) if p.index and len(set(p.index)) == 2 else None
        ),
    ),
    Misconception(
        "took the likeliest class as the true one",
        r"The true class is the one whose $\delta^{(2)} = \hat{y} - y$ gives the stated "
        r"$\delta^{(1)}$, whichever class is likeliest.",
        _when("target", _likeliest),
    ),
    Misconception(
        "flipped the sign of the output error",
        r"For softmax with CCE, $\delta^{(2)} = \hat{y} - y$, not $y - \hat{y}$.",
        _true_class_with(lambda y_hat, y: y - y_hat),
    ),
    Misconception(
        "forgot to subtract the one-hot target",
        r"$\delta^{(2)} = \hat{y} - y$: the true class's entry is its probability minus $1$.",
        _true_class_with(lambda y_hat, y: y_hat),
    ),
)
