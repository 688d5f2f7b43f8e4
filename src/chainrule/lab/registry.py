"""The lab's experiments, in the lecture's order, and how one is run.

Each experiment lives in its own module, which defines ``EXPERIMENT``: the slide it checks, the
slide's claim and formulas, and a function that measures. ``run(name)`` seeds chainrule's
generator, times the function and returns the filled :class:`~chainrule.lab.result.Result`.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..random import manual_seed
from .result import Result

# module per experiment, in the order the lecture's slides come
_MODULES: dict[str, str] = {
    "lr-vs-fc": "lr_vs_fc",
    "activations": "activations",
    "fc-matrix-form": "fc_matrix_form",
    "universal-approximation": "universal_approximation",
    "chain-rule": "chain_rule",
    "matrix-backprop": "matrix_backprop",
    "initialization": "initialization",
    "feature-scaling": "feature_scaling",
    "gd-sgd-minibatch": "gd_sgd_minibatch",
    "momentum": "momentum",
    "optimizers": "optimizers",
    "vanishing-gradients-through-time": "vanishing_gradients",
    "conv-vs-fc": "conv_vs_fc",  # beyond the lecture: the convolution
}

DEFAULT_SEED = 0


@dataclass(frozen=True)
class Experiment:
    """A slide turned into a measurement.

    ``formulas`` are the slide's formulas in TeX (the subset matplotlib's mathtext renders);
    ``run(res, fast)`` measures and records into ``res``; ``fast`` asks for smaller sizes.
    """

    name: str
    title: str
    slide: str
    claim: str
    formulas: tuple[str, ...]
    method: str
    run: Callable[[Result, bool], None]


def names() -> list[str]:
    """The experiments' names, in the lecture's order."""
    return list(_MODULES)


def get(name: str) -> Experiment:
    if name not in _MODULES:
        raise KeyError(f"lab: no experiment named {name!r}; the experiments are: {', '.join(_MODULES)}")
    return importlib.import_module(f".{_MODULES[name]}", __package__).EXPERIMENT


def run(name: str, fast: bool = False, seed: int = DEFAULT_SEED) -> Result:
    """Run one experiment and return its result; the same seed gives the same numbers.

    BLAS runs single-threaded meanwhile: the lab's matrices are small, where threads only add
    synchronisation (and, on a busy machine, many-fold slowdowns), and one thread makes the
    floating-point summation order, hence every number, the same on every machine.
    """
    from threadpoolctl import threadpool_limits

    exp = get(name)
    res = Result(
        name=exp.name, title=exp.title, slide=exp.slide, claim=exp.claim,
        formulas=list(exp.formulas), method=exp.method, fast=fast, seed=seed,
    )
    manual_seed(seed)
    start = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        exp.run(res, fast)
    res.seconds = time.perf_counter() - start
    return res


def run_all(fast: bool = False, seed: int = DEFAULT_SEED) -> list[Result]:
    return [run(n, fast=fast, seed=seed) for n in names()]
