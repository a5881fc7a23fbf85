"""Numerically stable activation and loss functions shared by the topic solvers.

Each works for arguments in the hundreds or thousands without overflow warnings:
``sigmoid(-800) == 0.0``, ``softmax([1000, 0, -1000])`` is finite.

Every answer is the same to the last bit on every computer, so that one seed writes the same
record bytes everywhere. numpy does not promise that: its ``exp``, ``log`` and ``tanh`` on arrays
and its matrix products (BLAS) pick code by the processor's instruction set, and the results
differ in the last bit between one processor and another. So solvers take those from here:
elementwise through Python's ``math`` (the C library, the same on every processor) and matrix
products with every entry a correctly rounded sum (``math.fsum``). Products, sums of a few terms,
quotients and square roots are exact IEEE operations in numpy and need nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike


def sigmoid(z: float) -> float:
    """1 / (1 + e^-z), evaluated so that exp never overflows.

    >>> sigmoid(0.0), sigmoid(-800.0), sigmoid(800.0)
    (0.5, 0.0, 1.0)
    """
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)


def sigmoid_derivative(z: float) -> float:
    """sigma(z) (1 - sigma(z)), with 1 - sigma(z) taken as sigma(-z) to keep precision."""
    return sigmoid(z) * sigmoid(-z)


def softplus(z: float) -> float:
    """log(1 + e^z) without overflow; ``-log sigmoid(z) == softplus(-z)``.

    >>> softplus(800.0), softplus(-800.0)
    (800.0, 0.0)
    """
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _elementwise(function: Callable[[float], float]) -> Callable[[ArrayLike], np.ndarray]:
    def apply(values: ArrayLike) -> np.ndarray:
        array = np.asarray(values, dtype=float)
        return np.array([function(v) for v in array.ravel().tolist()], float).reshape(array.shape)

    apply.__doc__ = f"Elementwise {function.__name__.strip('_')}, the same bits on every processor."
    return apply


def _exp(x: float) -> float:
    """e^x, infinite past the largest float as numpy's is (an edited step may get there)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x: float) -> float:
    """ln x, -inf at 0 and nan below as numpy's is (an edited step may get there)."""
    return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)


exp = _elementwise(_exp)
log = _elementwise(_log)
tanh = _elementwise(math.tanh)


def matmul(left: ArrayLike, right: ArrayLike) -> np.ndarray:
    """``left @ right`` for vectors and matrices, each entry the correctly rounded sum of its
    products, so the same bits on every processor (BLAS's order of sums and fused
    multiply-adds depend on it).

    >>> matmul([1.0, 2.0], [[1.0, 0.0], [0.5, 1.0]]).tolist(), float(matmul([0.1] * 3, [1.0] * 3))
    ([2.0, 2.0], 0.30000000000000004)
    """
    a, b = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
    rows = a.reshape(1, -1) if a.ndim == 1 else a
    columns = b.reshape(-1, 1) if b.ndim == 1 else b
    if rows.ndim != 2 or columns.ndim != 2 or rows.shape[1] != columns.shape[0]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not fit")
    # every product at once, each entry's products as one row, summed by fsum in C
    products = rows[:, None, :] * columns.T[None, :, :]
    fsum, count = math.fsum, rows.shape[0] * columns.shape[1]
    out = np.array([fsum(p) for p in products.reshape(count, rows.shape[1]).tolist()], float)
    out = out.reshape(rows.shape[0], columns.shape[1])
    if b.ndim == 1:
        out = out[:, 0]
    if a.ndim == 1:
        out = out[0]
    return out


def sigmoid_array(z: ArrayLike) -> np.ndarray:
    """Elementwise stable sigmoid."""
    z = np.asarray(z, dtype=float)
    ez = exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + ez), ez / (1.0 + ez))


def logsumexp(z: ArrayLike) -> float:
    """log sum_k e^{z_k}, shifted by the largest logit."""
    zs = np.asarray(z, dtype=float)
    top = float(zs.max())
    return top + math.log(math.fsum(exp(zs - top).ravel().tolist()))


def softmax(z: Sequence[float] | np.ndarray) -> np.ndarray:
    """e^{z_k} / sum_j e^{z_j}, shifted by the largest logit so that no exponent overflows.

    >>> [round(float(p), 3) for p in softmax([1000.0, 0.0, -1000.0])]
    [1.0, 0.0, 0.0]
    """
    zs = np.asarray(z, dtype=float)
    e = exp(zs - zs.max())
    return e / math.fsum(e.ravel().tolist())
