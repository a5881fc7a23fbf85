"""Typical student mistakes written here independently of the diagnosis: for every topic, a few
wrong methods computed the way a student computes them (straight numpy from the problem's
params, none of the code under test), typed at the paper's precision and checked by ``quizgen
check``'s own judging. Nearly all of them must be named, and never by a mistake whose answer
differs from what the student typed.

Each student below takes the params and returns every asked part as the student computes it
(None where the mistake cannot be made on this problem). Shapes the listed mistakes used to
miss are here on purpose: an activation's derivative applied where the loss cancels it, a
derivative not applied at all, a factor of the loss dropped or doubled, a dimension dropped
from a count, the wrong step or index, the wrong axis, a transpose missed, a sum for a mean,
a bias forgotten, the update's sign flipped, two parameters exchanged, a mask's value wrong."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from form_students import typed

from quizgen.core.grading import same_answer
from quizgen.exam.problems import make_problem
from quizgen.practice.checking import check_typed
from quizgen.topics import registry

DIFFICULTIES = ("easy", "medium", "hard")
SEEDS = range(8)

Student = Callable[[Any], "dict[str, Any] | None"]
MISTAKES: dict[str, dict[str, Student]] = {}


def mistake(topic: str, label: str) -> Callable[[Student], Student]:
    """Register a student who makes the mistake ``label`` on ``topic``'s problems."""

    def register(student: Student) -> Student:
        MISTAKES.setdefault(topic, {})[label] = student
        return student

    return register


def arr(value: Any) -> np.ndarray:
    return np.array(value, float)


def lists(**values: Any) -> dict[str, Any]:
    return {
        k: np.asarray(v).tolist() if not np.isscalar(v) else float(v) for k, v in values.items()
    }


def sigmoid(z: Any) -> np.ndarray:
    return 1 / (1 + np.exp(-arr(z)))


