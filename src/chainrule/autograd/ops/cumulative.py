"""Running sums and products: ``cumsum``, ``cumprod``. A cumsum's output element i is the sum of
the inputs 0..i along ``dim``, so input j feeds every output i >= j and receives the sum of their
gradients: a reversed cumsum. cumprod's backward is the same sum, weighted by the other factors."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...dtypes import as_dtype
from ...tensor import Tensor
from ..function import Function
from ._util import into, normalize_dim, numpy_keywords
from .shape import reshape


class CumSum(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, axis, dtype):
        ctx.axis, ctx.dtype = axis, x.dtype
        return np.cumsum(x, axis=axis, dtype=dtype)  # Y_i = sum_{j <= i} X_j

    @staticmethod
    def backward(ctx, g):
        axis = ctx.axis  # dX_j = sum_{i >= j} G_i: the cumsum of G read from the end
        return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis).astype(ctx.dtype, copy=False), None, None


class CumProd(Function):
    """Y_i = prod_{j <= i} X_j;  dX_j = sum_{i >= j} G_i prod_{k <= i, k != j} X_k. Without zeros
    that is (the reversed cumsum of G Y)_j / X_j; a slice whose first zero is at z gives, for
    j < z, the same formula (Y_i = 0 from z on), for j = z, Y_{z-1} sum_{i >= z} G_i
    prod_{z < k <= i} X_k, and 0 after z."""

    array_io = True

    @staticmethod
    def forward(ctx, x, axis, dtype):
        y = np.cumprod(x, axis=axis, dtype=dtype)
        ctx.x, ctx.y, ctx.axis = x, y, axis
        return y

    @staticmethod
    def backward(ctx, g):
        g = np.moveaxis(g, ctx.axis, -1)
        n = g.shape[-1]  # each slice a row: [rows, n]
        x, y = (np.moveaxis(a, ctx.axis, -1).reshape(-1, n) for a in (ctx.x, ctx.y))
        gr = g.reshape(-1, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            dx = np.flip(np.cumsum(np.flip(gr * y, -1), axis=-1), -1) / x
        zero = x == 0
        for r in np.nonzero(zero.any(axis=-1))[0]:  # the slices holding a zero
            z = int(np.argmax(zero[r]))
            after = np.cumprod(np.concatenate(([1], x[r, z + 1:])))  # prod_{z < k <= i} X_k
            dx[r, z] = (y[r, z - 1] if z else 1) * np.sum(gr[r, z:] * after)
            dx[r, z + 1:] = 0
        return np.moveaxis(dx.reshape(g.shape), -1, ctx.axis).astype(ctx.x.dtype, copy=False), None, None


def _running(op: str, fn: Any, input: Tensor, dim: int, dtype: Any, out: Tensor | None) -> Tensor:  # noqa: A002
    """cumsum/cumprod: ``fn`` along ``dim``; integer and bool tensors in int64, as in PyTorch."""
    axis = normalize_dim(dim, input._data.ndim, op)
    if dtype is not None:
        dtype = as_dtype(dtype)
    elif input._data.dtype.kind in "biu":
        dtype = np.dtype(np.int64)
    if input._data.ndim == 0:
        y = reshape(fn.apply(reshape(input, (1,)), 0, dtype), ())
    else:
        y = fn.apply(input, axis, dtype)
    return y if out is None else into(out, y, op)


@numpy_keywords
def cumsum(input: Tensor, dim: int, *, dtype: Any = None, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Running sums along ``dim``; integer and bool tensors sum in int64, as in PyTorch."""
    return _running("cumsum", CumSum, input, dim, dtype, out)


