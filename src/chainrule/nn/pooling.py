"""Pooling layers (max, average, adaptive) over 1 or 2 spatial dims, and their functional forms.

Each window of the input (the convolution's patches, cut by im2col) is reduced to one number;
the math, forward beside backward, is in :mod:`chainrule.nn._functions.pooling`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from ._functions.pooling import AdaptiveAvgPool, AdaptiveMaxPool, AvgPoolNd, MaxPoolNd, MaxUnpoolNd, pool_out_size
from .conv import ntuple
from .module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
           "AvgPool1d", "AvgPool2d", "MaxPool1d", "MaxPool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "avg_pool1d",
           "avg_pool2d", "max_pool1d", "max_pool2d"]

_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}


def _input(x: Any, nd: int, op: Any) -> tuple[Tensor, bool]:
    """``x`` as ``[N, C, *L]`` (an unbatched ``[C, *L]`` gains a batch dim) and whether it did."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    shape = x._data.shape
    if x._data.ndim == nd + 2:
        batched = x
    elif x._data.ndim == nd + 1:
        batched = x.unsqueeze(0)
    else:
        raise ShapeError(f"{op} expected input [N, C, {_SPATIAL[nd]}] or [C, {_SPATIAL[nd]}], got shape {shape}")
    if any(n == 0 for n in batched._data.shape[1:]):
        raise ShapeError(f"{op}: expected non-empty channel and spatial dims, got shape {shape}")
    return batched, x._data.ndim == nd + 1


def _window_args(nd: int, op: Any, kernel_size: Any, stride: Any, padding: Any,
                 dilation: Any = 1) -> tuple[tuple[int, ...], ...]:
    kernel = ntuple(kernel_size, nd, op, "kernel_size", 1)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) \
        else ntuple(stride, nd, op, "stride", 1)
    padding = ntuple(padding, nd, op, "padding")
    dilation = ntuple(dilation, nd, op, "dilation", 1)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: pad should be at most half of effective kernel size, got padding="
                         f"{padding} and kernel_size={kernel}")
    return kernel, stride, padding, dilation


def _check_out(op: Any, x: Tensor, outs: tuple[int, ...]) -> None:
    if any(o < 1 for o in outs):
        raise ShapeError(f"{op}: input of shape {tuple(x._data.shape)} is too small for the window: "
                         f"the output would have size {outs}")


def _max_pool(nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,  # noqa: A002
              ceil_mode: bool, return_indices: bool, op: Any) -> Any:
    x, unbatched = _input(input, nd, op)
    kernel, stride, padding, dilation = _window_args(nd, op, kernel_size, stride, padding, dilation)
    outs = tuple(pool_out_size(n, k, s, p, d, ceil_mode)
                 for n, k, s, p, d in zip(x._data.shape[2:], kernel, stride, padding, dilation))
    _check_out(op, input, outs)
    y = MaxPoolNd.apply(x, kernel, stride, padding, dilation, bool(ceil_mode))
    if not return_indices:
        return y.squeeze(0) if unbatched else y
    arg = y.grad_fn.arg if y.grad_fn is not None else None
    if arg is None:  # no graph was recorded: the argmax is cheap to redo
        from ._functions.pooling import _windows

        _, win, _, _ = _windows(x._data, -np.inf, kernel, stride, padding, dilation, bool(ceil_mode))
        arg = win.reshape(win.shape[:2 + nd] + (-1,)).argmax(axis=-1)
    idx = Tensor._make(MaxPoolNd.indices(arg, x._data.shape, kernel, stride, padding, dilation))
    return (y.squeeze(0), idx.squeeze(0)) if unbatched else (y, idx)


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The maximum of each window of ``kernel_size`` taps (``dilation`` apart), ``stride`` apart
    (default: ``kernel_size``), over the input padded with ``-inf``."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """2-d max pooling (see :func:`max_pool1d`); indices are flat within each ``H x W`` plane."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """3-d max pooling (see :func:`max_pool1d`); indices are flat within each ``D x H x W`` volume."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d")


