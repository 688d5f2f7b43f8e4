"""Reductions: sum, mean, var/std, max/min, logsumexp, norm.

A reduction's backward spreads the gradient of each output element back over the input elements
that produced it: ``expand`` restores the reduced dims so ``G`` broadcasts against the input.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ...dtypes import as_dtype, wrap
from ...tensor import MinMax, Tensor
from ..function import Function
from . import activation
from ._util import into, normalize_dim, normalize_dims, numpy_keywords
from .elementwise import to_dtype


def _expand(g: np.ndarray, axes: tuple[int, ...] | None, keepdim: bool, ndim: int) -> np.ndarray:
    """Put back the reduced dims (size 1) so that G broadcasts against the input."""
    if keepdim or axes is None and g.ndim == ndim:
        return g
    if axes is None:
        return g.reshape((1,) * ndim)
    return np.expand_dims(g, axes)


def _drop_reduced(out: np.ndarray, axes: tuple[int, ...] | None, keepdim: bool) -> np.ndarray:
    """A reduction computed with ``keepdims=True``, its reduced dims dropped unless ``keepdim``."""
    if keepdim:
        return out
    return out.reshape(()) if axes is None else np.squeeze(out, axis=axes)


def _spread(g: np.ndarray, shape: tuple[int, ...], axes: Any, keepdim: bool) -> np.ndarray:
    """Each input element receives its output element's gradient (a broadcast, no copy)."""
    if g.ndim == 0:
        return np.full(shape, g, dtype=g.dtype)  # the common loss.sum()/mean() case: cheapest
    return np.broadcast_to(_expand(g, axes, keepdim, len(shape)), shape)


class Sum(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, dtype):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return np.sum(x, axis=axes, keepdims=keepdim, dtype=dtype)  # y = sum_i x_i

    @staticmethod
    def backward(ctx, g):
        return _spread(g, ctx.shape, ctx.axes, ctx.keepdim), None, None, None  # dx_i = g


class Mean(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.count = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
        return np.mean(x, axis=axes, keepdims=keepdim)  # y = (1/n) sum_i x_i

    @staticmethod
    def backward(ctx, g):
        return _spread(g / ctx.count, ctx.shape, ctx.axes, ctx.keepdim), None, None  # dx_i = g / n


def _centred(ctx, x, axes, keepdim, correction):
    """Save x - mean and n - correction for var/std; return sum_i (x_i - mean)^2 / (n - c)."""
    centred = x - np.mean(x, axis=axes, keepdims=True)
    count = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
    ctx.centred, ctx.axes, ctx.keepdim = centred, axes, keepdim
    ctx.denominator = builtins.max(count - correction, 0)  # this module's max is the op
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.sum(centred * centred, axis=axes, keepdims=keepdim) / ctx.denominator
    return np.asarray(out).astype(x.dtype, copy=False)


class Var(Function):
    """var = sum_i (x_i - mean)^2 / (n - correction);  dx_i = g * 2 (x_i - mean) / (n - correction)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction):
        return _centred(ctx, x, axes, keepdim, correction)

    @staticmethod
    def backward(ctx, g):
        centred = ctx.centred  # the mean's own gradient term sums to zero
        ge = _expand(g, ctx.axes, ctx.keepdim, centred.ndim)
        scale = 2 / ctx.denominator if ctx.denominator else float("inf")  # n <= correction: NaN, as PyTorch
        with np.errstate(invalid="ignore"):
            return ge * scale * centred, None, None, None


class Std(Function):
    """std = sqrt(var);  dx_i = g * (x_i - mean) / ((n - correction) std)  (0 where std = 0)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction):
        out = np.sqrt(_centred(ctx, x, axes, keepdim, correction))
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, g):
        centred, out = ctx.centred, ctx.out
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(out == 0, 0, g / (out * ctx.denominator))  # PyTorch masks std = 0
        ge = _expand(scale.astype(g.dtype, copy=False), ctx.axes, ctx.keepdim, centred.ndim)
        return ge * centred, None, None, None


