r"""Optimizer steps backwards: the learning rate or momentum behind two momentum steps, or the
gradient behind one Adam step.

Easy: SGD with momentum moved one weight from $w_0$ to $w_2$ in two steps with known gradients;
$w_2 = w_0 - \eta (v_1 + v_2)$ is linear in $\eta$, so one $\eta$ gives it (the velocities do
not depend on $\eta$). Medium: the same with PyTorch's convention and $\eta$ known;
$w_2 = w_0 - \eta ((1 + \mu) g_1 + g_2)$ is linear in $\mu$ with slope $-\eta g_1 \neq 0$: one
$\mu$. Hard: one Adam step; bias correction makes $\hat{m}_1 = g$ and $\hat{s}_1 = g^2$, so each
weight moves by $\eta g / (|g| + \epsilon)$, strictly increasing in $g$ with values in
$(-\eta, \eta)$: a move inside that range comes from exactly one gradient.

>>> from quizgen.topics import get
>>> p = Params(asked="grad", w0=[1, -1], target=[0.6, -0.55], lr=0.5, eps=0.1)
>>> [round(g, 4) for g in get("optimizer", "inverse").solve(p).answer["grad"]]
[0.4, -0.9]
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from quizgen.core.draw import grid_vector, on_grid, pick
from quizgen.core.latex import num, paren, vec
from quizgen.core.model import Difficulty, Misconception, Part, Precision, Stem, Step
from quizgen.core.params import Num, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import clean, require_fields, require_mistakes_to_show
from quizgen.topics.optimizer import Params as ForwardParams
from quizgen.topics.optimizer import solve as forward_solve

DESCRIPTION = (
    "the learning rate or momentum behind two momentum steps; at hard the gradient behind "
    "one Adam step"
)

DECIMALS = 4
#: Adam's decay rates as the stem states them: at the first step bias correction cancels them
BETA1, BETA2 = 0.9, 0.999
Asked = Literal["lr", "mu", "grad"]
Positive = Annotated[Num, Field(gt=0)]

#: the fields each question needs; any other is refused
NEEDS: dict[str, tuple[str, ...]] = {
    "lr": ("grads", "mu", "convention"),
    "mu": ("grads", "lr"),
    "grad": ("lr", "eps"),
}


class Params(ParamsModel):
    #: what is asked: the learning rate, the momentum (both for two momentum steps of one
    #: weight) or the gradient of one Adam step
    asked: Asked
    w0: Vector
    #: the weights after the steps
    target: Vector
    #: the gradients of the two steps (one weight: one entry each)
    grads: tuple[Vector, Vector] | None = None
    lr: Positive | None = None
    mu: Annotated[Num, Field(ge=0, lt=1)] | None = None
    convention: Literal["pytorch", "ema"] | None = None
    eps: Positive | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        require_fields(self, "asked", NEEDS)
        if len(self.target) != len(self.w0):
            raise ValueError(f"target has {len(self.target)} entries but w0 has {len(self.w0)}")
        if self.asked == "grad":
            assert self.lr is not None
            moves = np.abs(np.subtract(self.w0, self.target))
            if moves.max() >= self.lr:
                raise ValueError("one Adam step moves each weight by less than lr: no gradient")
            return self
        if len(self.w0) != 1 or any(len(g) != 1 for g in self.grads or ()):
            raise ValueError("two momentum steps are asked about one weight: one entry each")
        value = _momentum_unknown(self)
        # a momentum of 0 may come out a rounding error below it: solve gives 0 then
        if value is None or not (value > 0 if self.asked == "lr" else -1e-12 < value < 1):
            wanted = "positive learning rate" if self.asked == "lr" else "momentum in [0, 1)"
            raise ValueError(f"no {wanted} gives these two steps")
        return self


def _velocities(p: Params, mu: float, ema: bool) -> tuple[float, float]:
    """v_1 and v_2 of one weight from v_0 = 0 (``ema``: the moving-average convention)."""
    assert p.grads is not None
    scale = 1 - mu if ema else 1.0
    v1 = scale * p.grads[0][0]
    return v1, mu * v1 + scale * p.grads[1][0]


def _drop(p: Params, sign: int = 1) -> float:
    """w_0 - w_2, the distance the two steps moved the weight (``sign`` -1: w_2 - w_0)."""
    return sign * (p.w0[0] - p.target[0])


def _momentum_unknown(
    p: Params,
    *,
    sign: int = 1,
    swap_convention: bool = False,
    last_only: bool = False,
    plain: bool = False,
    with_lr: bool = True,
) -> float | None:
    """The learning rate or momentum that gives w_2 (None: no value does). The keywords are the
    mistakes: ``sign`` -1 takes the update as w + eta v, ``swap_convention`` the other
    convention, ``last_only`` counts only v_2, ``plain`` leaves momentum out (v_t = g_t),
    ``with_lr`` False leaves eta out of mu's equation."""
    assert p.grads is not None
    g1, g2 = p.grads[0][0], p.grads[1][0]
    if p.asked == "lr":
        assert p.mu is not None
        v1, v2 = _velocities(p, p.mu, (p.convention == "ema") != swap_convention)
        total = g1 + g2 if plain else v2 if last_only else v1 + v2
        return _drop(p, sign) / total if total else None
    assert p.lr is not None
    # w_0 - w_2 = eta (v_1 + v_2) = eta ((1 + mu) g_1 + g_2); with last_only, eta (mu g_1 + g_2)
    moved = _drop(p, sign) / (p.lr if with_lr else 1)
    return (moved - g2 - (0 if last_only else g1)) / g1 if g1 else None


