"""The universal approximation theorem, measured: one hidden layer, growing width.

For a continuous target ``f`` on an interval, a net with one hidden layer
``g(x) = sum_j v_j sigma(w_j x + b_j) + c`` can get uniformly as close as we like to ``f`` given
enough hidden units. Here nets of width 1, 2, 4, ..., 256 are trained on the same target and
their maximum error on a fine grid is measured: it should fall as the width grows.
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.viz.plots import figure

from .registry import Experiment
from .result import Result
from .training import full_batch, mlp


def target(x: np.ndarray) -> np.ndarray:
    """A continuous target with bumps of several widths and a kink."""
    return np.sin(3 * x) + 0.5 * np.abs(x) - 0.3 * np.cos(7 * x)


def spread_init(layer: nn.Linear, low: float, high: float, slope: float = 3.0) -> None:
    """Hidden unit j becomes tanh(s_j (x - c_j)): centres c_j uniform over [low, high], slopes ±s.

    The units' transitions then cover the interval from the start, as in the theorem's
    constructive proofs; training moves them from there.
    """
    g = cr.random.rng()
    width = layer.weight.shape[0]
    s = g.choice([-slope, slope], size=width)
    c = g.uniform(low, high, size=width)
    with cr.no_grad():
        layer.weight.copy_(cr.tensor(s[:, None]))
        layer.bias.copy_(cr.tensor(-s * c))


def spearman(a: list[float], b: list[float]) -> float:
    """Rank correlation: Pearson's correlation of the ranks (no ties here)."""
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def _run(res: Result, fast: bool) -> None:
    widths = [1, 4, 16, 64] if fast else [1, 2, 4, 8, 16, 32, 64, 128, 256]
    steps = 2000 if fast else 4000
    x_train = np.linspace(-2, 2, 200)[:, None]
    x_grid = np.linspace(-2, 2, 2001)[:, None]
    X, Y = cr.tensor(x_train, dtype=cr.float32), cr.tensor(target(x_train), dtype=cr.float32)
    G = cr.tensor(x_grid, dtype=cr.float32)
    f_grid = target(x_grid[:, 0])

    fits, rows, max_err = {}, [], []
    for w in widths:
        model = mlp([1, w, 1], nn.Tanh)
        spread_init(model[0], -2, 2)
        opt = optim.Adam(model.parameters(), lr=0.01)
        sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
        losses = np.empty(steps)
        for t in range(steps):  # full-batch Adam with a cosine-annealed learning rate
            losses[t] = full_batch(model, nn.MSELoss(), opt, X, Y, 1)[0]
            sched.step()
        with cr.no_grad():
            pred = model(G).numpy()[:, 0].astype(np.float64)
        err = float(np.abs(pred - f_grid).max())
        fits[w] = pred
        max_err.append(err)
        rows.append([w, 3 * w + 1, float(losses[-1]), float(np.sqrt(np.mean((pred - f_grid) ** 2))),
                     err])
    res.table(f"One hidden layer of tanh units, trained with Adam (lr 0.01, cosine schedule, "
              f"{steps} full-batch steps) on 200 points of f over [-2, 2]; errors on 2,001 points.",
              ["width", "parameters", "final training MSE", "RMS error", "max error"], rows)
    res.numbers.update(widths=widths, max_error=max_err)

    from matplotlib import colormaps

    fig, axes = figure(1, 2, size=(14, 4.4))
    axes[0].plot(x_grid[:, 0], f_grid, color="black", lw=3, label="target f")
    cmap = colormaps["viridis"]
    show = [w for w in widths if w in (1, 2, 4, 16, 64, 256) or w == widths[-1]]
    for i, w in enumerate(show):
        axes[0].plot(x_grid[:, 0], fits[w], color=cmap(0.85 * i / max(1, len(show) - 1)), lw=1.6,
                     label=f"width {w}")
    axes[0].set_xlabel("x")
    axes[0].legend(fontsize=8, ncol=2)
    axes[0].set_title("fits of growing width", fontsize=11)
    axes[1].loglog(widths, max_err, "o-", color="#0072B2", lw=2, label="max |g(x) - f(x)|")
    slope = np.polyfit(np.log(widths), np.log(max_err), 1)[0]
    axes[1].set_xlabel("hidden units (width)")
    axes[1].set_ylabel("max error on [-2, 2]")
    axes[1].set_title(f"max error vs width (log-log; fitted slope {slope:.2f})", fontsize=11)
    axes[1].legend(fontsize=9)
    res.figure(fig, "widths", "Left: the target (black) and the fits of nets with one hidden layer "
               "of growing width. Right: the maximum error over the interval falls with the width.")

    rho = spearman(widths, max_err)
    ratio = max_err[-1] / max_err[0]
    res.numbers.update(spearman=rho, loglog_slope=float(slope), error_ratio=ratio)
    res.check("The maximum error falls with width: rank correlation between width and max error "
              "at most -0.9", rho <= -0.9, f"Spearman ρ = {rho:.2f}, log-log slope {slope:.2f}")
    res.check(f"The widest net (width {widths[-1]}) is at least 10 times closer to f than width 1",
              ratio <= 0.1, f"max error {max_err[0]:.3f} at width 1, {max_err[-1]:.4f} at width "
              f"{widths[-1]} (ratio {ratio:.3f})")


EXPERIMENT = Experiment(
    name="universal-approximation",
    title="How strong are FC nets? Universal approximation",
    slide="How strong are FC-nets? Universal approximation theorem",
    claim="The universal approximation theorem: a neural network (already one hidden layer) can "
          "approximate any continuous function on a bounded interval as closely as we like, given "
          "enough hidden units.",
    formulas=(r"g(x) = \sum_{j=1}^{N} v_j\, \sigma(w_j x + b_j) + c",
              r"\forall \varepsilon > 0\ \exists N:\ \max_{x \in [a, b]} |g(x) - f(x)| < \varepsilon",
              r"f(x) = \sin 3x + 0.5\,|x| - 0.3 \cos 7x"),
    method="Nets with one hidden layer of 1 to 256 tanh units (--fast: 1, 4, 16, 64) are trained "
           "with chainrule's Adam on the same 200 points of a continuous target with a kink, and "
           "their largest deviation from the target on a 2,001-point grid is measured. The hidden "
           "units start with their transitions spread over the interval (tanh(±3(x - c)), c "
           "uniform), as in the theorem's constructive proofs.",
    run=_run,
)
