"""Convolution vs fully connected: what a CNN assumes about its input, and what it loses without it.

A convolution shares one small FC layer across positions: it assumes that neighbouring samples
belong together and that a pattern means the same wherever it appears. An MLP assumes nothing
about the order of its inputs: permuting them permutes the rows of its first weight matrix, a
network it can learn just as well. MNIST-1D's paper (Greydanus & Kobak) shuffles every signal's
samples with one fixed random permutation: its CNN falls from 94 % to 56 % test accuracy, its MLP
stays at 68 %. Here both are trained with the paper repository's recipe on the original and on
the permuted signals.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import datasets
from chainrule.viz.plots import PALETTE, figure

from .registry import Experiment
from .result import Result
from .training import PAPER_BATCH, PAPER_LR, PAPER_STEPS, cnn, mlp

# the paper's test accuracies (Greydanus & Kobak, MNIST-1D, table of the shuffled-signal ablation)
PAPER = {("CNN", "original"): 0.94, ("CNN", "permuted"): 0.56,
         ("MLP", "original"): 0.68, ("MLP", "permuted"): 0.68}
FAST_STEPS = 1500


def train(model: nn.Module, arrays: tuple[np.ndarray, ...], steps: int, every: int) -> dict[str, Any]:
    """The recipe: Adam lr 1e-2, batches of 100 in order; test accuracy every ``every`` steps."""
    x, y, x_test, y_test = (cr.from_numpy(a) for a in arrays)
    opt = optim.Adam(model.parameters(), lr=PAPER_LR)
    n, curve = len(arrays[0]), []
    for step in range(1, steps + 1):
        b = ((step - 1) * PAPER_BATCH) % n
        loss = nn.functional.cross_entropy(model(x[b:b + PAPER_BATCH]), y[b:b + PAPER_BATCH])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % every == 0 or step == steps:
            with cr.no_grad():
                acc = float((model(x_test)._data.argmax(1) == y_test._data).mean())
            curve.append((step, acc))
    return {"curve": curve, "final": curve[-1][1]}


def _run(res: Result, fast: bool) -> None:
    steps = FAST_STEPS if fast else PAPER_STEPS
    every = max(steps // 30, 1)
    x, y, x_test, y_test = datasets.mnist1d().arrays()
    perm = cr.random.rng().permutation(x.shape[1])  # one permutation for every signal
    data = {"original": (x, y, x_test, y_test),
            "permuted": (np.ascontiguousarray(x[:, perm]), y, np.ascontiguousarray(x_test[:, perm]), y_test)}
    builders = {"CNN": lambda: cnn((x.shape[1],), 10), "MLP": lambda: mlp([x.shape[1], 100, 100, 10])}
    runs: dict[tuple[str, str], dict[str, Any]] = {}
    for model_name, build in builders.items():
        for kind, arrays in data.items():
            cr.manual_seed(res.seed)  # the same initial weights for the original and the permuted run
            runs[model_name, kind] = train(build(), arrays, steps, every)

    fig, axes = figure(1, 2, size=(12.5, 3.9))
    for ax, model_name in zip(axes, builders):
        for (kind, ls), color in zip((("original", "-"), ("permuted", "--")), PALETTE):
            curve = np.array(runs[model_name, kind]["curve"])
            ax.plot(curve[:, 0], curve[:, 1], color=color, ls=ls, lw=2,
                    label=f"{kind}: {runs[model_name, kind]['final']:.1%}")
            ax.axhline(PAPER[model_name, kind], color=color, ls=":", lw=1,
                       label=f"paper, {kind}: {PAPER[model_name, kind]:.0%}")
        ax.set_title(model_name, fontsize=11)
        ax.set_xlabel("step")
        ax.set_ylabel("test accuracy")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=8, loc="lower right")
    res.figure(fig, "accuracy", f"MNIST-1D test accuracy while training ({steps} steps, Adam lr "
               f"{PAPER_LR}, batch {PAPER_BATCH}), on the original signals (solid) and with one fixed "
               "random permutation of the 40 samples (dashed); dotted: the paper's figures. Left: the "
               "paper repository's CNN; right: an MLP 40-100-100-10.")
    # one signal before and after the permutation: the local structure the convolution relies on
    fig2, ax2 = figure(size=(6.4, 2.8))
    ax2.plot(x[0], color=PALETTE[0], lw=2, label=f"a training signal (digit {int(y[0])})")
    ax2.plot(x[0, perm], color=PALETTE[1], lw=1.5, ls="--", label="the same, permuted")
    ax2.set_xlabel("sample")
    ax2.legend(fontsize=8)
    res.figure(fig2, "signals", "One MNIST-1D signal before and after the permutation: the same "
               "values, no longer next to their neighbours.")
    rows = [[m, k, r["final"], PAPER[m, k]] for (m, k), r in runs.items()]
    res.table(f"Final test accuracy after {steps} steps, against the paper.",
              ["model", "signals", "test accuracy", "paper"], rows)
    finals = {f"{m}, {k}": r["final"] for (m, k), r in runs.items()}
    res.numbers["test_accuracy"] = finals
    res.numbers["steps"] = steps
    res.numbers["permutation"] = perm
    cnn_drop = runs["CNN", "original"]["final"] - runs["CNN", "permuted"]["final"]
    mlp_change = runs["MLP", "permuted"]["final"] - runs["MLP", "original"]["final"]
    res.numbers["cnn_drop"], res.numbers["mlp_change"] = cnn_drop, mlp_change
    res.check("The CNN beats the MLP on the original signals (the paper: 94 % vs 68 %)",
              runs["CNN", "original"]["final"] > runs["MLP", "original"]["final"] + 0.1,
              f"CNN {runs['CNN', 'original']['final']:.1%}, MLP {runs['MLP', 'original']['final']:.1%}")
    res.check("Permuting the samples costs the CNN at least 20 points of test accuracy (the paper: "
              "94 % -> 56 %)", cnn_drop >= 0.2, f"{cnn_drop:+.1%} points lost")
    limit = 0.05 if fast else 0.03
    res.check(f"... and leaves the MLP within {limit:.0%} of its accuracy (the paper: 68 % -> 68 %)",
              abs(mlp_change) <= limit, f"{mlp_change:+.1%}")


EXPERIMENT = Experiment(
    name="conv-vs-fc",
    title="Convolution vs fully connected: the price of a shuffled signal",
    slide="Beyond the lecture: the next step after the FC layer, the convolution",
    claim="A CNN is an FC layer shared across positions: it relies on neighbouring samples "
          "belonging together. One fixed random permutation of every signal's samples brings "
          "MNIST-1D's CNN down towards the MLP, which does not care about the order of its inputs.",
    formulas=(r"y_{p} = W\, x_{p:p+k} + b \quad(\mathrm{one}\ W\ \mathrm{for\ every\ position}\ p)",
              r"(x P)\, W_1 = x\, (P W_1) \quad(\mathrm{an\ MLP\ absorbs\ a\ permutation}\ P)"),
    method="MNIST-1D's 4,000 training and 1,000 test signals, as they are and with one fixed "
           "random permutation of the 40 samples (the same for every signal, drawn from the seeded "
           "generator). Models: the paper repository's CNN (chainrule.lab.training.cnn: three "
           "Conv1d of 25 channels, kernel 5/3/3, stride 2, padding 1, ReLU, Linear(125, 10)) and "
           "an MLP 40-100-100-10; each with the same initial weights on both versions of the "
           f"data. Recipe: Adam lr 0.01, batch 100 in order, {PAPER_STEPS} steps (--fast: "
           f"{FAST_STEPS}).",
    run=_run,
)
