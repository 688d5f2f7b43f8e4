"""Tests of values: ``isnan``, ``isclose``, ``all``, ``any``, ``equal`` ...

They answer with bool tensors (or a Python bool), outside the graph: a comparison is a step
function, whose gradient is zero wherever it exists.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ...dtypes import wrap
from ...tensor import Tensor
from ._util import broadcast_error, into, normalize_dims, numpy_keywords


def _tensor(x: Any, op: str, arg: str) -> np.ndarray:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{arg}' must be a Tensor, not {type(x).__name__}")
    return x._data


def isnan(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor._make(np.isnan(_tensor(input, "isnan", "input")))


def isinf(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor._make(np.isinf(_tensor(input, "isinf", "input")))


def isfinite(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor._make(np.isfinite(_tensor(input, "isfinite", "input")))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|``, elementwise (NaN equals NaN only with ``equal_nan``)."""
    a, b = _tensor(input, "isclose", "input"), _tensor(other, "isclose", "other")
    if a.dtype != b.dtype:
        raise TypeError(f"isclose(): both tensors need one dtype, got {wrap(a.dtype)} and {wrap(b.dtype)}")
    try:
        return Tensor._make(np.asarray(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))
    except ValueError:
        raise broadcast_error("isclose", a, b) from None


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """Whether :func:`isclose` holds for every element."""
    return builtins.bool(np.all(isclose(input, other, rtol, atol, equal_nan)._data))


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """Whether both tensors have the same shape and the same values (their dtypes may differ)."""
    a, b = _tensor(input, "equal", "input"), _tensor(other, "equal", "other")
    return a.shape == b.shape and builtins.bool(np.array_equal(a, b))


def _logical_reduction(reduce: Any, op: str, x: Tensor, dim: Any, keepdim: bool) -> Tensor:
    data = _tensor(x, op, "input")
    out = np.asarray(reduce(data, axis=normalize_dims(dim, data.ndim, op), keepdims=keepdim))
    return Tensor._make(out.astype(np.uint8) if data.dtype == np.uint8 else out)  # uint8 stays uint8, as in PyTorch


@numpy_keywords
def all(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:  # noqa: A001, A002
    """Whether every element (along ``dim``) is nonzero."""
    y = _logical_reduction(np.all, "all", input, dim, keepdim)
    return y if out is None else into(out, y, "all")


@numpy_keywords
def any(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:  # noqa: A001, A002
    """Whether some element (along ``dim``) is nonzero."""
    y = _logical_reduction(np.any, "any", input, dim, keepdim)
    return y if out is None else into(out, y, "any")
