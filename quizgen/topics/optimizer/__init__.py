r"""Optimizer steps: SGD with momentum, Nesterov momentum, AdaGrad, RMSProp and Adam (section 11).

Every state starts at 0, squares and roots are elementwise and epsilon is added outside the
root. Momentum's two conventions: PyTorch's ``v = mu v + g`` ("pytorch") and the moving average
``v = mu v + (1 - mu) g`` ("ema"). One Adam step from the guide's worked example:

>>> a = solve(Params(method="adam", w0=[1, -1], lr=0.5, steps=1, grads=[[2, -0.5]],
...                  beta1=0.9, beta2=0.999, eps=0.1))
>>> [round(v, 4) for v in a["m_hat"][0]], [round(v, 4) for v in a["w"][0]]
([2.0, -0.5], [0.5238, -0.5833])
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, StrictInt, model_validator

from quizgen.core.draw import grid_vector, pick
from quizgen.core.latex import num, vec
from quizgen.core.model import Difficulty, Part, Precision, Stem, Step
from quizgen.core.mutation import C, Computation, Div, Expr, Fn, Line, Prod, Q, add, diff
from quizgen.core.params import Num, ParamsModel, Vector
from quizgen.topics import Degenerate
from quizgen.topics._shared import switched

TITLE = "Optimizer update steps"
CODE = "OP"
SECTION = 11
SECTION_TITLE = "Optimizers: momentum, AdaGrad, RMSProp and Adam"
DESCRIPTION = "1-3 steps of momentum, Nesterov, AdaGrad, RMSProp or Adam (bias-corrected)"

DECIMALS = 4
#: Adam's raw second moment is (1 - beta2) g^2, a thousandth of g^2: shown to more places
SMALL_DECIMALS = 6
Method = Literal["momentum", "nesterov", "adagrad", "rmsprop", "adam"]
Rate = Annotated[Num, Field(ge=0, lt=1)]

#: the hyperparameters each method uses; any other is refused
HYPERPARAMETERS: dict[str, tuple[str, ...]] = {
    "momentum": ("mu", "convention"),
    "nesterov": ("mu", "convention"),
    "adagrad": ("eps",),
    "rmsprop": ("rho", "eps"),
    "adam": ("beta1", "beta2", "eps"),
}
ALL_HYPERPARAMETERS = ("mu", "convention", "rho", "beta1", "beta2", "eps")


class Params(ParamsModel):
    method: Method
    w0: Vector
    lr: Annotated[Num, Field(gt=0)]
    steps: Annotated[StrictInt, Field(ge=1, le=3)]
    grads: tuple[Vector, ...] | None = None
    a: Vector | None = None
    c: Vector | None = None
    mu: Rate | None = None
    convention: Literal["pytorch", "ema"] | None = None
    rho: Rate | None = None
    beta1: Rate | None = None
    beta2: Rate | None = None
    eps: Annotated[Num, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        n = len(self.w0)
        if (self.grads is None) == (self.a is None and self.c is None):
            raise ValueError("give either grads or the quadratic loss's a and c")
        if self.grads is not None:
            if self.method == "nesterov":
                raise ValueError("nesterov takes its gradient at the look-ahead point: give a, c")
            if len(self.grads) != self.steps:
                raise ValueError(f"grads has {len(self.grads)} rows but steps is {self.steps}")
            for t, g in enumerate(self.grads):
                if len(g) != n:
                    raise ValueError(f"grads[{t}] has {len(g)} entries but w0 has {n}")
        else:
            for name in ("a", "c"):
                value = getattr(self, name)
                if value is None or len(value) != n:
                    raise ValueError(f"{name} must have one entry per weight ({n})")
        used = HYPERPARAMETERS[self.method]
        for name in ALL_HYPERPARAMETERS:
            if name in used and getattr(self, name) is None:
                raise ValueError(f"{self.method} needs {name}")
            if name not in used and getattr(self, name) is not None:
                raise ValueError(f"{name} is not a parameter of {self.method}")
        return self


def _gradient(p: Params, t: int, w: np.ndarray) -> np.ndarray:
    if p.grads is not None:
        return np.array(p.grads[t], float)
    return np.array(p.a, float) * (w - np.array(p.c, float))


def _root(s: np.ndarray, eps: float, inside: bool) -> np.ndarray:
    """The denominator sqrt(s) + eps (or, the mistake, sqrt(s + eps))."""
    return np.sqrt(s + eps) if inside else np.sqrt(s) + eps


def _run(
    p: Params,
    *,
    swap_convention: bool = False,
    lookahead: bool = True,
    bias_correction: bool = True,
    corrected_m: bool = True,
    eps_inside: bool = False,
) -> dict[str, Any]:
    """Every step of the method. The keywords are the mistakes: ``swap_convention`` uses the
    other momentum convention, ``lookahead`` False takes Nesterov's gradient at w,
    ``bias_correction`` False skips Adam's, ``corrected_m`` False puts the raw m in the update,
    ``eps_inside`` adds epsilon under the root."""
    w = np.array(p.w0, float)
    first, second = np.zeros_like(w), np.zeros_like(w)
    rows: dict[str, list[list[float]]] = {key: [] for key in _state_keys(p)}
    for t in range(p.steps):
        point = w
        if p.method in ("momentum", "nesterov"):
            assert p.mu is not None
            if p.method == "nesterov" and lookahead:
                point = w - p.lr * p.mu * first
            g = _gradient(p, t, point)
            ema = (p.convention == "ema") != swap_convention
            first = p.mu * first + ((1 - p.mu) if ema else 1) * g
            w = w - p.lr * first
            rows["v"].append(first.tolist())
        else:
            assert p.eps is not None
            g = _gradient(p, t, w)
            if p.method == "adagrad":
                second = second + g**2
            elif p.method == "rmsprop":
                assert p.rho is not None
                second = p.rho * second + (1 - p.rho) * g**2
            if p.method != "adam":
                w = w - p.lr * g / _root(second, p.eps, eps_inside)
                rows["s"].append(second.tolist())
            else:
                assert p.beta1 is not None and p.beta2 is not None
                first = p.beta1 * first + (1 - p.beta1) * g
                second = p.beta2 * second + (1 - p.beta2) * g**2
                m_hat, s_hat = first, second
                if bias_correction:
                    m_hat = first / (1 - p.beta1 ** (t + 1))
                    s_hat = second / (1 - p.beta2 ** (t + 1))
                step = m_hat if corrected_m else first
                w = w - p.lr * step / _root(s_hat, p.eps, eps_inside)
                for key, value in (("m", first), ("s", second), ("m_hat", m_hat), ("s_hat", s_hat)):
                    rows[key].append(value.tolist())
        if "lookahead" in rows:
            rows["lookahead"].append(point.tolist())
        rows["grads"].append(g.tolist())
        rows["w"].append(w.tolist())
    return {**rows, "w_final": w.tolist()}


def _state_keys(p: Params) -> tuple[str, ...]:
    """The answer's per-step matrices, in the order a student computes them."""
    state = {
        "momentum": ("v",),
        "nesterov": ("v",),
        "adagrad": ("s",),
        "rmsprop": ("s",),
        "adam": ("m", "s", "m_hat", "s_hat"),
    }[p.method]
    return (*(("lookahead",) if p.method == "nesterov" else ()), "grads", *state, "w")