class AMax(Function):
    """max over dims; ties share the gradient evenly (PyTorch's amax/amin and max() rule)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, take_min):
        reduce = np.min if take_min else np.max
        out = reduce(x, axis=axes, keepdims=True)
        ctx.x, ctx.out_keep, ctx.axes, ctx.keepdim = x, out, axes, keepdim
        return _drop_reduced(out, axes, keepdim)

    @staticmethod
    def backward(ctx, g):
        x = ctx.x
        winners = x == ctx.out_keep
        count = np.sum(winners, axis=ctx.axes, keepdims=True)
        ge = _expand(g, ctx.axes, ctx.keepdim, x.ndim)
        return (winners * (ge / count)).astype(x.dtype, copy=False), None, None, None


class MaxDim(Function):
    """``max(dim)``/``min(dim)``: values whose gradient goes to the arg-max index only."""

    array_io = True

    @staticmethod
    def forward(ctx, x, axis, keepdim, take_min):
        idx = (np.argmin if take_min else np.argmax)(x, axis=axis, keepdims=True)
        values = np.take_along_axis(x, idx, axis=axis)
        ctx.shape, ctx.dtype, ctx.idx, ctx.axis, ctx.keepdim = x.shape, x.dtype, idx, axis, keepdim
        return values if keepdim else np.squeeze(values, axis=axis)

    @staticmethod
    def backward(ctx, g):
        dx = np.zeros(ctx.shape, dtype=ctx.dtype)
        ge = g if ctx.keepdim else np.expand_dims(g, ctx.axis)
        np.put_along_axis(dx, ctx.idx, ge, axis=ctx.axis)
        return dx, None, None, None


class Prod(Function):
    """y = prod_i x_i;  dx_i = g prod_{k != i} x_k: g y / x_i when no x is zero; when one is,
    that one gets the product of the others and the rest 0; two or more zeros: all 0."""

    array_io = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, dtype):
        out = np.prod(x, axis=axes, keepdims=True, dtype=dtype)
        ctx.x, ctx.out_keep, ctx.axes, ctx.keepdim = x, out, axes, keepdim
        return _drop_reduced(out, axes, keepdim)

    @staticmethod
    def backward(ctx, g):
        x, axes = ctx.x, ctx.axes
        ge = _expand(g, axes, ctx.keepdim, x.ndim)
        zero = x == 0
        zeros = np.sum(zero, axis=axes, keepdims=True)
        others = np.prod(np.where(zero, 1, x), axis=axes, keepdims=True)  # the product without the zero
        with np.errstate(divide="ignore", invalid="ignore"):
            local = np.where(zeros == 0, ctx.out_keep / np.where(zero, 1, x),
                             np.where(zero & (zeros == 1), others, 0))
        return (ge * local).astype(x.dtype, copy=False), None, None, None


class MedianAll(AMax):
    """The lower median of all elements; ties share the gradient evenly (AMax's backward, as
    PyTorch's median() without a dim)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, take_min):
        flat = x.reshape(-1)
        nan = np.isnan(flat) if flat.dtype.kind == "f" else None
        if nan is not None and nan.any():
            out = flat[nan][:1]  # a NaN anywhere: the median is NaN, as in PyTorch
        else:
            out = np.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2:][:1]
        ctx.x, ctx.out_keep, ctx.axes, ctx.keepdim = x, out.reshape((1,) * x.ndim), None, False
        return out.reshape(())


class MedianDim(MaxDim):
    """``median(dim)``: the lower median of each slice; its gradient goes to its index only
    (MaxDim's backward)."""

    @staticmethod
    def forward(ctx, x, axis, keepdim, take_min):
        ctx.shape, ctx.dtype, ctx.idx, ctx.axis, ctx.keepdim = x.shape, x.dtype, median_index(x, axis), axis, keepdim
        values = np.take_along_axis(x, ctx.idx, axis=axis)
        return values if keepdim else np.squeeze(values, axis=axis)


def median_index(x: np.ndarray, axis: int) -> np.ndarray:
    """The index of each slice's lower median along ``axis`` (kept as a size-1 dim); a slice
    holding NaN gives its first NaN's index."""
    k = (x.shape[axis] - 1) // 2
    idx = np.take(np.argsort(x, axis=axis, kind="stable"), [k], axis=axis)
    if x.dtype.kind == "f":
        nan = np.isnan(x)
        idx = np.where(nan.any(axis=axis, keepdims=True), np.argmax(nan, axis=axis, keepdims=True), idx)
    return idx


