"""Metrics that ``fit`` tracks besides the loss: accuracy, MSE, MAE.

Each built-in metric maps a batch's ``(output, target)`` ndarrays to ``(total, count)``, so that
the epoch's value is exact however the batches are cut: ``sum(totals) / sum(counts)``.

* ``accuracy``: the fraction of samples whose predicted class is right. The prediction is
  ``argmax(output, -1)`` for ``[N, C]`` logits; for one output per sample (``[N]`` or ``[N, 1]``,
  binary logits as for ``BCEWithLogitsLoss``) it is ``output > 0``. Targets are class indices, or
  one-hot / probability rows (compared by their argmax).
* ``mse``: ``mean((output - target)^2)`` over all elements; ``mae``: ``mean(|output - target|)``.

A user's metric is any callable ``fn(output: Tensor, target: Tensor) -> float`` returning the
batch's mean; ``fit`` weights it by the batch size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor

BatchMetric = Callable[[np.ndarray, np.ndarray], tuple[float, int]]


def _predicted_classes(output: np.ndarray) -> np.ndarray:
    if output.ndim >= 2 and output.shape[-1] > 1:
        return output.argmax(-1)
    if output.ndim >= 2:  # [N, 1]: one binary logit per sample
        output = output[..., 0]
    return (output > 0).astype(np.int64)


def accuracy_counts(output: np.ndarray, target: np.ndarray) -> tuple[float, int]:
    """``(number of correct predictions, number of samples)`` for a batch."""
    pred = _predicted_classes(output)
    multiclass = output.ndim >= 2 and output.shape[-1] > 1
    if multiclass and target.dtype.kind == "f" and target.ndim == output.ndim:
        target = target.argmax(-1)  # one-hot or class probabilities
    elif target.ndim == pred.ndim + 1 and target.shape[-1] == 1:
        target = target[..., 0]
    if target.shape != pred.shape:
        raise ShapeError(
            f"accuracy: output of shape {tuple(output.shape)} gives predictions of shape "
            f"{tuple(pred.shape)}, but the target has shape {tuple(target.shape)}"
        )
    return float(np.count_nonzero(pred == target)), int(pred.size)


def _same_shape(name: str, output: np.ndarray, target: np.ndarray) -> None:
    if output.shape != target.shape:
        raise ShapeError(
            f"{name}: output shape {tuple(output.shape)} and target shape {tuple(target.shape)} "
            "must match (broadcasting them would compare every output with every target)"
        )


def mse_counts(output: np.ndarray, target: np.ndarray) -> tuple[float, int]:
    """``(sum of squared errors, number of elements)`` for a batch."""
    _same_shape("mse", output, target)
    d = output - target
    return float(np.vdot(d, d).real), int(d.size)


def mae_counts(output: np.ndarray, target: np.ndarray) -> tuple[float, int]:
    """``(sum of absolute errors, number of elements)`` for a batch."""
    _same_shape("mae", output, target)
    return float(np.abs(output - target).sum()), int(output.size)


METRICS: dict[str, BatchMetric] = {
    "accuracy": accuracy_counts,
    "acc": accuracy_counts,
    "mse": mse_counts,
    "mae": mae_counts,
}


def accuracy(output: Tensor | np.ndarray, target: Tensor | np.ndarray) -> float:
    """The fraction of correctly classified samples (see the module docstring for the rules)."""
    correct, n = accuracy_counts(_array(output), _array(target))
    return correct / n if n else float("nan")


def _array(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _weighted(fn: Callable[[Tensor, Tensor], Any]) -> BatchMetric:
    def batch(output: np.ndarray, target: np.ndarray) -> tuple[float, int]:
        n = output.shape[0] if output.ndim else 1
        return float(fn(Tensor._make(output), Tensor._make(target))) * n, n

    return batch


def resolve(
    metrics: Sequence[str | Callable[..., Any]] | str | None,
) -> list[tuple[str, BatchMetric]]:
    """``[(name, batch_fn), ...]`` for ``fit``'s ``metrics`` argument."""
    if metrics is None:
        return []
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    out = []
    for m in metrics:
        if isinstance(m, str):
            if m not in METRICS:
                raise ValueError(f"fit: unknown metric {m!r}; choose from {', '.join(METRICS)}, "
                                 "or pass a function fn(output, target) -> float")
            out.append(("accuracy" if m == "acc" else m, METRICS[m]))
        elif callable(m):
            out.append((getattr(m, "__name__", type(m).__name__), _weighted(m)))
        else:
            raise TypeError(f"fit: a metric must be a name or a callable, got {m!r}")
    return out