def solve(p: Params) -> dict[str, Any]:
    return _run(p)


def solve_with(p: Params, **switches: Any) -> dict[str, Any]:
    """The answer with some mistakes' switches set (two mistakes made at once)."""
    return _run(p, **switches)


def generate(rng: np.random.Generator, difficulty: Difficulty) -> Params:
    """Easy: two steps of momentum or AdaGrad, or one Adam step, from given gradients. Medium:
    two steps of Nesterov, RMSProp or Adam on a quadratic loss. Hard: three steps of Nesterov or
    Adam on it. Two weights on a 0.5 grid; no gradient entry near 0 (it would teach nothing)."""
    method: str = pick(
        rng,
        {
            "easy": ("momentum", "adagrad", "adam"),
            "medium": ("nesterov", "rmsprop", "adam"),
            "hard": ("nesterov", "adam"),
        }[difficulty],
    )
    steps = {"easy": 1 if method == "adam" else 2, "medium": 2, "hard": 3}[difficulty]
    fields: dict[str, Any] = {"method": method, "w0": grid_vector(rng, 2, -2, 2, 0.5)}
    fields["steps"] = steps
    if difficulty == "easy":
        fields["grads"] = [grid_vector(rng, 2, -2, 2, 0.5) for _ in range(steps)]
    else:
        fields["a"] = [pick(rng, (1, 2)) for _ in range(2)]
        fields["c"] = grid_vector(rng, 2, -1, 1, 0.5)
    if method in ("momentum", "nesterov"):
        fields |= {"lr": pick(rng, (0.1, 0.5)), "mu": pick(rng, (0.5, 0.9))}
        fields["convention"] = pick(rng, ("pytorch", "ema"))
    else:
        fields |= {"lr": pick(rng, (0.5, 1)), "eps": 0.1}
        if method == "rmsprop":
            fields["rho"] = pick(rng, (0.5, 0.9))
        if method == "adam":
            fields |= {"beta1": 0.9, "beta2": 0.999}
    p = Params(**fields)
    answer = solve(p)
    if np.min(np.abs(answer["grads"])) < 0.25 or max(map(abs, answer["w_final"])) > 10:
        raise Degenerate
    return p