class LogSumExp(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        # log sum exp(x) = m + log sum exp(x - m) with m = max x: never overflows
        m = np.max(x, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        ctx.x, ctx.out_keep, ctx.axes, ctx.keepdim = x, out, axes, keepdim
        out = out.astype(x.dtype, copy=False)
        return _drop_reduced(out, axes, keepdim)

    @staticmethod
    def backward(ctx, g):
        x = ctx.x  # dx_i = g * softmax(x)_i = g * exp(x_i - lse)
        ge = _expand(g, ctx.axes, ctx.keepdim, x.ndim)
        return ge * np.exp(x - ctx.out_keep), None, None


class NormZero(Function):
    """The "0-norm": the number of nonzero elements, a step function whose gradient is 0."""

    array_io = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape = x.shape
        return np.count_nonzero(x, axis=axes, keepdims=keepdim).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        return np.zeros(ctx.shape, dtype=g.dtype), None, None  # dx = 0 almost everywhere


class Norm2(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        out = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))  # ||x||_2
        ctx.x, ctx.out_keep, ctx.axes, ctx.keepdim = x, out, axes, keepdim
        return _drop_reduced(out, axes, keepdim)

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.x, ctx.out_keep  # dx = g x / ||x||  (0 where ||x|| = 0, as in PyTorch)
        ge = _expand(g, ctx.axes, ctx.keepdim, x.ndim)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(out == 0, 0, ge / out)
        return (x * scale).astype(x.dtype, copy=False), None, None


# ------------------------------------------------------------------ functional forms
# PyTorch's signatures; axis=/keepdims= are accepted for dim=/keepdim= (numpy_keywords)
def _float_only(x: Tensor, op: str) -> None:
    if x._data.dtype.kind not in "fc":
        raise TypeError(
            f"{op}(): input dtype must be floating point, got {wrap(x._data.dtype)} "
            f"(shape {tuple(x._data.shape)}); convert with .float()"
        )


@numpy_keywords
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A001, A002
        out: Tensor | None = None) -> Tensor:
    axes = normalize_dims(dim, input._data.ndim, "sum")
    if dtype is None and input._data.dtype.kind in "biu":
        dtype = np.int64
    y = Sum.apply(input, axes, keepdim, None if dtype is None else as_dtype(dtype))
    return y if out is None else into(out, y, "sum")


@numpy_keywords
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A002
         out: Tensor | None = None) -> Tensor:
    if dtype is not None:
        input = to_dtype(input, as_dtype(dtype))  # noqa: A001
    _float_only(input, "mean")
    y = Mean.apply(input, normalize_dims(dim, input._data.ndim, "mean"), keepdim)
    return y if out is None else into(out, y, "mean")


def _correction(unbiased: bool | None, correction: Any) -> float:
    if correction is not None:
        return float(correction)
    return 0.0 if unbiased is False else 1.0


@numpy_keywords
def var(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,  # noqa: A002
        correction: Any = None, out: Tensor | None = None) -> Tensor:
    """Variance, unbiased (``correction=1``) by default like ``torch.var``."""
    _float_only(input, "var")
    axes = normalize_dims(dim, input._data.ndim, "var")
    y = Var.apply(input, axes, keepdim, _correction(unbiased, correction))
    return y if out is None else into(out, y, "var")


@numpy_keywords
def std(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,  # noqa: A002
        correction: Any = None, out: Tensor | None = None) -> Tensor:
    """Standard deviation, the square root of :func:`var` (unbiased by default)."""
    _float_only(input, "std")
    axes = normalize_dims(dim, input._data.ndim, "std")
    y = Std.apply(input, axes, keepdim, _correction(unbiased, correction))
    return y if out is None else into(out, y, "std")


def _amax(x: Tensor, dim: Any, keepdim: bool, take_min: bool, op: str) -> Tensor:
    if x._data.size == 0:
        raise RuntimeError(f"{op}(): cannot reduce an empty tensor (shape {tuple(x._data.shape)})")
    axes = None if dim is None or dim == () else normalize_dims(dim, x._data.ndim, op)
    return AMax.apply(x, axes, keepdim, take_min)


