"""(a), (b): the time of one training step of an MLP, chainrule against PyTorch and the NumPy floor.

A step is the whole loop body a user writes: ``zero_grad``, forward, cross-entropy, ``backward``,
``Adam.step``, in float32 on a fixed batch. Before timing, the contenders run three steps from
the same weights and must reach the same losses, so the timings compare equal work. A fourth
contender, ``chainrule reference``, is chainrule with its fast backend off (``CHAINRULE_JIT=0``'s
path): the lecture's NumPy alone, against the hand-written floor. A fifth, ``numpy floor,
per-parameter Adam``, is the floor with Adam run one parameter at a time, as the reference (and
PyTorch's single-tensor Adam) updates: what the reference's way of updating costs before any of
its own overhead. A sixth, ``chainrule reference ops, no framework``, calls the reference ops'
forward and backward and Adam's update directly (:mod:`bench.reference_ops`): the reference's
arithmetic alone, so that the full reference step over it is what the framework adds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .contenders import check_agreement, mlp_steps
from .timing import interleaved

CASES: dict[str, dict[str, Any]] = {
    "a": {"sizes": [784, 256, 256, 10], "batch": 128,
          "targets": {"chainrule/pytorch": 1.0, "chainrule/numpy floor": 1.3,
                      "chainrule reference/numpy floor": 1.5}},
    "b": {"sizes": [40, 100, 100, 10], "batch": 32,
          "targets": {"chainrule/pytorch": 0.5, "chainrule reference/numpy floor": 1.5}},
}


def ratios(timings: dict[str, Any]) -> dict[str, float]:
    """chainrule over PyTorch and over the floor, and PyTorch over the floor, from the medians
    (and chainrule's reference path over the floor and over PyTorch, when it ran)."""
    med = {name: t.median for name, t in timings.items()}
    result = {
        "chainrule/pytorch": med["chainrule"] / med["pytorch"],
        "chainrule/numpy floor": med["chainrule"] / med["numpy floor"],
        "pytorch/numpy floor": med["pytorch"] / med["numpy floor"],
    }
    if "chainrule reference" in med:
        result["chainrule reference/numpy floor"] = med["chainrule reference"] / med["numpy floor"]
        result["chainrule reference/pytorch"] = med["chainrule reference"] / med["pytorch"]
    per_parameter = "numpy floor, per-parameter Adam"
    if per_parameter in med:
        result["per-parameter floor/numpy floor"] = med[per_parameter] / med["numpy floor"]
        if "chainrule reference" in med:
            result["chainrule reference/per-parameter floor"] = med["chainrule reference"] / med[per_parameter]
    ops = "chainrule reference ops, no framework"
    if ops in med:
        result["reference ops/numpy floor"] = med[ops] / med["numpy floor"]
        if "chainrule reference" in med:
            result["chainrule reference/reference ops"] = med["chainrule reference"] / med[ops]
    return result


def measure(sizes: Sequence[int], batch: int, *, blocks: int, block_seconds: float,
            warmup: int, settle: float) -> dict[str, Any]:
    """Interleaved medians of the contenders' step times for one MLP and batch size."""
    losses = check_agreement(sizes, batch, reference=True)
    timings, per_block = interleaved(mlp_steps(sizes, batch, reference=True), blocks=blocks,
                                     block_seconds=block_seconds, warmup=warmup, settle=settle,
                                     min_steps=1 if settle == 0 else 5)
    return {
        "sizes": list(sizes),
        "batch": batch,
        "steps_per_block": per_block,
        "blocks": blocks,
        "settle_s": settle,
        "first_losses": losses,
        "timings": {name: t.as_dict() for name, t in timings.items()},
        "ratios": ratios(timings),
    }


def run(case: str, smoke: bool = False) -> dict[str, Any]:
    """Benchmark (a) or (b); ``smoke`` runs two tiny blocks only."""
    spec = CASES[case]
    if smoke:
        result = measure(spec["sizes"], spec["batch"], blocks=2, block_seconds=0.0, warmup=1, settle=0.0)
    else:
        result = measure(spec["sizes"], spec["batch"], blocks=31, block_seconds=0.2, warmup=20, settle=0.3)
    result["targets"] = spec["targets"]
    result["met"] = {k: result["ratios"][k] <= v for k, v in spec["targets"].items()}
    return result
