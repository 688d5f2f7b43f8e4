"""(c): the MNIST-1D paper's training recipe, end to end, in chainrule and in PyTorch.

The recipe (Greydanus & Kobak, MNIST-1D; the ``mnist1d`` repository's ``train.py`` and
``models.py``): the residual MLP ``40 -> 256 -> 256 -> 10`` of :func:`bench.models.residual_mlp`,
cross-entropy, Adam with learning rate 1e-2, batch 100 taken in order from the 4,000 training
signals (``bix = step * 100 % 4000``), 8,000 steps, and an evaluation every 250 steps (test loss,
train and test accuracy). Both libraries start from the same initial weights (PyTorch's, seed 42)
and see the same batches; the wall time of the whole loop, evaluations included, is compared at
the test accuracy each reaches. The hand-written NumPy floor runs the same recipe: it shows the
best wall time any NumPy program reaches here.
"""

from __future__ import annotations

import statistics
import time
from types import ModuleType
from typing import Any

import numpy as np
import torch

import chainrule
from chainrule.data import datasets

from .floor import NumpyMLP
from .models import linear_layers, numpy_state, residual_mlp

RECIPE = {"hidden_size": 256, "learning_rate": 1e-2, "batch_size": 100, "total_steps": 8000,
          "eval_every": 250, "seed": 42}


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST-1D's frozen split, float32: ``x [4000, 40]``, ``y [4000]``, ``x_test``, ``y_test``."""
    return datasets.mnist1d().arrays()


def initial_state() -> dict[str, np.ndarray]:
    torch.manual_seed(RECIPE["seed"])
    return numpy_state(residual_mlp(torch.nn, 40, 10, RECIPE["hidden_size"]))


def train(lib: ModuleType, arrays: tuple[np.ndarray, ...], state: dict[str, np.ndarray],
          total_steps: int, eval_every: int) -> dict[str, Any]:
    """The recipe's loop in ``lib`` (``torch`` or ``chainrule``): wall time and final accuracies."""
    model = residual_mlp(lib.nn, 40, 10, RECIPE["hidden_size"])
    model.load_state_dict({k: lib.from_numpy(v.copy()) for k, v in state.items()})
    x_train, y_train, x_test, y_test = (lib.from_numpy(a) for a in arrays)
    optimizer = lib.optim.Adam(model.parameters(), lr=RECIPE["learning_rate"])
    cross_entropy = lib.nn.functional.cross_entropy
    bs, n = RECIPE["batch_size"], len(arrays[0])

    def accuracy(x: Any, y: Any) -> float:
        return 100 * int((model(x).argmax(-1) == y).sum().item()) / len(y)

    evals = []
    start = time.perf_counter()
    for step in range(total_steps + 1):
        bix = (step * bs) % n
        loss = cross_entropy(model(x_train[bix:bix + bs]), y_train[bix:bix + bs])
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if eval_every > 0 and step % eval_every == 0:
            with lib.no_grad():
                test_loss = cross_entropy(model(x_test), y_test).item()
                evals.append({"step": step, "train_loss": loss.item(), "test_loss": test_loss,
                              "train_acc": accuracy(x_train, y_train),
                              "test_acc": accuracy(x_test, y_test)})
    wall = time.perf_counter() - start
    with lib.no_grad():
        final = {"train_acc": accuracy(x_train, y_train), "test_acc": accuracy(x_test, y_test)}
    return {"wall_s": wall, **final, "evals": evals}


def train_floor(arrays: tuple[np.ndarray, ...], state: dict[str, np.ndarray], total_steps: int,
                eval_every: int) -> dict[str, Any]:
    """The same loop on the hand-written NumPy floor (:class:`bench.floor.NumpyMLP`, residual)."""
    x_train, y_train, x_test, y_test = arrays
    hidden, bs, n = RECIPE["hidden_size"], RECIPE["batch_size"], len(x_train)
    floor = NumpyMLP([40, hidden, hidden, 10], bs, residual=True, lr=RECIPE["learning_rate"])
    floor.load(linear_layers(state))

    def accuracy(x: np.ndarray, y: np.ndarray) -> float:
        return 100 * int((floor.logits_of(x).argmax(-1) == y).sum()) / len(y)

    evals = []
    start = time.perf_counter()
    for step in range(total_steps + 1):
        bix = (step * bs) % n
        loss = floor.step(x_train[bix:bix + bs], y_train[bix:bix + bs])
        if eval_every > 0 and step % eval_every == 0:
            evals.append({"step": step, "train_loss": loss, "test_loss": floor.loss_of(x_test, y_test),
                          "train_acc": accuracy(x_train, y_train), "test_acc": accuracy(x_test, y_test)})
    wall = time.perf_counter() - start
    return {"wall_s": wall, "train_acc": accuracy(x_train, y_train), "test_acc": accuracy(x_test, y_test),
            "evals": evals}


def run(smoke: bool = False, rounds: int = 3) -> dict[str, Any]:
    """Train with both libraries and the floor ``rounds`` times each, alternating (C P F, F P C, ...)."""
    arrays = data()
    state = initial_state()
    total = 20 if smoke else RECIPE["total_steps"]
    every = 10 if smoke else RECIPE["eval_every"]
    rounds = 1 if smoke else rounds
    trainers = {
        "chainrule": lambda: train(chainrule, arrays, state, total, every),
        "pytorch": lambda: train(torch, arrays, state, total, every),
        "numpy floor": lambda: train_floor(arrays, state, total, every),
    }
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in trainers}
    for r in range(rounds):
        for name in (list(trainers) if r % 2 == 0 else list(trainers)[::-1]):
            time.sleep(0 if smoke else 1.0)  # let the other library's worker threads go idle
            runs[name].append(trainers[name]())
    summary = {}
    for name, rs in runs.items():
        summary[name] = {
            "wall_s_median": statistics.median(x["wall_s"] for x in rs),
            "wall_s": [x["wall_s"] for x in rs],
            "test_acc": [x["test_acc"] for x in rs],
            "train_acc": [x["train_acc"] for x in rs],
            "test_acc_curve": [(e["step"], e["test_acc"]) for e in rs[0]["evals"]],
        }
    wall = {name: s["wall_s_median"] for name, s in summary.items()}
    ratio = wall["chainrule"] / wall["pytorch"]
    acc_gap = statistics.median(summary["chainrule"]["test_acc"]) - statistics.median(
        summary["pytorch"]["test_acc"])
    return {
        "recipe": {**RECIPE, "total_steps": total, "eval_every": every},
        "rounds": rounds,
        "libraries": summary,
        "ratios": {"chainrule/pytorch": ratio, "chainrule/numpy floor": wall["chainrule"] / wall["numpy floor"],
                   "numpy floor/pytorch": wall["numpy floor"] / wall["pytorch"]},
        "test_acc_gap": acc_gap,
        "targets": {"chainrule/pytorch": 0.5},
        "met": {"chainrule/pytorch": ratio <= 0.5},
    }
