"""(c): the MNIST-1D paper's training recipe, end to end, in chainrule and in PyTorch.

The recipe (Greydanus & Kobak, MNIST-1D; the ``mnist1d`` repository's ``train.py`` and
``models.py``): the residual MLP ``40 -> 256 -> 256 -> 10`` of :func:`bench.models.residual_mlp`,
cross-entropy, Adam with learning rate 1e-2, batch 100 taken in order from the 4,000 training
signals (``bix = step * 100 % 4000``), 8,000 steps, and an evaluation every 250 steps (test loss,
train and test accuracy). Both libraries start from the same initial weights (PyTorch's, seed 42)
and see the same batches. The hand-written NumPy floor runs the same recipe: it shows the best
wall time a NumPy program reaches here.

The three runs proceed in lockstep, one evaluation period (250 steps and the evaluation) at a time,
in alternating order, each period after a pause: a burst of load from other processes then
costs one period of one run, not a whole run. A run's wall time is the sum of its periods; the
ratios come from these sums, and, more robust to such bursts, from the median period.

The periods time a library that has started: before the lockstep each library trains one step of
a throwaway model, in which it does its one-time start-up (chainrule loads its compiled kernels,
PyTorch initialises its own), as its import did the rest. That start-up is measured apart, in
fresh processes (:mod:`bench.startup`): the import, and the first training step of the recipe's
model. The report gives the ratio with it added too.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np
import torch

import chainrule
from chainrule.data import datasets

from .floor import NumpyMLP
from .models import batch, linear_layers, numpy_state, residual_mlp
from .workers import run_json_worker

RECIPE = {"hidden_size": 256, "learning_rate": 1e-2, "batch_size": 100, "total_steps": 8000,
          "eval_every": 250, "seed": 42}
NAMES = ("chainrule", "pytorch", "numpy floor")


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST-1D's frozen split, float32: ``x [4000, 40]``, ``y [4000]``, ``x_test``, ``y_test``."""
    return datasets.mnist1d().arrays()


def initial_state() -> dict[str, np.ndarray]:
    torch.manual_seed(RECIPE["seed"])
    return numpy_state(residual_mlp(torch.nn, 40, 10, RECIPE["hidden_size"]))


def recipe_loop(lib: ModuleType, model: Any, arrays: tuple[np.ndarray, ...], state: dict[str, np.ndarray],
                recipe: dict[str, Any], total_steps: int, eval_every: int, out: dict[str, Any]) -> Iterator[None]:
    """The MNIST-1D paper repository's loop, shared by the recipes (MLP, CNN, GRU): ``model`` from
    the initial weights ``state``, Adam, batches of ``recipe["batch_size"]`` taken in order, an
    evaluation (into ``out["evals"]``) every ``eval_every`` steps, after which it pauses (yields)."""
    model.load_state_dict({k: lib.from_numpy(v.copy()) for k, v in state.items()})
    x_train, y_train, x_test, y_test = (lib.from_numpy(a) for a in arrays)
    optimizer = lib.optim.Adam(model.parameters(), lr=recipe["learning_rate"])
    cross_entropy = lib.nn.functional.cross_entropy
    bs, n = recipe["batch_size"], len(arrays[0])

    def accuracy(x: Any, y: Any) -> float:
        return 100 * int((model(x).argmax(-1) == y).sum().item()) / len(y)

    out["evals"] = []
    for step in range(total_steps + 1):
        bix = (step * bs) % n
        loss = cross_entropy(model(x_train[bix:bix + bs]), y_train[bix:bix + bs])
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if step % eval_every == 0 or step == total_steps:
            with lib.no_grad():
                test_loss = cross_entropy(model(x_test), y_test).item()
                out["evals"].append({"step": step, "train_loss": loss.item(), "test_loss": test_loss,
                                     "train_acc": accuracy(x_train, y_train),
                                     "test_acc": accuracy(x_test, y_test)})
            yield
    out["train_acc"], out["test_acc"] = out["evals"][-1]["train_acc"], out["evals"][-1]["test_acc"]


