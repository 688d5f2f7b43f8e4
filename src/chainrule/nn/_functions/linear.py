"""The fully connected layer as one graph node: ``Y = X W + b`` (the lecture's FC layer).

PyTorch stores the weight as ``weight`` of shape ``[out, in]``; the lecture's ``W`` (``[in, out]``)
is ``weight.T``, so ``Y = X @ weight.T + b`` is exactly ``X W + b``. With ``G = dLoss/dY``::

    dX      = G @ weight        # [batch, in]   (= G W^T)
    dweight = G.T @ X           # [out, in]     (= (X^T G)^T)
    dbias   = sum_batch G       # [out]

``weight.T`` and ``G.T`` are views: BLAS reads them transposed, nothing is copied. An input
``[..., in]`` with more leading dims is flattened to ``[batch, in]`` (a view when contiguous).
"""

from __future__ import annotations

import numpy as np

from ... import jit
from ...autograd.function import Function


def _add_bias_loop(y, bias):
    """``y[n, :] += bias`` for every row: ``X W + b`` with ``b`` broadcast over the batch."""
    rows, cols = y.shape
    for n in range(rows):
        for j in range(cols):
            y[n, j] += bias[j]


def _sum_rows_loop(g, out):
    """``out = sum_n g[n, :]``: the bias gradient, the batch summed away (row after row, as NumPy)."""
    rows, cols = g.shape
    for j in range(cols):
        out[j] = 0
    for n in range(rows):
        for j in range(cols):
            out[j] += g[n, j]


_add_bias_kernel = jit.kernel(_add_bias_loop)
_sum_rows_kernel = jit.kernel(_sum_rows_loop)


class LinearFunction(Function):
    """``Y = X @ weight.T + bias``; one node for the matrix product and the bias."""

    array_io = True

    @staticmethod
    def forward(ctx, x, weight, bias):
        x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])  # [batch, in]
        y = x2 @ weight.T  # [batch, out]
        if bias is not None:
            compiled = _add_bias_kernel.compiled()
            if compiled is not None and bias.ndim == 1 and jit.fits(y, bias):
                compiled(y, bias)
            else:
                y += bias
        ctx.x, ctx.weight, ctx.x_shape = x2, weight, x.shape
        if x.ndim != 2:
            y = y.reshape(x.shape[:-1] + (weight.shape[0],))
        return y

    @staticmethod
    def backward(ctx, g):
        x_node, w_node, b_node = ctx._parents  # None: that input needs no gradient
        g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])  # [batch, out]
        dx = dw = db = None
        if x_node is not None:  # skipped for the first layer, whose input needs no gradient
            dx = g2 @ ctx.weight  # [batch, in]
            if len(ctx.x_shape) != 2:
                dx = dx.reshape(ctx.x_shape)
        if w_node is not None:
            dw = g2.T @ ctx.x  # [out, in]
        if b_node is not None:
            compiled = _sum_rows_kernel.compiled()
            if compiled is not None and jit.fits(g2):
                db = np.empty(g2.shape[1], g2.dtype)
                compiled(g2, db)  # [out]
            else:
                db = g2.sum(axis=0)  # [out]
        return dx, dw, db
