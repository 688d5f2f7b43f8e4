"""Tensor creation: ``tensor``, ``zeros``, ``randn``, ... with PyTorch's signatures and dtypes.

Floating tensors default to float32; random draws come from ``generator=`` when given, else from
the generator that ``chainrule.manual_seed`` seeds. ``device=`` is accepted everywhere PyTorch
takes it, and must name the CPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from .autograd.ops import shape_arg
from .device import check_device
from .random import Generator, rng
from .tensor import Tensor, _as_array


def _size(sizes: Any, size: Any, op: str) -> tuple[int, ...]:
    """A creation function's size: ``f(2, 3)``, ``f((2, 3))`` or ``f(size=(2, 3))``; ints >= 0."""
    if size is not None:
        if sizes:
            raise TypeError(f"{op}(): give the size once, as arguments or as size=, not both")
        sizes = (size,)
    try:
        shape = shape_arg(sizes)
    except TypeError:
        raise TypeError(f"{op}(): size must be ints, got {tuple(sizes)!r}") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"{op}(): negative dimension in size {shape}; sizes must be >= 0")
    return shape


def _finish(arr: np.ndarray, requires_grad: bool, device: Any, op: str) -> Tensor:
    check_device(device, op)
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype: Any) -> np.dtype:
    return _dt.as_dtype(dtype) if dtype is not None else _dt.default_float()


def _like_dtype(t: Tensor, dtype: Any) -> np.dtype:
    return _dt.as_dtype(dtype) if dtype is not None else t._data.dtype


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array or a tensor)."""
    arr = _as_array(data, dtype)
    if arr is data or (isinstance(data, Tensor) and arr is data._data):
        arr = arr.copy()
    return _finish(arr, requires_grad, device, "tensor")


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    check_device(device, "as_tensor")
    if isinstance(data, Tensor) and dtype is None:
        return data
    return Tensor._make(_as_array(data, dtype))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._make(array)


def zeros(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(_size(sizes, size, "zeros"), dtype=_float_dtype(dtype)), requires_grad, device, "zeros")


def ones(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(_size(sizes, size, "ones"), dtype=_float_dtype(dtype)), requires_grad, device, "ones")


def empty(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    return _finish(np.empty(_size(sizes, size, "empty"), dtype=_float_dtype(dtype)), requires_grad, device, "empty")


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    if dtype is None:
        dtype = _as_array(fill_value).dtype
    return _finish(np.full(_size((size,), None, "full"), fill_value, dtype=_dt.as_dtype(dtype)),
                   requires_grad, device, "full")


def zeros_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return _finish(np.zeros(input.shape, dtype=_like_dtype(input, dtype)), requires_grad, device, "zeros_like")


def ones_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return _finish(np.ones(input.shape, dtype=_like_dtype(input, dtype)), requires_grad, device, "ones_like")


def empty_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return _finish(np.empty(input.shape, dtype=_like_dtype(input, dtype)), requires_grad, device, "empty_like")


def full_like(input: Tensor, fill_value: Any, dtype: Any = None, device: Any = None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    return _finish(np.full(input.shape, fill_value, dtype=_like_dtype(input, dtype)), requires_grad, device,
                   "full_like")


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end``; int64 for integers, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = _dt.int64 if is_int else _dt.default_float()
    return _finish(np.arange(start, end, step).astype(_dt.as_dtype(dtype)), requires_grad, device, "arange")


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    if steps < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad, device, "linspace")


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``: ``steps`` values spaced evenly on a log scale."""
    if steps < 0:
        raise ValueError(f"logspace: number of steps must be non-negative, got {steps}")
    return _finish(np.logspace(start, end, steps, base=base).astype(_float_dtype(dtype)), requires_grad, device,
                   "logspace")


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device, "eye")


def rand(*sizes: Any, size: Any = None, generator: Generator | None = None, dtype: Any = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1)."""
    shape = _size(sizes, size, "rand")
    return _finish(rng(generator).random(shape, dtype=_float_dtype(dtype)), requires_grad, device, "rand")


def randn(*sizes: Any, size: Any = None, generator: Generator | None = None, dtype: Any = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal."""
    shape = _size(sizes, size, "randn")
    return _finish(rng(generator).standard_normal(shape, dtype=_float_dtype(dtype)), requires_grad, device, "randn")


def randint(low: int, high: int | None = None, size: Any = None, *, generator: Generator | None = None,
            dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers in ``[low, high)``; ``randint(high, size)`` draws from ``[0, high)``."""
    if size is None:
        if high is None or isinstance(high, (int, np.integer)):
            raise TypeError("randint: size is required, e.g. randint(0, 10, (3,))")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    d = _dt.as_dtype(dtype) if dtype is not None else _dt.int64.dtype
    return _finish(rng(generator).integers(low, high, _size((size,), None, "randint")).astype(d), requires_grad,
                   device, "randint")


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype``)."""
    d = _dt.as_dtype(dtype) if dtype is not None else _dt.int64.dtype
    return _finish(rng(generator).permutation(n).astype(d), requires_grad, device, "randperm")


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    return rand(*input.shape, generator=generator, dtype=_like_dtype(input, dtype), device=device,
                requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False) -> Tensor:
    return randn(*input.shape, generator=generator, dtype=_like_dtype(input, dtype), device=device,
                 requires_grad=requires_grad)


def randint_like(input: Tensor, low: int, high: int | None = None, *, generator: Generator | None = None,  # noqa: A002
                 dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers in ``[low, high)`` (``randint_like(x, high)``: ``[0, high)``) of ``input``'s shape and dtype."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator, dtype=_like_dtype(input, dtype),
                   device=device, requires_grad=requires_grad)


def _triangle_indices(op: str, row: int, col: int, offset: int, dtype: Any, upper: bool) -> Tensor:
    if row < 0 or col < 0:
        raise RuntimeError(f"{op}: row and col must be non-negative, got row={row}, col={col}")
    d = _dt.as_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    if d.kind not in "iu":
        raise RuntimeError(f"{op}: the dtype must be an integer type, got {_dt.dtype_name(d)}")
    r, c = (np.triu_indices if upper else np.tril_indices)(row, offset, col)
    return Tensor._make(np.stack([r, c]).astype(d).reshape(2, -1))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None) -> Tensor:
    """``[2, N]``: the row and column indices of the lower triangle of a ``row x col`` matrix (the
    entries with ``j - i <= offset``), row by row."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, upper=False)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None) -> Tensor:
    """``[2, N]``: the row and column indices of the upper triangle of a ``row x col`` matrix (the
    entries with ``j - i >= offset``), row by row."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, upper=True)