def softmax(z: Any, axis: int = -1) -> np.ndarray:
    e = np.exp(arr(z) - arr(z).max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --- perceptron -----------------------------------------------------------------------------


def perceptron(p, *, strict=False, bias=True, sign=1, by_z=False, passes=None) -> dict:
    low, high = (-1, 1) if p.encoding == "bipolar" else (0, 1)
    w = arr(p.w)
    steps = p.steps if passes is None else min(p.steps, passes * len(p.samples))
    for k in range(steps):
        sample = p.samples[k % len(p.samples)]
        x = arr([1.0 if bias else 0.0, *sample.x])
        z = float(w @ x)
        y_hat = high if (z > 0 if strict else z >= 0) else low
        w = w + sign * p.eta * (sample.t - (z if by_z else y_hat)) * x
    return lists(w_final=w)


mistake("perceptron", "fires only when z > 0")(lambda p: perceptron(p, strict=True))
mistake("perceptron", "bias input left out")(lambda p: perceptron(p, bias=False))
mistake("perceptron", "update with y_hat - t")(lambda p: perceptron(p, sign=-1))
mistake("perceptron", "delta rule on z")(lambda p: perceptron(p, by_z=True))
mistake("perceptron", "one pass over the samples only")(lambda p: perceptron(p, passes=1))


# --- linear regression ----------------------------------------------------------------------


def linear_regression(p, *, half=True, error_sign=1, mean=True, step_sign=-1, grad_factor=1):
    X, y, w = arr(p.X), arr(p.y), arr(p.w)
    m = len(y)
    y_hat = X @ w
    error = error_sign * (y_hat - y)
    cost = (error @ error) / (2 * m if half else m)
    grad = grad_factor * (X.T @ error) / (m if mean else 1)
    return lists(y_hat=y_hat, error=error, cost=cost, grad=grad, w_new=w + step_sign * p.eta * grad)


mistake("linear_regression", "cost without the 1/2")(lambda p: linear_regression(p, half=False))
mistake("linear_regression", "error as y - y_hat")(lambda p: linear_regression(p, error_sign=-1))
mistake("linear_regression", "gradient summed, not averaged")(
    lambda p: linear_regression(p, mean=False)
)
mistake("linear_regression", "step up the gradient")(lambda p: linear_regression(p, step_sign=1))
mistake("linear_regression", "gradient of the cost without the 1/2")(
    lambda p: linear_regression(p, grad_factor=2)
)


# --- sigmoid --------------------------------------------------------------------------------


def sigmoid_answer(s, ds) -> dict:
    return lists(sigma=s, dsigma=ds)


mistake("sigmoid", "derivative at z, not at sigma(z)")(
    lambda p: sigmoid_answer(sigmoid(p.z), p.z * (1 - p.z))
)
mistake("sigmoid", "sigma with e^z")(
    lambda p: sigmoid_answer(1 / (1 + math.exp(p.z)), (s := 1 / (1 + math.exp(p.z))) * (1 - s))
)
mistake("sigmoid", "tanh's derivative 1 - s^2")(
    lambda p: sigmoid_answer(s := sigmoid(p.z), 1 - s**2)
)
mistake("sigmoid", "denominator not squared")(
    lambda p: sigmoid_answer(sigmoid(p.z), math.exp(-p.z) / (1 + math.exp(-p.z)))
)


# --- bce ------------------------------------------------------------------------------------


def bce(p, *, log=np.log, loss_sign=-1, only_y=False, derivative=False, grad_sign=1, x=True):
    xs, w, y = arr(p.x), arr(p.w), p.y
    z = float(xs @ w)
    y_hat = float(sigmoid(z))
    loss = loss_sign * (y * log(y_hat) + (0 if only_y else (1 - y) * log(1 - y_hat)))
    error = grad_sign * (y_hat - y) * (y_hat * (1 - y_hat) if derivative else 1)
    return lists(z=z, y_hat=y_hat, loss=loss, grad=error * (xs if x else np.ones_like(xs)))


mistake("bce", "sigma' kept in the gradient")(lambda p: bce(p, derivative=True))
mistake("bce", "gradient (y - y_hat) x")(lambda p: bce(p, grad_sign=-1))
mistake("bce", "loss with log10")(lambda p: bce(p, log=np.log10))
mistake("bce", "loss without the minus")(lambda p: bce(p, loss_sign=1))
mistake("bce", "gradient without the input")(lambda p: bce(p, x=False))
mistake("bce", "only the y log y_hat term")(lambda p: bce(p, only_y=True))


# --- softmax --------------------------------------------------------------------------------


def softmax_answer(p, jacobian: Callable[[np.ndarray], np.ndarray]) -> dict:
    probs = softmax(p.z)
    return lists(probs=probs, jacobian=jacobian(probs))


mistake("softmax", "diagonal only")(lambda p: softmax_answer(p, lambda s: np.diag(s * (1 - s))))
mistake("softmax", "off-diagonal sign flipped")(
    lambda p: softmax_answer(p, lambda s: np.outer(s, s) + np.diag(s - 2 * s**2))
)
mistake("softmax", "whole Jacobian negated")(
    lambda p: softmax_answer(p, lambda s: np.outer(s, s) - np.diag(s))
)
mistake("softmax", "diag(s) left out")(lambda p: softmax_answer(p, lambda s: -np.outer(s, s)))


# --- cce ------------------------------------------------------------------------------------


def cce(p, *, log=np.log, index=0, grad: Callable[[np.ndarray, np.ndarray], np.ndarray]):
    probs = softmax(p.z)
    onehot = np.eye(len(p.z))[p.target]
    target = p.target + index
    if not 0 <= target < len(p.z):
        return None
    return lists(probs=probs, loss=-log(probs[target]), grad=grad(probs, onehot))


def cce_grad(s, y):
    return s - y


mistake("cce", "loss with log10")(lambda p: cce(p, log=np.log10, grad=cce_grad))
mistake("cce", "gradient y - p")(lambda p: cce(p, grad=lambda s, y: y - s))
mistake("cce", "one-hot left out of the gradient")(lambda p: cce(p, grad=lambda s, y: s))
mistake("cce", "gradient only at the target")(lambda p: cce(p, grad=lambda s, y: (s - 1) * y))
mistake("cce", "target counted from 1")(lambda p: cce(p, index=1, grad=cce_grad))
mistake("cce", "softmax derivative kept")(lambda p: cce(p, grad=lambda s, y: (s - y) * s * (1 - s)))


# --- backprop -------------------------------------------------------------------------------


def backprop(p, *, b1=True, output_derivative=False, hidden="derivative", sign=1, dw2_from="h1"):
    x, y = arr(p.x), arr(p.y)
    W1, W2 = arr(p.W1), arr(p.W2)
    z1 = x @ W1 + (arr(p.b1) if b1 else 0)
    if p.hidden == "relu":
        h1 = np.maximum(z1, 0)
        dh = (z1 > 0).astype(float) if hidden != "at-h" else (h1 > 0).astype(float)
    else:
        h1 = sigmoid(z1)
        dh = h1 * (1 - h1) if hidden != "at-h" else sigmoid(h1) * (1 - sigmoid(h1))
    z2 = h1 @ W2 + arr(p.b2)
    if p.output == "softmax":
        y_hat = softmax(z2)
        loss = -float(np.log(y_hat) @ y)
    else:
        y_hat = sigmoid(z2)
        loss = -float(y @ np.log(y_hat) + (1 - y) @ np.log(1 - y_hat))
    delta2 = sign * (y_hat - y)
    if output_derivative:
        delta2 = delta2 * y_hat * (1 - y_hat)
    delta1 = (delta2 @ W2.T) * (dh if hidden != "none" else 1)
    source = {"h1": h1, "z1": z1}[dw2_from]
    return lists(
        z1=z1,
        h1=h1,
        z2=z2,
        y_hat=y_hat,
        loss=loss,
        delta2=delta2,
        dW2=np.outer(source, delta2),
        delta1=delta1,
        dW1=np.outer(x, delta1),
    )


mistake("backprop", "sigma' kept in the output error")(
    lambda p: backprop(p, output_derivative=True)
)
mistake("backprop", "hidden derivative not applied")(lambda p: backprop(p, hidden="none"))
mistake("backprop", "hidden derivative taken at h1")(
    lambda p: backprop(p, hidden="at-h") if p.hidden == "sigmoid" else None
)
mistake("backprop", "hidden bias forgotten")(lambda p: backprop(p, b1=False))
mistake("backprop", "dW2 from z1, not h1")(lambda p: backprop(p, dw2_from="z1"))
mistake("backprop", "output error y - y_hat")(lambda p: backprop(p, sign=-1))


# --- relu -----------------------------------------------------------------------------------


def relu(p, derivative: Callable[[np.ndarray], np.ndarray], *, local=None) -> dict:
    z, upstream = arr(p.z), arr(p.upstream)
    d = derivative(z)
    return lists(
        relu=np.maximum(z, 0), drelu=d, delta=upstream * (d if local is None else local(z))
    )


mistake("relu", "derivative 1 at z = 0")(
    lambda p: relu(p, lambda z: (z >= 0).astype(float)) if 0 in p.z else None
)
mistake("relu", "delta from ReLU's value")(
    lambda p: relu(p, lambda z: (z > 0).astype(float), local=lambda z: np.maximum(z, 0))
)
mistake("relu", "derivative not applied")(
    lambda p: relu(p, lambda z: (z > 0).astype(float), local=np.ones_like)
)
mistake("relu", "indicator reversed")(lambda p: relu(p, lambda z: (z <= 0).astype(float)))


# --- conv shapes ----------------------------------------------------------------------------


def conv_shapes(p, *, padding=2, rounding=math.floor, plus_one=1, stride=True, filters=True):
    shape, out = list(p.input), []
    for layer in p.layers:
        s = layer.s if stride else 1
        h, w = (rounding((n + padding * layer.p - layer.f) / s) + plus_one for n in shape[:2])
        channels = layer.filters if layer.type == "conv" and filters else shape[2]
        shape = [h, w, channels]
        out.append(shape)
    return {"shapes": out}


mistake("conv_shape", "padding added once")(lambda p: conv_shapes(p, padding=1))
mistake("conv_shape", "ceil for floor")(lambda p: conv_shapes(p, rounding=math.ceil))
mistake("conv_shape", "+1 forgotten")(lambda p: conv_shapes(p, plus_one=0))
mistake("conv_shape", "stride ignored")(lambda p: conv_shapes(p, stride=False))
mistake("conv_shape", "channels kept through a conv")(lambda p: conv_shapes(p, filters=False))


# --- parameter counts -----------------------------------------------------------------------


def param_counts(p, *, bias=True, channels=True, flat=True, pool_shrinks=True, one_bias=False):
    shape, per_layer = list(p.input), []
    for layer in p.layers:
        biases = 0
        if layer.type in ("dense", "conv") and layer.bias and bias:
            biases = 1 if one_bias else getattr(layer, "units", None) or layer.filters
        if layer.type == "dense":
            count = shape[0] * layer.units + biases
            shape = [layer.units]
        elif layer.type == "conv":
            count = layer.f * layer.f * (shape[2] if channels else 1) * layer.filters + biases
            side = [(n + 2 * layer.p - layer.f) // layer.s + 1 for n in shape[:2]]
            shape = [*side, layer.filters]
        elif layer.type == "pool":
            count = 0
            if pool_shrinks:
                shape = [(n - layer.f) // layer.s + 1 for n in shape[:2]] + [shape[2]]
        else:
            count = 0
            shape = [int(np.prod(shape)) if flat else shape[0] * shape[1]]
        per_layer.append(count)
    return {"per_layer": per_layer, "total": sum(per_layer)}


mistake("param_count", "biases forgotten")(lambda p: param_counts(p, bias=False))
mistake("param_count", "input channels left out of a filter")(
    lambda p: param_counts(p, channels=False)
)
mistake("param_count", "channels dropped when flattening")(lambda p: param_counts(p, flat=False))
mistake("param_count", "pooling taken to keep the size")(
    lambda p: param_counts(p, pool_shrinks=False)
)
mistake("param_count", "one bias per layer")(lambda p: param_counts(p, one_bias=True))


# --- optimizers -----------------------------------------------------------------------------


def optimizer(p, *, complement=False, betas_swapped=False, step_sign=-1, accumulate=True, lr=True):
    """Every step as the student runs it. ``complement``: the decay and its complement swapped
    (rho, mu or beta1); ``lr`` False: the step without the learning rate."""
    w = arr(p.w0)
    rate = step_sign * (p.lr if lr else 1)
    first, second = np.zeros_like(w), np.zeros_like(w)
    keys = {
        "momentum": ("v",),
        "nesterov": ("v",),
        "adagrad": ("s",),
        "rmsprop": ("s",),
        "adam": ("m", "s", "m_hat", "s_hat"),
    }[p.method]
    rows: dict[str, list] = {k: [] for k in (("lookahead",) if p.method == "nesterov" else ())}
    rows |= {"grads": []} | {k: [] for k in keys} | {"w": []}
    for t in range(p.steps):
        point = w - p.lr * p.mu * first if p.method == "nesterov" else w
        g = arr(p.grads[t]) if p.grads is not None else arr(p.a) * (point - arr(p.c))
        if p.method in ("momentum", "nesterov"):
            keep, new = p.mu, (1 - p.mu if p.convention == "ema" else 1)
            if complement:
                if p.convention != "ema":
                    return None
                keep, new = new, keep
            first = keep * first + new * g
            w = w + rate * first
            rows["v"].append(first)
        elif p.method in ("adagrad", "rmsprop"):
            rho = 1 - p.rho if complement and p.method == "rmsprop" else p.rho
            if complement and p.method != "rmsprop":
                return None
            if p.method == "adagrad":
                second = (second if accumulate else 0) + g**2
            else:
                second = rho * second + (1 - rho) * g**2
            w = w + rate * g / (np.sqrt(second) + p.eps)
            rows["s"].append(second)
        else:
            b1, b2 = (p.beta2, p.beta1) if betas_swapped else (p.beta1, p.beta2)
            if complement:
                b1 = 1 - b1
            first = b1 * first + (1 - b1) * g
            second = b2 * second + (1 - b2) * g**2
            m_hat, s_hat = first / (1 - b1 ** (t + 1)), second / (1 - b2 ** (t + 1))
            w = w + rate * m_hat / (np.sqrt(s_hat) + p.eps)
            rows["m"].append(first)
            rows["s"].append(second)
            rows["m_hat"].append(m_hat)
            rows["s_hat"].append(s_hat)
        if p.method == "nesterov":
            rows["lookahead"].append(point)
        rows["grads"].append(g)
        rows["w"].append(w)
    return {k: np.array(v).tolist() for k, v in rows.items()} | {"w_final": w.tolist()}


def only(methods: tuple[str, ...], student: Student) -> Student:
    return lambda p: student(p) if p.method in methods else None


mistake("optimizer", "rho and 1 - rho swapped")(
    only(("rmsprop",), lambda p: optimizer(p, complement=True))
)
mistake("optimizer", "beta1 and beta2 swapped")(
    only(("adam",), lambda p: optimizer(p, betas_swapped=True))
)
mistake("optimizer", "mu and 1 - mu swapped")(
    only(("momentum", "nesterov"), lambda p: optimizer(p, complement=True))
)
mistake("optimizer", "stepped up the gradient")(lambda p: optimizer(p, step_sign=1))
mistake("optimizer", "AdaGrad without accumulating")(
    only(("adagrad",), lambda p: optimizer(p, accumulate=False))
)
mistake("optimizer", "learning rate left out")(lambda p: optimizer(p, lr=False))


# --- regularization -------------------------------------------------------------------------


def regularization(
    p, *, bias_penalised=False, half=True, step_sign=-1, keep_times=False, l1_as_l2=False
):
    w, lam = arr(p.w), p.lam
    penalised = np.ones_like(w) if bias_penalised else np.r_[0.0, np.ones(len(w) - 1)]
    if p.penalty == "l2":
        penalty = (lam / 2 if half else lam) * float(penalised @ w**2)
        local = (lam if half else 2 * lam) * penalised * w
    else:
        if not half:
            return None
        penalty = lam * float(penalised @ np.abs(w))
        local = lam * penalised * (w if l1_as_l2 else np.sign(w))
    total_grad = arr(p.grad) + local
    a, mask, keep = arr(p.a), arr(p.mask), 1 - p.p
    dropped = a * mask * keep if keep_times else a * mask / keep
    return lists(
        penalty=penalty,
        total_loss=p.loss + penalty,
        total_grad=total_grad,
        w_new=w + step_sign * p.lr * total_grad,
        dropped=dropped,
        test=a,
    )


mistake("regularization", "bias weight penalised")(lambda p: regularization(p, bias_penalised=True))
mistake("regularization", "L2 without the 1/2")(lambda p: regularization(p, half=False))
mistake("regularization", "stepped up the gradient")(lambda p: regularization(p, step_sign=1))
mistake("regularization", "dropout multiplied by 1 - p")(
    lambda p: regularization(p, keep_times=True)
)
mistake("regularization", "L1 gradient lambda w")(
    lambda p: regularization(p, l1_as_l2=True) if p.penalty == "l1" else None
)


# --- batch norm -----------------------------------------------------------------------------


def batchnorm(p, *, ddof=0, eps_outside=False, axis=0, beta=True, swapped=False, mean_grads=False):
    X, gamma = arr(p.X), arr(p.gamma)
    mean = X.mean(axis=axis, keepdims=True)
    var = X.var(axis=axis, ddof=ddof, keepdims=True)
    root = np.sqrt(var) + p.eps if eps_outside else np.sqrt(var + p.eps)
    x_hat = (X - mean) / root
    y = gamma * x_hat + (arr(p.beta) if beta else 0)
    out = lists(mean=mean.ravel(), var=var.ravel(), x_hat=x_hat, y=y)
    if p.upstream is None:
        return out
    upstream = arr(p.upstream)
    reduce = np.mean if mean_grads else np.sum
    dbeta, dgamma = reduce(upstream, axis=0), reduce(upstream * x_hat, axis=0)
    if swapped:
        dbeta, dgamma = dgamma, dbeta
    return out | lists(dbeta=dbeta, dgamma=dgamma)


mistake("batchnorm", "variance divided by m - 1")(lambda p: batchnorm(p, ddof=1))
mistake("batchnorm", "epsilon outside the root")(lambda p: batchnorm(p, eps_outside=True))
mistake("batchnorm", "statistics over each example's features")(lambda p: batchnorm(p, axis=1))
mistake("batchnorm", "beta forgotten")(lambda p: batchnorm(p, beta=False) if any(p.beta) else None)
mistake("batchnorm", "dgamma and dbeta swapped")(
    lambda p: batchnorm(p, swapped=True) if p.upstream is not None else None
)
mistake("batchnorm", "gradients averaged over the batch")(
    lambda p: batchnorm(p, mean_grads=True) if p.upstream is not None else None
)


# --- rnn ------------------------------------------------------------------------------------


def rnn(p, *, bias=True, half=True, derivative_at=0, tanh_prime=True, carried=True, dwh_at=-1):
    Wx, Wh, Wy = arr(p.Wx), arr(p.Wh), arr(p.Wy)
    hs = [arr(p.h0)]
    ys = []
    for x in p.xs:
        hs.append(np.tanh(arr(x) @ Wx + hs[-1] @ Wh + (arr(p.b) if bias else 0)))
        ys.append(hs[-1] @ Wy + arr(p.by))
    out = lists(h=hs[1:], y=ys)
    if p.target is None:
        return out
    error = ys[-1] - arr(p.target)
    loss = float(error @ error) / (2 if half else 1)
    T = len(p.xs)
    deltas = [np.zeros(0)] * (T + 1)
    upstream = error @ Wy.T
    for t in range(T, 0, -1):
        local = 1 - hs[t + derivative_at] ** 2 if tanh_prime else 1
        deltas[t] = upstream * local
        upstream = deltas[t] @ Wh.T if carried else error @ Wy.T
    dWh = sum(np.outer(hs[t + dwh_at], deltas[t]) for t in range(1, T + 1))
    return out | lists(loss=loss, delta=deltas[1:], dWh=dWh)


def with_target(student: Student) -> Student:
    return lambda p: student(p) if p.target is not None else None


mistake("rnn", "loss without the 1/2")(with_target(lambda p: rnn(p, half=False)))
mistake("rnn", "tanh' at the step before")(with_target(lambda p: rnn(p, derivative_at=-1)))
mistake("rnn", "dW_h from h_t, not h_(t-1)")(with_target(lambda p: rnn(p, dwh_at=0)))
mistake("rnn", "tanh' not applied")(with_target(lambda p: rnn(p, tanh_prime=False)))
mistake("rnn", "bias forgotten")(lambda p: rnn(p, bias=False))
mistake("rnn", "error not carried back through W_h")(with_target(lambda p: rnn(p, carried=False)))


# --- attention ------------------------------------------------------------------------------


def attention(
    p, *, masked_value=-np.inf, axis=-1, scores_transposed=False, values_transposed=False
):
    Qm, K, V = arr(p.Q), arr(p.K), arr(p.V)
    scores = Qm @ K.T / math.sqrt(Qm.shape[1])
    if scores_transposed:
        scores = scores.T
    logits = scores.copy()
    if p.causal:
        logits[np.triu_indices(len(Qm), k=1)] = masked_value
    weights = softmax(logits, axis=axis)
    output = (weights.T if values_transposed else weights) @ V
    return lists(scores=scores, weights=weights, output=output)


mistake("attention", "masked scores set to 0")(
    lambda p: attention(p, masked_value=0.0) if p.causal else None
)
mistake("attention", "softmax down the columns")(lambda p: attention(p, axis=0))
mistake("attention", "scores as K Q^T")(lambda p: attention(p, scores_transposed=True))
mistake("attention", "weights transposed onto the values")(
    lambda p: attention(p, values_transposed=True)
)


# --- the measure ----------------------------------------------------------------------------


@functools.cache
def share_named(name: str, seeds: range = SEEDS) -> tuple[int, int, list[str]]:
    """How many mistakes that show at the printed precision were named by a mistake giving
    the student's answer, how many showed, and the misses ("label, difficulty, seed"). Fails at
    once on a name whose answer differs from what the student typed on the part it names."""
    topic = registry()[name]
    named = asked = 0
    missed = []
    for difficulty in DIFFICULTIES:
        for seed in seeds:
            problem = make_problem(name, seed, difficulty)
            solution = topic.solve(problem.params)
            for label, student in MISTAKES[name].items():
                answer = student(problem.params)
                if answer is None:
                    continue
                checks = check_typed(problem, typed(answer, solution.parts))
                wrong = [c for c in checks if c.verdict and not c.verdict.correct]
                if not wrong:
                    continue
                asked += 1
                told = False
                for check in wrong:
                    said = check.verdict.misconception
                    if said is None:
                        continue
                    # two listed mistakes at once for one mistake is a name we cannot trust
                    assert check.verdict.also is None, (name, label, difficulty, seed, said.label)
                    gives = said.solve(problem.params)
                    assert gives is not None and same_answer([check.part], gives, answer), (
                        name,
                        label,
                        difficulty,
                        seed,
                        said.label,
                    )
                    told |= same_answer([c.part for c in wrong], gives, answer)
                named += told
                if not told:
                    missed.append(f"{label}, {difficulty}, {seed}")
    return named, asked, missed


def test_every_topic_has_three_to_six_independent_mistakes():
    assert set(MISTAKES) == set(registry())
    assert all(3 <= len(students) <= 6 for students in MISTAKES.values())


#: no topic far below the whole list's share (each topic's misses are in the message)
TOPIC_FLOOR = 0.85


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_typical_mistakes_written_independently_are_named_on_every_topic(name):
    named, asked, missed = share_named(name)
    assert asked and named / asked >= TOPIC_FLOOR, (name, named, asked, missed)


def test_typical_mistakes_written_independently_are_named_95_percent_of_the_time():
    shares = [share_named(name) for name in sorted(MISTAKES)]
    named, asked = sum(s[0] for s in shares), sum(s[1] for s in shares)
    assert named / asked >= 0.95, (named, asked)
