"""Order and counting: sort, argsort, topk, unique, histc, histogram, searchsorted, bucketize, isin.

Sorting only moves elements, so ``values`` is a :func:`gather` of the input at ``indices`` and its
gradient flows back to the positions the values came from. Indices, unique values and histogram
counts are integers or counts: they have no gradient.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ...dtypes import wrap
from ...errors import ShapeError
from ...tensor import Tensor
from ._util import normalize_dim, numpy_keywords
from .indexing import gather

SortResult = namedtuple("sort", ["values", "indices"])  # torch.return_types.sort
TopKResult = namedtuple("topk", ["values", "indices"])
HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])


def _order(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Indices that sort ``x`` along ``axis``, stably: equal values keep their order (NaN counts as largest)."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    # stable and descending: sort the reversed array ascending, then read that order backwards
    n = x.shape[axis]
    return np.flip(n - 1 - np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)


def _sorted(x: Tensor, dim: int, descending: bool, op: str) -> tuple[Tensor, Tensor]:
    if x._data.ndim == 0:
        return x, Tensor._make(np.zeros((), dtype=np.int64))
    axis = normalize_dim(dim, x._data.ndim, op)
    indices = Tensor._make(_order(x._data, axis, descending).astype(np.int64))
    return gather(x, axis, indices), indices


@numpy_keywords
def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:  # noqa: A002
    """``(values, indices)`` of ``input`` sorted along ``dim``. The sort is always stable (ties keep
    their order), which ``stable=False`` allows too."""
    return SortResult(*_sorted(input, dim, descending, "sort"))


@numpy_keywords
def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:  # noqa: A002
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``)."""
    return _sorted(input, dim, descending, "argsort")[1]


@numpy_keywords
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopKResult:  # noqa: A002
    """The ``k`` largest (or, with ``largest=False``, smallest) values along ``dim`` and their
    indices, largest first. They are sorted even with ``sorted=False`` (whose order is unspecified)."""
    size = input._data.shape[normalize_dim(dim, input._data.ndim, "topk")] if input._data.ndim else 1
    if not 0 <= k <= size:
        raise IndexError(
            f"topk(): k={k} is out of range for dimension {dim} of size {size} (shape {tuple(input.shape)})"
        )
    values, indices = _sorted(input, dim, largest, "topk")
    if input._data.ndim == 0:
        return TopKResult(values, indices)
    axis = normalize_dim(dim, input._data.ndim, "topk")
    first_k = (slice(None),) * axis + (slice(0, k),)
    return TopKResult(values[first_k], indices[first_k])


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values (or, along ``dim``, the distinct slices) in ascending order; with
    ``return_inverse`` also where each input element went, with ``return_counts`` how often each
    occurs. The values are sorted even with ``sorted=False`` (which leaves the order unspecified)."""
    x = input._data
    axis = None if dim is None else normalize_dim(dim, x.ndim, "unique")
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=axis)
    out = [Tensor._make(values)]
    if return_inverse:
        out.append(Tensor._make(inverse.reshape(x.shape if axis is None else -1).astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def _floating(x: Tensor, op: str) -> np.ndarray:
    if x._data.dtype.kind != "f":
        raise TypeError(f"{op}(): expected a floating point input, got {wrap(x._data.dtype)}; convert with .float()")
    return x._data


def _range(data: np.ndarray, lo: float, hi: float, from_data: bool, op: str,
           widen: float = 0.5) -> tuple[float, float]:
    """The histogram's range: ``[lo, hi]``, or the data's own (``from_data``); widened by ``widen``
    each way, in the data's dtype, when it is a single point (``histc`` widens by 1, ``histogram``
    by 1/2, as NumPy does)."""
    if from_data:
        lo, hi = (float(np.min(data)), float(np.max(data))) if data.size else (0.0, 0.0)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{op}(): range of [{lo}, {hi}] is not finite")
    if lo > hi:
        raise ValueError(f"{op}(): max must be larger than min, got min={lo} and max={hi}")
    if lo == hi:
        t = data.dtype.type
        lo, hi = float(t(lo) - t(widen)), float(t(hi) + t(widen))
    return lo, hi


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts of ``input`` in ``bins`` equal bins over ``[min, max]`` (the data's range when
    ``min == max``); values outside are ignored, ``max`` falls in the last bin. A float tensor of
    input's dtype."""
    data = _floating(input, "histc").reshape(-1)
    if bins <= 0:
        raise ValueError(f"histc(): bins must be > 0, got {bins}")
    lo, hi = _range(data, float(min), float(max), min == max, "histc", widen=1.0)
    lo_, hi_ = data.dtype.type(lo), data.dtype.type(hi)
    inside = data[(data >= lo_) & (data <= hi_)]
    position = ((inside - lo_) * bins / (hi_ - lo_)).astype(np.int64)  # which bin, as PyTorch computes it
    counts = np.bincount(np.minimum(position, bins - 1), minlength=bins)
    return Tensor._make(counts.astype(data.dtype))