@numpy_keywords
def cumprod(input: Tensor, dim: int, *, dtype: Any = None, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Running products along ``dim``; integer and bool tensors multiply in int64, as in PyTorch."""
    return _running("cumprod", CumProd, input, dim, dtype, out)


# ------------------------------------------------------------------ running max/min, log-sum-exp
def running_extreme_index(x: np.ndarray, axis: int, take_min: bool) -> np.ndarray:
    """For each position i along ``axis``: where the running max (``take_min``: min) of 0..i lies,
    the last such position on ties, a NaN winning from where it appears (PyTorch's choices)."""
    xm = np.moveaxis(x, axis, -1)
    better = np.less_equal if take_min else np.greater_equal
    best, indices = xm[..., 0].copy(), np.zeros(xm.shape, dtype=np.int64)
    for i in range(1, xm.shape[-1]):
        cur = xm[..., i]
        take = np.isnan(cur) | (better(cur, best) & ~np.isnan(best))
        best = np.where(take, cur, best)
        indices[..., i] = np.where(take, i, indices[..., i - 1])
    return np.moveaxis(indices, -1, axis)


class CumMax(Function):
    """Y_i = X at I_i, the position of the running max (or min) of 0..i (``running_extreme_index``);
    dX_j = the sum of G_i over the i whose I_i is j."""

    array_io = True

    @staticmethod
    def forward(ctx, x, axis, indices):
        ctx.axis, ctx.indices = axis, indices
        return np.take_along_axis(x, indices, axis=axis)

    @staticmethod
    def backward(ctx, g):
        dx = np.zeros_like(g)
        grid = list(np.indices(g.shape, sparse=True))
        grid[ctx.axis] = ctx.indices
        np.add.at(dx, tuple(grid), g)  # dX[..., I_i, ...] += G_i
        return dx, None, None


class LogCumSumExp(Function):
    """Y_i = log sum_{j <= i} e^{X_j};  dX_j = sum_{i >= j} G_i e^{X_j - Y_i}, summed in log space
    apart for the positive and the negative G (so that no exponential overflows)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, axis):
        y = np.logaddexp.accumulate(x, axis=axis)
        ctx.x, ctx.y, ctx.axis = x, y, axis
        return y

    @staticmethod
    def backward(ctx, g):
        x, y, axis = ctx.x, ctx.y, ctx.axis

        def from_end(v):  # log sum_{i >= j} e^{v_i}
            return np.flip(np.logaddexp.accumulate(np.flip(v, axis), axis=axis), axis)

        with np.errstate(divide="ignore", invalid="ignore"):
            pos = from_end(np.where(g > 0, np.log(np.abs(g)), -np.inf) - y)
            neg = from_end(np.where(g < 0, np.log(np.abs(g)), -np.inf) - y)
            dx = np.exp(x + pos) - np.exp(x + neg)
        return dx.astype(g.dtype, copy=False), None


def _running_extreme(op: str, input: Tensor, dim: int, take_min: bool) -> Any:  # noqa: A002
    from ...tensor import MinMax

    axis = normalize_dim(dim, input._data.ndim, op)
    if input._data.ndim == 0:
        return MinMax(input.clone(), Tensor._make(np.zeros((), dtype=np.int64)))
    if input._data.size == 0:
        return MinMax(input.clone(), Tensor._make(np.zeros(input._data.shape, dtype=np.int64)))
    indices = running_extreme_index(input._data, axis, take_min)
    return MinMax(CumMax.apply(input, axis, indices), Tensor._make(indices))


@numpy_keywords
def cummax(input: Tensor, dim: int) -> Any:  # noqa: A002
    """``(values, indices)``: the running maximum along ``dim`` and where it was found (the last
    position on ties)."""
    return _running_extreme("cummax", input, dim, False)


@numpy_keywords
def cummin(input: Tensor, dim: int) -> Any:  # noqa: A002
    """``(values, indices)``: the running minimum along ``dim`` and where it was found."""
    return _running_extreme("cummin", input, dim, True)


@numpy_keywords
def logcumsumexp(input: Tensor, dim: int, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``log(cumsum(exp(input), dim))``, computed without overflow."""
    if input._data.dtype.kind not in "f":
        raise TypeError(f"logcumsumexp(): expected a floating point input, got {input.dtype}")
    axis = normalize_dim(dim, input._data.ndim, "logcumsumexp")
    if input._data.ndim == 0:
        y = reshape(LogCumSumExp.apply(reshape(input, (1,)), 0), ())
    else:
        y = LogCumSumExp.apply(input, axis)
    return y if out is None else into(out, y, "logcumsumexp")