def _adam_gradient(
    p: Params, *, sign: int = 1, corrected: bool = True, eps_inside: bool = False, lr: bool = True
) -> list[float] | None:
    """The gradient of one Adam step from the move of each weight (None: no gradient gives it).
    The keywords are the mistakes: ``sign`` -1 takes the update as w + step, ``corrected``
    False skips bias correction, ``eps_inside`` puts epsilon under the root, ``lr`` False
    leaves eta out."""
    assert p.lr is not None and p.eps is not None
    eta = p.lr if lr else 1.0
    # the step per unit gradient size: eta * m / (sqrt(s) + eps), m = c1 g, s = c2 g^2
    c1, c2 = (1.0, 1.0) if corrected else (1 - BETA1, 1 - BETA2)
    out = []
    for move in np.subtract(p.w0, p.target) * sign:
        size = abs(float(move))
        if eps_inside:
            room = (eta * c1) ** 2 - c2 * size**2
            magnitude = size * math.sqrt(p.eps / room) if room > 0 else None
        else:
            room = eta * c1 - math.sqrt(c2) * size
            magnitude = p.eps * size / room if room > 0 else None
        if magnitude is None:
            return None
        out.append(math.copysign(magnitude, move))
    return out


def solve(p: Params) -> dict[str, Any]:
    if p.asked == "grad":
        return {"grad": _adam_gradient(p)}
    value = _momentum_unknown(p) or 0.0  # not None: the validator saw to that
    return {p.asked: max(value, 0.0) if p.asked == "mu" else value}


def parts(p: Params) -> list[Part]:
    label = {
        "lr": r"learning rate $\eta$",
        "mu": r"momentum $\mu$",
        "grad": "gradient $g_1$",
    }[p.asked]
    return [Part(p.asked, label, Precision(DECIMALS), "vector" if p.asked == "grad" else "scalar")]