def parts(p: Params) -> list[Part]:
    labels = {
        "lookahead": r"look-ahead points $\tilde{w}_t = w_{t-1} - \eta \mu v_{t-1}$",
        "grads": "gradients $g_t$",
        "v": "velocities $v_t$",
        "s": "second moments $s_t$" if p.method == "adam" else "accumulators $s_t$",
        "m": "first moments $m_t$",
        "m_hat": r"corrected first moments $\hat{m}_t$",
        "s_hat": r"corrected second moments $\hat{s}_t$",
        "w": "weights $w_t$ after each step",
    }
    asked = [k for k in _state_keys(p) if not (k == "grads" and p.grads is not None)]
    return [Part(key, labels[key], Precision(_decimals(p, key)), "matrix") for key in asked]


def _decimals(p: Params, key: str) -> int:
    return SMALL_DECIMALS if (p.method, key) == ("adam", "s") else DECIMALS


def _rule(p: Params) -> str:
    """The method's update, as the stem states it (with the convention in force)."""
    momentum = r"v_t = \mu v_{t-1} + " + ("(1 - \\mu) g_t" if p.convention == "ema" else "g_t")
    return {
        "momentum": rf"${momentum}$, $w_t = w_{{t-1}} - \eta v_t$",
        "nesterov": r"$g_t = \nabla L(w_{t-1} - \eta \mu v_{t-1})$ (the gradient at the "
        rf"look-ahead point), ${momentum}$, $w_t = w_{{t-1}} - \eta v_t$",
        "adagrad": r"$s_t = s_{t-1} + g_t^2$, "
        r"$w_t = w_{t-1} - \eta \, g_t / (\sqrt{s_t} + \epsilon)$",
        "rmsprop": r"$s_t = \rho s_{t-1} + (1 - \rho) g_t^2$, "
        r"$w_t = w_{t-1} - \eta \, g_t / (\sqrt{s_t} + \epsilon)$",
        "adam": r"$m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t$, "
        r"$s_t = \beta_2 s_{t-1} + (1 - \beta_2) g_t^2$, "
        r"$\hat{m}_t = m_t / (1 - \beta_1^t)$, $\hat{s}_t = s_t / (1 - \beta_2^t)$, "
        r"$w_t = w_{t-1} - \eta \, \hat{m}_t / (\sqrt{\hat{s}_t} + \epsilon)$",
    }[p.method]


NAMES = {
    "momentum": "SGD with momentum",
    "nesterov": "Nesterov momentum",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
}


def _hyperparameters(p: Params) -> str:
    symbols = {"mu": r"\mu", "rho": r"\rho", "beta1": r"\beta_1", "beta2": r"\beta_2"}
    shown = [rf"$\eta = {num(p.lr)}$"]
    for name in HYPERPARAMETERS[p.method]:
        if name in symbols:
            shown.append(f"${symbols[name]} = {num(getattr(p, name))}$")
    if p.eps is not None:
        shown.append(rf"$\epsilon = {num(p.eps)}$")
    return ", ".join(shown)