def histogram(input: Tensor, bins: Any = 100, *, range: tuple[float, float] | None = None,  # noqa: A002
              weight: Tensor | None = None, density: bool = False) -> HistogramResult:
    """``(hist, bin_edges)``: ``bins`` equal bins over ``range`` (default: the data's), or the bin
    edges given as a 1-D tensor. Each value counts (or adds its ``weight``) in the bin
    ``[edge_i, edge_i+1)``, the last bin closed; ``density`` divides by total and bin width."""
    data = _floating(input, "histogram")
    if isinstance(bins, Tensor):
        edges = bins._data.astype(data.dtype)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) < 0):
            raise ValueError(f"histogram(): bins must be a 1-D increasing tensor of at least 2 edges, got {bins}")
    else:
        if int(bins) <= 0:
            raise ValueError(f"histogram(): bins must be > 0, got {bins}")
        lo, hi = _range(data, *(range if range is not None else (0.0, 0.0)), range is None, "histogram")
        edges = np.linspace(lo, hi, int(bins) + 1).astype(data.dtype)
    w = None
    if weight is not None:
        w = weight._data.astype(data.dtype).reshape(-1)
        if weight._data.shape != data.shape:
            raise ShapeError(
                f"histogram(): weight of shape {tuple(weight.shape)} must have input's shape {tuple(input.shape)}"
            )
    values = data.reshape(-1)
    inside = (values >= edges[0]) & (values <= edges[-1])
    position = np.minimum(np.searchsorted(edges, values[inside], side="right") - 1, edges.size - 2)
    hist = np.bincount(position, weights=None if w is None else w[inside], minlength=edges.size - 1)
    if density:
        hist = hist / (hist.sum() * np.diff(edges))
    return HistogramResult(Tensor._make(hist.astype(data.dtype)), Tensor._make(edges))


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """How often each value 0, 1, ... occurs in a 1-D tensor of non-negative integers (int64), or
    the sum of ``weights`` at each value's positions (in the weights' float dtype); at least
    ``minlength`` bins. No gradient, as in PyTorch."""
    x = input._data
    if x.ndim != 1 or x.dtype.kind not in "biu":
        raise ShapeError(
            f"bincount(): expects a 1-D tensor of integers, got shape {tuple(x.shape)} of dtype {wrap(x.dtype)}")
    if x.size and x.min() < 0:
        raise ValueError(f"bincount(): input must be non-negative, got the value {int(x.min())}")
    if minlength < 0:
        raise ValueError(f"bincount(): minlength must be non-negative, got {minlength}")
    if weights is None:
        return Tensor._make(np.bincount(x, minlength=minlength).astype(np.int64))
    w = weights._data
    if w.shape != x.shape:
        raise ShapeError(f"bincount(): weights of shape {tuple(w.shape)} must have input's shape {tuple(x.shape)}")
    dtype = w.dtype if w.dtype.kind == "f" else np.float64
    return Tensor._make(np.bincount(x, weights=w, minlength=minlength).astype(dtype))