def _avg_pool(nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,  # noqa: A002
              count_include_pad: bool, divisor_override: int | None, op: Any) -> Tensor:
    x, unbatched = _input(input, nd, op)
    kernel, stride, padding, _ = _window_args(nd, op, kernel_size, stride, padding)
    outs = tuple(pool_out_size(n, k, s, p, 1, ceil_mode)
                 for n, k, s, p in zip(x._data.shape[2:], kernel, stride, padding))
    _check_out(op, input, outs)
    if divisor_override is not None and (isinstance(divisor_override, bool) or divisor_override == 0):
        raise ValueError(f"{op}: divisor must be not zero, got divisor_override={divisor_override!r}")
    y = AvgPoolNd.apply(x, kernel, stride, padding, bool(ceil_mode), bool(count_include_pad), divisor_override)
    return y.squeeze(0) if unbatched else y


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """The mean of each window; ``count_include_pad`` counts the zero padding in the divisor."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """2-d average pooling (see :func:`avg_pool1d`); ``divisor_override`` replaces the count."""
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool2d")


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """3-d average pooling (see :func:`avg_pool2d`)."""
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool3d")


def _adaptive(nd: int, fn: Any, input: Tensor, output_size: Any, op: Any) -> Tensor:  # noqa: A002
    x, unbatched = _input(input, nd, op)
    sizes = (output_size,) * nd if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    if len(sizes) != nd:
        raise ValueError(f"{op}: output_size must be an int or a tuple of {nd}, got {output_size!r}")
    sizes = tuple(n if s is None else s for s, n in zip(sizes, x._data.shape[2:]))  # None keeps the size
    ntuple(sizes, nd, op, "output_size", 1)
    y = x
    for axis, s in enumerate(sizes):  # windows are rectangles: one axis at a time
        last = axis == nd - 1
        t = y if last else y.transpose(2 + axis, -1)
        t = fn.apply(t, int(s))
        y = t if last else t.transpose(2 + axis, -1)
    return y.squeeze(0) if unbatched else y


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average over ``output_size`` windows that cover the input: window ``i`` is
    ``floor(i L / out) .. ceil((i+1) L / out) - 1``."""
    return _adaptive(1, AdaptiveAvgPool, input, output_size, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """2-d adaptive average (``output_size`` an int, or ``(H, W)``, None keeping that side)."""
    return _adaptive(2, AdaptiveAvgPool, input, output_size, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """3-d adaptive average (``output_size`` an int, or ``(D, H, W)``, None keeping that side)."""
    return _adaptive(3, AdaptiveAvgPool, input, output_size, "adaptive_avg_pool3d")


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:  # noqa: A002
    """The maximum over each adaptive window (see :func:`adaptive_avg_pool1d`)."""
    if return_indices:
        raise NotImplementedError("adaptive_max_pool1d: return_indices=True is not supported")
    return _adaptive(1, AdaptiveMaxPool, input, output_size, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:  # noqa: A002
    """2-d adaptive maximum: along H, then along W (the first maximum in row-major order wins)."""
    if return_indices:
        raise NotImplementedError("adaptive_max_pool2d: return_indices=True is not supported")
    return _adaptive(2, AdaptiveMaxPool, input, output_size, "adaptive_max_pool2d")


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:  # noqa: A002
    """3-d adaptive maximum (see :func:`adaptive_max_pool2d`)."""
    if return_indices:
        raise NotImplementedError("adaptive_max_pool3d: return_indices=True is not supported")
    return _adaptive(3, AdaptiveMaxPool, input, output_size, "adaptive_max_pool3d")


def _max_unpool(nd: int, input: Tensor, indices: Tensor, kernel_size: Any, stride: Any, padding: Any,  # noqa: A002
                output_size: Any, op: Any) -> Tensor:
    x, unbatched = _input(input, nd, op)
    idx = indices._data if not unbatched else indices._data[None]
    if idx.shape != x._data.shape or idx.dtype.kind not in "iu":
        raise ShapeError(f"{op}: indices must be integers shaped like the input {tuple(input._data.shape)}, "
                         f"got shape {tuple(indices._data.shape)} of dtype {idx.dtype}")
    kernel, stride, padding, _ = _window_args(nd, op, kernel_size, stride, padding)
    default = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(x._data.shape[2:], stride, padding, kernel))
    if output_size is None:
        out_size = default
    else:
        if len(output_size) not in (nd, nd + 2):
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it "
                             f"has a length of '{len(output_size)}'")
        out_size = tuple(int(v) for v in output_size)[-nd:]
        for d, (o, m, s) in enumerate(zip(out_size, default, stride)):
            if not m - s <= o <= m + s:
                raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d} must be between '
                                 f"{m - s} and {m + s})")
    if idx.size and (idx.min() < 0 or idx.max() >= int(np.prod(out_size))):
        raise IndexError(f"{op}: an index ({int(idx.max())}) is out of range for the output size {out_size}")
    y = MaxUnpoolNd.apply(x, Tensor._make(idx), out_size=out_size)
    return y.squeeze(0) if unbatched else y


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
                 output_size: Any = None) -> Tensor:
    """The inverse of :func:`max_pool1d` with ``return_indices=True``: each value back at its
    index, zeros elsewhere (the output length ``(L - 1) stride - 2 pad + k`` unless given)."""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size, "max_unpool1d")


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
                 output_size: Any = None) -> Tensor:
    """The inverse of :func:`max_pool2d` (see :func:`max_unpool1d`)."""
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size, "max_unpool2d")


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
                 output_size: Any = None) -> Tensor:
    """The inverse of :func:`max_pool3d` (see :func:`max_unpool1d`)."""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size, "max_unpool3d")