def stem(p: Params) -> Stem:
    if p.grads is not None:
        source = "The gradients at the successive steps are " + ", ".join(
            f"$g_{t + 1} = {vec(g)}$" for t, g in enumerate(p.grads)
        )
    else:
        source = (
            r"The loss is $L(w) = \frac{1}{2} \sum_i a_i (w_i - c_i)^2$, so "
            r"$\nabla L(w) = a \odot (w - c)$, with "
            f"$a = {vec(p.a or ())}$ and $c = {vec(p.c or ())}$"
        )
    convention = ""
    if p.convention == "pytorch":
        convention = r" The velocity follows PyTorch's convention $v_t = \mu v_{t-1} + g_t$."
    elif p.convention == "ema":
        convention = (
            r" The velocity is a moving average, $v_t = \mu v_{t-1} + (1 - \mu) g_t$ "
            r"(not PyTorch's $v_t = \mu v_{t-1} + g_t$)."
        )
    plural = "s" if p.steps > 1 else ""
    return Stem(
        f"Train the weights $w_0 = {vec(p.w0)}$ with {NAMES[p.method]}: {_rule(p)}, every state "
        r"starting at 0, squares and roots elementwise and $\epsilon$ outside the root. "
        f"{source}. Use {_hyperparameters(p)}.{convention} Carry out {p.steps} step{plural} and "
        f"give every quantity of each step."
    )


def _vector_step(
    name: str, formula: str, substituted: str, value: list[float], decimals: int = DECIMALS
) -> str:
    return rf"{name} = {formula} = {substituted} = {vec(value, decimals)}"


def steps(p: Params, answer: dict[str, Any]) -> list[Step]:
    d = DECIMALS
    out = []
    for t in range(p.steps):
        k, before = t + 1, (answer["w"][t - 1] if t else list(p.w0))
        lines = []
        if p.method == "nesterov":
            v_before = answer["v"][t - 1] if t else [0] * len(p.w0)
            lines.append(
                _vector_step(
                    rf"\tilde{{w}}_{k}",
                    rf"w_{t} - \eta \mu v_{t}",
                    rf"{vec(before, d)} - {num(p.lr)} \cdot {num(p.mu or 0)} \cdot "
                    + vec(v_before, d),
                    answer["lookahead"][t],
                )
            )
        if p.grads is None:
            at = answer["lookahead"][t] if p.method == "nesterov" else before
            point = rf"\tilde{{w}}_{k}" if p.method == "nesterov" else f"w_{t}"
            lines.append(
                _vector_step(
                    f"g_{k}",
                    rf"a \odot ({point} - c)",
                    rf"{vec(p.a or ())} \odot ({vec(at, d)} - {vec(p.c or ())})",
                    answer["grads"][t],
                )
            )
        g = vec(answer["grads"][t], d)
        if p.method in ("momentum", "nesterov"):
            v_before = vec(answer["v"][t - 1] if t else [0] * len(p.w0), d)
            mu = num(p.mu or 0)
            scale = f"{num(1 - (p.mu or 0))} \\cdot " if p.convention == "ema" else ""
            formula = rf"\mu v_{t} + " + ("(1 - \\mu) " if p.convention == "ema" else "") + f"g_{k}"
            lines.append(
                _vector_step(
                    f"v_{k}", formula, rf"{mu} \cdot {v_before} + {scale}{g}", answer["v"][t]
                )
            )
            lines.append(
                _vector_step(
                    f"w_{k}",
                    rf"w_{t} - \eta v_{k}",
                    rf"{vec(before, d)} - {num(p.lr)} \cdot {vec(answer['v'][t], d)}",
                    answer["w"][t],
                )
            )
        elif p.method in ("adagrad", "rmsprop"):
            s_before = vec(answer["s"][t - 1] if t else [0] * len(p.w0), d)
            if p.method == "adagrad":
                formula, substituted = f"s_{t} + g_{k}^2", rf"{s_before} + {g}^2"
            else:
                rho = p.rho or 0
                formula = rf"\rho s_{t} + (1 - \rho) g_{k}^2"
                substituted = rf"{num(rho)} \cdot {s_before} + {num(1 - rho)} \cdot {g}^2"
            lines.append(_vector_step(f"s_{k}", formula, substituted, answer["s"][t]))
            lines += _adaptive_update(p, answer, t, before, (f"g_{k}", f"s_{k}"), ("grads", "s"))
        else:
            lines += _adam_lines(p, answer, t, before)
        out.append(Step(f"Step {k}", tuple(lines)))
    return out


