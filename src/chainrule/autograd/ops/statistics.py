"""Statistics of a sample: var_mean, std_mean, kthvalue, mode, nanmedian, quantile, nanquantile, cov, corrcoef.

Each is built from differentiable pieces (sort, gather, sums and products), so its gradient is
theirs: a quantile's flows to the one or two sample values it interpolates between,
``q = x_(lo) + f (x_(hi) - x_(lo))`` with ``x_(i)`` the i-th smallest and ``f`` the fraction of
the way from one to the next; the k-th value's and the mode's to the element they picked.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ...errors import ShapeError
from ...tensor import Tensor
from ._util import normalize_dim
from .indexing import gather
from .reduce import mean, std, var
from .sort import sort

KthvalueResult = namedtuple("kthvalue", ["values", "indices"])  # torch.return_types.kthvalue
ModeResult = namedtuple("mode", ["values", "indices"])
NanmedianResult = namedtuple("nanmedian", ["values", "indices"])

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def var_mean(input: Tensor, dim: Any = None, *, correction: Any = 1, keepdim: bool = False,  # noqa: A002
             unbiased: bool | None = None) -> tuple[Tensor, Tensor]:
    """``(var(input), mean(input))`` over ``dim`` (all elements by default)."""
    if unbiased is not None:
        correction = int(unbiased)
    return var(input, dim, keepdim=keepdim, correction=correction), mean(input, dim, keepdim=keepdim)


def std_mean(input: Tensor, dim: Any = None, *, correction: Any = 1, keepdim: bool = False,  # noqa: A002
             unbiased: bool | None = None) -> tuple[Tensor, Tensor]:
    """``(std(input), mean(input))`` over ``dim`` (all elements by default)."""
    if unbiased is not None:
        correction = int(unbiased)
    return std(input, dim, keepdim=keepdim, correction=correction), mean(input, dim, keepdim=keepdim)


def _pick(input: Tensor, index: np.ndarray, axis: int, keepdim: bool) -> tuple[Tensor, Tensor]:
    """The elements at ``index`` (a size-1 dim at ``axis``) and the indices, as a reduction returns them."""
    values = gather(input, axis, Tensor._make(index))
    if not keepdim:
        values, index = values.squeeze(axis), np.squeeze(index, axis)
    return values, Tensor._make(index.astype(np.int64))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> KthvalueResult:  # noqa: A002
    """The ``k``-th smallest value along ``dim`` (``k = 1`` is the minimum) and its index. Among
    equal values the one a stable sort puts ``k``-th is chosen (PyTorch leaves this unspecified)."""
    x = input._data
    if x.ndim == 0:
        if k != 1:
            raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
        return KthvalueResult(input, Tensor._make(np.asarray(0)))
    axis = normalize_dim(dim, x.ndim, "kthvalue")
    if not 1 <= k <= x.shape[axis]:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    index = np.take(np.argsort(x, axis=axis, kind="stable"), [k - 1], axis=axis)
    return KthvalueResult(*_pick(input, index, axis, keepdim))


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ModeResult:  # noqa: A002
    """The most frequent value along ``dim`` (the smallest of several equally frequent ones) and
    the index of its last occurrence, as PyTorch."""
    x = input._data
    if x.ndim == 0:
        return ModeResult(input, Tensor._make(np.asarray(0)))
    axis = normalize_dim(dim, x.ndim, "mode")
    if x.shape[axis] == 0:
        raise IndexError(f"mode(): dimension {dim} of shape {tuple(x.shape)} is empty")
    moved = np.moveaxis(x, axis, -1)  # [..., n]
    rows = moved.reshape(-1, moved.shape[-1])
    index = np.empty(rows.shape[0], dtype=np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)  # ascending: the first best is the smallest
        best = values[np.argmax(counts)]
        index[r] = np.flatnonzero(row == best)[-1] if best == best else np.flatnonzero(row != row)[-1]
    index = np.moveaxis(index.reshape(moved.shape[:-1] + (1,)), -1, axis)
    return ModeResult(*_pick(input, index, axis, keepdim))


def _quantile(input: Tensor, q: Any, dim: int | None, keepdim: bool, interpolation: str, op: str,  # noqa: A002
              ignore_nan: bool) -> Tensor:
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}() interpolation must be one of {', '.join(_INTERPOLATIONS)}. "
                         f"Got {interpolation!r}")
    if isinstance(q, Tensor) and q._data.dtype != x.dtype:
        raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor")
    qs = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=np.float64)
    if qs.ndim > 1:
        raise ShapeError(f"{op}() q must be a scalar or 1D tensor, got shape {tuple(qs.shape)}")
    if qs.size and (qs.min() < 0 or qs.max() > 1):
        bad = qs[(qs < 0) | (qs > 1)].flat[0]
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {bad:g}")
    if x.size == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    flat = dim is None
    if flat:
        input, axis = input.reshape(-1), 0  # noqa: A001
    else:
        axis = normalize_dim(dim, x.ndim, op)
    ordered = sort(input, axis).values.movedim(axis, -1)  # [..., n]  NaN sorts last
    data = ordered._data
    nan = np.isnan(data)
    count = (data.shape[-1] - nan.sum(-1, keepdims=True)) if ignore_nan else np.full(data.shape[:-1] + (1,),
                                                                                     data.shape[-1])
    position = qs.reshape(-1) * (np.maximum(count, 1) - 1)  # [..., Q]: where q falls among the sorted values
    lo, hi = np.floor(position).astype(np.int64), np.ceil(position).astype(np.int64)
    below, above = gather(ordered, -1, Tensor._make(lo)), gather(ordered, -1, Tensor._make(hi))
    if interpolation == "lower":
        result = below
    elif interpolation == "higher":
        result = above
    elif interpolation == "nearest":
        result = gather(ordered, -1, Tensor._make(np.round(position).astype(np.int64)))  # ties to even
    elif interpolation == "midpoint":
        result = below + (above - below) * 0.5
    else:  # linear: x_(lo) + f (x_(hi) - x_(lo))
        result = below + (above - below) * Tensor._make((position - lo).astype(data.dtype))
    undefined = (count == 0) if ignore_nan else nan.any(-1, keepdims=True)  # all NaN, or any NaN
    if undefined.any():
        result = result.masked_fill(Tensor._make(np.broadcast_to(undefined, result.shape)), float("nan"))
    result = result.movedim(-1, 0)  # [Q, the other dims]
    if keepdim:  # the reduced dim (all of them, with dim=None) kept with size 1
        result = result.reshape((-1,) + (1,) * x.ndim) if flat else result.unsqueeze(1 + axis)
    return result.squeeze(0) if qs.ndim == 0 else result


def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
             interpolation: str = "linear") -> Tensor:
    """The ``q``-quantiles of ``input`` along ``dim`` (of all its elements by default): for
    ``q`` a number, the value below which a fraction ``q`` of the sample lies, interpolated
    between the two nearest sorted values (``interpolation``: linear, lower, higher, midpoint,
    nearest); for ``q`` a 1-D tensor, one result per entry along a new first dim. NaN in a slice
    gives NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, "quantile", ignore_nan=False)


def nanquantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
                interpolation: str = "linear") -> Tensor:
    """:func:`quantile` of the values that are not NaN (NaN only for a slice of NaN alone)."""
    return _quantile(input, q, dim, keepdim, interpolation, "nanquantile", ignore_nan=True)


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,  # noqa: A002
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` ``[V, N]`` (or of one
    variable ``[N]``): ``C = (X - mean) (X - mean)^T / (N - correction)``, with observation weights
    ``w = fweights * aweights`` when given (NumPy's and PyTorch's weighted formula)."""
    x = input if input.dim() == 2 else input.reshape(1, -1)
    if input.dim() > 2:
        raise ShapeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                         f"{input.dim()} dimensions")
    n = x.shape[1]
    w = None
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is None:
            continue
        if weights.dim() > 1 or weights.numel() != n:
            raise ShapeError(f"cov(): expected {name} to have one dimension of size {n}, got shape "
                             f"{tuple(weights.shape)}")
        w = weights if w is None else w * weights
    if w is None:
        centred = x - x.mean(1, keepdim=True)
        denominator = n - correction
        c = centred @ centred.T
    else:
        w = w.to(x.dtype)
        w_sum = w.sum()
        centred = x - (x * w).sum(1, keepdim=True) / w_sum
        if correction == 0:
            denominator = w_sum
        elif aweights is None:
            denominator = w_sum - correction
        else:
            denominator = w_sum - correction * (w * aweights.to(x.dtype)).sum() / w_sum
        c = (centred * w) @ centred.T
    c = c / denominator
    return c.reshape(()) if input.dim() < 2 else c


def corrcoef(input: Tensor) -> Tensor:  # noqa: A002
    """Pearson's correlation of the rows of ``input``: ``R_ij = C_ij / sqrt(C_ii C_jj)`` with
    ``C = cov(input)``, clipped to [-1, 1] as PyTorch does."""
    c = cov(input)
    if c.dim() == 0:
        return c / c
    d = c.diagonal().sqrt()
    return (c / d[:, None] / d[None, :]).clamp(-1, 1)


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """:func:`median` of the values that are not NaN: the lower of the two middle ones (NaN only for
    a slice of NaN alone); with ``dim``, ``(values, indices)``."""
    x = input._data
    flat = dim is None
    source = input.reshape(-1) if flat else input
    axis = 0 if flat else normalize_dim(dim, x.ndim, "nanmedian")
    if source._data.ndim == 0:
        return input if flat else NanmedianResult(input, Tensor._make(np.asarray(0)))
    data = source._data
    order = np.argsort(data, axis=axis, kind="stable")  # NaN sorts last
    count = np.sum(~np.isnan(data), axis=axis, keepdims=True) if data.dtype.kind == "f" else \
        np.full(data.shape[:axis] + (1,) + data.shape[axis + 1:], data.shape[axis])
    k = np.maximum(count - 1, 0) // 2  # the lower middle among the values that count
    index = np.take_along_axis(order, k, axis=axis)
    values = gather(source, axis, Tensor._make(index))
    if flat:
        return values.reshape(())
    if not keepdim:
        values, index = values.squeeze(axis), np.squeeze(index, axis)
    return NanmedianResult(values, Tensor._make(index.astype(np.int64)))
