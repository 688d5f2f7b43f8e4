"""PyTorch's pre-0.4 names, still found in tutorials: ``Variable`` and the typed tensor classes.

Since PyTorch 0.4 a tensor is its own "Variable": ``Variable(t)`` is a tensor that shares ``t``'s
memory, outside any graph, with ``requires_grad`` as asked, and every tensor is an instance of
``Variable``. ``FloatTensor``, ``LongTensor``, ... construct tensors of one dtype
(``LongTensor([1, 2])`` from data, ``FloatTensor(2, 3)`` of a shape, zero-filled here) and are
types: ``isinstance(x, FloatTensor)`` holds for a float32 tensor, ``x.type(LongTensor)`` converts,
and ``x.type()`` names the class (``"torch.FloatTensor"``, PyTorch's name, so that the comparisons
PyTorch programs make hold).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .tensor import Size, Tensor

__all__ = ["LEGACY_TYPES", "Variable", "legacy_type_name", "legacy_type_of"]


class _VariableMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor)

    def __call__(cls, data: Any, requires_grad: bool = False, volatile: bool | None = None) -> Tensor:
        if volatile is not None:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                          "instead.", UserWarning, stacklevel=2)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)``: the tensor's memory as a new leaf (see the module)."""


class _TypedTensorMeta(type):
    dtype: np.dtype

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype

    def __call__(cls, *args: Any) -> Tensor:
        name = cls.__name__
        if not args:
            return Tensor._make(np.empty(0, dtype=cls.dtype))
        if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            return Tensor._make(np.zeros(tuple(int(a) for a in args), dtype=cls.dtype))  # a shape
        if len(args) > 1:
            raise TypeError(f"{name}(): expected sizes (ints) or one sequence of data, got "
                            f"{', '.join(type(a).__name__ for a in args)}")
        (data,) = args
        if isinstance(data, Tensor):
            if data._data.dtype != cls.dtype:
                raise TypeError(f"{name}(): expected a tensor of dtype {cls.dtype}, got "
                                f"{data._data.dtype}; convert it with .type({name}) instead")
            return data
        if isinstance(data, str) or not isinstance(data, (Sequence, np.ndarray)):
            raise TypeError(f"{name}(): invalid data type {type(data).__name__!r}; expected sizes "
                            f"or a (nested) list or array of numbers")
        if isinstance(data, Size):
            return Tensor._make(np.zeros(tuple(data), dtype=cls.dtype))  # FloatTensor(x.shape)
        values = np.asarray(data)
        if values.dtype.kind == "f" and cls.dtype.kind in "iu":
            values = np.trunc(values)  # LongTensor([1.7, -1.7]) is [1, -1], as in PyTorch
        return Tensor._make(np.array(values, dtype=cls.dtype))


def _typed(name: str, np_dtype: Any) -> type:
    doc = f"``{name}(data)`` / ``{name}(*sizes)``: a {np.dtype(np_dtype)} tensor (see the module)."
    return _TypedTensorMeta(name, (), {"dtype": np.dtype(np_dtype), "__doc__": doc})


FloatTensor = _typed("FloatTensor", np.float32)
DoubleTensor = _typed("DoubleTensor", np.float64)
HalfTensor = _typed("HalfTensor", np.float16)
LongTensor = _typed("LongTensor", np.int64)
IntTensor = _typed("IntTensor", np.int32)
ShortTensor = _typed("ShortTensor", np.int16)
CharTensor = _typed("CharTensor", np.int8)
ByteTensor = _typed("ByteTensor", np.uint8)
BoolTensor = _typed("BoolTensor", np.bool_)

LEGACY_TYPES = {t.__name__: t for t in (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor,
                                        ShortTensor, CharTensor, ByteTensor, BoolTensor)}
_BY_DTYPE = {t.dtype: t for t in LEGACY_TYPES.values()}


def legacy_type_name(np_dtype: np.dtype) -> str:
    """``"torch.FloatTensor"`` for float32, ...: what ``x.type()`` returns."""
    cls = _BY_DTYPE.get(np.dtype(np_dtype))
    return f"torch.{cls.__name__}" if cls is not None else f"torch.{np.dtype(np_dtype).name}"


def legacy_type_of(value: Any) -> np.dtype | None:
    """The dtype a ``x.type(value)`` argument names when it is a typed class or its name
    (``LongTensor``, ``"torch.LongTensor"``, ``"chainrule.LongTensor"``); otherwise None."""
    if isinstance(value, _TypedTensorMeta):
        return value.dtype
    if isinstance(value, str):
        cls = LEGACY_TYPES.get(value.rpartition(".")[2])
        return cls.dtype if cls is not None else None
    return None
