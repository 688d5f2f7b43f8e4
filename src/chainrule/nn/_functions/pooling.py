"""Pooling: each window of the input reduced to one number, with the windows cut by im2col.

The windows are the convolution's patches (:func:`~.conv.im2col`, a strided view), so pooling is a
reduction over the last axes of ``[N, C, *P, *K]`` and its backward is col2im of the patch
gradients:

* max pooling:      ``Y = max_k win``;        ``dwin = G`` at the (first) maximum, 0 elsewhere
* average pooling:  ``Y = sum_k win / count``; ``dwin = G / count`` at every element of the window

Padding for max pooling is ``-inf`` (it never wins); for average pooling it is 0, and ``count``
is the number of elements summed that it divides by (the window, or only its input elements).

Adaptive pooling picks its windows from the sizes alone: output ``i`` of ``out`` reduces input
elements ``floor(i L / out) .. ceil((i+1) L / out) - 1``. Windows are rectangles, so a 2-d adaptive
pool is a 1-d one along H, then one along W. The average is a matrix product ``Y = X A`` with ``A
[L, out]`` holding ``1 / size`` of each window (``dX = G A^T``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...autograd.function import Function
from .conv import col2im, crop, im2col


def pool_out_size(length: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's output length: with ``ceil_mode`` a last partial window counts if it starts
    inside the input or its left padding."""
    span = length + 2 * p - d * (k - 1) - 1
    n = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (n - 1) * s >= length + p:
        n -= 1
    return n


def _windows(x: np.ndarray, fill: float, kernel: Sequence[int], stride: Sequence[int],
             padding: Sequence[int], dilation: Sequence[int], ceil_mode: bool):
    """``x`` padded with ``fill`` (on the right as far as ceil_mode's last window needs), its
    windows ``[N, C, *P, *K]``, the output sizes and the (before, after) pads."""
    outs = tuple(pool_out_size(n, k, s, p, d, ceil_mode)
                 for n, k, s, p, d in zip(x.shape[2:], kernel, stride, padding, dilation))
    pads = tuple((p, max(p, (o - 1) * s + d * (k - 1) + 1 - n - p))
                 for n, k, s, p, d, o in zip(x.shape[2:], kernel, stride, padding, dilation, outs))
    xp = np.pad(x, [(0, 0)] * 2 + list(pads), constant_values=fill)
    return xp, im2col(xp, kernel, stride, dilation, outs), outs, pads


