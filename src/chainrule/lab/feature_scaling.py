"""Feature scaling: gradient descent on features of very different scales, and after standardising.

For linear regression ``L(w) = mean((X w - y)^2)`` the loss is a quadratic bowl with Hessian
``H = 2/n X^T X``. Its level sets are ellipses whose axes ratio is ``sqrt(kappa)``, with
``kappa = lambda_max / lambda_min`` the condition number. Gradient descent is stable only for
``eta < 2 / lambda_max`` and then shrinks the error along the flattest direction by
``1 - eta lambda_min`` per step, so it needs on the order of ``kappa`` steps. Features of very
different scales make ``kappa`` huge (elongated contours); standardising them (zero mean, unit
variance) makes it close to 1 (round contours).

Every learning rate of a grid is run at once: the columns of ``W [features, n_lr]`` are
independent models, and ``sum_k L(W[:, k])`` gives each column its own gradient in one backward.
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.viz.plots import PALETTE, contour, figure

from .registry import Experiment
from .result import Result

TOL = 1e-3  # converged: ||w - w*|| <= TOL ||w*||


def descend(X: np.ndarray, y: np.ndarray, lrs: np.ndarray, w_star: np.ndarray,
            max_steps: int) -> dict[str, np.ndarray]:
    """Gradient descent from w = 0 with every learning rate of ``lrs`` at once.

    Runs until the first learning rate converges (no other can then need fewer steps) or
    ``max_steps``. Returns each rate's steps to converge (-1: not converged), whether it
    stayed stable, and the path of every rate.
    """
    Xt, yt = cr.tensor(X), cr.tensor(y[:, None])
    W = cr.zeros(X.shape[1], len(lrs), dtype=cr.float64, requires_grad=True)
    eta = cr.tensor(lrs[None, :])
    start = float(np.mean(y**2))
    steps = np.full(len(lrs), -1)
    diverged = np.zeros(len(lrs), dtype=bool)
    path = [W.detach().numpy().copy()]
    losses = []
    for t in range(1, max_steps + 1):
        per_lr = ((Xt @ W - yt) ** 2).mean(dim=0)  # L(W[:, k]) for every k     [n_lr]
        losses.append(per_lr.detach().numpy().copy())
        per_lr.sum().backward()  # column k gets dL(W[:, k]) / dW[:, k]
        with cr.no_grad():
            W -= eta * W.grad  # theta = theta - eta grad J(theta), per column
        W.grad = None
        w = W.detach().numpy()
        bad = ~np.isfinite(w).all(axis=0) | (np.abs(w).max(axis=0) > 1e6)
        if bad.any():  # freeze diverged rates before they overflow
            diverged |= bad
            W._data[:, bad] = 0.0
            eta._data[:, bad] = 0.0
        path.append(w.copy())
        err = np.linalg.norm(w - w_star[:, None], axis=0) / np.linalg.norm(w_star)
        done = (err <= TOL) & ~diverged
        if done.any():
            steps[done] = t
            break
    final = np.array(losses[-1])
    stable = ~diverged & (final <= start)
    return {"steps": steps, "stable": stable, "path": np.array(path), "loss": np.array(losses)}


def _run(res: Result, fast: bool) -> None:
    g = cr.random.rng()
    n = 256
    scales = np.array([1.0, 30.0])  # feature 2 spans a range 30 times wider
    X = g.standard_normal((n, 2)) * scales
    y = X @ np.array([2.0, 0.1]) + 0.5 * g.standard_normal(n)
    y = y - y.mean()
    from sklearn.preprocessing import StandardScaler

    problems = {"unscaled": X, "standardised": StandardScaler().fit_transform(X)}
    lrs = np.geomspace(1e-5, 2.0, 24 if fast else 40)
    max_steps = 20000

    rows, out = [], {}
    for label, Xp in problems.items():
        w_star = np.linalg.lstsq(Xp, y, rcond=None)[0]
        eig = np.linalg.eigvalsh(2 / n * Xp.T @ Xp)
        run = descend(Xp, y, lrs, w_star, max_steps)
        conv = np.flatnonzero(run["steps"] > 0)
        best = int(conv[0]) if conv.size else int(np.flatnonzero(run["stable"]).max())
        largest_stable = float(lrs[run["stable"]].max())
        out[label] = {"w_star": w_star, "eig": eig, "best": best, "run": run,
                      "steps": int(run["steps"][best])}
        rows.append([label, f"{Xp[:, 0].std():.3g}, {Xp[:, 1].std():.3g}",
                     float(eig.max() / eig.min()), float(lrs[best]),
                     _steps_cell(int(run["steps"][best]), max_steps), largest_stable,
                     float(2 / eig.max())])
        res.numbers[label] = {"condition_number": eig.max() / eig.min(), "best_lr": lrs[best],
                              "steps_to_converge": int(run["steps"][best]),
                              "largest_stable_lr": largest_stable, "theory_max_lr": 2 / eig.max()}
    res.table(f"Gradient descent from w = 0 to ||w - w*|| <= {TOL:g} ||w*||, with the best of "
              f"{len(lrs)} learning rates in [1e-5, 2] (log-spaced).",
              ["features", "feature stds", "condition number κ", "best lr", "steps to converge",
               "largest stable lr", "2/λ_max (theory)"], rows)

    fig, axes = figure(1, 3, size=(15, 4.4))
    for ax, (label, Xp), color in zip(axes[:2], problems.items(), PALETTE):
        o = out[label]
        w_star, path = o["w_star"], o["run"]["path"][:, :, o["best"]]
        H = 2 / n * Xp.T @ Xp
        span = max(np.abs(w_star).max(), 0.5) * 1.3

        def loss(a, b, H=H, w_star=w_star):
            d0, d1 = a - w_star[0], b - w_star[1]
            return 0.5 * (H[0, 0] * d0**2 + 2 * H[0, 1] * d0 * d1 + H[1, 1] * d1**2)

        contour(ax, loss, (w_star[0] - span, w_star[0] + span),
                (w_star[1] - span, w_star[1] + span), levels=20, log=True)
        ax.plot(path[:, 0], path[:, 1], "-", color=color, lw=0.8, alpha=0.8,
                label=f"GD, lr = {lrs[o['best']]:.2g}: {o['steps']} steps")
        ax.plot(*w_star, "*", color="black", ms=12, label="w* (least squares)")
        ax.set_aspect("equal")
        ax.set_xlabel("$w_1$")
        ax.set_ylabel("$w_2$")
        ax.set_title(f"{label}: κ = {o['eig'].max() / o['eig'].min():.0f}", fontsize=11)
        ax.legend(fontsize=8, loc="lower right")
    for (label, o), color in zip(out.items(), PALETTE):
        curve = o["run"]["loss"][:, o["best"]] - np.mean((problems[label] @ o["w_star"] - y) ** 2)
        axes[2].semilogy(np.arange(1, len(curve) + 1), np.maximum(curve, 1e-16), color=color,
                         lw=2, label=f"{label} (lr {lrs[o['best']]:.2g})")
    axes[2].set_xscale("log")
    axes[2].set_xlabel("step")
    axes[2].set_ylabel("L(w) - L(w*)")
    axes[2].set_title("excess loss at each one's best lr", fontsize=11)
    axes[2].legend(fontsize=9)
    res.figure(fig, "contours", "Loss contours in weight space with the gradient-descent path at "
               "the best stable learning rate. Unscaled features: long, narrow ellipses; GD must "
               "use a learning rate small enough for the steep direction and then creeps along "
               "the flat one. Standardised: nearly round contours, straight to the minimum.")

    u, s = out["unscaled"], out["standardised"]
    k_u = u["eig"].max() / u["eig"].min()
    k_s = s["eig"].max() / s["eig"].min()
    res.check("Unscaled features give elongated contours, standardised ones nearly round",
              k_u > 100 and k_s < 2, f"condition number κ = {k_u:.0f} unscaled, {k_s:.3f} "
              f"standardised (axes ratio √κ = {np.sqrt(k_u):.0f} vs {np.sqrt(k_s):.2f})")
    res.check("At each one's best stable learning rate, standardised features converge in at "
              "least 10 times fewer steps", s["steps"] > 0 and (u["steps"] < 0 or
                                                               u["steps"] >= 10 * s["steps"]),
              f"{_steps_cell(u['steps'], max_steps)} steps unscaled vs "
              f"{_steps_cell(s['steps'], max_steps)} standardised")
    ratio = res.numbers["unscaled"]["largest_stable_lr"] / res.numbers["unscaled"]["theory_max_lr"]
    step = lrs[1] / lrs[0]
    res.check("The largest stable learning rate is set by the steepest direction, 2/λ_max",
              1 / step <= ratio <= step, f"largest stable lr on the grid / (2/λ_max) = {ratio:.2f} "
              f"(grid spacing ×{step:.2f})")


def _steps_cell(steps: int, max_steps: int) -> int | str:
    """A step count, or what -1 means in words."""
    return steps if steps > 0 else f"over {max_steps}"


EXPERIMENT = Experiment(
    name="feature-scaling",
    title="Optimisation: feature scaling",
    slide="Optimisation: 2. Feature scaling?",
    claim="Gradient descent on features of very different scales crawls: the loss surface is a long, "
          "narrow valley, so the learning rate the steep direction allows is tiny for the flat one. "
          "Scaling the features makes the contours round and GD converges in a few steps.",
    formulas=(r"\theta = \theta - \eta \cdot \nabla_{\theta} J(\theta)",
              r"J(w) = \dfrac{1}{n}\,\|Xw - y\|^2,\quad H = \dfrac{2}{n} X^T X,\quad "
              r"\kappa = \dfrac{\lambda_{max}}{\lambda_{min}}",
              r"\eta < \dfrac{2}{\lambda_{max}},\qquad \mathrm{steps} \sim \kappa",
              r"x' = \dfrac{x - \mu}{\sigma}"),
    method="Linear regression without bias on two centred features with standard deviations 1 "
           "and 30, and on the same features standardised with scikit-learn's StandardScaler. "
           "Gradient descent (gradients from chainrule's engine) is run from w = 0 with a grid of "
           "learning rates at once; each problem's best rate is the one that first reaches the "
           "least-squares solution.",
    run=_run,
)