def _adaptive_update(
    p: Params,
    answer: dict[str, Any],
    t: int,
    before: list[float],
    symbols: tuple[str, str],
    keys: tuple[str, str],
) -> list[str]:
    """The step eta * top / (sqrt(bottom) + eps) worked out, then the weights it moves: two
    lines, so that neither runs off a printed page."""
    d, k = DECIMALS, t + 1
    top, bottom = symbols
    change = np.subtract(before, answer["w"][t])
    return [
        _vector_step(
            rf"\Delta_{k}",
            rf"\eta \, {top} / (\sqrt{{{bottom}}} + \epsilon)",
            rf"{num(p.lr)} \cdot {vec(answer[keys[0]][t], d)} / "
            rf"(\sqrt{{{vec(answer[keys[1]][t], d)}}} + {num(p.eps or 0)})",
            change.tolist(),
        ),
        _vector_step(
            f"w_{k}",
            rf"w_{t} - \Delta_{k}",
            rf"{vec(before, d)} - {vec(change, d)}",
            answer["w"][t],
        ),
    ]


def _adam_lines(p: Params, answer: dict[str, Any], t: int, before: list[float]) -> list[str]:
    d, k = DECIMALS, t + 1
    b1, b2 = p.beta1 or 0, p.beta2 or 0
    zero = [0] * len(p.w0)
    m_before = vec(answer["m"][t - 1] if t else zero, d)
    small = SMALL_DECIMALS
    s_before = vec(answer["s"][t - 1] if t else zero, small)
    g = vec(answer["grads"][t], d)
    m, s = vec(answer["m"][t], d), vec(answer["s"][t], small)
    return [
        _vector_step(
            f"m_{k}",
            rf"\beta_1 m_{t} + (1 - \beta_1) g_{k}",
            rf"{num(b1)} \cdot {m_before} + {num(1 - b1)} \cdot {g}",
            answer["m"][t],
        ),
        _vector_step(
            f"s_{k}",
            rf"\beta_2 s_{t} + (1 - \beta_2) g_{k}^2",
            rf"{num(b2)} \cdot {s_before} + {num(1 - b2, 6)} \cdot {g}^2",
            answer["s"][t],
            small,
        ),
        _vector_step(
            rf"\hat{{m}}_{k}",
            rf"m_{k} / (1 - \beta_1^{k})",
            rf"{m} / {num(1 - b1**k, 6)}",
            answer["m_hat"][t],
        ),
        _vector_step(
            rf"\hat{{s}}_{k}",
            rf"s_{k} / (1 - \beta_2^{k})",
            rf"{s} / {num(1 - b2**k, 6)}",
            answer["s_hat"][t],
        ),
        *_adaptive_update(
            p, answer, t, before, (rf"\hat{{m}}_{k}", rf"\hat{{s}}_{k}"), ("m_hat", "s_hat")
        ),
    ]


