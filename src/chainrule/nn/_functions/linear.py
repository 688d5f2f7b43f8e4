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
            y += bias
        ctx.x, ctx.weight, ctx.x_shape = x2, weight, x.shape
        if x.ndim != 2:
            y = y.reshape(x.shape[:-1] + (weight.shape[0],))
        return y

    @staticmethod
    def backward(ctx, g):
        need_x, need_w, need_b = ctx.needs_input_grad
        g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])  # [batch, out]
        dx = dw = db = None
        if need_x:  # skipped for the first layer, whose input needs no gradient
            dx = g2 @ ctx.weight  # [batch, in]
            if len(ctx.x_shape) != 2:
                dx = dx.reshape(ctx.x_shape)
        if need_w:
            dw = g2.T @ ctx.x  # [out, in]
        if need_b:
            db = g2.sum(axis=0)  # [out]
        return dx, dw, db