class MaxPoolNd(Function):
    """``Y = max over each window``; the gradient goes to the window's first maximum (NaN wins)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode):
        fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xp, win, outs, pads = _windows(x, fill, kernel, stride, padding, dilation, ceil_mode)
        flat = win.reshape(win.shape[:2 + len(outs)] + (-1,))  # [N, C, *P, K]
        arg = flat.argmax(axis=-1)  # the first maximum (argmax takes a NaN first)
        y = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
        ctx.arg, ctx.geom = arg, (x.shape, xp.shape[2:], pads, kernel, stride, dilation)
        return y

    @staticmethod
    def backward(ctx, g):
        x_shape, padded, pads, kernel, stride, dilation = ctx.geom
        dwin = np.zeros(g.shape + (int(np.prod(kernel)),), dtype=g.dtype)  # [N, C, *P, K]
        np.put_along_axis(dwin, ctx.arg[..., None], g[..., None], axis=-1)
        dwin = dwin.reshape(g.shape + tuple(kernel))
        return (crop(col2im(dwin, padded, stride, dilation), pads, x_shape[2:]),)

    @staticmethod
    def indices(ctx_arg: np.ndarray, x_shape: tuple[int, ...], kernel: Sequence[int],
                stride: Sequence[int], padding: Sequence[int], dilation: Sequence[int]) -> np.ndarray:
        """The flat index (within each channel's ``*L``) of every maximum, as PyTorch returns."""
        nd = len(kernel)
        outs = ctx_arg.shape[2:]
        offsets = np.unravel_index(ctx_arg, tuple(kernel))  # kernel offset per dim
        flat = np.zeros(ctx_arg.shape, dtype=np.int64)
        for i in range(nd):
            pos = np.arange(outs[i]).reshape((-1,) + (1,) * (nd - 1 - i)) * stride[i]
            coord = pos + offsets[i] * dilation[i] - padding[i]
            flat = flat * x_shape[2 + i] + coord
        return flat


class AvgPoolNd(Function):
    """``Y = sum over each window / count``; ``dwin = G / count`` spread over the window.

    ``count`` is PyTorch's: the window clipped to the padded input (``count_include_pad``) or
    to the input alone, or ``divisor_override``.
    """

    array_io = True

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        ones = (1,) * len(kernel)
        xp, win, outs, pads = _windows(x, 0, kernel, stride, padding, ones, ceil_mode)
        axes = tuple(range(-len(kernel), 0))
        if divisor_override:
            count = np.asarray(divisor_override, dtype=x.dtype)
        else:  # the elements each window counts: 1 inside the region counted, 0 outside
            mask = np.zeros(xp.shape[2:], dtype=x.dtype)
            inner = tuple(slice(0 if count_include_pad else p, (p + n + p) if count_include_pad else p + n)
                          for p, n in zip(padding, x.shape[2:]))
            mask[inner] = 1
            count = im2col(mask[None, None], kernel, stride, ones, outs).sum(axis=axes)[0, 0]  # [*P]
        ctx.count, ctx.geom = count, (x.shape, xp.shape[2:], pads, kernel, stride)
        return (win.sum(axis=axes) / count).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x_shape, padded, pads, kernel, stride = ctx.geom
        share = (g / ctx.count).astype(g.dtype, copy=False)  # [N, C, *P]
        dwin = np.broadcast_to(share[(...,) + (None,) * len(kernel)], g.shape + tuple(kernel))
        return (crop(col2im(dwin, padded, stride, (1,) * len(kernel)), pads, x_shape[2:]),)


def adaptive_windows(length: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of each adaptive window: ``floor(i L / out)``, ``ceil((i+1) L / out)``."""
    i = np.arange(out)
    return (i * length) // out, -((-(i + 1) * length) // out)


class AdaptiveAvgPool(Function):
    """Adaptive average along the last axis: ``Y = X A`` with ``A [L, out]``; ``dX = G A^T``."""

    array_io = True

    @staticmethod
    def forward(ctx, x, out):
        start, end = adaptive_windows(x.shape[-1], out)
        pos = np.arange(x.shape[-1])[:, None]
        inside = (pos >= start) & (pos < end)  # [L, out]
        a = (inside / (end - start)).astype(x.dtype)  # each window's 1/size
        ctx.a = a
        return x @ a  # [..., out]

    @staticmethod
    def backward(ctx, g):
        return (g @ ctx.a.T,)  # [..., L]


class AdaptiveMaxPool(Function):
    """Adaptive maximum along the last axis: each window padded to the longest with ``-inf``, the
    first maximum taken; the gradient goes back to it (added, as windows may overlap)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, out):
        length = x.shape[-1]
        start, end = adaptive_windows(length, out)
        width = int((end - start).max())
        idx = start[:, None] + np.arange(width)  # [out, width]
        valid = idx < end[:, None]
        idx = np.where(valid, idx, start[:, None])  # a padded tap repeats the window's first
        win = x[..., idx]  # [..., out, width]
        win = np.where(valid, win, -np.inf).astype(x.dtype, copy=False)
        arg = win.argmax(axis=-1)
        ctx.src = np.take_along_axis(np.broadcast_to(idx, win.shape), arg[..., None], axis=-1)[..., 0]
        ctx.length = length
        return np.take_along_axis(win, arg[..., None], axis=-1)[..., 0]

    @staticmethod
    def backward(ctx, g):
        lead = g.shape[:-1]
        dx = np.zeros((int(np.prod(lead)), ctx.length), dtype=g.dtype)
        rows = np.arange(dx.shape[0])[:, None]
        np.add.at(dx, (rows, ctx.src.reshape(dx.shape[0], -1)), g.reshape(dx.shape[0], -1))
        return (dx.reshape(lead + (ctx.length,)),)


class MaxUnpoolNd(Function):
    """The inverse of max pooling: every pooled value written back at the position its index
    names (flat within each channel's plane or volume), zeros elsewhere; backward reads the
    gradient at those positions::

        Y[n, c].flat[idx[n, c, j]] = X[n, c, j]      # [N, C, *out]
        dX[n, c, j] = G[n, c].flat[idx[n, c, j]]
    """

    array_io = True

    @staticmethod
    def forward(ctx, x, indices, *, out_size):
        n, c = x.shape[:2]
        flat_idx = indices.reshape(n, c, -1)
        y = np.zeros((n, c, int(np.prod(out_size))), dtype=x.dtype)
        np.put_along_axis(y, flat_idx, x.reshape(n, c, -1), axis=2)
        ctx.flat_idx, ctx.x_shape = flat_idx, x.shape
        return y.reshape((n, c) + tuple(out_size))

    @staticmethod
    def backward(ctx, g):
        n, c = ctx.x_shape[:2]
        dx = np.take_along_axis(g.reshape(n, c, -1), ctx.flat_idx, axis=2)
        return dx.reshape(ctx.x_shape), None