#: Adam's first-step moves as a share of eta, and the gradient size each takes with eps = 0.1
ADAM_SHARES = (0.5, 0.6, 0.75, 0.8, 0.9, 0.95)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: the learning rate (0.05 to 0.5) of two momentum steps in either convention.
    Medium: the momentum (0.1 to 0.9, PyTorch's convention). Gradients and w_0 on a 0.5 grid,
    no gradient 0, and w_2 a short decimal. Hard: the gradient of one Adam step of two weights,
    each moving by a round share of eta (eps = 0.1), so that the gradients are short decimals
    (0.1 to 1.9)."""
    w0 = grid_vector(rng, 1 if difficulty != "hard" else 2, -2, 2, 0.5)
    if difficulty == "hard":
        lr, eps = pick(rng, (0.2, 0.5)), 0.1
        moves = [pick(rng, (-1, 1)) * lr * pick(rng, ADAM_SHARES) for _ in w0]
        target = [clean(w - m) for w, m in zip(w0, moves)]
        p = Params(asked="grad", w0=w0, target=target, lr=lr, eps=eps)
    else:
        grads = [[pick(rng, (-1, 1)) * on_grid(rng, 0.5, 2, 0.5)] for _ in range(2)]
        if difficulty == "easy":
            mu, convention = pick(rng, (0.5, 0.9)), pick(rng, ("pytorch", "ema"))
            lr = pick(rng, (0.05, 0.1, 0.2, 0.25, 0.5))
        else:
            mu, convention, lr = on_grid(rng, 0.1, 0.9, 0.1), "pytorch", pick(rng, (0.1, 0.2, 0.5))
        v1 = (1 - mu if convention == "ema" else 1) * grads[0][0]
        v2 = mu * v1 + (1 - mu if convention == "ema" else 1) * grads[1][0]
        if abs(v1 + v2) < 0.25:
            raise Degenerate  # the weight hardly moves: the unknown is hard to read off
        target = [clean(w0[0] - lr * (v1 + v2))]
        known: dict[str, Any] = (
            {"mu": mu, "convention": convention} if difficulty == "easy" else {"lr": lr}
        )
        p = Params(
            asked="lr" if difficulty == "easy" else "mu", w0=w0, target=target, grads=grads, **known
        )
    require_mistakes_to_show(MISCONCEPTIONS, p, parts(p), solve(p))
    return p


def _momentum_rule(p: Params) -> str:
    velocity = r"v_t = \mu v_{t-1} + " + ("(1 - \\mu) g_t" if p.convention == "ema" else "g_t")
    return rf"${velocity}$, $w_t = w_{{t-1}} - \eta v_t$"


def stem(p: Params) -> Stem:
    if p.asked == "grad":
        return Stem(
            rf"One step of Adam ($m_t = \beta_1 m_{{t-1}} + (1 - \beta_1) g_t$, "
            rf"$s_t = \beta_2 s_{{t-1}} + (1 - \beta_2) g_t^2$, bias-corrected "
            r"$\hat{m}_t = m_t / (1 - \beta_1^t)$ and $\hat{s}_t = s_t / (1 - \beta_2^t)$, "
            r"$w_t = w_{t-1} - \eta \, \hat{m}_t / (\sqrt{\hat{s}_t} + \epsilon)$, every state "
            rf"starting at 0) with $\eta = {num(p.lr or 0)}$, $\beta_1 = {num(BETA1)}$, "
            rf"$\beta_2 = {num(BETA2)}$ and $\epsilon = {num(p.eps or 0)}$ moved the weights "
            rf"from $w_0 = {vec(p.w0)}$ to $w_1 = {vec(p.target)}$. Which gradient $g_1$ did "
            r"the step use?"
        )
    assert p.grads is not None
    known = rf"$\mu = {num(p.mu or 0)}$" if p.asked == "lr" else rf"$\eta = {num(p.lr or 0)}$"
    unknown = r"learning rate $\eta > 0$" if p.asked == "lr" else r"momentum $\mu$ in $[0, 1)$"
    return Stem(
        rf"A weight $w_0 = {num(p.w0[0])}$ is trained with SGD with momentum, "
        rf"{_momentum_rule(p)}, starting from $v_0 = 0$, with {known}. The gradients of the "
        rf"two steps are $g_1 = {num(p.grads[0][0])}$ and $g_2 = {num(p.grads[1][0])}$, and "
        rf"after them $w_2 = {num(p.target[0])}$. Which {unknown} was used?"
    )


def _check_line(p: Params, answer: dict[str, Any]) -> str:
    """The answer put through the forward update, giving back the stated weights."""
    fields: dict[str, Any] = {"w0": p.w0, "steps": 2, "grads": p.grads}
    if p.asked == "grad":
        fields = {"w0": p.w0, "steps": 1, "grads": [answer["grad"]], "eps": p.eps}
        fields |= {"method": "adam", "lr": p.lr, "beta1": BETA1, "beta2": BETA2}
    else:
        fields |= {"method": "momentum", "convention": p.convention or "pytorch"}
        fields |= {"lr": answer.get("lr", p.lr), "mu": answer.get("mu", p.mu)}
    forward = forward_solve(ForwardParams(**fields))
    w, d = forward["w_final"], DECIMALS
    if p.asked == "grad":
        return (
            rf"w_1 = {vec(p.w0)} - {num(p.lr or 0)} \cdot \frac{{{vec(answer['grad'], d)}}}"
            rf"{{{vec(np.abs(answer['grad']), d)} + {num(p.eps or 0)}}} = {vec(w, d)}"
            r" \quad \text{(as stated)}"
        )
    eta, (v1, v2) = num(fields["lr"], d), (v[0] for v in forward["v"])
    return (
        rf"w_2 = w_0 - \eta v_1 - \eta v_2 = {num(p.w0[0])} - {eta} \cdot {paren(v1, d)} - "
        rf"{eta} \cdot {paren(v2, d)} = {num(w[0], d)} \quad \text{{(as stated)}}"
    )


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    d = DECIMALS
    check = Step("Check with the forward update", (_check_line(p, answer),))
    if p.asked == "grad":
        eta, eps = num(p.lr or 0), num(p.eps or 0)
        moves = np.subtract(p.w0, p.target)
        return [
            Step(
                "At the first step bias correction cancels the decay rates",
                (
                    r"\hat{m}_1 = \frac{(1 - \beta_1) g_1}{1 - \beta_1} = g_1, \quad "
                    r"\hat{s}_1 = \frac{(1 - \beta_2) g_1^2}{1 - \beta_2} = g_1^2",
                    rf"w_0 - w_1 = \eta \frac{{g_1}}{{|g_1| + \epsilon}} = {vec(moves, d)}",
                ),
            ),
            Step(
                r"Solve for $g_1$ weight by weight: $|g| = \epsilon \Delta / (\eta - \Delta)$ "
                r"with $\Delta = |w_0 - w_1|$, and $g$ has the sign of $w_0 - w_1$",
                tuple(
                    rf"g_{{1,{i + 1}}} = {'-' if m < 0 else ''}\frac{{{eps} \cdot "
                    rf"{num(abs(m), d)}}}{{{eta} - {num(abs(m), d)}}} = {num(g, d)}"
                    for i, (m, g) in enumerate(zip(moves, answer["grad"]))
                ),
            ),
            check,
        ]
    assert p.grads is not None
    mu = answer.get("mu", p.mu) or 0
    g1, g2 = p.grads[0][0], p.grads[1][0]
    if p.asked == "lr":
        v1, v2 = _velocities(p, mu, p.convention == "ema")
        ema = p.convention == "ema"
        scale, factor = (rf"{num(1 - mu)} \cdot ", "(1 - \\mu) ") if ema else ("", "")
        return [
            Step(
                r"The velocities do not depend on $\eta$",
                (
                    rf"v_1 = {factor}g_1 = "
                    + (rf"{scale}{paren(g1)} = " if ema else "")
                    + num(v1, d),
                    rf"v_2 = \mu v_1 + {factor}g_2 = {num(mu)} \cdot {paren(v1, d)} + "
                    rf"{scale}{paren(g2)} = {num(v2, d)}",
                ),
            ),
            Step(
                r"Solve $w_2 = w_0 - \eta (v_1 + v_2)$ for $\eta$",
                (
                    rf"\eta = \frac{{w_0 - w_2}}{{v_1 + v_2}} = \frac{{{num(p.w0[0])} - "
                    rf"{paren(p.target[0])}}}{{{num(v1 + v2, d)}}} = {num(answer['lr'], d)}",
                ),
            ),
            check,
        ]
    return [
        Step(
            "Unroll the two steps",
            (
                r"v_1 = g_1, \quad v_2 = \mu g_1 + g_2, \quad "
                r"w_2 = w_0 - \eta (v_1 + v_2) = w_0 - \eta ((1 + \mu) g_1 + g_2)",
            ),
        ),
        Step(
            r"Solve for $\mu$",
            (
                r"\mu = \frac{(w_0 - w_2) / \eta - g_1 - g_2}{g_1}"
                rf" = \frac{{({num(p.w0[0])} - {paren(p.target[0])}) / {num(p.lr or 0)} - "
                rf"{paren(g1)} - {paren(g2)}}}{{{num(g1)}}} = {num(mu, d)}",
            ),
        ),
        check,
    ]


def _one(p: Params, **switches: Any) -> dict[str, Any] | None:
    """A mistake's answer for the momentum questions (None where it cannot arise)."""
    if p.asked == "grad":
        return None
    value = _momentum_unknown(p, **switches)
    return None if value is None else {p.asked: value}


def _adam(p: Params, **switches: Any) -> dict[str, Any] | None:
    """A mistake's answer for the Adam question (None where it cannot arise)."""
    if p.asked != "grad":
        return None
    grad = _adam_gradient(p, **switches)
    return None if grad is None else {"grad": grad}


MISCONCEPTIONS = (
    Misconception(
        "took the update with the wrong sign",
        r"Gradient descent subtracts: $w_t = w_{t-1} - \eta v_t$, so the weight moves against "
        "the gradient.",
        lambda p: _one(p, sign=-1) if p.asked != "grad" else _adam(p, sign=-1),
    ),
    Misconception(
        "counted only the last step",
        r"Both steps move the weight: $w_2 = w_0 - \eta v_1 - \eta v_2$.",
        lambda p: _one(p, last_only=True),
    ),
    Misconception(
        "mixed up the two momentum conventions",
        r"The stem fixes the convention: PyTorch adds $g_t$ whole, the moving average adds "
        r"$(1 - \mu) g_t$.",
        lambda p: _one(p, swap_convention=True) if p.asked == "lr" else None,
    ),
    Misconception(
        "left the momentum out",
        r"With momentum the second step moves by $\eta (\mu v_1 + g_2)$, not by $\eta g_2$.",
        lambda p: _one(p, plain=True) if p.asked == "lr" else None,
    ),
    Misconception(
        "left eta out",
        r"Every step is scaled by the learning rate: divide the weight's move by $\eta$.",
        lambda p: (
            (_one(p, with_lr=False) if p.asked == "mu" else _adam(p, lr=False))
            if p.lr != 1
            else None
        ),
    ),
    Misconception(
        "forgot the bias correction",
        r"Uncorrected, $m_1 = (1 - \beta_1) g_1$ and $s_1 = (1 - \beta_2) g_1^2$; corrected "
        r"they are $g_1$ and $g_1^2$, and the step is $\eta g_1 / (|g_1| + \epsilon)$.",
        lambda p: _adam(p, corrected=False),
    ),
    Misconception(
        "put epsilon inside the square root",
        r"$\epsilon$ is added after the root: $\sqrt{\hat{s}} + \epsilon$, not "
        r"$\sqrt{\hat{s} + \epsilon}$.",
        lambda p: _adam(p, eps_inside=True),
    ),
)