@numpy_keywords
def amax(input: Tensor, dim: Any = (), keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    y = _amax(input, dim, keepdim, False, "amax")
    return y if out is None else into(out, y, "amax")


@numpy_keywords
def amin(input: Tensor, dim: Any = (), keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    y = _amax(input, dim, keepdim, True, "amin")
    return y if out is None else into(out, y, "amin")


def _max_or_min(x: Tensor, dim: Any, keepdim: bool, take_min: bool) -> Any:
    op = "min" if take_min else "max"
    if isinstance(dim, Tensor):  # x.max(other): elementwise
        from .elementwise import maximum, minimum

        return (minimum if take_min else maximum)(x, dim)
    if dim is None:
        return _amax(x, None, False, take_min, op)
    axis = normalize_dim(dim, x._data.ndim, op)
    if x._data.ndim == 0:
        return MinMax(x, Tensor._make(np.asarray(0)))
    if x._data.shape[axis] == 0:
        raise IndexError(f"{op}(): dimension {dim} of shape {tuple(x._data.shape)} is empty")
    values = MaxDim.apply(x, axis, keepdim, take_min)
    idx = (np.argmin if take_min else np.argmax)(x._data, axis=axis, keepdims=keepdim)
    return MinMax(values, Tensor._make(np.asarray(idx, dtype=np.int64)))


@numpy_keywords
def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """``max(x)`` -> the largest value; ``max(x, dim)`` -> ``(values, indices)``; ``max(x, y)``."""
    return _max_or_min(input, dim, keepdim, False)


@numpy_keywords
def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    return _max_or_min(input, dim, keepdim, True)


def _arg(x: Tensor, dim: Any, keepdim: bool, fn: Any, op: str) -> Tensor:
    if dim is None:
        out = np.asarray(fn(x._data.reshape(-1)))
        return Tensor._make(out.reshape((1,) * x._data.ndim) if keepdim else out.astype(np.int64))
    axis = normalize_dim(dim, x._data.ndim, op)
    return Tensor._make(np.asarray(fn(x._data, axis=axis, keepdims=keepdim), dtype=np.int64))


@numpy_keywords
def argmax(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return _arg(input, dim, keepdim, np.argmax, "argmax")


@numpy_keywords
def argmin(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return _arg(input, dim, keepdim, np.argmin, "argmin")


@numpy_keywords
def logsumexp(input: Tensor, dim: Any, keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    _float_only(input, "logsumexp")
    y = LogSumExp.apply(input, normalize_dims(dim, input._data.ndim, "logsumexp"), keepdim)
    return y if out is None else into(out, y, "logsumexp")


@numpy_keywords
def norm(input: Tensor, p: Any = 2, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         out: Tensor | None = None) -> Tensor:
    """The p-norm ``(sum |x|^p)^(1/p)`` over ``dim`` (all elements by default); ``p`` may be inf."""
    y = _norm(input, p, dim, keepdim)
    return y if out is None else into(out, y, "norm")


@numpy_keywords
def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """``e^x_i / sum_j e^x_j`` along ``dim`` (:mod:`.activation`), after a cast to ``dtype`` if given."""
    return activation.softmax(input if dtype is None else to_dtype(input, as_dtype(dtype)), dim)


@numpy_keywords
def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """``x_i - log sum_j e^x_j`` along ``dim`` (:mod:`.activation`), after a cast to ``dtype`` if given."""
    return activation.log_softmax(input if dtype is None else to_dtype(input, as_dtype(dtype)), dim)


def _norm(x: Tensor, p: Any, dim: Any, keepdim: bool) -> Tensor:
    from .elementwise import abs as abs_
    from .elementwise import pow as pow_

    _float_only(x, "norm")
    axes = normalize_dims(dim, x._data.ndim, "norm")
    if p in (2, 2.0, "fro"):
        return Norm2.apply(x, axes, keepdim)
    if p in (float("inf"), "inf"):
        return _amax(abs_(x), axes, keepdim, False, "norm")
    if p == 0:
        return NormZero.apply(x, axes, keepdim)
    if p == 1:
        return sum(abs_(x), axes, keepdim)
    return pow_(sum(pow_(abs_(x), p), axes, keepdim), 1.0 / p)


@numpy_keywords
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A002
         out: Tensor | None = None) -> Tensor:
    """The product of all elements, or along ``dim``; integer and bool tensors multiply in int64."""
    axes = None if dim is None else (normalize_dim(dim, input._data.ndim, "prod"),)
    if input._data.ndim == 0:
        axes = None
    if dtype is None and input._data.dtype.kind in "biu":
        dtype = np.int64
    y = Prod.apply(input, axes, keepdim, None if dtype is None else as_dtype(dtype))
    return y if out is None else into(out, y, "prod")


@numpy_keywords
def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """``median(x)`` -> the lower of the two middle values of all elements (NaN if any is NaN);
    ``median(x, dim)`` -> ``(values, indices)`` of each slice's lower median."""
    x = input._data
    if dim is None:
        if x.size == 0:
            raise RuntimeError(f"median(): cannot take the median of an empty tensor (shape {tuple(x.shape)})")
        return MedianAll.apply(input, None, False, False)
    axis = normalize_dim(dim, x.ndim, "median")
    if x.ndim == 0:
        return MinMax(input, Tensor._make(np.asarray(0)))
    if x.shape[axis] == 0:
        raise IndexError(f"median(): dimension {dim} of shape {tuple(x.shape)} is empty")
    values = MedianDim.apply(input, axis, keepdim, False)
    idx = median_index(x, axis)
    return MinMax(values, Tensor._make((idx if keepdim else np.squeeze(idx, axis=axis)).astype(np.int64)))


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """How many elements (along ``dim``: an int or a tuple) are nonzero, as int64."""
    axes = normalize_dims(dim, input._data.ndim, "count_nonzero")
    return Tensor._make(np.asarray(np.count_nonzero(input._data, axis=axes), dtype=np.int64))


# ------------------------------------------------------------------ aminmax, NaN-ignoring reductions
@numpy_keywords
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """``(min, max)``: amin and amax over ``dim`` (all elements when None)."""
    from collections import namedtuple

    if input._data.size == 0:
        raise RuntimeError(f"aminmax(): cannot compute on an empty tensor (shape {tuple(input.shape)})")
    axes = None if dim is None else normalize_dim(dim, input._data.ndim, "aminmax")
    pair = namedtuple("aminmax", ["min", "max"])
    lo = _amax(input, axes, keepdim, True, "aminmax")
    hi = _amax(input, axes, keepdim, False, "aminmax")
    return pair(lo, hi)


@numpy_keywords
def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``sum`` with NaN counted as zero (a NaN element gets no gradient)."""
    from .elementwise import NanToZero

    if input._data.dtype.kind == "f":
        input = NanToZero.apply(input)  # noqa: A001
    return sum(input, dim, keepdim, dtype=dtype)


@numpy_keywords
def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``mean`` of the non-NaN elements (NaN where there are none)."""
    from .elementwise import Div

    _float_only(input, "nanmean")
    axes = normalize_dims(dim, input._data.ndim, "nanmean")
    count = np.sum(~np.isnan(input._data), axis=axes, keepdims=keepdim).astype(input._data.dtype)
    y = Div.apply(nansum(input, dim, keepdim), np.asarray(count))
    return y if dtype is None else to_dtype(y, as_dtype(dtype))


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:  # noqa: A002
    """Each slice ``input.select(dim, i)`` whose ``p``-norm exceeds ``maxnorm`` scaled down to
    norm ``maxnorm`` (``x maxnorm / (||x|| + 1e-7)``); the others unchanged."""
    x = input._data
    axis = normalize_dim(dim, x.ndim, "renorm")
    if x.dtype.kind != "f":
        raise RuntimeError(f"renorm: expected a floating point tensor, got {wrap(x.dtype)}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    others = tuple(d for d in range(x.ndim) if d != axis)
    norms = norm(input, p, dim=others, keepdim=True) if others else input.abs()
    over = (norms > maxnorm).to(input.dtype)  # 1 where the slice is too long
    scale = over * (maxnorm / (norms + 1e-7) - 1) + 1  # maxnorm / (||x|| + 1e-7) there, 1 elsewhere
    return input * scale