def follow(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """Each step's quantities from the student's own: every row from their previous row (their
    weights, velocities, moments) and from their earlier quantities of the same step."""
    right = solve(p)

    def use(key: str) -> np.ndarray:
        return np.array(given.get(key, right[key]), float)

    def before(key: str) -> np.ndarray:
        """The rows of ``key`` shifted down a step: row t holds step t's starting value."""
        start = np.array(p.w0, float) if key == "w" else np.zeros(len(p.w0))
        return np.vstack([start, use(key)[:-1]])

    out: dict[str, np.ndarray] = {}
    grads = use("grads")
    if p.grads is None:
        point = use("lookahead") if p.method == "nesterov" else before("w")
        out["grads"] = np.array(p.a, float) * (point - np.array(p.c, float))
    if p.method in ("momentum", "nesterov"):
        mu = p.mu or 0
        if p.method == "nesterov":
            out["lookahead"] = before("w") - p.lr * mu * before("v")
        out["v"] = mu * before("v") + ((1 - mu) if p.convention == "ema" else 1) * grads
        out["w"] = before("w") - p.lr * use("v")
        return {key: value.tolist() for key, value in out.items()}
    eps = p.eps or 0
    if p.method == "adam":
        b1, b2 = p.beta1 or 0, p.beta2 or 0
        t = np.arange(1, p.steps + 1)[:, None]
        out["m"] = b1 * before("m") + (1 - b1) * grads
        out["s"] = b2 * before("s") + (1 - b2) * grads**2
        out["m_hat"] = use("m") / (1 - b1**t)
        out["s_hat"] = use("s") / (1 - b2**t)
        top, bottom = use("m_hat"), use("s_hat")
    else:
        rho = 1.0 if p.method == "adagrad" else (p.rho or 0)
        out["s"] = rho * before("s") + (1 if p.method == "adagrad" else 1 - rho) * grads**2
        top, bottom = grads, use("s")
    if (bottom >= 0).all():
        out["w"] = before("w") - p.lr * top / (np.sqrt(bottom) + eps)
    return {key: value.tolist() for key, value in out.items()}


def _momentum(p: Params) -> bool:
    return p.method in ("momentum", "nesterov")


def _adaptive(p: Params) -> bool:
    return p.method in ("adagrad", "rmsprop", "adam")


MISCONCEPTIONS = (
    switched(
        solve_with,
        "mixed up the two momentum conventions",
        r"The stem fixes the convention: PyTorch adds $g_t$ whole, the moving average adds $(1 "
        r"- \mu) g_t$.",
        when=_momentum,
        swap_convention=True,
    ),
    switched(
        solve_with,
        "took Nesterov's gradient at the current weights",
        r"Nesterov evaluates the gradient at the look-ahead point $w - \eta \mu v$, not at $w$.",
        when=lambda p: p.method == "nesterov",
        lookahead=False,
    ),
    switched(
        solve_with,
        "forgot the bias correction",
        r"$m_t$ and $s_t$ start at 0 and are biased toward it: divide by $1 - \beta_1^t$ and $1 "
        r"- \beta_2^t$.",
        when=lambda p: p.method == "adam",
        bias_correction=False,
    ),
    switched(
        solve_with,
        "used the uncorrected m in the update",
        r"The update divides the corrected $\hat{m}_t$, not $m_t$, by $\sqrt{\hat{s}_t} + "
        r"\epsilon$.",
        when=lambda p: p.method == "adam",
        corrected_m=False,
    ),
    switched(
        solve_with,
        "put epsilon inside the square root",
        r"$\epsilon$ is added after the root: $\sqrt{s} + \epsilon$, not $\sqrt{s + \epsilon}$.",
        when=_adaptive,
        eps_inside=True,
    ),
)


#: how the computation writes each per-step quantity (``w_2``, ``m_hat_1``)
SYMBOLS = {
    "lookahead": "w~",
    "grads": "g",
    "v": "v",
    "s": "s",
    "m": "m",
    "m_hat": "m_hat",
    "s_hat": "s_hat",
    "step": "Delta",
    "w": "w",
}


def _q(name: str, k: int) -> Q:
    """Step k's value of a per-step quantity."""
    return Q(f"{name}{k}", f"{SYMBOLS[name]}_{k}")


def computation(p: Params) -> Computation:
    """The worked solution as data, for mistakes nobody listed (quizgen.core.mutation): the
    quantities of step k, each computed from step k - 1's (every state starts at 0), so that
    an edit in one step is carried through every later one."""
    n = len(p.w0)
    inputs: dict[str, Any] = {"w0": list(p.w0), "lr": p.lr}
    inputs |= {f"{state}0": [0.0] * n for state in ("v", "m", "s")}
    for name in ("mu", "rho", "beta1", "beta2", "eps", "a", "c"):
        if getattr(p, name) is not None:
            inputs[name] = getattr(p, name)
    lines: list[Line] = []
    neighbours: dict[str, tuple[str, ...]] = {}
    for k in range(1, p.steps + 1):
        lines += _step_lines(p, k, inputs, neighbours)
    names = {key: [f"{key}{k}" for k in range(1, p.steps + 1)] for key in _state_keys(p)}

    def rows(env: Any) -> dict[str, Any]:
        out = {key: [env[name].tolist() for name in row] for key, row in names.items()}
        return {**out, "w_final": out["w"][-1]}

    shown = {"lr": "eta", "eps": "eps"}
    return Computation(inputs, tuple(lines), rows, neighbours, shown)


def _step_lines(
    p: Params, k: int, inputs: dict[str, Any], neighbours: dict[str, tuple[str, ...]]
) -> list[Line]:
    """Step k's lines, as the worked solution's "Step k" computes them; the quantities a
    student puts in each other's place are recorded in ``neighbours``."""
    lr, w_before, lines = Q("lr", "eta"), _q("w", k - 1), []
    point = w_before
    if p.method == "nesterov":
        mu = Q("mu")
        ahead = diff(w_before, Prod((lr, mu, _q("v", k - 1))))
        lines.append(Line(f"lookahead{k}", ahead, k, f"w~_{k}"))
        point = _q("lookahead", k)
        neighbours[f"lookahead{k}"] = (f"w{k - 1}",)  # the gradient at the weights
        neighbours[f"w{k - 1}"] = (f"lookahead{k}",)  # the step from the look-ahead point
    if p.grads is None:
        lines.append(Line(f"grads{k}", Prod((Q("a"), diff(point, Q("c")))), k, f"g_{k}"))
    else:
        inputs[f"grads{k}"] = list(p.grads[k - 1])
    g = _q("grads", k)
    if p.method in ("momentum", "nesterov"):
        mu, keep = Q("mu"), diff(C(1), Q("mu"))
        new = Prod((keep, g)) if p.convention == "ema" else Prod((g,), absent=(keep,))
        lines.append(Line(f"v{k}", add(Prod((mu, _q("v", k - 1))), new), k, f"v_{k}"))
        lines.append(Line(f"w{k}", diff(w_before, Prod((lr, _q("v", k)))), k, f"w_{k}"))
        neighbours[f"v{k}"] = (f"grads{k}",)  # a plain gradient step
        return lines
    top, bottom = g, _q("s", k)
    if p.method == "adam":
        lines += _adam_moments(k, inputs, neighbours)
        top, bottom = _q("m_hat", k), _q("s_hat", k)
    else:
        decay = Q("rho") if p.method == "rmsprop" else None
        average = _moving_average(decay, _q("s", k - 1), Prod((Fn("square", (g,)),)))
        lines.append(Line(f"s{k}", average, k, f"s_{k}"))
        neighbours[f"s{k}"] = (f"s{k - 1}",)
    step = Div(Prod((lr, top)), add(Fn("sqrt", (bottom,)), Q("eps")))
    lines.append(Line(f"step{k}", step, k, f"Delta_{k}"))
    lines.append(Line(f"w{k}", diff(w_before, _q("step", k)), k, f"w_{k}"))
    return lines


def _moving_average(decay: Q | None, before: Q, new: Prod) -> Expr:
    """decay * before + (1 - decay) * new, or AdaGrad's plain sum before + new (no decay)."""
    if decay is None:
        return add(before, new)
    return add(Prod((decay, before)), Prod((diff(C(1), decay), *new.factors)))


def _adam_moments(
    k: int, inputs: dict[str, Any], neighbours: dict[str, tuple[str, ...]]
) -> list[Line]:
    """Adam's moments of step k and their bias corrections 1 - beta^t, with t = k."""
    inputs[f"t{k}"] = k
    if k > 1:
        neighbours[f"t{k}"] = (f"t{k - 1}",)
    g, t = _q("grads", k), Q(f"t{k}", "t")
    lines = []
    squared = Prod((Fn("square", (g,)),))
    for moment, beta, new in (("m", "beta1", Prod((g,))), ("s", "beta2", squared)):
        average = _moving_average(Q(beta), _q(moment, k - 1), new)
        lines.append(Line(f"{moment}{k}", average, k, f"{moment}_{k}"))
    for moment, beta in (("m", "beta1"), ("s", "beta2")):
        correction = diff(C(1), Fn("power", (Q(beta), t)))
        corrected = Div(_q(moment, k), correction)
        lines.append(Line(f"{moment}_hat{k}", corrected, k, f"{moment}_hat_{k}"))
        neighbours[f"{moment}_hat{k}"] = (f"{moment}{k}",)
    return lines
