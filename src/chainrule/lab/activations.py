"""Activation functions: sigmoid, tanh, ReLU, Leaky ReLU (0.1) and ELU, with their derivatives.

The derivatives come from chainrule's engine (``y.sum().backward()`` gives ``dy_i/dx_i`` at every
point, because each ``y_i`` depends on ``x_i`` only) and are checked against the closed forms:

    sigma'(x) = sigma(x) (1 - sigma(x)) <= 1/4      tanh'(x) = 1 - tanh(x)^2 <= 1
    ReLU'(x)  = [x > 0]                             LeakyReLU'(x) = 1 if x > 0 else 0.1
    ELU'(x)   = 1 if x > 0 else alpha e^x

Two consequences are measured: saturation (a chain of n sigmoids passes at most (1/4)^n of the
gradient) and ReLU's dead side (a unit whose input is always negative gets no gradient at all).
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.nn import functional as F
from chainrule.viz.plots import PALETTE, figure

from .registry import Experiment
from .result import Result

ALPHA = 1.0  # ELU's alpha (PyTorch's default)
LEAK = 0.1  # the slide's Leaky ReLU: max(0.1 x, x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


# name -> (engine function, closed-form f, closed-form f', TeX)
ACTIVATIONS = {
    "sigmoid": (cr.sigmoid, _sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
                r"\sigma(x) = \dfrac{1}{1+e^{-x}}"),
    "tanh": (cr.tanh, np.tanh, lambda x: 1 - np.tanh(x) ** 2, r"\tanh(x) = \dfrac{e^x - e^{-x}}{e^x + e^{-x}}"),
    "ReLU": (cr.relu, lambda x: np.maximum(0, x), lambda x: (x > 0).astype(x.dtype),
             r"\mathrm{ReLU}(x) = \max(0, x)"),
    "Leaky ReLU": (lambda t: F.leaky_relu(t, LEAK), lambda x: np.maximum(LEAK * x, x),
                   lambda x: np.where(x > 0, 1.0, LEAK), r"\mathrm{LeakyReLU}(x) = \max(0.1x, x)"),
    "ELU": (lambda t: F.elu(t, ALPHA), lambda x: np.where(x > 0, x, ALPHA * np.expm1(x)),
            lambda x: np.where(x > 0, 1.0, ALPHA * np.exp(x)),
            r"\mathrm{ELU}(x) = x\ \ (x \geq 0),\quad \alpha(e^x - 1)\ \ (x < 0)"),
}


def engine_derivative(fn, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) at every point of ``x``, the derivative by backpropagation."""
    t = cr.tensor(x, requires_grad=True)
    y = fn(t)
    y.sum().backward()
    return y.detach().numpy(), t.grad.numpy()


