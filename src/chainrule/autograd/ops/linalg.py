"""Matrix products: ``Y = X @ W`` in 1-D, 2-D and batched N-D forms (NumPy's matmul rules).

The lecture's FC layer in matrix form: for ``Y = X W`` with X ``[batch, in]`` and W ``[in, out]``,
``dX = G W^T`` is ``[batch, in]`` and ``dW = X^T G`` is ``[in, out]``, where ``G = dLoss/dY``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import ShapeError
from ...tensor import Tensor
from ..function import Function
from ._util import promote, unbroadcast


def _matmul_error(a: np.ndarray, b: np.ndarray) -> ShapeError:
    sa, sb = tuple(np.shape(a)), tuple(np.shape(b))
    if len(sa) == 0 or len(sb) == 0:
        return ShapeError(f"matmul: both arguments need at least 1 dimension, got shapes {sa} and {sb}")
    inner_b = sb[0] if len(sb) == 1 else sb[-2]
    if sa[-1] != inner_b:
        return ShapeError(
            f"matmul: shapes {sa} and {sb} cannot be multiplied: the last dimension of the first "
            f"({sa[-1]}) must equal the {'only' if len(sb) == 1 else 'second-to-last'} dimension "
            f"of the second ({inner_b})"
        )
    return ShapeError(f"matmul: the batch dimensions of shapes {sa} and {sb} cannot be broadcast together")


class MatMul(Function):
    array_io = True

    @staticmethod
    def forward(ctx, a, b):
        try:
            out = np.matmul(a, b)  # Y = A @ B
        except ValueError:
            raise _matmul_error(a, b) from None
        ctx.a, ctx.b = a, b
        return promote(out, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.a, ctx.b
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the lecture's case
            da = g @ b.T if need_a else None  # dA = G B^T  [n, k]
            db = a.T @ g if need_b else None  # dB = A^T G  [k, m]
            return da, db
        # 1-D operands act as a row (left) or a column (right) vector
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g.reshape(np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1]))
        da = db = None
        if need_a:
            da = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if need_b:
            db = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
        return da, db


def matmul(a: Any, b: Any) -> Tensor:
    return MatMul.apply(a, b)


def mm(a: Any, b: Any) -> Tensor:
    for name, x in (("first", a), ("second", b)):
        if np.ndim(x.data if isinstance(x, Tensor) else x) != 2:
            raise ShapeError(f"mm: the {name} argument must be 2-D, got shape {tuple(np.shape(x))}")
    return MatMul.apply(a, b)