def lockstep(runs: dict[str, Iterator[None]], settle: float) -> dict[str, list[float]]:
    """Advance the runs one period (one ``next``) at a time, in alternating order, each after
    ``settle`` seconds of sleep; returns each run's period times, until the first run ends."""
    periods: dict[str, list[float]] = {name: [] for name in runs}
    names, period, done = list(runs), 0, False
    while not done:
        for name in (names if period % 2 == 0 else names[::-1]):
            time.sleep(settle)  # let the other library's worker threads go idle
            start = time.perf_counter()
            try:
                next(runs[name])
            except StopIteration:
                done = True
                continue
            periods[name].append(time.perf_counter() - start)
        period += 1
    return periods


def train(lib: ModuleType, arrays: tuple[np.ndarray, ...], state: dict[str, np.ndarray],
          total_steps: int, eval_every: int, out: dict[str, Any]) -> Iterator[None]:
    """The recipe's loop in ``lib`` (``torch`` or ``chainrule``), pausing after every evaluation.

    Evaluations go to ``out["evals"]``, the final accuracies to ``out`` once the run is done.
    """
    model = residual_mlp(lib.nn, 40, 10, RECIPE["hidden_size"])
    yield from recipe_loop(lib, model, arrays, state, RECIPE, total_steps, eval_every, out)
    x_train = lib.from_numpy(arrays[0])
    with lib.no_grad():  # after the last period: not timed
        hidden2 = model.linear2(model.linear1(x_train).relu()).relu()
    out["dead_units"] = dead_fraction(hidden2.numpy())


def dead_fraction(activations: np.ndarray) -> float:
    """The fraction of units (columns) that are 0 for every example: dead ReLU units."""
    return float(np.mean(np.all(activations == 0, axis=0)))


def floor_loop(floor: Any, arrays: tuple[np.ndarray, ...], bs: int, total_steps: int, eval_every: int,
               out: dict[str, Any]) -> Iterator[None]:
    """:func:`recipe_loop` for a hand-written NumPy floor (its ``step``, ``logits_of`` and, where it
    has one, ``loss_of``)."""
    x_train, y_train, x_test, y_test = arrays
    n = len(x_train)

    def accuracy(x: np.ndarray, y: np.ndarray) -> float:
        return 100 * int((floor.logits_of(x).argmax(-1) == y).sum()) / len(y)

    out["evals"] = []
    for step in range(total_steps + 1):
        bix = (step * bs) % n
        loss = floor.step(x_train[bix:bix + bs], y_train[bix:bix + bs])
        if step % eval_every == 0 or step == total_steps:
            evaluation = {"step": step, "train_loss": loss, "train_acc": accuracy(x_train, y_train),
                          "test_acc": accuracy(x_test, y_test)}
            if hasattr(floor, "loss_of"):
                evaluation["test_loss"] = floor.loss_of(x_test, y_test)
            out["evals"].append(evaluation)
            yield
    out["train_acc"], out["test_acc"] = out["evals"][-1]["train_acc"], out["evals"][-1]["test_acc"]


def train_floor(arrays: tuple[np.ndarray, ...], state: dict[str, np.ndarray], total_steps: int,
                eval_every: int, out: dict[str, Any]) -> Iterator[None]:
    """The same loop on the hand-written NumPy floor (:class:`bench.floor.NumpyMLP`, residual)."""
    hidden, bs = RECIPE["hidden_size"], RECIPE["batch_size"]
    floor = NumpyMLP([40, hidden, hidden, 10], bs, residual=True, lr=RECIPE["learning_rate"])
    floor.load(linear_layers(state))

    yield from floor_loop(floor, arrays, bs, total_steps, eval_every, out)
    hidden1 = np.maximum(arrays[0] @ floor.W[0] + floor.b[0], 0)
    out["dead_units"] = dead_fraction(np.maximum(hidden1 @ floor.W[1] + floor.b[1], 0))


