"""Helpers shared by the operations: broadcasting's backward, dtype promotion, dim handling."""

from __future__ import annotations

import operator
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...dtypes import default_float, wrap
from ...errors import ShapeError
from ...tensor import Tensor, bump_version
from ...utils.keywords import numpy_keywords as numpy_keywords  # re-exported for the operations
from .. import grad_mode

_f64 = np.dtype(np.float64)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a gradient back to the operand's shape: the backward of NumPy broadcasting.

    An operand of shape ``[features]`` added to ``[batch, features]`` was used once per row, so
    its gradient is the sum over rows (the bias gradient ``db = sum_batch G`` of the lecture).
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    summed = grad.sum(axis=axes, keepdims=True) if axes else grad
    return summed.reshape(shape)


def shape_of(x: Any) -> tuple[int, ...]:
    """An operand's shape (a Python number is 0-d); cheaper than np.shape for arrays."""
    return x.shape if type(x) is np.ndarray else np.shape(x)


def promote(out: np.ndarray, a: Any, b: Any) -> np.ndarray:
    """PyTorch's type promotion where it differs from NumPy's (NumPy upcasts to float64).

    NumPy turns ``int64 + 0.5``, ``int64 / int64`` and ``float32 + int64`` into float64, and
    ``float32[n] + float64[]`` too. PyTorch ranks operands: tensors with dimensions decide first,
    then 0-d tensors, then Python numbers; a lower rank only matters when it brings a higher
    category (bool < int < float), and a Python float brings the default dtype (float32).
    """
    dt = out.dtype
    if dt == _f64:
        target = _float_result(a, b)
        return out if target == _f64 else out.astype(target)
    if dt.kind in "iu" and out.ndim:  # int64 0-d with int32 [n]: NumPy says int64, PyTorch int32
        target = _int_result(a, b)
        if target is not None and target != dt:
            return out.astype(target)
    return out  # the hot path: float32 stays float32


def _float_result(a: Any, b: Any) -> np.dtype:
    """The float dtype PyTorch gives ``a (op) b`` when NumPy's answer is float64."""
    dimensioned, zero_dim = [], []
    for x in (a, b):
        dt = getattr(x, "dtype", None)  # None for Python numbers
        if dt is not None and dt.kind == "f":
            (dimensioned if np.ndim(x) else zero_dim).append(dt)
    if dimensioned:
        return np.result_type(*dimensioned)
    if zero_dim:
        return np.result_type(*zero_dim)
    return default_float()


def _int_result(a: Any, b: Any) -> np.dtype | None:
    """The integer dtype PyTorch gives when a 0-d integer tensor meets a dimensioned one: the
    dimensioned operands decide (a 0-d tensor of the same category never widens them)."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or (a.ndim == 0) == (b.ndim == 0):
        return None
    dimensioned, zero_dim = (a, b) if b.ndim == 0 else (b, a)
    if dimensioned.dtype.kind not in "iu" or zero_dim.dtype.kind not in "iu":
        return None
    return dimensioned.dtype


def broadcast_error(op: str, *operands: Any) -> ShapeError:
    shapes = " and ".join(str(tuple(np.shape(x))) for x in operands)
    return ShapeError(
        f"{op}: shapes {shapes} cannot be broadcast together "
        "(each dimension, compared from the right, must be equal or 1)"
    )


def normalize_dim(dim: Any, ndim: int, op: str) -> int:
    """A possibly negative dim as an axis in ``[0, ndim)``, or an IndexError that names the op."""
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-n}, {n - 1}], "
            f"but got {dim}) for a tensor with {ndim} dimension(s)"
        )
    return int(dim) % n


def normalize_dims(dim: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """``None`` (all dims), an int, or a sequence of ints -> a sorted tuple of axes."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        axes = (normalize_dim(dim, ndim, op),)
    else:
        axes = tuple(normalize_dim(d, ndim, op) for d in dim)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: dim {tuple(dim)} names a dimension more than once")
    return tuple(sorted(axes)) if ndim else ()  # a 0-d tensor's dim 0 is itself: nothing to reduce


def shape_arg(shape: Sequence[Any]) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike, as PyTorch does."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    try:  # operator.index: 2.5 is refused, not truncated to 2
        return tuple(operator.index(s) for s in shape)
    except TypeError:
        raise TypeError(f"expected a shape of ints, got {tuple(shape)!r}") from None


def unwrap_index(index: Any) -> Any:
    """Tensors and lists inside an index become ndarrays, so NumPy indexes with them."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        return np.asarray([i._data if isinstance(i, Tensor) else i for i in index])
    if isinstance(index, tuple):
        return tuple(unwrap_index(i) for i in index)
    return index


def is_advanced(index: Any) -> bool:
    """Whether an index uses integer arrays (whose repeats must accumulate in backward)."""
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) and i.dtype.kind != "b" for i in items)


def float_operand(x: Any) -> Any:
    """An integer or bool tensor cast to the default float dtype, anything else unchanged:
    PyTorch's exp, log, sigmoid, softmax... of an int64 tensor are float32 (and sigmoid kept in
    int64 would round every value to 0 or 1). Such tensors never require grad: no graph."""
    if isinstance(x, Tensor) and x._data.dtype.kind in "biu":
        return Tensor._make(x._data.astype(default_float()))
    return x


def as_operand(x: Any) -> Any:
    """Tensors give their array; Python numbers and arrays pass through (they need no grad)."""
    return x._data if isinstance(x, Tensor) else x


# ------------------------------------------------------------------ out=
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}  # bool < integer < floating < complex


def into(out: Any, result: Tensor, op: str) -> Tensor:
    """``out=``: write ``result`` into the tensor ``out`` (resized if its shape differs) and return it.

    As in PyTorch, ``out=`` is refused when the result needs a gradient (the graph cannot record
    a write into an existing tensor), and when the result's dtype cannot be cast to out's without
    losing its kind (a float result into an integer tensor).
    """
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be a Tensor, not {type(out).__name__}")
    if grad_mode._enabled and (result.requires_grad or out.requires_grad):
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad"
        )
    src, dst = result._data, out._data
    if _CATEGORY[src.dtype.kind] > _CATEGORY[dst.dtype.kind]:
        raise RuntimeError(
            f"{op}(): result type {wrap(src.dtype)} can't be cast to the desired output type {wrap(dst.dtype)}"
        )
    if dst.shape != src.shape:
        if dst.size:
            warnings.warn(
                f"{op}(): an output with one or more elements was resized since it had shape "
                f"{list(dst.shape)}, which does not match the required output shape {list(src.shape)}",
                UserWarning, stacklevel=3,
            )
        out._data = dst = np.empty(src.shape, dtype=dst.dtype)
    np.copyto(dst, src, casting="unsafe")
    bump_version(out)  # out= writes in place: its version moves, as in PyTorch
    return out


def check_index(index: Any, op: str, arg: str = "index") -> np.ndarray:
    """An integer index tensor's array, or a TypeError that names the op and the dtype it got."""
    arr = index._data if isinstance(index, Tensor) else np.asarray(index)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{op}(): expected {arg} of dtype chainrule.int64 (or int32), got {wrap(arr.dtype)}")
    return arr


def named(function: Any, name: str, doc: str | None) -> Any:
    """``function``, made by a factory, as the public op ``name`` with its docstring."""
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function
