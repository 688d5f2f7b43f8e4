"""Tensor creation: ``tensor``, ``zeros``, ``randn``, ... with PyTorch's signatures and dtypes.

Floating tensors default to float32; random draws come from the generator that
``chainrule.manual_seed`` seeds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from .autograd.ops import shape_arg
from .random import Generator, rng
from .tensor import Tensor, _as_array


def _size(size: Any, op: str) -> tuple[int, ...]:
    """A creation function's size (``f(2, 3)`` or ``f((2, 3))``): non-negative ints."""
    try:
        shape = shape_arg(size)
    except TypeError:
        raise TypeError(f"{op}(): size must be ints, got {tuple(size)!r}") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"{op}(): negative dimension in size {shape}; sizes must be >= 0")
    return shape


def _finish(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype: Any) -> np.dtype:
    return _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array or a tensor)."""
    arr = _as_array(data, dtype)
    if arr is data or (isinstance(data, Tensor) and arr is data.data):
        arr = arr.copy()
    return _finish(arr, requires_grad)


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    if isinstance(data, Tensor) and dtype is None:
        return data
    return Tensor._make(_as_array(data, dtype))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._make(array)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(_size(size, "zeros"), dtype=_float_dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(_size(size, "ones"), dtype=_float_dtype(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.empty(_size(size, "empty"), dtype=_float_dtype(dtype)), requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    if dtype is None:
        dtype = _as_array(fill_value).dtype
    return _finish(np.full(_size((size,), "full"), fill_value, dtype=_dt.as_dtype(dtype)),
                   requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(t.shape, dtype=_dt.as_dtype(dtype) if dtype else t.dtype), requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(t.shape, dtype=_dt.as_dtype(dtype) if dtype else t.dtype), requires_grad)


def empty_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.empty(t.shape, dtype=_dt.as_dtype(dtype) if dtype else t.dtype), requires_grad)


def full_like(t: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.full(t.shape, fill_value, dtype=_dt.as_dtype(dtype) if dtype else t.dtype),
                   requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end``; int64 for integers, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = _dt.int64 if is_int else _dt.get_default_dtype()
    return _finish(np.arange(start, end, step).astype(_dt.as_dtype(dtype)), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    if steps < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1)."""
    d = _float_dtype(dtype)
    return _finish(rng(generator).random(_size(size, "rand"), dtype=d), requires_grad)


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal."""
    d = _float_dtype(dtype)
    return _finish(rng(generator).standard_normal(_size(size, "randn"), dtype=d), requires_grad)


def randint(low: int, high: int | None = None, size: Any = None, generator: Generator | None = None,
            dtype: Any = None) -> Tensor:
    """Integers in ``[low, high)``; ``randint(high, size)`` draws from ``[0, high)``."""
    if size is None:
        if high is None or isinstance(high, (int, np.integer)):
            raise TypeError("randint: size is required, e.g. randint(0, 10, (3,))")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    d = _dt.as_dtype(dtype) if dtype is not None else _dt.int64
    return Tensor._make(rng(generator).integers(low, high, _size((size,), "randint")).astype(d))


def randperm(n: int, generator: Generator | None = None) -> Tensor:
    return Tensor._make(rng(generator).permutation(n).astype(np.int64))


def rand_like(t: Tensor, dtype: Any = None) -> Tensor:
    return rand(*t.shape, dtype=dtype or t.dtype)


def randn_like(t: Tensor, dtype: Any = None) -> Tensor:
    return randn(*t.shape, dtype=dtype or t.dtype)
