"""(h): the MNIST-1D paper's GRU recipe, end to end, in chainrule and in PyTorch.

The recipe (the ``mnist1d`` repository's GRU baseline): each of the 40 features is one time step,
``GRU(1, 6, batch_first=True, bidirectional=True)`` gives ``[N, 40, 12]``, flattened to 480 ->
``Linear(480, 10)``; cross-entropy, Adam with learning rate 1e-2, batch 100 taken in order from
the 4,000 training signals (``bix = step * 100 % 4000``), 6,000 steps, an evaluation every 250
steps. Both libraries start from the same initial weights (PyTorch's default initialisation,
seed 42) and see the same batches.

As in (c) (:mod:`bench.mnist1d_recipe`) the two runs proceed in lockstep, one evaluation period at
a time, in alternating order, each period after a pause; the ratio comes from the summed periods
and, more robust to bursts of load from other processes, from the median period. Before the
lockstep each library trains one step of a throwaway model (its one-time start-up: chainrule
compiles or loads its kernels).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np
import torch

import chainrule
from chainrule.data import datasets

from .mnist1d_recipe import lockstep, recipe_loop

RECIPE = {"hidden_size": 6, "learning_rate": 1e-2, "batch_size": 100, "total_steps": 6000,
          "eval_every": 250, "seed": 42}
NAMES = ("chainrule", "pytorch")
TARGETS = {"chainrule/pytorch": 0.5, "test_acc": 88.0, "test_acc_gap": 3.0}


def gru_model(lib: ModuleType, length: int = 40, classes: int = 10) -> Any:
    """The recipe's network in ``lib`` (``torch`` or ``chainrule``), PyTorch's parameter names."""

    class GRUClassifier(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.gru = lib.nn.GRU(1, RECIPE["hidden_size"], batch_first=True, bidirectional=True)
            self.linear = lib.nn.Linear(2 * RECIPE["hidden_size"] * length, classes)

        def forward(self, x: Any) -> Any:
            out, _ = self.gru(x.reshape(x.shape[0], length, 1))  # [N, 40, 12]
            return self.linear(out.reshape(x.shape[0], -1))  # [N, 480] -> [N, 10]

    return GRUClassifier()


def initial_state() -> dict[str, np.ndarray]:
    torch.manual_seed(RECIPE["seed"])
    return {k: v.detach().numpy().copy() for k, v in gru_model(torch).state_dict().items()}


def train(lib: ModuleType, arrays: tuple[np.ndarray, ...], state: dict[str, np.ndarray],
          total_steps: int, eval_every: int, out: dict[str, Any]) -> Iterator[None]:
    """The recipe's loop in ``lib``, pausing after every evaluation (see bench.mnist1d_recipe)."""
    yield from recipe_loop(lib, gru_model(lib), arrays, state, RECIPE, total_steps, eval_every, out)


def _throwaway_step(lib: ModuleType) -> None:
    """One training step of a fresh recipe model in ``lib``: the library's one-time start-up."""
    model = gru_model(lib)
    optimizer = lib.optim.Adam(model.parameters(), lr=RECIPE["learning_rate"])
    rng = np.random.default_rng(0)
    x = lib.from_numpy(rng.standard_normal((RECIPE["batch_size"], 40)).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, 10, RECIPE["batch_size"]))
    lib.nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()


def run(smoke: bool = False, settle: float = 0.3) -> dict[str, Any]:
    """Train with both libraries in lockstep, one evaluation period at a time."""
    arrays = datasets.mnist1d().arrays()
    state = initial_state()
    total = 20 if smoke else RECIPE["total_steps"]
    every = 10 if smoke else RECIPE["eval_every"]
    settle = 0.0 if smoke else settle
    for lib in (chainrule, torch):
        _throwaway_step(lib)
    outs: dict[str, dict[str, Any]] = {name: {} for name in NAMES}
    runs = {"chainrule": train(chainrule, arrays, state, total, every, outs["chainrule"]),
            "pytorch": train(torch, arrays, state, total, every, outs["pytorch"])}
    periods = lockstep(runs, settle)
    summary = {}
    for name, out in outs.items():
        summary[name] = {
            "wall_s": sum(periods[name]),
            "step_ms": 1e3 * sum(periods[name]) / (total + 1),
            "period_s_median": statistics.median(periods[name][1:] or periods[name]),
            "periods_s": periods[name],
            "test_acc": out["test_acc"],
            "train_acc": out["train_acc"],
            "test_acc_curve": [(e["step"], e["test_acc"]) for e in out["evals"]],
        }
    ratio = summary["chainrule"]["wall_s"] / summary["pytorch"]["wall_s"]
    median_ratio = summary["chainrule"]["period_s_median"] / summary["pytorch"]["period_s_median"]
    gap = summary["chainrule"]["test_acc"] - summary["pytorch"]["test_acc"]
    return {
        "recipe": {**RECIPE, "total_steps": total, "eval_every": every},
        "settle_s": settle,
        "libraries": summary,
        "ratios": {"chainrule/pytorch": ratio},
        "median_period_ratios": {"chainrule/pytorch": median_ratio},
        "test_acc_gap": gap,
        "targets": TARGETS,
        "met": {"chainrule/pytorch": ratio <= TARGETS["chainrule/pytorch"],
                "test_acc": summary["chainrule"]["test_acc"] >= TARGETS["test_acc"],
                "test_acc_gap": abs(gap) <= TARGETS["test_acc_gap"]},
    }


def summary(result: dict[str, Any]) -> str:
    """One paragraph of the console report."""
    lib = result["libraries"]
    c, t = lib["chainrule"], lib["pytorch"]
    met = result["met"]
    return (f"(h) MNIST-1D GRU recipe, {result['recipe']['total_steps']} steps: chainrule {c['wall_s']:.1f} s "
            f"({c['step_ms']:.2f} ms/step, test {c['test_acc']:.1f}%), PyTorch {t['wall_s']:.1f} s "
            f"({t['step_ms']:.2f} ms/step, test {t['test_acc']:.1f}%); chainrule/pytorch "
            f"{result['ratios']['chainrule/pytorch']:.2f}x (median period "
            f"{result['median_period_ratios']['chainrule/pytorch']:.2f}x; target <= 0.5x: "
            f"{'met' if met['chainrule/pytorch'] else 'not met'}); accuracy gap {result['test_acc_gap']:+.1f} "
            f"points (>= 88 %: {'met' if met['test_acc'] else 'not met'})")


if __name__ == "__main__":
    import json
    import sys

    from threadpoolctl import threadpool_limits

    smoke = "--smoke" in sys.argv
    threads = 1
    torch.set_num_threads(threads)
    with threadpool_limits(threads), chainrule.memory.kept_freed_memory():
        res = run(smoke)
    print(summary(res))
    print(json.dumps({k: v for k, v in res.items() if k != "libraries"}, indent=1))
