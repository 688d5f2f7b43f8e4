"""The FC layer in matrix form: ``Y = X W + b``, each output a sum over the features.

On the slide's example, a 1x3 input times a 3x2 weight matrix, every element of the product is the
sum ``y_j = sum_i x_i w_ij (+ b_j)``. Over a batch the shapes are
``[batch, features] x [features, outputs] -> [batch, outputs]``, and ``b [outputs]`` is broadcast
over the batch. ``nn.Linear`` stores the transposed matrix, ``weight [outputs, features]``, and
computes ``X weight^T + bias``: the same layer.
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.errors import ShapeError
from chainrule.viz.plots import figure

from .registry import Experiment
from .result import Result

# the slide's 1x3 by 3x2 example, with numbers
X_EX = np.array([[1.0, 2.0, 3.0]])
W_EX = np.array([[1.0, -1.0], [0.5, 2.0], [-2.0, 1.0]])
B_EX = np.array([0.5, -1.0])


def element_sums(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``y[n, j] = sum_i x[n, i] w[i, j] + b[j]``, written as the sum (no matrix product)."""
    return (X[:, :, None] * W[None, :, :]).sum(axis=1) + b


def _draw_example(Y: np.ndarray):
    fig, axes = figure(1, 3, size=(8.5, 3.3), gridspec_kw={"width_ratios": [3, 2, 2]})
    panels = [(X_EX, "X  [1, 3]", [(0, i) for i in range(3)]),
              (W_EX, "W  [3, 2]", [(i, 0) for i in range(3)]),
              (Y, "Y = XW + b  [1, 2]", [(0, 0)])]
    for ax, (M, title, hot) in zip(axes, panels):
        ax.grid(False)
        ax.imshow(np.zeros_like(M), cmap="Greys", vmin=0, vmax=1)
        for r, c in hot:  # the row of X and column of W that make y_11
            ax.add_patch(_square(c, r))
        for (r, c), v in np.ndenumerate(M):
            ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=14)
        ax.set_xticks(range(M.shape[1]))
        ax.set_yticks(range(M.shape[0]))
        ax.set_xticklabels([str(j + 1) for j in range(M.shape[1])])
        ax.set_yticklabels([str(i + 1) for i in range(M.shape[0])])
        ax.set_title(title, fontsize=12)
        for s in range(M.shape[1] + 1):
            ax.axvline(s - 0.5, color="#555555", lw=1)
        for s in range(M.shape[0] + 1):
            ax.axhline(s - 0.5, color="#555555", lw=1)
    fig.suptitle(r"$y_{11} = x_{11}w_{11} + x_{12}w_{21} + x_{13}w_{31} + b_1 = "
                 r"1\cdot 1 + 2\cdot 0.5 + 3\cdot(-2) + 0.5 = -3.5$", fontsize=13)
    return fig


def _square(c: int, r: int):
    from matplotlib.patches import Rectangle

    return Rectangle((c - 0.5, r - 0.5), 1, 1, color="#ffd8a8")


