"""(Batch) gradient descent, SGD and mini-batch gradient descent on the same data and budget.

All three are the update ``theta = theta - eta grad J(theta)``; they differ in how many samples
``J`` averages per step: all ``n`` (one update per epoch, the exact gradient), one (``n`` noisy
updates per epoch) or a mini-batch of ``B`` (``n / B`` updates with ``B`` times less variance than
SGD). In chainrule that is only the ``DataLoader``'s ``batch_size``: ``len(dataset)``, ``1`` or
``B``.

Measured on linear regression ``y = w x + b`` (two parameters, so the paths can be drawn): the
loss on the whole training set after every update, against epochs, updates and seconds.
"""

from __future__ import annotations

import time

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import DataLoader, TensorDataset
from chainrule.viz.plots import PALETTE, contour, figure

from .registry import Experiment
from .result import Result

LR = 0.05
NEAR = 0.1  # "near the optimum": excess loss at most 0.1 (the optimum's own loss is about 0.25)
START = (-1.0, 2.0)  # (w, b) at the start, far from the fit


def _train(X: np.ndarray, Y: np.ndarray, batch_size: int | None, epochs: int,
           seed: int) -> dict[str, np.ndarray]:
    model = nn.Linear(1, 1).double()
    with cr.no_grad():
        model.weight.fill_(START[0])
        model.bias.fill_(START[1])
    loader = DataLoader(TensorDataset(X, Y), batch_size=batch_size, shuffle=True,
                        generator=cr.Generator(seed))
    opt = optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.MSELoss()
    Xt, Yt = cr.tensor(X), cr.tensor(Y)

    def full_loss() -> float:
        with cr.no_grad():
            return loss_fn(model(Xt), Yt).item()

    losses, path, clock, seconds = [full_loss()], [START], [0.0], 0.0
    epoch_ends = []
    for _ in range(epochs):
        for xb, yb in loader:
            start = time.perf_counter()
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            seconds += time.perf_counter() - start  # the training step only, not the logging
            losses.append(full_loss())
            path.append((model.weight.item(), model.bias.item()))
            clock.append(seconds)
        epoch_ends.append(len(losses) - 1)
    return {"loss": np.array(losses), "path": np.array(path), "seconds": np.array(clock),
            "epoch_ends": np.array(epoch_ends)}