def _lp_pool(nd: int, input: Tensor, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool,  # noqa: A002
             op: str) -> Tensor:
    """``(sum over the window of x^p)^(1/p)``, computed as PyTorch does: the average of ``x^p``
    times the window size, its sign kept, to the power ``1/p``."""
    kernel, stride, _, _ = _window_args(nd, op, kernel_size, stride, 0)
    mean = _avg_pool(nd, input.pow(norm_type), kernel, stride, 0, ceil_mode, True, None, op)
    return (mean.sign() * mean.abs().relu()).mul(math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,  # noqa: A002
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling: each window's ``p``-norm (``p = inf``: max pooling, ``p = 1``: sum pooling)."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode, "lp_pool1d")


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,  # noqa: A002
              ceil_mode: bool = False) -> Tensor:
    """2-d power-average pooling (see :func:`lp_pool1d`)."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode, "lp_pool2d")


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,  # noqa: A002
              ceil_mode: bool = False) -> Tensor:
    """3-d power-average pooling (see :func:`lp_pool1d`)."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode, "lp_pool3d")


# =========================================================================== layers
class _Pool(Module):
    """What the pooling layers share: ``_nd``, their number of spatial dims (set by each 1d/2d/3d
    class), and a repr that shows the options named in ``_shown``."""

    _nd = 0
    _shown: tuple[str, ...] = ()

    def extra_repr(self) -> str:
        return ", ".join(f"{name}={getattr(self, name)}" for name in self._shown)


class _MaxPool(_Pool):
    _shown = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        _window_args(self._nd, name, kernel_size, stride, padding, dilation)  # validate now
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = stride if stride is not None else kernel_size
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return _max_pool(self._nd, input, self.kernel_size, self.stride, self.padding, self.dilation,
                         self.ceil_mode, self.return_indices, self)


class MaxPool1d(_MaxPool):
    """Max pooling over ``[N, C, L]``: each window's maximum (the gradient goes to it)."""

    _nd = 1


class MaxPool2d(_MaxPool):
    """Max pooling over ``[N, C, H, W]``: each ``kh x kw`` window's maximum."""

    _nd = 2


