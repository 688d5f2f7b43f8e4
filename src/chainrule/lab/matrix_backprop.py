"""Backprop for a simple FC net in matrix form, written out by hand.

The slide's net ``FC = X W1 + b1``, ``A = f(FC)``, ``Y = A W2 + b2`` with an MSE loss. With
``G = dLoss/dY`` the backward pass is three matrix formulas applied layer by layer::

    dW2 = A^T G        # [hidden, outputs]
    db2 = sum_batch G  # [outputs]
    dA  = G W2^T       # [batch, hidden]
    dFC = dA * f'(FC)  # [batch, hidden]
    dW1 = X^T dFC      # [features, hidden]
    db1 = sum_batch dFC
    dX  = dFC W1^T     # [batch, features]

These are compared with chainrule's engine and with central finite differences, all in float64.
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.viz.plots import PALETTE, figure

from .registry import Experiment
from .result import Result

BATCH, FEATURES, HIDDEN, OUTPUTS = 6, 4, 5, 3


def _forward_np(X, W1, b1, W2, b2, T):
    FC = X @ W1 + b1
    A = np.tanh(FC)
    Y = A @ W2 + b2
    return FC, A, Y, np.mean((Y - T) ** 2)


def _by_hand(X, W1, b1, W2, b2, T) -> dict[str, np.ndarray]:
    FC, A, Y, _ = _forward_np(X, W1, b1, W2, b2, T)
    G = 2 * (Y - T) / Y.size  # dLoss/dY                     [batch, outputs]
    dW2 = A.T @ G  # [hidden, outputs]
    db2 = G.sum(axis=0)  # [outputs]
    dA = G @ W2.T  # [batch, hidden]
    dFC = dA * (1 - A**2)  # tanh'(FC) = 1 - A^2                [batch, hidden]
    dW1 = X.T @ dFC  # [features, hidden]
    db1 = dFC.sum(axis=0)  # [hidden]
    dX = dFC @ W1.T  # [batch, features]
    return {"X": dX, "W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "G": G, "A": dA, "FC": dFC}


def _finite_differences(arrays: dict[str, np.ndarray], T, eps: float = 1e-6) -> dict[str, np.ndarray]:
    """dLoss/dtheta for every element, by (L(theta + eps) - L(theta - eps)) / 2 eps."""
    grads = {}
    for name in ("X", "W1", "b1", "W2", "b2"):
        g = np.zeros_like(arrays[name])
        for idx in np.ndindex(g.shape):
            losses = []
            for sign in (1, -1):
                moved = {k: v.copy() for k, v in arrays.items()}
                moved[name][idx] += sign * eps
                losses.append(_forward_np(*(moved[k] for k in ("X", "W1", "b1", "W2", "b2")), T)[3])
            g[idx] = (losses[0] - losses[1]) / (2 * eps)
        grads[name] = g
    return grads


def _slide_elementwise(res: Result) -> float:
    """The slide's element formulas on a 2x3 by 3x2 product with z = sum(Y^2) / 2 (dz/dY = Y)."""
    X = cr.randn(2, 3, dtype=cr.float64, requires_grad=True)
    W = cr.randn(3, 2, dtype=cr.float64, requires_grad=True)
    Y = X @ W
    ((Y * Y).sum() / 2).backward()
    dY, x, w = Y.detach().numpy(), X.detach().numpy(), W.detach().numpy()
    dz_dx11 = dY[0, 0] * w[0, 0] + dY[0, 1] * w[0, 1]  # dz/dy11 w11 + dz/dy12 w12
    dz_dw11 = sum(dY[j, 0] * x[j, 0] for j in range(2))  # sum_j dz/dy_j1 x_j1
    rows = [["dz/dx11 = dz/dy11·w11 + dz/dy12·w12", dz_dx11, X.grad.numpy()[0, 0]],
            ["dz/dw11 = Σ_j dz/dy_j1·x_j1", dz_dw11, W.grad.numpy()[0, 0]]]
    res.table("The slide's element formulas for Y = X W (X [2, 3], W [3, 2], z = Σ y²/2), "
              "against the engine.", ["element", "slide's formula", "engine"], rows)
    return max(abs(r[1] - r[2]) for r in rows)


