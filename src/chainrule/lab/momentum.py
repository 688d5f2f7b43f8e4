"""Momentum: gradient descent in a ravine, without and with a velocity.

In a ravine (an ill-conditioned quadratic) the learning rate must be small enough for the steep
direction, where plain gradient descent then zigzags, while the flat direction, along the
ravine's floor, shrinks only by ``1 - eta lambda_min`` per step. Momentum accumulates the
consistent part of the gradient (along the floor) and cancels the alternating part (across it):

    v_t = gamma v_{t-1} + eta grad J(theta),    theta = theta - v_t

``chainrule.optim.SGD(momentum=gamma)`` keeps ``b_t = gamma b_{t-1} + grad`` and steps
``theta -= eta b_t``: with ``v_t = eta b_t`` the same iterates, which is checked here too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import chainrule as cr
from chainrule import optim
from chainrule.viz.plots import PALETTE, contour, figure

from .registry import Experiment
from .result import Result
from .surfaces import Surface, optimize, ravine

GAMMA = 0.9
TOL = 1e-6
TOL_TEXT = "1e-6"  # as the captions write it


def steps_to_tolerance(surface: Surface, lr: float, momentum: float, max_steps: int) -> int:
    """Steps until f < TOL (-1: diverged or not within max_steps)."""
    run = optimize(surface, lambda p: optim.SGD(p, lr=lr, momentum=momentum), max_steps,
                   stop=lambda f, _: f < TOL)
    if run["diverged"] or run["f"][-1] >= TOL:
        return -1
    return len(run["f"]) - 1


def best_lr(surface: Surface, lrs: np.ndarray, momentum: float, max_steps: int):
    """The learning rate of the grid that reaches the tolerance in the fewest steps.

    Rates are tried from the largest down, each allowed at most 3 times the steps of the best so
    far (-1, 'not reached' in the table, beyond that: it cannot win), which keeps the search cheap.
    """
    table, best = {}, (None, max_steps)
    for lr in sorted(lrs, reverse=True):
        n = steps_to_tolerance(surface, float(lr), momentum, min(max_steps, 3 * best[1]))
        table[float(lr)] = n
        if 0 < n < best[1]:
            best = (float(lr), n)
    return best, table


def slide_momentum(surface: Surface, lr: float, gamma: float, steps: int) -> np.ndarray:
    """The slide's update written out: v = gamma v + eta grad J(theta); theta = theta - v."""
    theta = np.array(surface.start)
    v = np.zeros(2)
    path = [theta.copy()]
    for _ in range(steps):
        x, y = (cr.tensor(t, dtype=cr.float64, requires_grad=True) for t in theta)
        surface.f(x, y).backward()  # the gradient from the engine
        grad = np.array([x.grad.item(), y.grad.item()])
        v = gamma * v + lr * grad
        theta = theta - v
        path.append(theta.copy())
    return np.array(path)


