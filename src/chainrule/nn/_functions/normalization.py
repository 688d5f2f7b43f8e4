"""Batch and layer normalisation as single graph nodes.

Both standardise ``x`` over some axes and then scale and shift it::

    xhat = (x - mean) / sqrt(var + eps)          (var biased: divided by n)
    y    = xhat * weight + bias

with ``mean``/``var`` over the batch (BatchNorm: every axis but the channel axis 1) or over the
trailing ``normalized_shape`` (LayerNorm). Because ``mean`` and ``var`` depend on every ``x`` of
the group, the backward carries two correction terms (``n`` = group size, ``gx = G * weight``)::

    dX      = (1 / sqrt(var + eps)) * (gx - mean(gx) - xhat * mean(gx * xhat))
    dweight = sum(G * xhat),   dbias = sum(G)        (over the other axes)

In evaluation BatchNorm uses fixed running statistics instead, which are constants:
``dX = G * weight / sqrt(running_var + eps)``.
"""

from __future__ import annotations

import numpy as np

from ...autograd.function import Function


def _normalized_backward(g, xhat, invstd, weight, axes):
    """dX of ``y = xhat * weight + bias`` when mean and var were computed over ``axes``."""
    gx = g if weight is None else g * weight
    mean_gx = gx.mean(axis=axes, keepdims=True)
    mean_gx_xhat = (gx * xhat).mean(axis=axes, keepdims=True)
    return invstd * (gx - mean_gx - xhat * mean_gx_xhat)


class BatchNorm(Function):
    """BatchNorm over ``x`` ``[N, C, *]``: statistics per channel over axes ``(0, 2, 3, ...)``.

    ``training=True`` normalises with the batch statistics and, when running buffers are given,
    updates them in place: ``running = (1 - momentum) running + momentum * batch``, using the
    unbiased ``var * n / (n - 1)`` for ``running_var`` (as PyTorch does).
    """

    array_io = True

    @staticmethod
    def forward(ctx, x, weight, bias, *, running_mean, running_var, training, momentum, eps):
        axes = (0,) + tuple(range(2, x.ndim))
        bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)  # a per-channel vector, broadcastable
        if training:
            mean = x.mean(axis=axes, keepdims=True)
            centered = x - mean
            var = (centered * centered).mean(axis=axes, keepdims=True)
            n = x.size // x.shape[1]  # values per channel
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean.reshape(-1)
            if running_var is not None:
                running_var *= 1 - momentum
                running_var += (momentum * n / (n - 1)) * var.reshape(-1)
        else:
            centered = x - running_mean.reshape(bshape)
            var = running_var.reshape(bshape)
        invstd = 1 / np.sqrt(var + eps)
        xhat = centered * invstd
        y = xhat if weight is None else xhat * weight.reshape(bshape)
        if bias is not None:
            y = y + bias.reshape(bshape)
        ctx.xhat, ctx.invstd, ctx.axes, ctx.training = xhat, invstd, axes, training
        ctx.weight = None if weight is None else weight.reshape(bshape)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        xhat, axes, w = ctx.xhat, ctx.axes, ctx.weight
        need_x, need_w, need_b = ctx.needs_input_grad
        dx = dw = db = None
        if need_x:
            if ctx.training:
                dx = _normalized_backward(g, xhat, ctx.invstd, w, axes)  # [N, C, *]
            else:
                dx = g * (ctx.invstd if w is None else w * ctx.invstd)
        if need_w:
            dw = (g * xhat).sum(axis=axes)  # [C]
        if need_b:
            db = g.sum(axis=axes)  # [C]
        return dx, dw, db


class LayerNorm(Function):
    """LayerNorm over the last ``k`` axes of ``x`` (``k = len(normalized_shape)``), per sample."""

    array_io = True

    @staticmethod
    def forward(ctx, x, weight, bias, *, k, eps):
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        invstd = 1 / np.sqrt(var + eps)
        xhat = centered * invstd
        y = xhat if weight is None else xhat * weight
        if bias is not None:
            y = y + bias
        ctx.xhat, ctx.invstd, ctx.axes, ctx.weight = xhat, invstd, axes, weight
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        xhat, axes = ctx.xhat, ctx.axes
        need_x, need_w, need_b = ctx.needs_input_grad
        lead = tuple(range(g.ndim - len(axes)))  # the axes weight and bias are shared over
        dx = _normalized_backward(g, xhat, ctx.invstd, ctx.weight, axes) if need_x else None
        dw = (g * xhat).sum(axis=lead) if need_w else None  # [normalized_shape]
        db = g.sum(axis=lead) if need_b else None  # [normalized_shape]
        return dx, dw, db