class MaxPool3d(_MaxPool):
    """Max pooling over ``[N, C, D, H, W]``: each ``kd x kh x kw`` window's maximum."""

    _nd = 3


class _AvgPool(_Pool):
    _shown = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        _window_args(self._nd, type(self).__name__, kernel_size, stride, padding)
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = stride if stride is not None else kernel_size
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _avg_pool(self._nd, input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                         self.count_include_pad, self.divisor_override, self)


class AvgPool1d(_AvgPool):
    """Average pooling over ``[N, C, L]``: each window's mean."""

    _nd = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        # PyTorch keeps AvgPool1d's sizes as 1-tuples (its repr and state show them so)
        self.kernel_size, self.stride, self.padding, _ = _window_args(1, "AvgPool1d", kernel_size, stride, padding)


class AvgPool2d(_AvgPool):
    """Average pooling over ``[N, C, H, W]``: each ``kh x kw`` window's mean."""

    _nd = 2


class AvgPool3d(_AvgPool):
    """Average pooling over ``[N, C, D, H, W]``: each ``kd x kh x kw`` window's mean."""

    _nd = 3


class _Adaptive(_Pool):
    _shown = ("output_size",)
    _fn: Any = None

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        if return_indices:
            raise NotImplementedError(f"{type(self).__name__}: return_indices=True is not supported")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _adaptive(self._nd, self._fn, input, self.output_size, self)


class AdaptiveAvgPool1d(_Adaptive):
    """Average pooling to a fixed output length, whatever the input length."""

    _nd, _fn = 1, AdaptiveAvgPool


class AdaptiveAvgPool2d(_Adaptive):
    """Average pooling to a fixed ``(H, W)``, whatever the input's (``(1, 1)``: global average)."""

    _nd, _fn = 2, AdaptiveAvgPool


class AdaptiveMaxPool1d(_Adaptive):
    """Max pooling to a fixed output length, whatever the input length."""

    _nd, _fn = 1, AdaptiveMaxPool


class AdaptiveMaxPool2d(_Adaptive):
    """Max pooling to a fixed ``(H, W)``, whatever the input's."""

    _nd, _fn = 2, AdaptiveMaxPool


class AdaptiveAvgPool3d(_Adaptive):
    """Average pooling to a fixed ``(D, H, W)``, whatever the input's."""

    _nd, _fn = 3, AdaptiveAvgPool


class AdaptiveMaxPool3d(_Adaptive):
    """Max pooling to a fixed ``(D, H, W)``, whatever the input's."""

    _nd, _fn = 3, AdaptiveMaxPool


class _MaxUnpool(_Pool):
    _shown = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        kernel, stride, padding, _ = _window_args(self._nd, type(self).__name__, kernel_size, stride, padding)
        self.kernel_size, self.stride, self.padding = kernel, stride, padding

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        return _max_unpool(self._nd, input, indices, self.kernel_size, self.stride, self.padding, output_size, self)


class MaxUnpool1d(_MaxUnpool):
    """The inverse of :class:`MaxPool1d`: ``forward(input, indices)`` puts each value back at its index."""

    _nd = 1


class MaxUnpool2d(_MaxUnpool):
    """The inverse of :class:`MaxPool2d`: ``forward(input, indices)`` puts each value back at its index."""

    _nd = 2


class MaxUnpool3d(_MaxUnpool):
    """The inverse of :class:`MaxPool3d`: ``forward(input, indices)`` puts each value back at its index."""

    _nd = 3


class _LPPool(_Pool):
    _shown = ("norm_type", "kernel_size", "stride", "ceil_mode")

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _lp_pool(self._nd, input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode, self)


class LPPool1d(_LPPool):
    """Power-average pooling over ``[N, C, L]``: each window's ``norm_type``-norm."""

    _nd = 1


class LPPool2d(_LPPool):
    """Power-average pooling over ``[N, C, H, W]``."""

    _nd = 2


class LPPool3d(_LPPool):
    """Power-average pooling over ``[N, C, D, H, W]``."""

    _nd = 3