def _run(res: Result, fast: bool) -> None:
    x = np.linspace(-6, 6, 601 if fast else 2401)  # float64: the comparison is to rounding error
    fig, axes = figure(2, 5, size=(15, 5.6), sharex=True)
    rows, worst = [], 0.0
    derivs = {}
    for j, (name, (fn, f, df, _)) in enumerate(ACTIVATIONS.items()):
        y, dy = engine_derivative(fn, x)
        err = max(np.abs(y - f(x)).max(), np.abs(dy - df(x)).max())
        worst = max(worst, err)
        derivs[name] = dy
        neg = x < 0
        rows.append([name, float(dy[np.argmin(np.abs(x + 5))]), float(dy[np.argmin(np.abs(x))]),
                     float(dy[np.argmin(np.abs(x - 5))]), float(dy.max()),
                     float(dy[neg].min()), float(err)])
        color = PALETTE[j]
        ax_f, ax_d = axes[0, j], axes[1, j]
        ax_f.plot(x, y, color=color, lw=2)
        ax_f.set_title(name, fontsize=12)
        ax_d.plot(x, dy, color=color, lw=2, label="engine (backward)")
        ax_d.plot(x[::40], df(x[::40]), "o", ms=3.5, color="black", label="closed form")
        ax_d.set_xlabel("x")
        if name == "sigmoid":
            ax_d.axhline(0.25, color="gray", ls="--", lw=1)
            ax_d.annotate("max 1/4", (0.3, 0.26), fontsize=9, color="gray")
        if name == "ReLU":
            ax_d.axvspan(-6, 0, color=PALETTE[1], alpha=0.12)
            ax_d.annotate("dead side:\ngradient 0", (-5.6, 0.45), fontsize=9, color=PALETTE[1])
    axes[0, 0].set_ylabel("f(x)")
    axes[1, 0].set_ylabel("f'(x)")
    axes[1, 4].legend(fontsize=9, loc="lower right")
    res.figure(fig, "curves", "Top: the five activations. Bottom: their derivatives from chainrule's "
               "backward (lines) and the closed forms (dots). Sigmoid's derivative never exceeds "
               "1/4; ReLU's is exactly zero on the whole negative side.")
    res.table("Derivatives from the engine (float64), and their largest deviation from the closed "
              "form over the grid.",
              ["activation", "f'(-5)", "f'(0)", "f'(5)", "max f'", "min f' for x<0",
               "max |engine - closed form|"], rows)
    res.numbers["max_abs_error"] = worst
    res.check("The engine's derivatives equal the closed forms for all five activations",
              worst <= 1e-12, f"largest |engine - closed form| = {worst:.2e} over {x.size} points "
              "(float64, bound 1e-12)")

    # saturation: sigmoid' <= 1/4, so n stacked sigmoids pass at most (1/4)^n of the gradient
    s_max = float(derivs["sigmoid"].max())
    chain = []
    for n in (1, 2, 5, 10):
        t = cr.tensor(np.zeros(1), requires_grad=True)  # x = 0: where sigmoid' is largest
        y = t
        for _ in range(n):
            y = cr.sigmoid(y)
        y.sum().backward()
        chain.append([n, float(t.grad.numpy()[0]), 0.25 ** n])
    res.table("Gradient through a chain of n sigmoids, dy/dx at x = 0 (the most favourable point), "
              "against the bound (1/4)^n.", ["n sigmoids", "dy/dx (engine)", "(1/4)^n"], chain)
    sat = float(derivs["sigmoid"][np.abs(x) >= 5].max())
    res.numbers.update(sigmoid_max_derivative=s_max, sigmoid_derivative_at_5=sat,
                       chain_gradients={str(n): g for n, g, _ in chain})
    res.check("Sigmoid saturates: sigma' <= 1/4 everywhere, below 0.01 for |x| >= 5, and a "
              "chain of n sigmoids passes at most (1/4)^n of the gradient",
              s_max <= 0.25 + 1e-15 and sat < 0.01 and all(g <= b + 1e-15 for _, g, b in chain),
              f"max sigma' = {s_max:.6f}; max sigma'(|x|>=5) = {sat:.2e}; through 10 sigmoids "
              f"{chain[-1][1]:.2e} <= {chain[-1][2]:.2e}")

    # ReLU's dead side: a unit whose pre-activation is negative for every input learns nothing
    neg = x < 0
    relu_dead = bool(np.all(derivs["ReLU"][neg] == 0))
    leaky_alive = bool(np.allclose(derivs["Leaky ReLU"][neg], LEAK))
    X = cr.randn(256, 10, dtype=cr.float64)
    W = cr.tensor(cr.randn(10, 100, dtype=cr.float64).numpy() / np.sqrt(10), requires_grad=True)
    b = cr.tensor(np.linspace(-4, 1, 100), requires_grad=True)  # some units start far negative
    cr.relu(X @ W + b).sum().backward()
    never_on = np.all((X.numpy() @ W.detach().numpy() + b.detach().numpy()) <= 0, axis=0)
    no_grad_units = np.all(W.grad.numpy() == 0, axis=0) & (b.grad.numpy() == 0)
    res.numbers.update(units_never_active=int(never_on.sum()), units_without_gradient=int(no_grad_units.sum()))
    res.check("ReLU has a dead side: its derivative is exactly 0 for every x < 0 (Leaky ReLU keeps "
              "0.1), and a unit that is never active gets no gradient at all",
              relu_dead and leaky_alive and never_on.sum() > 0
              and np.array_equal(never_on, no_grad_units),
              f"ReLU' = 0 on all {int(neg.sum())} negative points; in a layer of 100 ReLU units on "
              f"256 inputs, {int(never_on.sum())} units are never active and exactly those "
              f"{int(no_grad_units.sum())} receive zero gradient")


EXPERIMENT = Experiment(
    name="activations",
    title="Activation functions and their derivatives",
    slide="Activation functions",
    claim="Sigmoid, tanh, ReLU, Leaky ReLU and ELU are the standard nonlinearities; what matters for "
          "learning is their derivative: sigmoid saturates (sigma' <= 1/4, vanishing for large |x|), "
          "ReLU passes gradient 1 or nothing (a dead side), Leaky ReLU and ELU keep a gradient for "
          "x < 0.",
    formulas=tuple(v[3] for v in ACTIVATIONS.values()) + (
        r"\sigma'(x) = \sigma(x)\,(1-\sigma(x)) \leq \dfrac{1}{4}",),
    method="Each activation is evaluated by chainrule on a float64 grid over [-6, 6]; one backward "
           "pass of sum(f(x)) gives f'(x) at every point, which is compared with the closed form. "
           "Then the gradient is pushed through chains of sigmoids, and through a ReLU layer whose "
           "biases leave some units always off.",
    run=_run,
)