def msort(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` sorted along its first dim (``sort(input, dim=0).values``)."""
    return sort(input, 0).values


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
                       dim: int | None = None) -> Any:
    """``input`` with each run of equal consecutive elements (or slices along ``dim``) kept once;
    with ``return_inverse`` the run each element belongs to, with ``return_counts`` the run lengths."""
    x = input._data
    if dim is None:
        flat = x.reshape(-1)
        starts = np.ones(flat.shape, dtype=bool)
        starts[1:] = flat[1:] != flat[:-1]
        values = flat[starts]
        inverse_shape = x.shape
    else:
        axis = normalize_dim(dim, x.ndim, "unique_consecutive")
        moved = np.moveaxis(x, axis, 0).reshape(x.shape[axis] if x.ndim else 1, -1)
        starts = np.ones(moved.shape[0], dtype=bool)
        starts[1:] = np.any(moved[1:] != moved[:-1], axis=1)
        values = np.compress(starts, x, axis=axis)
        inverse_shape = (moved.shape[0],)
    runs = np.cumsum(starts) - 1  # each element's run
    out = [Tensor._make(values)]
    if return_inverse:
        out.append(Tensor._make(runs.reshape(inverse_shape).astype(np.int64)))
    if return_counts:
        bounds = np.append(np.flatnonzero(starts), len(starts))
        out.append(Tensor._make(np.diff(bounds).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False, right: bool = False,  # noqa: A002
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """Where each value of ``input`` would go in ``sorted_sequence`` to keep it sorted: the index of
    the first element ``>= value`` (``right``/``side='right'``: ``> value``). ``sorted_sequence``
    is 1-D, or ``[..., n]`` with ``input`` ``[..., m]`` (the same leading dims, one search per row);
    ``sorter`` gives the order of an unsorted sequence. int64 indices (int32 with ``out_int32``)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of "
                               "left while right was True")
        right = side == "right"
    boundaries = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    values = np.asarray(input) if scalar else input._data
    if sorter is not None:
        if sorter._data.shape != boundaries.shape:
            raise ShapeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got "
                             f"boundary tensor {list(boundaries.shape)} and got sorter tensor "
                             f"{list(sorter._data.shape)}")
        boundaries = np.take_along_axis(boundaries, sorter._data, axis=-1)
    if boundaries.ndim > 1 and boundaries.shape[:-1] != values.shape[:-1]:
        raise ShapeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
            f"boundaries tensor and input value tensor must match, but we got boundaries tensor "
            f"{list(boundaries.shape)} and input value tensor {list(values.shape)}")
    side_name = "right" if right else "left"
    if boundaries.ndim <= 1:
        found = np.searchsorted(boundaries, values, side=side_name)
    else:
        rows_b = boundaries.reshape(-1, boundaries.shape[-1])
        rows_v = values.reshape(-1, values.shape[-1])
        found = np.stack([np.searchsorted(b, v, side=side_name) for b, v in zip(rows_b, rows_v)])
        found = found.reshape(values.shape)
    return Tensor._make(np.asarray(found, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:  # noqa: A002
    """The bucket of each value of ``input`` among the sorted 1-D ``boundaries``: the index ``i``
    with ``boundaries[i-1] < x <= boundaries[i]`` (``right=True``: ``boundaries[i-1] <= x < boundaries[i]``)."""
    if boundaries._data.ndim != 1:
        raise ShapeError(f"bucketize(): boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """For each element of ``elements``, is it among ``test_elements``? A bool tensor shaped like
    ``elements`` (negated with ``invert``)."""
    a = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return Tensor._make(np.isin(a, b, assume_unique=assume_unique, invert=invert))
