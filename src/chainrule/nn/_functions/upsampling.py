"""Resampling along one axis, the building block of ``F.interpolate``.

Each output position ``i`` of a resized axis reads one or two input positions, chosen from the
sizes and the scale alone (PyTorch's rules, computed in the input's precision, ``float32`` for the
nearest modes as PyTorch does):

* ``scale``: ``1 / scale_factor`` when a scale factor is given, else ``in / out``; with
  ``align_corners`` (linear modes) ``(in - 1) / (out - 1)``, so that the corners meet.
* nearest:        ``src = min(floor(i * scale), in - 1)``; in 2-d an axis that keeps its size
  is copied and one that doubles takes ``i // 2`` (PyTorch's shortcuts, which its 1-d forward
  does not take)
* nearest-exact:  ``src = min(floor((i + 0.5) * scale), in - 1)``
* linear:         ``s = i * scale`` (align_corners) or ``max((i + 0.5) * scale - 0.5, 0)``;
  ``i0 = floor(s)``, ``i1 = min(i0 + 1, in - 1)``, ``l1 = s - i0``, ``l0 = 1 - l1``; an axis
  that keeps its size is copied (PyTorch's shortcut, even when a scale factor says otherwise).

Forward and backward along the axis::

    Y[i] = l0[i] X[i0[i]] + l1[i] X[i1[i]]        (nearest: Y[i] = X[src[i]])
    dX[j] = sum of l0[i] G[i] over i0[i] = j  +  sum of l1[i] G[i] over i1[i] = j

so the backward scatters each output's gradient back to the inputs it read, with its weights
(several outputs may read one input: the sums). Bilinear is linear along W, then along H.
"""

from __future__ import annotations

import numpy as np

from ...autograd.function import Function


def _scale(length: int, out: int, scale_factor: float | None, dtype) -> np.floating:
    """PyTorch's ``compute_scales_value``: ``1 / scale_factor`` if given (and positive), else
    ``in / out``, in ``dtype``."""
    if scale_factor is not None and scale_factor > 0:
        return dtype.type(1.0 / scale_factor)
    return dtype.type(length) / dtype.type(out)


def nearest_indices(length: int, out: int, scale_factor: float | None, exact: bool,
                    shortcuts: bool = False) -> np.ndarray:
    """The input position each output position copies (``[out]``), for 'nearest' or
    'nearest-exact'. ``shortcuts``: PyTorch's 2-d 'nearest' copies an axis that keeps its size
    and repeats each input twice on an axis that doubles, whatever the scale factor says."""
    dst = np.arange(out)
    if shortcuts and out == length:
        return dst
    if shortcuts and out == 2 * length:
        return dst >> 1
    f32 = np.dtype(np.float32)
    scale = _scale(length, out, scale_factor, f32)
    pos = dst.astype(np.float32) + np.float32(0.5) if exact else dst.astype(np.float32)
    return np.minimum(np.floor(pos * scale).astype(np.int64), length - 1)


def linear_weights(length: int, out: int, scale_factor: float | None, align_corners: bool,
                   dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``i0, i1, l0, l1`` (each ``[out]``): output ``i`` is ``l0 X[i0] + l1 X[i1]``."""
    dtype = np.dtype(dtype)
    if out == length:  # PyTorch copies an axis that keeps its size, whatever the scale factor
        same = np.arange(out)
        return same, same, np.ones(out, dtype), np.zeros(out, dtype)
    dst = np.arange(out).astype(dtype)
    if align_corners:
        scale = dtype.type(length - 1) / dtype.type(out - 1) if out > 1 else dtype.type(0)
        src = scale * dst
    else:
        scale = _scale(length, out, scale_factor, dtype)
        src = np.maximum(scale * (dst + dtype.type(0.5)) - dtype.type(0.5), dtype.type(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), length - 1)
    l1 = np.clip(src - i0.astype(dtype), 0, 1).astype(dtype)
    i1 = np.minimum(i0 + 1, length - 1)
    return i0, i1, (dtype.type(1) - l1).astype(dtype), l1


class Resample(Function):
    """``Y = l0 X[i0] + l1 X[i1]`` along ``axis`` (``l0`` None: ``Y = X[i0]``, nearest)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, *, axis, i0, i1=None, l0=None, l1=None):
        if l0 is None:
            y = x.take(i0, axis=axis)
        else:
            shape = [1] * x.ndim
            shape[axis] = -1  # the weights vary along the axis only
            y = l0.reshape(shape) * x.take(i0, axis=axis) + l1.reshape(shape) * x.take(i1, axis=axis)
        ctx.shape, ctx.axis, ctx.taps = x.shape, axis, ((i0, l0), (i1, l1))
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        dx = np.zeros(ctx.shape, dtype=g.dtype)
        dx_last = np.moveaxis(dx, ctx.axis, -1)  # a view: the resampled axis last
        g_last = np.moveaxis(g, ctx.axis, -1)
        for idx, weight in ctx.taps:
            if idx is not None:  # scatter each output's gradient back to the input it read
                np.add.at(dx_last, (Ellipsis, idx), g_last if weight is None else g_last * weight)
        return (dx,)
