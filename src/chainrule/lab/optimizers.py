"""GD optimisation algorithms: momentum, Nesterov and the adaptive-learning-rate family.

The slide's claim: adaptive methods give each parameter its own learning rate, smaller for
parameters tied to frequently occurring features and larger for rare ones. Each keeps a running
statistic of the parameter's past gradients and divides the step by it:

    AdaGrad   eta / sqrt(sum g^2)             RMSprop  eta / sqrt(EMA(g^2))
    Adam      eta / sqrt(EMA(g^2)) (debiased) AdaMax   eta / max(beta2 u, |g|)
    Adadelta  sqrt(EMA(dtheta^2)) / sqrt(EMA(g^2))

A rare feature's parameter sees few nonzero gradients, so its statistic stays small and its
effective learning rate large. That is measured directly from the optimisers' state on sparse
data; the nine optimisers are then raced on 2-D test surfaces (Rosenbrock, Beale, a saddle) and
on MNIST-1D.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import DataLoader, TensorDataset
from chainrule.viz.plots import PALETTE, contour, figure

from .registry import Experiment
from .result import Result
from .surfaces import BEALE, ROSENBROCK, SADDLE, optimize
from .training import PAPER_MNIST1D, PAPER_STEPS, mlp, mnist1d_train

MAKERS: dict[str, Callable[..., optim.Optimizer]] = {
    "SGD": lambda p, lr: optim.SGD(p, lr=lr),
    "Momentum": lambda p, lr: optim.SGD(p, lr=lr, momentum=0.9),
    "Nesterov": lambda p, lr: optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "AdaGrad": lambda p, lr: optim.Adagrad(p, lr=lr),
    "Adadelta": lambda p, lr: optim.Adadelta(p, lr=lr),
    "RMSprop": lambda p, lr: optim.RMSprop(p, lr=lr),
    "AdaMax": lambda p, lr: optim.Adamax(p, lr=lr),
    "Adam": lambda p, lr: optim.Adam(p, lr=lr),
    "NAdam": lambda p, lr: optim.NAdam(p, lr=lr),
}
ADAPTIVE = ("AdaGrad", "Adadelta", "RMSprop", "AdaMax", "Adam", "NAdam")
# learning rates per surface, tuned by hand on a small grid; on the saddle all share 0.01
# (Adadelta's lr scales a ratio of running averages, not a step size, so it keeps 1)
SURFACE_LR = {
    "Rosenbrock": {"SGD": 2e-3, "Momentum": 1e-3, "Nesterov": 1e-3, "AdaGrad": 1.0, "Adadelta": 1.0,
                   "RMSprop": 0.03, "AdaMax": 0.3, "Adam": 0.1, "NAdam": 0.1},
    "Beale": {"SGD": 2e-3, "Momentum": 1e-3, "Nesterov": 1e-3, "AdaGrad": 1.0, "Adadelta": 1.0,
              "RMSprop": 0.03, "AdaMax": 0.3, "Adam": 0.1, "NAdam": 0.1},
    "saddle": {**{k: 0.01 for k in MAKERS}, "Adadelta": 1.0},
}
# learning rates on MNIST-1D: the usual defaults (the SGD family's by hand)
MNIST1D_LR = {"SGD": 0.1, "Momentum": 0.01, "Nesterov": 0.01, "AdaGrad": 0.05, "Adadelta": 1.0,
              "RMSprop": 1e-3, "AdaMax": 2e-3, "Adam": 1e-3, "NAdam": 2e-3}
SPARSE_LR = {"SGD": 0.1, "Momentum": 0.01, "Nesterov": 0.01, "AdaGrad": 0.1, "Adadelta": 1.0,
             "RMSprop": 0.01, "AdaMax": 0.01, "Adam": 0.01, "NAdam": 0.01}


def effective_lr(name: str, opt: optim.Optimizer, param: cr.Tensor) -> np.ndarray:
    """The per-parameter factor the optimiser's next step multiplies the gradient (or its
    running mean) by, read from its state."""
    group, state = opt.param_groups[0], opt.state[param]
    lr = group["lr"]
    if name in ("SGD", "Momentum", "Nesterov"):
        return np.full(param.shape, lr)
    if name == "AdaGrad":
        return lr / (np.sqrt(state["sum"]._data) + group["eps"])
    if name == "RMSprop":
        return lr / (np.sqrt(state["square_avg"]._data) + group["eps"])
    if name == "Adadelta":
        eps = group["eps"]
        return lr * np.sqrt(state["acc_delta"]._data + eps) / np.sqrt(state["square_avg"]._data + eps)
    b1, b2 = group["betas"]
    t = state["step"]
    if name == "AdaMax":
        return lr / (1 - b1**t) / state["exp_inf"]._data
    v_hat = state["exp_avg_sq"]._data / (1 - b2**t)  # Adam, NAdam
    return lr / (np.sqrt(v_hat) + group["eps"])


def _sparse_features(res: Result, fast: bool) -> tuple[bool, bool]:
    """Logistic regression on a frequent feature (in 90% of samples) and a rare one (5%)."""
    g = cr.random.rng()
    n = 2000
    present = np.stack([g.random(n) < 0.9, g.random(n) < 0.05], axis=1)
    X = present * g.choice([-1.0, 1.0], size=(n, 2))
    w_true = np.array([1.0, 2.0])
    y = (g.random(n) < 1 / (1 + np.exp(-X @ w_true))).astype(np.float64)[:, None]
    rows, ratios, progress = [], {}, {}
    for name, make in MAKERS.items():
        model = nn.Linear(2, 1, bias=False).double()
        nn.init.zeros_(model.weight)
        opt = make(model.parameters(), SPARSE_LR[name])
        loader = DataLoader(TensorDataset(X, y), batch_size=20, shuffle=True,
                            generator=cr.Generator(res.seed))
        for xb, yb in loader:  # one epoch
            loss = nn.BCEWithLogitsLoss()(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        eff = effective_lr(name, opt, model.weight)[0]
        w = model.weight.detach().numpy()[0]
        ratios[name] = float(eff[1] / eff[0])
        progress[name] = float(w[1] / w[0])
        rows.append([name, SPARSE_LR[name], float(eff[0]), float(eff[1]), ratios[name], float(w[0]),
                     float(w[1]), progress[name]])
    res.table("The slide's claim, measured: logistic regression with a frequent feature (present in "
              "90% of 2,000 samples, true weight 1) and a rare one (5%, true weight 2), one epoch in "
              "batches of 20. Effective learning rate = the factor each optimiser's state puts on "
              "that parameter's step.",
              ["optimiser", "lr", "effective lr, frequent", "effective lr, rare", "rare / frequent",
               "w_frequent", "w_rare", "w_rare / w_frequent (true: 2)"], rows)
    res.numbers["sparse_effective_lr_ratio"] = ratios
    res.numbers["sparse_weight_ratio"] = progress
    larger = all(ratios[k] > 2 for k in ADAPTIVE)
    further = all(progress[k] > max(progress["SGD"], progress["Momentum"], progress["Nesterov"])
                  for k in ADAPTIVE)
    return larger, further


def _draw_surfaces(runs: dict[str, dict[str, dict]], steps: int):
    """The three surfaces with one (initially empty) line per optimiser; returns fig, lines."""
    fig, axes = figure(1, 3, size=(15, 4.6))
    lines: dict[tuple[str, str], tuple] = {}
    for ax, surface in zip(axes, (ROSENBROCK, BEALE, SADDLE)):
        contour(ax, surface.f if surface is not SADDLE else (lambda x, y: x * x - y * y + 2),
                surface.xlim, surface.ylim, levels=25, log=True)
        if surface.minimum is not None:
            ax.plot(*surface.minimum, "*", color="black", ms=13, zorder=5)
        ax.plot(*surface.start, "o", color="black", ms=5, zorder=5)
        ax.set_title(f"{surface.name} ({steps} steps)", fontsize=11)
        for (name, run), color in zip(runs[surface.name].items(), PALETTE):
            (line,) = ax.plot([], [], "-", color=color, lw=1.6, label=name, animated=True)
            (head,) = ax.plot([], [], "o", color=color, ms=4, animated=True)
            lines[(surface.name, name)] = (line, head, run["path"])
    axes[0].legend(fontsize=8, loc="lower left", ncol=2)
    return fig, lines


def _surfaces(res: Result, fast: bool) -> bool:
    steps = 200 if fast else 500
    runs: dict[str, dict[str, dict]] = {}
    rows = []
    for surface in (ROSENBROCK, BEALE, SADDLE):
        runs[surface.name] = {}
        for name, make in MAKERS.items():
            lr = SURFACE_LR[surface.name][name]
            with np.errstate(all="ignore"):
                run = optimize(surface, lambda p, make=make, lr=lr: make(p, lr), steps)
            runs[surface.name][name] = run
    escape = {}
    for name, make in MAKERS.items():
        lr = SURFACE_LR["saddle"][name]
        run = optimize(SADDLE, lambda p, make=make, lr=lr: make(p, lr), 1000,
                       stop=lambda f, point: abs(point[1]) > 1)
        escape[name] = len(run["f"]) - 1 if abs(run["path"][-1][1]) > 1 else -1
    for name in MAKERS:
        row = [name]
        for s in (ROSENBROCK, BEALE):
            run = runs[s.name][name]
            dist = float(np.linalg.norm(run["path"][-1] - np.array(s.minimum)))
            row += [SURFACE_LR[s.name][name], "diverged" if run["diverged"] else float(run["f"][-1]),
                    dist]
        row += [SURFACE_LR["saddle"][name], escape[name] if escape[name] >= 0 else "not within 1000"]
        rows.append(row)
    res.table(f"The 2-D surfaces: final f and distance to the minimum after {steps} steps, and on "
              "the saddle x² − y² (from (-1, 0.001)) the steps until |y| > 1 (escaped), "
              "within at most 1000.",
              ["optimiser", "lr", "Rosenbrock f", "distance", "lr", "Beale f", "distance", "lr",
               "saddle: steps to escape"], rows)
    res.numbers["saddle_steps_to_escape"] = escape

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    fig, lines = _draw_surfaces(runs, steps)
    fig.set_dpi(60)  # the animation's frames are small; the still below is saved at full size
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    frames = []
    n_frames = 25 if fast else 45
    for k in np.unique(np.geomspace(1, steps, n_frames).astype(int)):
        canvas.restore_region(background)
        for line, head, path in lines.values():
            shown = path[: k + 1]
            line.set_data(shown[:, 0], shown[:, 1])
            head.set_data(shown[-1:, 0], shown[-1:, 1])
            line.axes.draw_artist(line)
            head.axes.draw_artist(head)
        rgb = np.asarray(canvas.buffer_rgba())[..., :3]
        frames.append(Image.fromarray(rgb.copy()).quantize(colors=64,
                                                           method=Image.Quantize.FASTOCTREE))
    frames += [frames[-1]] * 8  # rest on the final picture
    res.animation(frames, "race", "Animation: the nine optimisers on Rosenbrock (minimum at "
                  "(1, 1)), Beale (minimum at (3, 0.5)) and the saddle x² − y², from the black "
                  "dot (steps on a log scale).", ms_per_frame=150)
    for line, head, _ in lines.values():
        line.set_animated(False)
        head.set_animated(False)
    res.figure(fig, "surfaces", "The trajectories after the last step. On the saddle, plain SGD "
               "lingers where the gradient vanishes; methods that divide by a running average of "
               "the gradient's size take full-sized steps there and leave.")
    normalised = ("RMSprop", "AdaMax", "Adam", "NAdam")
    return all(0 < escape[k] < escape["SGD"] for k in normalised)


def _mnist1d(res: Result, fast: bool) -> tuple[bool, str]:
    steps = 400 if fast else PAPER_STEPS // 2
    runs = {name: mnist1d_train(mlp([40, 100, 100, 10]), lambda p, make=make, name=name:
                                make(p, MNIST1D_LR[name]), steps, seed=res.seed)
            for name, make in MAKERS.items()}
    fig, axes = figure(1, 2, size=(14, 4.2))
    for (name, r), color in zip(runs.items(), PALETTE):
        x = np.arange(1, r["epochs"] + 1) * 40
        axes[0].semilogy(x, r["loss"], color=color, lw=1.8, label=name)
        axes[1].plot(x, r["test_accuracy"], color=color, lw=1.8, label=name)
    for label, acc in PAPER_MNIST1D.items():
        axes[1].axhline(acc, color="gray", ls="--", lw=1)
        axes[1].text(x[-1], acc + 0.01, f"paper, {label}: {acc:.0%}", ha="right", fontsize=8,
                     color="gray")
    axes[0].set_ylabel("training loss")
    axes[1].set_ylabel("test accuracy")
    for ax in axes:
        ax.set_xlabel("step (batch 100)")
    axes[0].legend(fontsize=8, ncol=3)
    res.figure(fig, "mnist1d", f"The lab's MNIST-1D MLP (40-100-100-10, ReLU; `chainrule train` "
               f"uses the paper repository's 40-256-256-10) trained with each optimiser for {steps} "
               "steps from the same initial weights; dashed: the paper's logistic regression and "
               "MLP.")
    rows = [[name, MNIST1D_LR[name], float(r["loss"][-1]), r["final_test_accuracy"],
             float(r["test_accuracy"].max())] for name, r in runs.items()]
    res.table(f"MNIST-1D after {steps} steps (the paper's MLP: {PAPER_MNIST1D['MLP']:.0%}, "
              f"logistic regression: {PAPER_MNIST1D['logistic regression']:.0%}).",
              ["optimiser", "lr", "final training loss", "final test accuracy", "best test accuracy"],
              rows)
    acc = {name: r["final_test_accuracy"] for name, r in runs.items()}
    res.numbers["mnist1d_test_accuracy"] = acc
    res.numbers["mnist1d_steps"] = steps
    above_lr = all(a > PAPER_MNIST1D["logistic regression"] for a in acc.values())
    best = max(acc, key=acc.get)
    if fast:
        best_adaptive = max(ADAPTIVE, key=acc.get)
        ok = above_lr and acc[best_adaptive] >= acc["SGD"] + 0.05
        detail = (f"after {steps} steps: lowest {min(acc.values()):.1%} ({min(acc, key=acc.get)}); "
                  f"best adaptive {best_adaptive} {acc[best_adaptive]:.1%} vs SGD {acc['SGD']:.1%}")
    else:
        ok = above_lr and acc[best] >= PAPER_MNIST1D["MLP"] - 0.05
        detail = (f"after {steps} steps: best {best} {acc[best]:.1%} (paper's MLP 68%); lowest "
                  f"{min(acc.values()):.1%} ({min(acc, key=acc.get)})")
    return ok, detail


def _run(res: Result, fast: bool) -> None:
    larger, further = _sparse_features(res, fast)
    ratios = res.numbers["sparse_effective_lr_ratio"]
    res.check("Adaptive methods give the parameter of a rare feature a larger learning rate than "
              "that of a frequent one (over twice as large, for all six)", larger,
              ", ".join(f"{k} ×{ratios[k]:.1f}" for k in ADAPTIVE))
    prog = res.numbers["sparse_weight_ratio"]
    res.check("... so after one epoch every adaptive method has learned the rare feature's weight "
              "further, relative to the frequent one's, than SGD, momentum and Nesterov", further,
              "w_rare / w_frequent: " + ", ".join(f"{k} {v:.2f}" for k, v in prog.items()))
    ok = _surfaces(res, fast)
    esc = res.numbers["saddle_steps_to_escape"]
    res.check("On the saddle, the methods that normalise the step by the gradient's running size "
              "(RMSprop, AdaMax, Adam, NAdam) escape in fewer steps than SGD at the same learning "
              "rate", ok, ", ".join(f"{k} {v}" for k, v in esc.items()))
    ok, detail = _mnist1d(res, fast)
    if fast:
        what = ("MNIST-1D, short budget: every optimiser trains the MLP past logistic regression's "
                "32%, and the best adaptive method beats plain SGD by at least 5 points")
    else:
        what = ("MNIST-1D: every optimiser trains the MLP past logistic regression's 32%, and the "
                "best comes within 5 points of the paper's 68%")
    res.check(what, ok, detail)


EXPERIMENT = Experiment(
    name="optimizers",
    title="GD optimisation algorithms",
    slide="GD optimization algorithms: AdaGrad, Adadelta, RMSprop, AdaMax, Adam, etc.",
    claim="Adaptive learning rate: smaller updates (low learning rates) for parameters associated "
          "with frequently occurring features, and larger updates (high learning rates) for "
          "parameters associated with infrequent features.",
    formulas=(r"\mathrm{AdaGrad:}\ \ \theta_i \leftarrow \theta_i - \dfrac{\eta}{\sqrt{\sum_t g_{t,i}^2}"
              r" + \epsilon}\, g_{t,i}",
              r"\mathrm{RMSprop:}\ \ v_t = \alpha v_{t-1} + (1-\alpha)\, g_t^2,\quad \theta \leftarrow "
              r"\theta - \dfrac{\eta}{\sqrt{v_t} + \epsilon}\, g_t",
              r"\mathrm{Adam:}\ \ m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\ \ v_t = \beta_2 v_{t-1} + "
              r"(1-\beta_2) g_t^2,\ \ \theta \leftarrow \theta - \dfrac{\eta\, \hat{m}_t}{\sqrt{\hat{v}_t}"
              r" + \epsilon}",
              r"\mathrm{AdaMax:}\ \ u_t = \max(\beta_2 u_{t-1}, |g_t|),\qquad \mathrm{Adadelta:}\ \ "
              r"\Delta\theta_t = -\dfrac{\sqrt{E[\Delta\theta^2]_{t-1} + \epsilon}}{\sqrt{E[g^2]_t + "
              r"\epsilon}}\, g_t",
              ROSENBROCK.tex, BEALE.tex, SADDLE.tex),
    method="All nine optimisers come from chainrule.optim. (1) Sparse logistic regression: the "
           "effective per-parameter learning rate is read from each optimiser's state. (2) "
           "Rosenbrock, Beale and a saddle, gradients from the engine, learning rates tuned per "
           "surface. (3) The MNIST-1D MLP with each optimiser at its usual learning rate (--fast: "
           "400 steps; full: 3,000).",
    run=_run,
)