def _run(res: Result, fast: bool) -> None:
    surface = ravine()
    lrs = np.geomspace(0.02, 0.25, 8) if fast else np.geomspace(0.01, 0.3, 24)
    max_steps = 1500 if fast else 3000
    (lr_gd, n_gd), table_gd = best_lr(surface, lrs, 0.0, max_steps)
    (lr_m, n_m), table_m = best_lr(surface, lrs, GAMMA, max_steps)
    res.numbers.update(sgd={"best_lr": lr_gd, "steps": n_gd}, momentum={"best_lr": lr_m, "steps": n_m},
                       lr_grid=[float(v) for v in lrs])
    def cell(table: dict, lr: float) -> Any:  # words, not codes, where there is no step count
        n = table.get(lr)
        return "not tried" if n is None else n if n > 0 else "not reached"

    rows = [[lr, cell(table_gd, lr), cell(table_m, lr)] for lr in sorted(table_gd)]
    res.table(f"Steps to f < {TOL:g} from {surface.start} for each learning rate of the grid (not "
              "reached: diverged, or stopped at 3 times the best step count so far, where it can no "
              "longer win).",
              ["learning rate", "SGD", f"SGD + momentum {GAMMA}"], rows)
    res.table("Each method at its best learning rate.", ["method", "best lr", "steps to tolerance"],
              [["SGD (no momentum)", lr_gd, n_gd], [f"SGD + momentum {GAMMA}", lr_m, n_m]])

    # the slide's two pictures, 60 steps each: plain SGD at its best rate; momentum at the
    # smallest rate within 25% of its best step count (the calmest path that is about as fast)
    shown = 60
    lr_calm = min(lr for lr, n in table_m.items() if 0 < n <= 1.25 * n_m)
    runs = {name: optimize(surface, lambda p, m=m, lr=lr: optim.SGD(p, lr=lr, momentum=m), shown)
            for name, m, lr in (("SGD without momentum", 0.0, lr_gd),
                                (f"SGD with momentum {GAMMA}", GAMMA, lr_calm))}
    shown_lr = {"SGD without momentum": lr_gd, f"SGD with momentum {GAMMA}": lr_calm}
    fig, axes = figure(1, 3, size=(16, 3.9), gridspec_kw={"width_ratios": [1.3, 1.3, 1]})
    for ax, (name, run), color in zip(axes[:2], runs.items(), PALETTE):
        contour(ax, surface.f, surface.xlim, surface.ylim, levels=18, log=True)
        ax.plot(*run["path"].T, "o-", color=color, ms=3, lw=1.3)
        ax.plot(*surface.minimum, "*", color="black", ms=12)
        ax.set_title(f"{name} (lr {shown_lr[name]:.3g}, {shown} steps)", fontsize=11)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    for (name, run), color in zip(runs.items(), PALETTE):
        short = name.replace("SGD without momentum", "no momentum").replace("SGD with ", "")
        axes[2].semilogy(run["f"], color=color, lw=2, label=f"{short}, lr {shown_lr[name]:.3g}")
    long_gd = optimize(surface, lambda p: optim.SGD(p, lr=lr_gd), n_gd)
    long_m = optimize(surface, lambda p: optim.SGD(p, lr=lr_m, momentum=GAMMA), n_m)
    axes[2].semilogy(long_gd["f"], color=PALETTE[0], lw=1, ls="--", label=f"no momentum, to {TOL_TEXT}")
    axes[2].semilogy(long_m["f"], color=PALETTE[1], lw=1, ls="--",
                     label=f"momentum, lr {lr_m:.3g}, to {TOL_TEXT}")
    axes[2].axhline(TOL, color="gray", lw=1)
    axes[2].set_xlabel("step")
    axes[2].set_ylabel("f")
    axes[2].legend(loc="upper right")
    res.figure(fig, "ravine", "The slide's two pictures on the ravine f(x, y) = "
               "0.5 (0.1 x² + 10 y²): without momentum the steps zigzag across the ravine and "
               "creep along it; with momentum the velocity builds up along the floor. Right: f "
               "per step (solid: the pictures' runs; dashed: each at its best lr, to f < 1e-6).")

    # the slide's formula and PyTorch's form of momentum give the same iterates
    by_slide = slide_momentum(surface, lr_calm, GAMMA, shown)
    gap = float(np.abs(by_slide - runs[f"SGD with momentum {GAMMA}"]["path"]).max())
    res.numbers["slide_vs_optim_max_difference"] = gap

    res.check("Momentum reaches the minimum in fewer steps (each method at its best learning rate "
              "of the same grid)", 0 < n_m < n_gd,
              f"SGD: {n_gd} steps (lr {lr_gd:.3g}); momentum {GAMMA}: {n_m} steps (lr {lr_m:.3g}); "
              f"{n_gd / n_m:.1f}x fewer")
    same_lr = steps_to_tolerance(surface, lr_gd, GAMMA, max_steps)
    res.numbers["momentum_steps_at_sgd_lr"] = same_lr
    res.check("Also at plain SGD's own best learning rate, momentum needs fewer steps",
              0 < same_lr < n_gd, f"at lr {lr_gd:.3g}: {same_lr} steps with momentum vs {n_gd}")
    res.check("The slide's update (v = γv + η∇J, θ = θ − v) and chainrule.optim.SGD(momentum=γ) "
              "give the same trajectory", gap <= 1e-12, f"largest difference over {shown} steps: "
              f"{gap:.1e}")


EXPERIMENT = Experiment(
    name="momentum",
    title="Momentum",
    slide="Momentum (Image 2: SGD without momentum; Image 3: SGD with momentum)",
    claim="In a ravine plain SGD oscillates across the slopes and makes slow progress along the "
          "bottom; momentum accumulates a velocity in the consistent direction and damps the "
          "oscillation, reaching the minimum in fewer steps.",
    formulas=(r"v_t = \gamma\, v_{t-1} + \eta\, \nabla_{\theta} J(\theta)",
              r"\theta = \theta - v_t",
              ravine().tex),
    method="Gradient descent with chainrule.optim.SGD, without and with momentum 0.9, on an "
           "ill-conditioned quadratic (curvatures 0.1 and 10) from (-9, 1.2), gradients from the "
           "engine. For each method the learning rate is chosen from the same log-spaced grid as "
           "the one that first brings f below 1e-6; the slide's form of the update is also run "
           "by hand and compared.",
    run=_run,
)
