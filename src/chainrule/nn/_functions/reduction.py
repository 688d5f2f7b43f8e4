"""The ``reduction`` argument of every loss: ``'mean'``, ``'sum'`` or ``'none'``.

A loss computes one value ``l_i`` per element (or per sample); the reduction turns them into the
number that is minimised. Its backward is the reduction's derivative: ``dl_i = g`` for ``sum``,
``g / n`` for ``mean`` and ``g_i`` for ``none``.
"""

from __future__ import annotations

import numpy as np

REDUCTIONS = ("none", "mean", "sum")


def legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """PyTorch's deprecated ``size_average``/``reduce`` pair as a ``reduction`` string."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def resolve(reduction: str, size_average: bool | None, reduce: bool | None, op: str) -> str:
    """The effective reduction, validated, with an error naming the loss."""
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce)
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"{op}: {reduction!r} is not a valid value for reduction; "
            f"expected one of 'mean', 'sum', 'none'"
        )
    return reduction


def reduce_loss(loss: np.ndarray, reduction: str) -> np.ndarray:
    """``mean`` or ``sum`` of the elementwise loss, or the loss itself for ``none``."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.sum(loss)
    if loss.size == 0:
        return np.array(np.nan, dtype=loss.dtype)
    return np.mean(loss)


def spread(g: np.ndarray, reduction: str, n: int) -> np.ndarray:
    """dLoss/dl_i from the gradient ``g`` of the reduced loss (broadcastable to the loss)."""
    if reduction == "none":
        return g
    if reduction == "mean":
        return g / g.dtype.type(n) if n else g * np.nan
    return g