def _run(res: Result, fast: bool) -> None:
    # 1. the slide's example, element by element
    X = cr.tensor(X_EX)
    W = cr.tensor(W_EX)
    b = cr.tensor(B_EX)
    Y = (X @ W + b).numpy()
    rows = []
    for j in range(2):
        terms = " + ".join(f"{X_EX[0, i]:g}*{W_EX[i, j]:g}" for i in range(3))
        by_sum = sum(X_EX[0, i] * W_EX[i, j] for i in range(3)) + B_EX[j]
        rows.append([f"y_1{j + 1}", f"{terms} + {B_EX[j]:g}", by_sum, float(Y[0, j])])
    res.table("The slide's 1x3 by 3x2 example: each element as the sum over features, and the "
              "engine's matrix product.", ["element", "sum written out", "by the sum", "X @ W + b"],
              rows)
    exact = all(r[2] == r[3] for r in rows)
    res.numbers["example_Y"] = Y.tolist()
    res.figure(_draw_example(Y), "example", "The slide's example: y_11 takes the row of X and the "
               "first column of W (highlighted), multiplies them elementwise and sums, then adds b_1.")
    res.check("On the slide's 1x3 by 3x2 example, each element's sum equals the matrix product",
              exact, f"Y = {Y.tolist()}, identical to the element sums")

    # 2. shapes over batches: [batch, features] x [features, outputs] -> [batch, outputs]
    cases = [(1, 3, 2), (4, 3, 2), (32, 10, 5), (128, 40, 100)]
    if not fast:
        cases.append((1000, 256, 64))
    shape_rows, ok = [], True
    for batch, feats, outs in cases:
        Xb = cr.randn(batch, feats, dtype=cr.float64)
        Wb = cr.randn(feats, outs, dtype=cr.float64)
        bb = cr.randn(outs, dtype=cr.float64)
        Yb = Xb @ Wb + bb
        err = float(np.abs(Yb.numpy() - element_sums(Xb.numpy(), Wb.numpy(), bb.numpy())).max())
        good = tuple(Yb.shape) == (batch, outs) and err < 1e-10
        ok &= good
        shape_rows.append([f"[{batch}, {feats}]", f"[{feats}, {outs}]", f"[{outs}]",
                           str(list(Yb.shape)), f"[{batch}, {outs}]", err])
    res.table("Shapes over batches: Y = X W + b, and the largest difference between the matrix "
              "product and the element sums (float64).",
              ["X", "W", "b", "Y (engine)", "[batch, outputs]", "max |XW+b - sums|"], shape_rows)

    # a mismatch is refused with the shapes named
    try:
        cr.randn(4, 3) @ cr.randn(2, 3)
        message = ""
    except ShapeError as e:
        message = str(e)
    named = "(4, 3)" in message and "(2, 3)" in message
    res.numbers["mismatch_message"] = message
    res.check("Shapes follow [batch, features] x [features, outputs] -> [batch, outputs]; b "
              "broadcasts over the batch; a features mismatch is refused, naming both shapes",
              ok and named, f"{len(cases)} batch shapes agree with the element sums to < 1e-10; "
              f"X [4, 3] @ W [2, 3] raises ShapeError: “{message}”")

    # 3. nn.Linear is the same layer with weight = W^T
    lin = nn.Linear(3, 2).double()
    with cr.no_grad():
        lin.weight.copy_(cr.tensor(W_EX.T))
        lin.bias.copy_(cr.tensor(B_EX))
    Y_lin = lin(cr.tensor(X_EX)).detach().numpy()
    same = np.allclose(Y_lin, Y, rtol=0, atol=1e-12)
    res.numbers["linear_weight_shape"] = list(lin.weight.shape)
    res.check("nn.Linear(3, 2) stores weight as [outputs, features] = W^T and computes the same Y",
              same and tuple(lin.weight.shape) == (2, 3),
              f"weight shape {list(lin.weight.shape)}; nn.Linear gives {Y_lin.tolist()}")


EXPERIMENT = Experiment(
    name="fc-matrix-form",
    title="The FC layer in matrix form",
    slide="FC layer matrix form",
    claim="A fully connected layer is one matrix product plus a bias: Y = X W + b, where each output "
          "element is the sum of the inputs weighted by one column of W; with X [batch, features] "
          "and W [features, outputs], Y is [batch, outputs].",
    formulas=(r"Y = X W + b",
              r"y_{11} = w_{11}x_{11} + w_{21}x_{12} + w_{31}x_{13}",
              r"y_{12} = w_{12}x_{11} + w_{22}x_{12} + w_{32}x_{13}",
              r"y_{1j} = \sum_i x_{1i}\, w_{ij} + b_j"),
    method="The slide's 1x3 by 3x2 example is computed element by element as sums and with the "
           "engine's matrix product; then random batches of several shapes are pushed through "
           "X @ W + b, and the same layer through nn.Linear.",
    run=_run,
)
