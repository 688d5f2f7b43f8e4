"""Linear regression vs a 1-FC-layer net: which is better, and why?

(a) A single FC layer without activation *is* linear regression: ``y = X W + b`` is the same
model class, and gradient descent on the mean squared error converges to the least-squares
solution (``numpy.linalg.lstsq``). Even two stacked FC layers without an activation stay one
linear map (``X W1 W2 + ...``) and reach the same fit.

(b) What makes a net better is the nonlinearity: with one hidden layer and tanh, it fits a
nonlinear 1-D regression and separates the two moons, where the linear model cannot.

(c) On MNIST-1D, logistic regression against an MLP, compared with the paper's 32% and 68%.
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule import nn, optim
from chainrule.data import datasets
from chainrule.viz.plots import PALETTE, decision_boundary, figure

from .registry import Experiment
from .result import Result
from .training import PAPER_LR, PAPER_MNIST1D, PAPER_STEPS, accuracy, full_batch, mlp, mnist1d_train


def _effective_linear(model: nn.Module) -> np.ndarray:
    """The single linear map ``[w; b]`` that a stack of Linear layers computes."""
    W, b = None, None
    for layer in model.modules():
        if isinstance(layer, nn.Linear):
            w_l, b_l = layer.weight.detach().numpy().T, layer.bias.detach().numpy()
            W, b = (w_l, b_l) if W is None else (W @ w_l, b @ w_l + b_l)
    return np.concatenate([W[:, 0], b])


def _same_model_class(res: Result, fast: bool) -> None:
    g = cr.random.rng()
    n, d = 200, 3
    X = g.standard_normal((n, d))
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.7 + 0.3 * g.standard_normal(n)
    theta_ls = np.linalg.lstsq(np.hstack([X, np.ones((n, 1))]), y, rcond=None)[0]
    Xt, yt = cr.tensor(X), cr.tensor(y[:, None])
    steps = 300 if fast else 1000
    fig, ax = figure(size=(6.4, 3.6))
    errors = {}
    for (label, model, lr), color in zip(
            [("1 FC layer (= linear regression)", nn.Linear(d, 1).double(), 0.1),
             ("2 FC layers, no activation", mlp([d, 16, 1], nn.Identity).double(), 0.05)], PALETTE):
        opt = optim.SGD(model.parameters(), lr=lr)
        curve = []
        for _ in range(steps):
            full_batch(model, nn.MSELoss(), opt, Xt, yt, 1)
            curve.append(np.abs(_effective_linear(model) - theta_ls).max())
        errors[label] = curve[-1]
        ax.semilogy(np.arange(1, steps + 1), curve, color=color, lw=2, label=f"{label}, lr {lr}")
    ax.axhline(1e-3, color="gray", ls="--", lw=1)
    ax.text(steps, 1.3e-3, "1e-3", color="gray", fontsize=8, ha="right")
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("max |θ − θ_lstsq|")
    ax.legend(fontsize=9)
    res.figure(fig, "least-squares", "(a) Gradient descent on the MSE of an FC layer without "
               "activation: its weights and bias converge to numpy.linalg.lstsq's least-squares "
               "solution. Two stacked layers without activation compute one linear map "
               "(W1 W2) and converge to the same solution.")
    res.numbers["a_lstsq"] = theta_ls
    res.numbers["a_max_error"] = errors
    rows = [[k, v] for k, v in errors.items()]
    res.table(f"(a) Distance of gradient descent's linear map from least squares after {steps} "
              "steps (float64).", ["model", "max |θ_GD − θ_lstsq|"], rows)
    res.check("(a) Same model class: an FC layer without activation, trained by gradient descent, "
              "converges to the least-squares solution (weights within 1e-3), and so do two such "
              "layers stacked", all(v <= 1e-3 for v in errors.values()),
              "; ".join(f"{k}: {v:.1e}" for k, v in errors.items()))


def _nonlinear(res: Result, fast: bool) -> None:
    steps = 400 if fast else 2000
    fig, axes = figure(1, 3, size=(15, 4.2))
    rows = []

    # 1-D regression
    sine = datasets.sine(n_samples=400, noise=0.1, seed=0)
    xtr, ytr, xte, yte = (cr.tensor(a) for a in sine.arrays())
    mse = {}
    grid = cr.tensor(np.linspace(-np.pi, np.pi, 300, dtype=np.float32)[:, None])
    axes[0].scatter(xtr.numpy()[:, 0], ytr.numpy()[:, 0], s=6, color="gray", alpha=0.5,
                    label="training data")
    for (label, model), color in zip([("linear (1 FC layer)", nn.Linear(1, 1)),
                                      ("1 hidden layer, 32 tanh", mlp([1, 32, 1], nn.Tanh))], PALETTE):
        full_batch(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.01), xtr, ytr, steps)
        with cr.no_grad():
            mse[label] = float(((model(xte) - yte) ** 2).mean().item())
            axes[0].plot(grid.numpy()[:, 0], model(grid).numpy()[:, 0], color=color, lw=2.5,
                         label=f"{label}: test MSE {mse[label]:.3f}")
        rows.append(["sine (regression)", label, "test MSE", mse[label]])
    axes[0].set_title("y = sin(x) + noise", fontsize=11)
    axes[0].legend(fontsize=8, loc="upper left")

    # two moons
    moons = datasets.moons(n_samples=1000, noise=0.2, scale="standard", seed=0)
    xtr, ytr, xte, yte = (cr.tensor(a) for a in moons.arrays())
    acc = {}
    for ax, (label, model) in zip(axes[1:], [("logistic regression", nn.Linear(2, 2)),
                                             ("1 hidden layer, 32 tanh", mlp([2, 32, 2], nn.Tanh))]):
        full_batch(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), xtr, ytr,
                   steps)
        acc[label] = accuracy(model, xte, yte)
        decision_boundary(ax, model, xte.numpy(), yte.numpy(), num_classes=2)
        ax.set_title(f"moons, {label}: test accuracy {acc[label]:.1%}", fontsize=11)
        rows.append(["moons (classification)", label, "test accuracy", acc[label]])
    res.figure(fig, "nonlinear", "(b) Left: a linear model can only draw a line through sin(x); "
               "one hidden layer with tanh follows the curve. Middle and right: decision "
               "boundaries (black) on the test set of the two moons: a straight line against a "
               "curved boundary.")
    res.table(f"(b) Linear model vs one hidden layer (Adam, lr 0.01, {steps} full-batch steps).",
              ["data", "model", "metric", "value"], rows)
    res.numbers["b_sine_test_mse"] = mse
    res.numbers["b_moons_test_accuracy"] = acc
    lin_mse, net_mse = mse.values()
    lin_acc, net_acc = acc.values()
    res.check("(b) With a hidden layer and a nonlinearity the net beats the linear model on "
              "nonlinear 1-D regression (less than half its test MSE)", net_mse < 0.5 * lin_mse,
              " vs ".join(f"{k}: {v:.4f}" for k, v in mse.items()))
    res.check("(b) ... and on the two moons (at least 5 points more test accuracy)", net_acc >= lin_acc + 0.05,
              " vs ".join(f"{k}: {v:.1%}" for k, v in acc.items()))


def _mnist1d(res: Result, fast: bool) -> None:
    steps = 800 if fast else PAPER_STEPS
    runs = {
        "logistic regression": mnist1d_train(nn.Linear(40, 10),
                                             lambda p: optim.Adam(p, lr=PAPER_LR), steps, res.seed),
        "MLP": mnist1d_train(mlp([40, 100, 100, 10]), lambda p: optim.Adam(p, lr=PAPER_LR), steps,
                             res.seed),
    }
    fig, axes = figure(1, 2, size=(12, 3.8))
    rows = []
    for (label, r), color in zip(runs.items(), PALETTE):
        epochs = np.arange(1, r["epochs"] + 1) * 40
        axes[0].plot(epochs, r["loss"], color=color, lw=2, label=label)
        axes[1].plot(epochs, r["test_accuracy"], color=color, lw=2, label=f"{label} (chainrule)")
        axes[1].axhline(PAPER_MNIST1D[label], color=color, ls="--", lw=1.2,
                        label=f"{label}, paper: {PAPER_MNIST1D[label]:.0%}")
        rows.append([label, r["final_test_accuracy"], PAPER_MNIST1D[label],
                     r["final_test_accuracy"] - PAPER_MNIST1D[label]])
    axes[0].set_yscale("log")
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("training loss")
    axes[1].set_xlabel("step")
    axes[1].set_ylabel("test accuracy")
    axes[1].legend(fontsize=8, loc="center right")
    res.figure(fig, "mnist1d", f"(c) MNIST-1D: logistic regression vs an MLP (40-100-100-10, "
               f"ReLU), Adam lr {PAPER_LR}, batch 100, {runs['MLP']['steps']} steps; dashed: the "
               "paper's test accuracies.")
    res.table(f"(c) MNIST-1D test accuracy after {runs['MLP']['steps']} steps, against the paper.",
              ["model", "test accuracy", "paper", "difference"], rows)
    lr_acc = runs["logistic regression"]["final_test_accuracy"]
    mlp_acc = runs["MLP"]["final_test_accuracy"]
    res.numbers["c_mnist1d_test_accuracy"] = {"logistic regression": lr_acc, "MLP": mlp_acc,
                                              "steps": runs["MLP"]["steps"]}
    if fast:
        ok = mlp_acc >= lr_acc + 0.2
        what = (f"(c) MNIST-1D, short budget ({runs['MLP']['steps']} steps): the MLP beats logistic "
                "regression by at least 20 points of test accuracy (the paper: 68% vs 32%)")
    else:
        ok = (abs(lr_acc - PAPER_MNIST1D["logistic regression"]) <= 0.05
              and abs(mlp_acc - PAPER_MNIST1D["MLP"]) <= 0.05)
        what = ("(c) MNIST-1D: logistic regression and the MLP reproduce the paper's 32% and 68% "
                "test accuracy (within 5 points each)")
    res.check(what, ok, f"logistic regression {lr_acc:.1%}, MLP {mlp_acc:.1%}")


def _run(res: Result, fast: bool) -> None:
    _same_model_class(res, fast)  # (a)
    _nonlinear(res, fast)  # (b)
    _mnist1d(res, fast)  # (c)


EXPERIMENT = Experiment(
    name="lr-vs-fc",
    title="Linear regression vs a 1-FC-layer net",
    slide="LR vs 1-FC layer net: which is better? Why?",
    claim="A single FC layer without an activation is exactly linear regression (the same model "
          "class, the same least-squares solution); a net is better only thanks to a hidden layer "
          "with a nonlinearity, which fits what a linear model cannot.",
    formulas=(r"\hat{y} = X W + b \quad\Longleftrightarrow\quad \min_{W,b}\ \|X W + b - y\|^2",
              r"X W_1 W_2 + b_1 W_2 + b_2 = X W' + b' \quad(\mathrm{still\ linear})",
              r"\hat{y} = \sigma(X W_1 + b_1)\, W_2 + b_2"),
    method="(a) Gradient descent with chainrule.optim.SGD on the MSE of nn.Linear (and of two "
           "stacked nn.Linear) for a 3-feature linear regression, compared with numpy.linalg.lstsq. "
           "(b) Linear model vs one hidden layer of 32 tanh units, trained full-batch with Adam, "
           "on y = sin(x) + noise and on scikit-learn's two moons. (c) MNIST-1D: logistic "
           "regression and an MLP of two hidden layers of 100 ReLU units (40-100-100-10; "
           "`chainrule train` uses the paper repository's 40-256-256-10), both with the paper "
           "repository's optimiser settings (Adam, lr 0.01, batch 100, 6000 steps; --fast: 800 "
           "steps).",
    run=_run,
)