def _throwaway_step(lib: ModuleType) -> None:
    """One training step of a fresh recipe model in ``lib``: the library's one-time start-up."""
    model = residual_mlp(lib.nn, 40, 10, RECIPE["hidden_size"])
    optimizer = lib.optim.Adam(model.parameters(), lr=RECIPE["learning_rate"])
    x, y = (lib.from_numpy(a) for a in batch([40, 10], RECIPE["batch_size"]))
    lib.nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()


def startup(repeats: int) -> dict[str, dict[str, float]]:
    """Median import and first-step seconds of each contender (:func:`bench.startup.first_step`),
    from ``repeats`` fresh processes each, taken in alternating order."""
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in NAMES}
    for r in range(repeats):
        for name in (NAMES if r % 2 == 0 else NAMES[::-1]):
            samples[name].append(run_json_worker(
                "startup", name, "--hidden", str(RECIPE["hidden_size"]), "--batch", str(RECIPE["batch_size"]),
                "--lr", str(RECIPE["learning_rate"]), timeout=300))
    return {name: {key: statistics.median(s[key] for s in runs) for key in ("import_s", "first_step_s")}
            for name, runs in samples.items()}


def run(smoke: bool = False, settle: float = 0.3) -> dict[str, Any]:
    """Train with both libraries and the floor in lockstep, one evaluation period at a time."""
    arrays = data()
    state = initial_state()
    total = 20 if smoke else RECIPE["total_steps"]
    every = 10 if smoke else RECIPE["eval_every"]
    settle = 0.0 if smoke else settle
    started = startup(1 if smoke else 5)
    for lib in (chainrule, torch):
        _throwaway_step(lib)  # the one-time start-up happens here, not in the first period
    outs: dict[str, dict[str, Any]] = {name: {} for name in NAMES}
    runs = {
        "chainrule": train(chainrule, arrays, state, total, every, outs["chainrule"]),
        "pytorch": train(torch, arrays, state, total, every, outs["pytorch"]),
        "numpy floor": train_floor(arrays, state, total, every, outs["numpy floor"]),
    }
    periods = lockstep(runs, settle)
    summary = {}
    for name, out in outs.items():
        summary[name] = {
            "wall_s": sum(periods[name]),
            "startup_s": started[name],
            "wall_with_startup_s": sum(periods[name]) + started[name]["import_s"] + started[name]["first_step_s"],
            "period_s_median": statistics.median(periods[name][1:] or periods[name]),  # the first holds set-up
            "periods_s": periods[name],
            "test_acc": out["test_acc"],
            "train_acc": out["train_acc"],
            "dead_units": out["dead_units"],  # of the second hidden layer, at the end
            "test_acc_curve": [(e["step"], e["test_acc"]) for e in out["evals"]],
        }
    wall = {name: s["wall_s"] for name, s in summary.items()}
    med = {name: s["period_s_median"] for name, s in summary.items()}
    ratio = wall["chainrule"] / wall["pytorch"]
    return {
        "recipe": {**RECIPE, "total_steps": total, "eval_every": every},
        "settle_s": settle,
        "libraries": summary,
        "ratios": {"chainrule/pytorch": ratio, "chainrule/numpy floor": wall["chainrule"] / wall["numpy floor"],
                   "numpy floor/pytorch": wall["numpy floor"] / wall["pytorch"]},
        "with_startup_ratios": {"chainrule/pytorch": (summary["chainrule"]["wall_with_startup_s"]
                                                      / summary["pytorch"]["wall_with_startup_s"])},
        "median_period_ratios": {"chainrule/pytorch": med["chainrule"] / med["pytorch"],
                                 "chainrule/numpy floor": med["chainrule"] / med["numpy floor"],
                                 "numpy floor/pytorch": med["numpy floor"] / med["pytorch"]},
        "test_acc_gap": summary["chainrule"]["test_acc"] - summary["pytorch"]["test_acc"],
        "targets": {"chainrule/pytorch": 0.5},
        "met": {"chainrule/pytorch": ratio <= 0.5},
    }
