"""Every solver's answer, checked by an independent method over many seeds and every difficulty.

Gradients against central finite differences of a loss written here from its definition, shapes
against a brute-force sliding window, parameter counts against the sizes of real weight arrays,
perceptron traces against a float re-run of the update rule.
"""

from __future__ import annotations

import itertools
import math
import statistics
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.exam.problems import make_problem, solve
from quizgen.topics import registry

seeds = st.integers(min_value=0, max_value=2**32 - 1)
difficulties = st.sampled_from(["easy", "medium", "hard"])
H = 1e-6


def drawn(topic: str, seed: int, difficulty: str):
    problem = make_problem(topic, seed, difficulty)
    return problem.params, solve(problem).answer


def numeric_grad(f, x: np.ndarray) -> np.ndarray:
    """Central differences of the scalar function f at x (any shape)."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += H
        down[index] -= H
        grad[index] = (f(up) - f(down)) / (2 * H)
    return grad


def close(a, b, tol=1e-6) -> bool:
    return np.allclose(np.asarray(a, float), np.asarray(b, float), atol=tol, rtol=1e-6)


@given(seeds, difficulties)
def test_perceptron_trace_follows_the_update_rule(seed, difficulty):
    p, answer = drawn("perceptron", seed, difficulty)
    low, high = (-1, 1) if p.encoding == "bipolar" else (0, 1)
    w = np.array(p.w, float)
    for k, step in enumerate(answer["trace"]):
        sample = p.samples[k % len(p.samples)]
        x = np.array([1.0, *sample.x])
        z = float(w @ x)  # grid values are dyadic: floats hold them exactly
        y_hat = high if z >= 0 else low
        w = w + p.eta * (sample.t - y_hat) * x
        assert (step["z"], step["y_hat"]) == (z, y_hat)
        assert close(step["w"], w, 0)
    assert close(answer["w_final"], w, 0)


@given(seeds, difficulties)
def test_linear_regression_gradient_matches_finite_differences(seed, difficulty):
    p, answer = drawn("linear_regression", seed, difficulty)
    X, y = np.array(p.X, float), np.array(p.y, float)

    def cost(w):
        return sum((row @ w - t) ** 2 for row, t in zip(X, y)) / (2 * len(y))

    assert math.isclose(answer["cost"], cost(np.array(p.w, float)), rel_tol=1e-12)
    assert close(answer["grad"], numeric_grad(cost, p.w))
    assert close(answer["w_new"], np.array(p.w) - p.eta * numeric_grad(cost, p.w))


@given(seeds, difficulties)
def test_sigmoid_derivative_matches_finite_differences(seed, difficulty):
    p, answer = drawn("sigmoid", seed, difficulty)

    def sigma(z):
        return 1 / (1 + math.exp(-float(z)))

    assert math.isclose(answer["sigma"], sigma(p.z), rel_tol=1e-12)
    assert math.isclose(answer["dsigma"], float(numeric_grad(sigma, p.z)), rel_tol=1e-6)


@given(seeds, difficulties)
def test_bce_gradient_matches_finite_differences(seed, difficulty):
    p, answer = drawn("bce", seed, difficulty)
    x = np.array(p.x, float)

    def loss(w):
        y_hat = 1 / (1 + math.exp(-float(w @ x)))
        return -(p.y * math.log(y_hat) + (1 - p.y) * math.log(1 - y_hat))

    assert math.isclose(answer["loss"], loss(np.array(p.w, float)), rel_tol=1e-9)
    assert close(answer["grad"], numeric_grad(loss, p.w))


def softmax_by_definition(z):
    e = [math.exp(v) for v in z]
    return np.array([v / sum(e) for v in e])


@given(seeds, difficulties)
def test_softmax_jacobian_matches_finite_differences(seed, difficulty):
    p, answer = drawn("softmax", seed, difficulty)
    assert close(answer["probs"], softmax_by_definition(p.z), 1e-12)
    assert math.isclose(sum(answer["probs"]), 1.0)
    numeric = np.array(
        [numeric_grad(lambda z, i=i: softmax_by_definition(z)[i], p.z) for i in range(len(p.z))]
    )
    assert close(answer["jacobian"], numeric)


@given(seeds, difficulties)
def test_cce_gradient_matches_finite_differences(seed, difficulty):
    p, answer = drawn("cce", seed, difficulty)

    def loss(z):
        return -math.log(softmax_by_definition(z)[p.target])

    assert math.isclose(answer["loss"], loss(p.z), rel_tol=1e-9)
    assert close(answer["grad"], numeric_grad(loss, p.z))


def backprop_loss(p, x, W1, b1, W2, b2):
    """The network's loss written out from the seed's definitions, for finite differences."""
    return loss_from_z1(p, x @ W1 + b1, W2, b2)


def loss_from_z1(p, z1, W2, b2):
    h1 = np.maximum(z1, 0) if p.hidden == "relu" else 1 / (1 + np.exp(-z1))
    return loss_from_z2(p, h1 @ W2 + b2)


def loss_from_z2(p, z2):
    if p.output == "softmax":
        return -math.log(softmax_by_definition(z2)[list(p.y).index(1)])
    y_hat = 1 / (1 + math.exp(-z2[0]))
    return -(p.y[0] * math.log(y_hat) + (1 - p.y[0]) * math.log(1 - y_hat))


@given(seeds, difficulties)
def test_backprop_gradients_match_finite_differences(seed, difficulty):
    p, answer = drawn("backprop", seed, difficulty)
    args = [np.array(v, float) for v in (p.x, p.W1, p.b1, p.W2, p.b2)]

    def partial(i):
        return lambda v: backprop_loss(p, *args[:i], v, *args[i + 1 :])

    assert math.isclose(answer["loss"], backprop_loss(p, *args), rel_tol=1e-9)
    for key, i in (("dW1", 1), ("db1", 2), ("dW2", 3), ("db2", 4)):
        assert close(answer[key], numeric_grad(partial(i), args[i])), key
    # delta = dJ/dz: perturb z itself and run the rest of the network from there
    W2, b2 = args[3], args[4]
    assert close(
        answer["delta1"], numeric_grad(lambda z1: loss_from_z1(p, z1, W2, b2), answer["z1"])
    )
    assert close(answer["delta2"], numeric_grad(lambda z2: loss_from_z2(p, z2), answer["z2"]))


@given(seeds, difficulties)
def test_relu_delta_matches_finite_differences_away_from_the_kink(seed, difficulty):
    p, answer = drawn("relu", seed, difficulty)
    upstream = np.array(p.upstream, float)

    def objective(z):
        return float(upstream @ np.maximum(z, 0))

    numeric = numeric_grad(objective, p.z)
    for z, mine, theirs, d in zip(p.z, answer["delta"], numeric, answer["drelu"]):
        if z == 0:
            assert (d, mine) == (0, 0)  # the convention ReLU'(0) = 0
        else:
            assert math.isclose(mine, theirs, abs_tol=1e-6)
    assert answer["relu"] == [max(v, 0) for v in p.z]


def positions(n: int, f: int, s: int, p: int) -> int:
    """Count the places a window of size f fits, sliding by s over n + 2p cells."""
    return sum(1 for start in range(0, n + 2 * p, s) if start + f <= n + 2 * p)


@given(seeds, difficulties)
def test_conv_shapes_match_a_sliding_window_count(seed, difficulty):
    p, answer = drawn("conv_shape", seed, difficulty)
    shape = list(p.input)
    for layer, got in zip(p.layers, answer["shapes"]):
        channels = layer.filters if layer.type == "conv" else shape[2]
        shape = [positions(n, layer.f, layer.s, layer.p) for n in shape[:2]] + [channels]
        assert got == shape


@given(seeds, difficulties)
def test_param_counts_match_real_weight_arrays(seed, difficulty):
    p, answer = drawn("param_count", seed, difficulty)
    shape, counts = list(p.input), []
    for layer in p.layers:
        if layer.type == "dense":
            arrays = [np.zeros((shape[0], layer.units))]
            arrays += [np.zeros(layer.units)] if layer.bias else []
            shape = [layer.units]
        elif layer.type == "conv":
            arrays = [np.zeros((layer.f, layer.f, shape[2], layer.filters))]
            arrays += [np.zeros(layer.filters)] if layer.bias else []
            shape = [positions(n, layer.f, layer.s, layer.p) for n in shape[:2]] + [layer.filters]
        elif layer.type == "pool":
            arrays = []
            shape = [positions(n, layer.f, layer.s, layer.p) for n in shape[:2]] + [shape[2]]
        else:
            arrays = []
            shape = [int(np.prod(shape))]
        counts.append(sum(a.size for a in arrays))
    assert answer == {"per_layer": counts, "total": sum(counts)}


def quadratic_loss(p, w) -> float:
    return sum(a * (wi - c) ** 2 for a, wi, c in zip(p.a, w, p.c)) / 2


def optimizer_by_recurrence(p, gradient_at):
    """The method's recurrence written out coordinate by coordinate: in exact fractions for the
    momentum methods (every number is rational), in fractions up to the root for the others."""
    frac = Fraction
    n, lr = len(p.w0), frac(p.lr)
    w = [frac(v) for v in p.w0]
    first, second = [frac(0)] * n, [frac(0)] * n
    trace = []
    for t in range(p.steps):
        if p.method in ("momentum", "nesterov"):
            mu = frac(p.mu)
            scale = 1 - mu if p.convention == "ema" else frac(1)
            at = [wi - lr * mu * vi for wi, vi in zip(w, first)] if p.method == "nesterov" else w
            g = gradient_at(t, at)
            first = [mu * vi + scale * gi for vi, gi in zip(first, g)]
            w = [wi - lr * vi for wi, vi in zip(w, first)]
            trace.append({"lookahead": at, "grads": g, "v": first, "w": w})
            continue
        g, eps = gradient_at(t, w), frac(p.eps)
        row = {"grads": g}
        if p.method == "adam":
            b1, b2 = frac(p.beta1), frac(p.beta2)
            first = [b1 * m + (1 - b1) * gi for m, gi in zip(first, g)]
            second = [b2 * v + (1 - b2) * gi * gi for v, gi in zip(second, g)]
            m_hat = [m / (1 - b1 ** (t + 1)) for m in first]
            s_hat = [v / (1 - b2 ** (t + 1)) for v in second]
            row |= {"m": first, "s": second, "m_hat": m_hat, "s_hat": s_hat}
            step = [m / (math.sqrt(v) + eps) for m, v in zip(m_hat, s_hat)]
        else:
            if p.method == "adagrad":
                second = [v + gi * gi for v, gi in zip(second, g)]
            else:
                rho = frac(p.rho)
                second = [rho * v + (1 - rho) * gi * gi for v, gi in zip(second, g)]
            row["s"] = second
            step = [gi / (math.sqrt(v) + eps) for gi, v in zip(g, second)]
        w = [frac(wi - lr * si) for wi, si in zip(w, step)]
        trace.append(row | {"w": w})
    return trace


@given(seeds, difficulties)
@settings(max_examples=60)
def test_optimizer_steps_follow_each_methods_recurrence(seed, difficulty):
    p, answer = drawn("optimizer", seed, difficulty)

    def gradient_at(t, w):
        if p.grads is not None:
            return [Fraction(g) for g in p.grads[t]]
        numeric = numeric_grad(lambda v: quadratic_loss(p, v), [float(v) for v in w])
        exact = [Fraction(a) * (wi - Fraction(c)) for a, wi, c in zip(p.a, w, p.c)]
        assert close(numeric, [float(g) for g in exact])
        return exact

    trace = optimizer_by_recurrence(p, gradient_at)
    for key in answer:
        if key != "w_final":
            assert close(answer[key], [[float(v) for v in row[key]] for row in trace], 1e-9), key
    assert answer["w_final"] == answer["w"][-1]


@given(seeds, difficulties)
@settings(max_examples=60)
def test_regularization_matches_finite_differences_and_every_dropout_mask(seed, difficulty):
    p, answer = drawn("regularization", seed, difficulty)
    w = np.array(p.w, float)

    def penalty(v):
        weights = v[1:]
        return p.lam * (weights @ weights / 2 if p.penalty == "l2" else np.abs(weights).sum())

    assert math.isclose(answer["penalty"], penalty(w), abs_tol=1e-12)
    assert math.isclose(answer["total_loss"], p.loss + penalty(w), abs_tol=1e-12)
    # |w_j| has no derivative at 0: there the stated subgradient, sign(0) = 0
    slope = np.where(w == 0, 0.0, numeric_grad(penalty, w))
    assert close(answer["total_grad"], np.array(p.grad) + slope)
    assert close(answer["w_new"], w - p.lr * (np.array(p.grad) + slope))
    keep = 1 - p.p
    assert close(answer["dropped"], [ai / keep if m else 0.0 for ai, m in zip(p.a, p.mask)])
    # the expectation over every mask, weighted by its probability
    expected = np.zeros(len(p.a))
    for mask in itertools.product((0, 1), repeat=len(p.a)):
        chance = math.prod(keep if m else p.p for m in mask)
        expected += chance * np.array(p.a) * np.array(mask) / keep
    assert close(answer["expected"], expected) and close(answer["test"], expected)


@given(seeds, difficulties)
@settings(max_examples=60)
def test_batchnorm_statistics_and_gradients_match_an_independent_computation(seed, difficulty):
    p, answer = drawn("batchnorm", seed, difficulty)
    columns = [[Fraction(v) for v in column] for column in zip(*p.X)]
    assert answer["mean"] == [float(statistics.mean(c)) for c in columns]
    assert close(answer["var"], [float(statistics.pvariance(c)) for c in columns], 1e-12)

    def forward(gamma, beta):
        return [
            [
                g * (v - statistics.fmean(c)) / math.sqrt(statistics.pvariance(c) + p.eps) + b
                for v, c, g, b in zip(row, zip(*p.X), gamma, beta)
            ]
            for row in p.X
        ]

    assert close(answer["y"], forward(p.gamma, p.beta))
    if p.upstream is None:
        return
    upstream = np.array(p.upstream, float)
    beta = np.array(p.beta, float)
    gamma = np.array(p.gamma, float)
    assert close(
        answer["dgamma"], numeric_grad(lambda g: (upstream * forward(g, beta)).sum(), gamma)
    )
    assert close(
        answer["dbeta"], numeric_grad(lambda b: (upstream * forward(gamma, b)).sum(), beta)
    )


def rnn_states(p, Wx, Wh, bump=None):
    """Hidden states unit by unit with math.tanh; ``bump`` = (t, v) adds v to step t's
    pre-activation (to differentiate with respect to it)."""
    states = [list(p.h0)]
    for t, x in enumerate(p.xs):
        previous = states[-1]
        pre = [
            sum(xi * Wx[i][j] for i, xi in enumerate(x))
            + sum(hi * Wh[i][j] for i, hi in enumerate(previous))
            + p.b[j]
            + (bump[1][j] if bump and bump[0] == t else 0.0)
            for j in range(len(p.h0))
        ]
        states.append([math.tanh(v) for v in pre])
    return states[1:]


def rnn_loss(p, Wx, Wh, bump=None):
    last = rnn_states(p, Wx, Wh, bump)[-1]
    y = [sum(h * row[k] for h, row in zip(last, p.Wy)) + p.by[k] for k in range(len(p.by))]
    return sum((v - t) ** 2 for v, t in zip(y, p.target)) / 2


@given(seeds, difficulties)
@settings(max_examples=60)
def test_rnn_states_and_bptt_match_finite_differences(seed, difficulty):
    p, answer = drawn("rnn", seed, difficulty)
    Wx, Wh = np.array(p.Wx, float), np.array(p.Wh, float)
    assert close(answer["h"], rnn_states(p, Wx, Wh), 1e-12)
    assert close(answer["y"], np.array(answer["h"]) @ np.array(p.Wy) + np.array(p.by), 1e-12)
    if p.target is None:
        return
    assert math.isclose(answer["loss"], rnn_loss(p, Wx, Wh), rel_tol=1e-12)
    assert close(answer["dWh"], numeric_grad(lambda m: rnn_loss(p, Wx, m), Wh))
    assert close(answer["dWx"], numeric_grad(lambda m: rnn_loss(p, m, Wh), Wx))
    for t, delta in enumerate(answer["delta"]):
        zero = np.zeros(len(p.h0))
        assert close(delta, numeric_grad(lambda v, t=t: rnn_loss(p, Wx, Wh, (t, v)), zero))


@given(seeds, difficulties)
@settings(max_examples=60)
def test_attention_matches_a_token_by_token_computation_with_the_mask_by_brute_force(
    seed, difficulty
):
    p, answer = drawn("attention", seed, difficulty)
    n, d_k = len(p.Q), len(p.Q[0])
    scores = [[sum(a * b for a, b in zip(q, k)) / math.sqrt(d_k) for k in p.K] for q in p.Q]
    assert close(answer["scores"], scores, 1e-12)
    for i in range(n):
        seen = [j for j in range(n) if not (p.causal and j > i)]
        total = sum(math.exp(scores[i][j]) for j in seen)
        weights = [math.exp(scores[i][j]) / total if j in seen else 0.0 for j in range(n)]
        assert close(answer["weights"][i], weights, 1e-12)
        assert all(answer["weights"][i][j] == 0 for j in range(n) if j not in seen)
        output = [sum(w * v[c] for w, v in zip(weights, p.V)) for c in range(len(p.V[0]))]
        assert close(answer["output"][i], output, 1e-12)


#: Each topic's independent check: a topic without one fails the test below.
INDEPENDENT_CHECKS = {
    "perceptron": test_perceptron_trace_follows_the_update_rule,
    "linear_regression": test_linear_regression_gradient_matches_finite_differences,
    "sigmoid": test_sigmoid_derivative_matches_finite_differences,
    "bce": test_bce_gradient_matches_finite_differences,
    "softmax": test_softmax_jacobian_matches_finite_differences,
    "cce": test_cce_gradient_matches_finite_differences,
    "backprop": test_backprop_gradients_match_finite_differences,
    "relu": test_relu_delta_matches_finite_differences_away_from_the_kink,
    "conv_shape": test_conv_shapes_match_a_sliding_window_count,
    "param_count": test_param_counts_match_real_weight_arrays,
    "optimizer": test_optimizer_steps_follow_each_methods_recurrence,
    "regularization": test_regularization_matches_finite_differences_and_every_dropout_mask,
    "batchnorm": test_batchnorm_statistics_and_gradients_match_an_independent_computation,
    "rnn": test_rnn_states_and_bptt_match_finite_differences,
    "attention": test_attention_matches_a_token_by_token_computation_with_the_mask_by_brute_force,
}


def test_every_topic_has_an_independent_check():
    assert sorted(set(registry()) - set(INDEPENDENT_CHECKS)) == []