def _run(res: Result, fast: bool) -> None:
    g = cr.random.rng()
    arrays = {"X": g.standard_normal((BATCH, FEATURES)),
              "W1": g.standard_normal((FEATURES, HIDDEN)) / np.sqrt(FEATURES),
              "b1": g.standard_normal(HIDDEN) * 0.1,
              "W2": g.standard_normal((HIDDEN, OUTPUTS)) / np.sqrt(HIDDEN),
              "b2": g.standard_normal(OUTPUTS) * 0.1}
    T = g.standard_normal((BATCH, OUTPUTS))

    # the engine: the same net on chainrule tensors
    leaves = {k: cr.tensor(v, requires_grad=True) for k, v in arrays.items()}
    FC = leaves["X"] @ leaves["W1"] + leaves["b1"]
    A = cr.tanh(FC)
    Y = A @ leaves["W2"] + leaves["b2"]
    for t in (FC, A, Y):
        t.retain_grad()
    loss = ((Y - cr.tensor(T)) ** 2).mean()
    loss.backward()
    engine = {k: t.grad.numpy() for k, t in leaves.items()}
    engine.update(G=Y.grad.numpy(), A=A.grad.numpy(), FC=FC.grad.numpy())

    hand = _by_hand(*(arrays[k] for k in ("X", "W1", "b1", "W2", "b2")), T)
    fd = _finite_differences(arrays, T)

    def rel(a, b):
        return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))

    names = ["X", "W1", "b1", "W2", "b2"]
    hand_err = {k: rel(hand[k], engine[k]) for k in (*names, "G", "A", "FC")}
    fd_err = {k: rel(engine[k], fd[k]) for k in names}
    res.numbers.update(loss=loss.item(), hand_vs_engine=hand_err, engine_vs_finite_differences=fd_err)

    formulas = {"X": "dX = dFC W1^T", "W1": "dW1 = X^T dFC", "b1": "db1 = Σ_batch dFC",
                "W2": "dW2 = A^T G", "b2": "db2 = Σ_batch G", "G": "G = 2 (Y - T) / N",
                "A": "dA = G W2^T", "FC": "dFC = dA * f'(FC)"}
    shapes = {"X": arrays["X"].shape, "W1": arrays["W1"].shape, "b1": arrays["b1"].shape,
              "FC": FC.shape, "A": A.shape, "W2": arrays["W2"].shape, "b2": arrays["b2"].shape,
              "G": Y.shape}
    meaning = {"X": "[batch, features]", "W1": "[features, hidden]", "b1": "[hidden]",
               "FC": "[batch, hidden]", "A": "[batch, hidden]", "W2": "[hidden, outputs]",
               "b2": "[outputs]", "G": "[batch, outputs]"}
    rows = []
    shapes_ok = True
    for k in ("X", "W1", "b1", "FC", "A", "W2", "b2", "G"):
        grad_shape = tuple(hand[k].shape)
        shapes_ok &= grad_shape == tuple(shapes[k]) == tuple(engine[k].shape)
        rows.append([k if k != "G" else "Y", meaning[k], str(list(shapes[k])), formulas[k],
                     str(list(grad_shape)), hand_err[k], fd_err.get(k, "not computed")])
    res.table(f"Every tensor of the net (batch {BATCH}, features {FEATURES}, hidden {HIDDEN}, "
              f"outputs {OUTPUTS}, tanh), its gradient's formula and shape, and the relative "
              "differences hand vs engine and engine vs finite differences.",
              ["tensor", "meaning", "shape", "gradient by hand", "gradient shape",
               "|hand - engine|", "|engine - FD|"], rows)

    fig, ax = figure(size=(8, 3.4))
    xs = np.arange(len(names))
    ax.bar(xs - 0.2, [max(hand_err[k], 1e-18) for k in names], 0.4, color=PALETTE[0],
           label="hand-written vs engine")
    ax.bar(xs + 0.2, [fd_err[k] for k in names], 0.4, color=PALETTE[1],
           label="engine vs finite differences")
    # in the legend, not written over the bars
    ax.axhline(np.finfo(np.float64).eps, color="gray", ls="--", lw=1, label="float64 machine epsilon")
    ax.set_yscale("log")
    ax.set_xticks(xs)
    ax.set_xticklabels([f"d{k}" for k in names])
    ax.set_ylabel("max relative difference")
    ax.set_ylim(top=1e-6)
    ax.legend(fontsize=9, loc="upper left", ncol=3)
    res.figure(fig, "differences", "How far apart the three gradients are, per tensor: the "
               "hand-written matrix formulas and the engine agree to rounding error; central "
               "finite differences (eps = 1e-6) agree to their truncation error.")

    elem_err = _slide_elementwise(res)
    res.numbers["slide_elementwise_error"] = elem_err
    worst_hand = max(hand_err.values())
    worst_fd = max(fd_err.values())
    res.check("The hand-written matrix backward (dX = G W^T, dW = X^T G, db = Σ G) equals the "
              "engine's gradients", worst_hand <= 1e-12,
              f"largest relative difference {worst_hand:.1e} over {len(hand_err)} tensors")
    res.check("The engine's gradients equal central finite differences", worst_fd <= 1e-6,
              f"largest relative difference {worst_fd:.1e} over {len(fd_err)} tensors "
              f"({sum(v.size for v in arrays.values())} elements, eps = 1e-6)")
    res.check("Every gradient has its tensor's shape: dX [batch, features], dW [features, outputs], "
              "db [outputs] (the slide labels dW as [batch size, outputs]: a typo; measured "
              "[features, outputs])", shapes_ok,
              f"dW1 {list(hand['W1'].shape)}, dW2 {list(hand['W2'].shape)}, dX {list(hand['X'].shape)}")
    res.check("The slide's element formulas dz/dx11 = Σ_k dz/dy1k w1k and dz/dw11 = Σ_j dz/dyj1 "
              "xj1 match the engine", elem_err <= 1e-12, f"largest difference {elem_err:.1e}")


