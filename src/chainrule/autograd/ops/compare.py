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
from ._util import broadcast_error, into, named, normalize_dims, numpy_keywords
from .elementwise import compare


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


def _element_test(name: str, fn: Any, doc: str) -> Any:
    """The functional form ``name(input, *, out=None)`` of a per-element test: a bool tensor."""

    def function(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
        y = Tensor._make(np.asarray(fn(_tensor(input, name, "input"))))
        return y if out is None else into(out, y, name)

    return named(function, name, doc)


signbit = _element_test("signbit", np.signbit, "Whether each element's sign bit is set (True for -0.0).")
isposinf = _element_test("isposinf", np.isposinf, "Whether each element is +inf.")
isneginf = _element_test("isneginf", np.isneginf, "Whether each element is -inf.")


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


# ------------------------------------------------------------------ elementwise comparisons
def _comparison(name: str, ufunc: Any, doc: str) -> Any:
    """The functional form ``name(input, other, *, out=None)`` of a comparison or logical op:
    a bool tensor (``other`` a tensor or a number, broadcast against ``input``)."""

    def function(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
        _tensor(input, name, "input")
        y = compare(ufunc, input, other)
        return y if out is None else into(out, y, name)

    return named(function, name, doc)


eq = _comparison("eq", np.equal, "``input == other``, elementwise.")
ne = _comparison("ne", np.not_equal, "``input != other``, elementwise.")
lt = _comparison("lt", np.less, "``input < other``, elementwise.")
le = _comparison("le", np.less_equal, "``input <= other``, elementwise.")
gt = _comparison("gt", np.greater, "``input > other``, elementwise.")
ge = _comparison("ge", np.greater_equal, "``input >= other``, elementwise.")
logical_and = _comparison("logical_and", np.logical_and, "Both nonzero, elementwise.")
logical_or = _comparison("logical_or", np.logical_or, "Either nonzero, elementwise.")
logical_xor = _comparison("logical_xor", np.logical_xor, "Exactly one nonzero, elementwise.")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def logical_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Whether each element is zero (False)."""
    y = Tensor._make(np.logical_not(_tensor(input, "logical_not", "input")))
    return y if out is None else into(out, y, "logical_not")
