"""Initialisation: symmetry, and keeping the signal's scale through depth.

1. All-equal weights (zeros, or any constant) make every hidden unit of a layer compute the same
   function and receive the same gradient, so they stay identical forever: the layer acts like
   a single unit. With zeros the gradient of the hidden weights is even exactly zero.
2. A layer ``y = x W`` with ``fan_in`` inputs multiplies the variance by ``fan_in Var(W)`` (times
   the activation's effect), forward for activations and backward for gradients. Through ten
   layers, ``std = 0.01`` makes both vanish and ``std = 1`` makes them explode (ReLU) or saturate
   (tanh); Xavier ``Var(W) = gain^2 2/(fan_in + fan_out)`` for tanh and He ``Var(W) = 2/fan_in``
   for ReLU keep them steady.
3. The training curves of those ten-layer nets follow.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import datasets
from chainrule.viz.plots import PALETTE, figure

from .registry import Experiment
from .result import Result
from .training import accuracy, full_batch, mlp

DEPTH = 10
INITS: dict[str, dict[str, Callable]] = {
    "tanh": {
        "normal std 0.01 (too small)": lambda w: nn.init.normal_(w, 0.0, 0.01),
        "normal std 1 (too large)": lambda w: nn.init.normal_(w, 0.0, 1.0),
        "Xavier (gain 5/3)": lambda w: nn.init.xavier_normal_(w, gain=nn.init.calculate_gain("tanh")),
    },
    "ReLU": {
        "normal std 0.01 (too small)": lambda w: nn.init.normal_(w, 0.0, 0.01),
        "normal std 1 (too large)": lambda w: nn.init.normal_(w, 0.0, 1.0),
        "He (Kaiming, fan_in)": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
    },
}
ACTIVATIONS = {"tanh": nn.Tanh, "ReLU": nn.ReLU}


def initialise(model: nn.Module, init: Callable) -> nn.Module:
    """``init`` every Linear weight; zero every bias."""
    for layer in model.modules():
        if isinstance(layer, nn.Linear):
            init(layer.weight)
            nn.init.zeros_(layer.bias)
    return model


def layer_statistics(model: nn.Sequential, X: cr.Tensor, R: cr.Tensor) -> tuple[list, list, float]:
    """Per hidden layer: std of the activations, std of dLoss/d(activation) for
    ``Loss = sum(output * R)``, and the fraction of saturated units (|h| > 0.99) in the last."""
    hidden, h = [], X
    for layer in model:
        h = layer(h)
        if not isinstance(layer, nn.Linear):
            h.retain_grad()
            hidden.append(h)
    (h * R).sum().backward()
    acts = [float(t._data.std()) for t in hidden]
    grads = [float(t.grad._data.std()) for t in hidden]
    return acts, grads, float((np.abs(hidden[-1]._data) > 0.99).mean())


def _symmetry(res: Result, fast: bool, data) -> tuple[bool, bool]:
    xtr, ytr, xte, yte = data
    steps = 150 if fast else 400
    inits = {"zeros": nn.init.zeros_, "constant 0.3": lambda w: nn.init.constant_(w, 0.3),
             "Xavier": lambda w: nn.init.xavier_normal_(w, gain=nn.init.calculate_gain("tanh"))}
    fig, axes = figure(1, 4, size=(15, 3.6), gridspec_kw={"width_ratios": [1, 1, 1, 2.2]})
    rows, spreads, curves = [], {}, {}
    for ax, (name, init), color in zip(axes[:3], inits.items(), PALETTE):
        model = initialise(mlp([2, 16, 16, 2], nn.Tanh), init)
        curves[name] = full_batch(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
                                  xtr, ytr, steps)
        hidden = [layer for layer in model if isinstance(layer, nn.Linear)][:-1]
        # unit j's incoming weights are row j of weight [out, in]: identical rows = identical units
        spread = max(float(np.abs(lay.weight._data - lay.weight._data[:1]).max()) for lay in hidden)
        moved = max(float(np.abs(lay.weight._data).max()) for lay in hidden)
        spreads[name] = spread
        W1 = hidden[0].weight._data
        ax.imshow(W1, cmap="RdBu_r", vmin=-3, vmax=3, aspect="auto")
        ax.set_title(f"{name}: first layer\nafter training", fontsize=10)
        ax.set_xlabel("input")
        ax.set_ylabel("hidden unit")
        ax.grid(False)
        rows.append([name, spread, moved, float(curves[name][-1]), accuracy(model, xte, yte)])
        axes[3].plot(curves[name], color=color, lw=2, label=name)
    axes[3].set_xlabel("step (full batch, SGD lr 0.5)")
    axes[3].set_ylabel("training loss")
    axes[3].legend(fontsize=9)
    res.figure(fig, "symmetry", "Symmetry: a 2-16-16-2 tanh net on the two moons. With all-equal "
               "initial weights every hidden unit's row of weights stays identical (uniform "
               "colour down each column); zeros do not move at all. Random (Xavier) units differ "
               "and the net learns.")
    res.table(f"Symmetry after {steps} steps: the largest difference between two hidden units' "
              "incoming weights, the largest hidden weight, final loss and test accuracy.",
              ["initialisation", "max |w_j - w_1| (hidden)", "max |w| (hidden)", "final loss",
               "test accuracy"], rows)
    res.numbers["symmetry_spread"] = spreads
    res.numbers["symmetry_test_accuracy"] = {r[0]: r[4] for r in rows}
    identical = spreads["zeros"] <= 1e-6 and spreads["constant 0.3"] <= 1e-6
    zeros_frozen = rows[0][2] == 0.0
    learns = spreads["Xavier"] > 0.1 and rows[2][4] >= max(rows[0][4], rows[1][4]) + 0.05
    return identical and zeros_frozen, learns


def _depth(res: Result, fast: bool) -> dict[str, dict[str, tuple]]:
    width, batch = (128, 256) if fast else (256, 1024)
    X, R = cr.randn(batch, width), cr.randn(batch, width)
    stats: dict[str, dict[str, tuple]] = {}
    fig, axes = figure(2, 2, size=(12, 7.5), sharex=True)
    layers = np.arange(1, DEPTH + 1)
    rows = []
    for r, (act, inits) in enumerate(INITS.items()):
        stats[act] = {}
        for (name, init), color in zip(inits.items(), PALETTE):
            layers_ = [m for _ in range(DEPTH) for m in (nn.Linear(width, width), ACTIVATIONS[act]())]
            model = initialise(nn.Sequential(*layers_), init)
            with np.errstate(over="ignore", invalid="ignore"):
                acts, grads, sat = layer_statistics(model, X, R)
            stats[act][name] = (acts, grads, sat)
            axes[r, 0].semilogy(layers, acts, "o-", color=color, lw=2, label=name)
            axes[r, 1].semilogy(layers, grads, "o-", color=color, lw=2, label=name)
            rows.append([act, name, acts[0], acts[-1], grads[0], grads[-1], sat])
        axes[r, 0].set_ylabel(f"{act} net: std of activations")
        axes[r, 1].set_ylabel(f"{act} net: std of gradients")
        axes[r, 0].legend(fontsize=8)
    for ax in axes[1]:
        ax.set_xlabel("layer")
    res.figure(fig, "depth", f"Ten {width}-unit layers, {batch} standard-normal inputs: the standard "
               "deviation of each layer's activations (forward) and of the gradient arriving at "
               "them (backward, from a random output gradient). Too small: both vanish "
               "geometrically. Too large: ReLU explodes, tanh saturates and the gradient grows "
               "toward the input. Xavier / He: steady.")
    res.table("Layer 1 and layer 10: std of activations and of their gradients, and the share of "
              "saturated units (|h| > 0.99) in layer 10.",
              ["net", "initialisation", "act std L1", "act std L10", "grad std L1", "grad std L10",
               "saturated L10"], rows)
    res.numbers["depth_stats"] = {act: {name: {"activation_std": s[0], "gradient_std": s[1],
                                               "saturated_last": s[2]} for name, s in d.items()}
                                  for act, d in stats.items()}
    return stats


def _training(res: Result, fast: bool, data) -> dict[str, dict[str, float]]:
    xtr, ytr, _, _ = data
    steps = 150 if fast else 400
    fig, axes = figure(1, 2, size=(12, 3.8))
    finals: dict[str, dict[str, float]] = {}
    for ax, (act, inits) in zip(axes, INITS.items()):
        finals[act] = {}
        for (name, init), color in zip(inits.items(), PALETTE):
            model = initialise(mlp([2] + [32] * DEPTH + [2], ACTIVATIONS[act]), init)
            opt = optim.SGD(model.parameters(), lr=0.1)
            with np.errstate(over="ignore", invalid="ignore"):
                curve = full_batch(model, nn.CrossEntropyLoss(), opt, xtr, ytr, steps)
            finals[act][name] = float(curve[-1])
            label = name if np.isfinite(curve[-1]) else f"{name}: diverged (loss {curve[0]:.2g} → NaN)"
            ax.plot(curve, color=color, lw=2, label=label)
        ax.set_yscale("log")
        ax.set_ylim(0.02, 5)
        ax.set_title(f"{DEPTH}-layer {act} net on the two moons", fontsize=11)
        ax.set_xlabel("step (full batch, SGD lr 0.1)")
        ax.set_ylabel("training loss")
        ax.legend(fontsize=8)
    res.figure(fig, "training", "Training the 10-layer nets (width 32) from each initialisation: "
               "too small stays at log 2 (no signal, no gradient); too large trains badly or "
               "diverges; Xavier / He train.")
    res.table(f"Training loss after {steps} steps.",
              ["net", "normal std 0.01 (too small)", "normal std 1 (too large)",
               "Xavier (tanh) / He (ReLU)"],
              [[act, *(v if np.isfinite(v) else "diverged" for v in d.values())]
               for act, d in finals.items()])
    res.numbers["training_final_loss"] = finals
    return finals


def _run(res: Result, fast: bool) -> None:
    moons = datasets.moons(n_samples=1000, noise=0.2, scale="standard", seed=0)
    data = tuple(cr.tensor(a) for a in moons.arrays())
    identical, learns = _symmetry(res, fast, data)
    sp = res.numbers["symmetry_spread"]
    res.check("Zeros (and any constant) make the hidden units identical forever; with zeros the "
              "hidden weights do not move at all", identical,
              f"max difference between units after training: zeros {sp['zeros']:.1e}, constant "
              f"{sp['constant 0.3']:.1e}")
    acc = res.numbers["symmetry_test_accuracy"]
    res.check("Random (Xavier) initialisation breaks the symmetry and learns the moons", learns,
              f"units differ by up to {sp['Xavier']:.2f}; test accuracy " +
              ", ".join(f"{k} {v:.1%}" for k, v in acc.items()))

    stats = _depth(res, fast)

    def ratio(s, kind):  # layer 10 over layer 1 (activations), layer 1 over layer 10 (gradients)
        a, g, _ = s
        return a[-1] / a[0] if kind == "act" else g[0] / g[-1]

    small = [stats[a]["normal std 0.01 (too small)"] for a in stats]
    res.check("Too small (std 0.01): activations and gradients vanish through the ten layers "
              "(shrink over 1000-fold)",
              all(ratio(s, "act") < 1e-3 and ratio(s, "grad") < 1e-3 for s in small),
              "; ".join(f"{a}: act L10/L1 {ratio(s, 'act'):.1e}, grad L1/L10 {ratio(s, 'grad'):.1e}"
                        for a, s in zip(stats, small)))
    big_t, big_r = stats["tanh"]["normal std 1 (too large)"], stats["ReLU"]["normal std 1 (too large)"]
    res.check("Too large (std 1): ReLU activations explode (over 1000-fold), tanh saturates (most "
              "units at ±1), and in both the gradient explodes toward the input (over 100-fold)",
              ratio(big_r, "act") > 1e3 and big_t[2] > 0.5 and ratio(big_r, "grad") > 1e2
              and ratio(big_t, "grad") > 1e2,
              f"ReLU act L10/L1 {ratio(big_r, 'act'):.1e}; tanh saturated {big_t[2]:.0%}; grad L1/L10 "
              f"ReLU {ratio(big_r, 'grad'):.1e}, tanh {ratio(big_t, 'grad'):.1e}")
    good = [stats["tanh"]["Xavier (gain 5/3)"], stats["ReLU"]["He (Kaiming, fan_in)"]]
    steady = all(0.25 <= ratio(s, k) <= 4 for s in good for k in ("act", "grad"))
    res.check("Xavier for tanh and He for ReLU keep activations and gradients steady (they change "
              "by less than a factor 4 from layer 1 to layer 10)", steady,
              "; ".join(f"{n}: act {ratio(s, 'act'):.2f}, grad {ratio(s, 'grad'):.2f}"
                        for n, s in zip(("Xavier/tanh", "He/ReLU"), good)))

    finals = _training(res, fast, data)
    best_ok = True
    for act, good_name in (("tanh", "Xavier (gain 5/3)"), ("ReLU", "He (Kaiming, fan_in)")):
        others = [v for k, v in finals[act].items() if k != good_name]
        best_ok &= all(not np.isfinite(v) or finals[act][good_name] < v for v in others)
    res.check("Trained from Xavier / He, the 10-layer nets reach a lower loss than from too small "
              "or too large (or diverging) initial weights", best_ok,
              "; ".join(f"{a}: " + ", ".join(f"{k.split(' (')[0]} {v:.3g}" for k, v in d.items())
                        for a, d in finals.items()))


EXPERIMENT = Experiment(
    name="initialization",
    title="Optimisation: initialisation",
    slide="Optimisation: 1. Initialization?",
    claim="How weights start decides whether a net can learn: equal weights never break symmetry; "
          "too small or too large random weights make activations and gradients vanish or explode "
          "through depth; variance-preserving schemes (Xavier for tanh, He for ReLU) keep them "
          "steady.",
    formulas=(r"\mathrm{Var}(y_j) = n_{in}\, \mathrm{Var}(w)\, \mathrm{Var}(x)",
              r"\mathrm{Xavier:}\ \ \mathrm{Var}(w) = \mathrm{gain}^2\,\dfrac{2}{n_{in} + n_{out}}"
              r",\qquad \mathrm{He:}\ \ \mathrm{Var}(w) = \dfrac{2}{n_{in}}",
              r"w_{ij} = c\ \ \forall i,j \ \Rightarrow\ \dfrac{\partial L}{\partial w_{1j}} = "
              r"\dfrac{\partial L}{\partial w_{2j}} = \cdots"),
    method="A small tanh net on the two moons from zeros, a constant and Xavier; ten-layer tanh and "
           "ReLU nets with chainrule.nn.init's normal_, xavier_normal_ and kaiming_normal_, "
           "measuring every layer's activations and (with retain_grad) the gradients reaching "
           "them; then the same deep nets (width 32) trained with SGD.",
    run=_run,
)
