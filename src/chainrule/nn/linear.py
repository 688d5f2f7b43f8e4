"""The fully connected layer ``Y = X W + b``, the bilinear layer ``y_k = x1^T A_k x2 + b_k``, and
Identity, the layer that does nothing."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..errors import ShapeError
from ..tensor import Tensor
from . import functional as F
from . import init
from ._functions.linear import LinearFunction
from .functional import check_linear_dtypes
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """A fully connected layer: ``y = x @ weight.T + bias``.

    ``weight`` is stored ``[out_features, in_features]`` as in PyTorch (so state_dicts move
    between the two unchanged). The lecture writes the layer as ``Y = X W + b`` with ``X``
    ``[batch, features]`` and ``W`` ``[features, outputs]``: that ``W`` is ``weight.T``, and
    ``x @ weight.T + bias`` is ``X W + b`` exactly. Forward and backward are one graph node::

        Y       = X @ weight.T + b    # [batch, out]
        dX      = G @ weight          # [batch, in]   (skipped when X needs no grad)
        dweight = G.T @ X             # [out, in]
        dbias   = G.sum(0)            # [out]

    Inputs ``[..., in_features]`` of any rank are accepted. Both ``weight`` and ``bias`` start as
    ``U(-1/sqrt(in_features), 1/sqrt(in_features))``, PyTorch's default.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"Linear: {name} must be a non-negative int, got {v!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        d = _dt.as_dtype(dtype)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=d))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=d))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_ with a = sqrt(5), i.e. ``U(-1/sqrt(fan_in), ...)``."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"{self!r}: expected a Tensor input, got {type(input).__name__}")
        x = input._data
        weight = self.weight
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ShapeError(
                f"Linear(in_features={self.in_features}, out_features={self.out_features}) "
                f"expected input [..., {self.in_features}], got shape {tuple(x.shape)}"
            )
        if x.dtype != weight._data.dtype:
            check_linear_dtypes(f"Linear(in_features={self.in_features}, "
                                f"out_features={self.out_features})", x, weight._data)
        return LinearFunction.apply(input, weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Identity(Module):
    """Returns its input unchanged (a placeholder layer); any constructor arguments are ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input


class Bilinear(Module):
    """``y_k = x1^T A_k x2 + b_k``: each output feature a bilinear form of the two inputs.

    ``weight`` is ``[out_features, in1_features, in2_features]`` (``A_k = weight[k]``) and ``bias``
    ``[out_features]``; both start as ``U(-1/sqrt(in1_features), 1/sqrt(in1_features))``, PyTorch's
    default. Inputs ``[..., in1]`` and ``[..., in2]`` give ``[..., out]``.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        d = _dt.as_dtype(dtype)
        self.weight = Parameter(np.empty((out_features, in1_features, in2_features), dtype=d))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=d))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