def _run(res: Result, fast: bool) -> None:
    g = cr.random.rng()
    n, epochs, batch = (128, 10, 16) if fast else (256, 30, 16)
    x = g.uniform(-2, 2, size=(n, 1))
    Y = 2 * x - 1 + 0.5 * g.standard_normal((n, 1))
    X = x
    A = np.hstack([X, np.ones((n, 1))])
    theta_star = np.linalg.lstsq(A, Y[:, 0], rcond=None)[0]
    best = float(np.mean((A @ theta_star - Y[:, 0]) ** 2))

    methods = {"batch GD (all samples)": n, "SGD (batch 1)": 1, f"mini-batch GD (batch {batch})": batch}
    runs = {name: _train(X, Y, bs, epochs, seed=res.seed) for name, bs in methods.items()}

    fig, axes = figure(1, 3, size=(16, 4))
    rows = {}
    for (name, r), color in zip(runs.items(), PALETTE):
        excess = np.maximum(r["loss"] - best, 1e-12)
        ends = np.concatenate([[0], r["epoch_ends"]])
        axes[0].semilogy(np.arange(epochs + 1), excess[ends], "o-", color=color, lw=2, ms=3,
                         label=name)
        # batch GD has one update per epoch: a few points among SGD's thousands, so it is drawn
        # with markers, on top
        few = len(excess) <= 4 * (epochs + 1)
        style = {"color": color, "lw": 2 if few else 1.0, "marker": "o" if few else None, "ms": 4,
                 "zorder": 3 if few else 2, "label": name}
        axes[1].loglog(np.arange(1, len(excess)), excess[1:], **style)
        axes[2].semilogy(r["seconds"] * 1000, excess, **style)
        steps = np.diff(r["path"], axis=0)
        length = float(np.linalg.norm(steps, axis=1).sum())
        net = float(np.linalg.norm(r["path"][-1] - r["path"][0]))
        up = float(np.mean(np.diff(r["loss"]) > 0))
        last = excess[r["epoch_ends"][-2] + 1:]  # the last epoch's updates
        below = np.flatnonzero(excess[r["epoch_ends"]] <= NEAR)
        rows[name] = {"updates": len(r["loss"]) - 1, "final_excess_loss": float(excess[-1]),
                      "epochs_to_near_optimum": int(below[0]) + 1 if below.size else -1,
                      "last_epoch_mean_excess": float(last.mean()),
                      "share_of_updates_raising_loss": up, "path_length_over_distance": length / net,
                      "train_seconds": float(r["seconds"][-1]),
                      "ms_per_epoch": 1000 * float(r["seconds"][-1]) / epochs}
    axes[0].set_xlabel("epoch")
    axes[1].set_xlabel("update")
    axes[2].set_xlabel("training time (ms)")
    for ax in axes:
        ax.set_ylabel("loss − least-squares loss")
    for ax in axes:
        ax.legend(fontsize=10)
    res.figure(fig, "curves", f"Excess loss on all {n} samples (over the least-squares optimum), "
               f"learning rate {LR} for all, {epochs} epochs: per epoch (left), per update (middle, "
               "log-log) and per second of training (right, this machine).")

    fig, axes = figure(1, 3, size=(16, 4.2), sharex=True, sharey=True)
    H = A.T @ A / n

    def loss_surface(w, b):
        dw, db = w - theta_star[0], b - theta_star[1]
        return H[0, 0] * dw**2 + 2 * H[0, 1] * dw * db + H[1, 1] * db**2

    for ax, (name, r), color in zip(axes, runs.items(), PALETTE):
        contour(ax, loss_surface, (-1.5, 3.0), (-2.0, 2.5), levels=15, log=True)
        ax.plot(*r["path"].T, "-", color=color, lw=0.8, alpha=0.9)
        ax.plot(*theta_star, "*", color="black", ms=12)
        ax.set_title(f"{name}: {rows[name]['updates']} updates", fontsize=11)
        ax.set_xlabel("w")
    axes[0].set_ylabel("b")
    res.figure(fig, "paths", "The paths of (w, b) on the loss contours, same start and epochs: "
               "batch GD walks straight but takes one step per epoch; SGD takes n steps per epoch "
               "along a noisy path and keeps jittering around the optimum; mini-batches average "
               "the noise away.")

    res.table(f"Same data, learning rate and epochs. Epochs to near the optimum: the first epoch "
              f"that ends with an excess loss of at most {NEAR}.",
              ["method", "updates", "epochs to near the optimum", "final excess loss",
               "mean excess loss, last epoch", "updates that raised the loss",
               "path length / distance", "ms per epoch"],
              [[name, v["updates"], v["epochs_to_near_optimum"] if v["epochs_to_near_optimum"] > 0
                else f"not within {epochs}", v["final_excess_loss"],
                v["last_epoch_mean_excess"], v["share_of_updates_raising_loss"],
                v["path_length_over_distance"], v["ms_per_epoch"]] for name, v in rows.items()])
    res.numbers.update({name: {k: v for k, v in d.items() if k not in ("train_seconds", "ms_per_epoch")}
                        for name, d in rows.items()})
    res.timings.update({name: d["train_seconds"] for name, d in rows.items()})

    gd, sgd, mb = rows.values()

    def epochs_to(v):  # never is later than any epoch
        return v["epochs_to_near_optimum"] if v["epochs_to_near_optimum"] > 0 else np.inf

    def within(v):
        n = v["epochs_to_near_optimum"]
        return n if n > 0 else f"not within {epochs}"

    res.check(f"Per epoch: SGD and mini-batch GD, which update many times per epoch, get near the "
              f"optimum (excess loss <= {NEAR}) in fewer epochs than batch GD",
              epochs_to(sgd) < epochs_to(gd) and epochs_to(mb) < epochs_to(gd),
              f"epochs to near the optimum: batch GD {within(gd)}, SGD {within(sgd)}, "
              f"mini-batch {within(mb)}")
    res.check("SGD's path is noisy: over a quarter of its updates raise the full loss and it "
              "wanders far more than it advances (over twice the mini-batch path's detour); batch "
              "GD never raises the loss",
              gd["share_of_updates_raising_loss"] == 0
              and sgd["share_of_updates_raising_loss"] > 0.25
              and sgd["path_length_over_distance"] > 2 * mb["path_length_over_distance"]
              and mb["path_length_over_distance"] > gd["path_length_over_distance"],
              f"updates raising the loss: GD {gd['share_of_updates_raising_loss']:.0%}, SGD "
              f"{sgd['share_of_updates_raising_loss']:.0%}, mini-batch "
              f"{mb['share_of_updates_raising_loss']:.0%}; path length / distance: GD "
              f"{gd['path_length_over_distance']:.2f}, SGD {sgd['path_length_over_distance']:.1f}, "
              f"mini-batch {mb['path_length_over_distance']:.1f}")
    res.check("Per second: a mini-batch epoch costs much less time than an SGD epoch (fewer, "
              "vectorised updates), and mini-batches end closer to the optimum than SGD",
              mb["ms_per_epoch"] < 0.5 * sgd["ms_per_epoch"]
              and mb["last_epoch_mean_excess"] < sgd["last_epoch_mean_excess"],
              f"ms per epoch: SGD {sgd['ms_per_epoch']:.1f}, mini-batch {mb['ms_per_epoch']:.1f}, "
              f"GD {gd['ms_per_epoch']:.2f}; mean excess loss in the last epoch: SGD "
              f"{sgd['last_epoch_mean_excess']:.1e}, mini-batch {mb['last_epoch_mean_excess']:.1e}")


EXPERIMENT = Experiment(
    name="gd-sgd-minibatch",
    title="Gradient descent: batch, stochastic, mini-batch",
    slide="Optimisation: gradient descent; 1. (Batch) GD 2. SGD 3. Mini-Batch GD",
    claim="Batch GD takes exact but expensive steps (one per epoch); SGD takes one cheap, noisy step "
          "per sample (fast progress per epoch, a noisy path); mini-batch GD sits in between: "
          "many steps per epoch, less noise, vectorised and so fast per second.",
    formulas=(r"\theta = \theta - \eta \cdot \nabla_{\theta} J(\theta)",
              r"J_B(\theta) = \dfrac{1}{|B|} \sum_{i \in B} \ell_i(\theta),\qquad |B| = n,\ 1,"
              r"\ \mathrm{or}\ 16"),
    method="Linear regression y = w x + b on noisy data, trained with chainrule.optim.SGD (lr "
           "0.05) from the same start for the same number of epochs, with a DataLoader of batch "
           "size None (all samples), 1 and 16, shuffled by a seeded generator. After every update "
           "the loss on the whole training set is measured (outside the timed training step).",
    run=_run,
)
