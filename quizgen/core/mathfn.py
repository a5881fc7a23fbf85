"""Numerically stable activation and loss functions shared by the topic solvers.

Each works for arguments in the hundreds or thousands without overflow warnings:
``sigmoid(-800) == 0.0``, ``softmax([1000, 0, -1000])`` is finite.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


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


def sigmoid_array(z: np.ndarray) -> np.ndarray:
    """Elementwise stable sigmoid."""
    z = np.asarray(z, dtype=float)
    ez = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + ez), ez / (1.0 + ez))


def logsumexp(z: Sequence[float]) -> float:
    """log sum_k e^{z_k}, shifted by the largest logit."""
    zs = np.asarray(z, dtype=float)
    top = float(zs.max())
    return top + math.log(float(np.exp(zs - top).sum()))


def softmax(z: Sequence[float] | np.ndarray) -> np.ndarray:
    """e^{z_k} / sum_j e^{z_j}, shifted by the largest logit so that no exponent overflows.

    >>> [round(float(p), 3) for p in softmax([1000.0, 0.0, -1000.0])]
    [1.0, 0.0, 0.0]
    """
    zs = np.asarray(z, dtype=float)
    e = np.exp(zs - zs.max())
    return e / e.sum()
