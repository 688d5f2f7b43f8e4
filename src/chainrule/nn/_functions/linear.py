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

from ...autograd.function import Function


class LinearFunction(Function):
    """``Y = X @ weight.T + bias``; one node for the matrix product and the bias."""

    array_io = True

    @staticmethod
    def forward(ctx, x, weight, bias):
        x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])  # [batch, in]
        y = x2 @ weight.T  # [batch, out]
        if bias is not None:
            y += bias  # b broadcast over the batch
        ctx.x, ctx.weight, ctx.x_shape = x2, weight, x.shape
        return y if x.ndim == 2 else y.reshape(x.shape[:-1] + (weight.shape[0],))

    @staticmethod
    def backward(ctx, g):
        need_x, need_weight, need_bias = ctx.needs_input_grad  # the first layer's X needs none
        g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])  # [batch, out]
        dx = (g2 @ ctx.weight).reshape(ctx.x_shape) if need_x else None  # [batch, in]
        dw = g2.T @ ctx.x if need_weight else None  # [out, in]
        db = g2.sum(axis=0) if need_bias else None  # [out]
        return dx, dw, db