EXPERIMENT = Experiment(
    name="matrix-backprop",
    title="Backprop for a simple FC net in matrix form",
    slide="Backprop Basics: Simple FC net in matrix form",
    claim="The backward pass of an FC net is a few matrix products: for Z = X W + b, "
          "dLoss/dX = dLoss/dZ · W^T and dLoss/dW = X^T · dLoss/dZ, chained through the "
          "activation's derivative, layer by layer.",
    formulas=(r"FC = X W_1 + b_1,\quad A = f(FC),\quad Y_{predicted} = A\, W_2 + b_2",
              r"\dfrac{\partial Loss}{\partial W_1} = \dfrac{\partial Loss}{\partial Y_{predicted}}"
              r"\,\dfrac{\partial Y_{predicted}}{\partial A}\,\dfrac{\partial A}{\partial W_1}",
              r"\dfrac{\partial Loss(XW + b)}{\partial X} = \dfrac{\partial Loss}{\partial (XW + b)}"
              r"\, W^T \quad [\mathrm{batch},\ \mathrm{features}]",
              r"\dfrac{\partial Loss(XW + b)}{\partial W} = X^T\, \dfrac{\partial Loss}{\partial "
              r"(XW + b)} \quad [\mathrm{features},\ \mathrm{outputs}]",
              r"\dfrac{dz}{dx_{11}} = \dfrac{dz}{dy_{11}}\, w_{11} + \dfrac{dz}{dy_{12}}\, w_{12},"
              r"\quad \dfrac{dz}{dw_{11}} = \sum_j \dfrac{dz}{dy_{j1}}\, x_{j1}"),
    method="The slide's FC → tanh → FC net with an MSE loss is run three ways in float64: the "
           "backward written out by hand in NumPy with the matrix formulas, chainrule's engine "
           "(loss.backward()), and central finite differences on every element of every input "
           "and parameter.",
    run=_run,
)
