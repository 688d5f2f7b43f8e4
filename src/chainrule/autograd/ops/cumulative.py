"""Running sums: ``cumsum``. Output element i is the sum of the inputs 0..i along ``dim``, so
input j feeds every output i >= j and receives the sum of their gradients: a reversed cumsum."""

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


@numpy_keywords
def cumsum(input: Tensor, dim: int, *, dtype: Any = None, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Running sums along ``dim``; integer and bool tensors sum in int64, as in PyTorch."""
    axis = normalize_dim(dim, input._data.ndim, "cumsum")
    if dtype is not None:
        dtype = as_dtype(dtype)
    elif input._data.dtype.kind in "biu":
        dtype = np.dtype(np.int64)
    if input._data.ndim == 0:
        y = reshape(CumSum.apply(reshape(input, (1,)), 0, dtype), ())
    else:
        y = CumSum.apply(input, axis, dtype)
    return y if out is None else into(out, y, "cumsum")
