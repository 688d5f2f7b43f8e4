"""dtypes: PyTorch's names (``chainrule.float32`` ...) for NumPy's dtypes; float32 is the default.

A :class:`dtype` prints as ``chainrule.float32`` and holds the NumPy dtype it names. NumPy takes
it wherever it takes a dtype (it reads the ``dtype`` attribute), and it compares equal to NumPy's
dtype, so ``np.zeros(3, dtype=chainrule.float32)`` and ``t.dtype == np.float32`` both work.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np


class dtype:  # noqa: N801  (torch.dtype)
    """An element type, as ``torch.dtype``: ``chainrule.float32``, ``chainrule.int64`` ..."""

    __slots__ = ("dtype", "_name")

    def __init__(self, np_dtype: Any, name: str) -> None:
        self.dtype = np.dtype(np_dtype)  # the NumPy dtype (NumPy's protocol for dtype-like objects)
        self._name = name

    def __repr__(self) -> str:
        return f"chainrule.{self._name}"

    __str__ = __repr__

    def __eq__(self, other: Any) -> Any:
        if isinstance(other, (dtype, np.dtype)):
            return self.dtype == (other.dtype if isinstance(other, dtype) else other)
        if other is None:
            return False  # np.dtype(None) would be float64
        try:
            return self.dtype == np.dtype(other)
        except (TypeError, ValueError):
            return NotImplemented

    def __hash__(self) -> int:
        return hash(self.dtype)  # equal to NumPy's dtype, so one dict serves both

    def __reduce__(self) -> tuple[Any, ...]:
        return wrap, (self.dtype,)  # unpickles to the one instance of this dtype

    def __getattr__(self, name: str) -> Any:
        if name in ("dtype", "_name"):  # not set yet (during copying): no recursion
            raise AttributeError(name)
        return getattr(self.dtype, name)  # kind, itemsize, type, char ... as NumPy's dtype

    @property
    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    @property
    def is_complex(self) -> bool:
        return self.dtype.kind == "c"

    @property
    def is_signed(self) -> bool:
        return self.dtype.kind in "fic"


_WRAPPED: dict[np.dtype, dtype] = {}


def wrap(np_dtype: Any) -> dtype:
    """The :class:`dtype` naming a NumPy dtype (one instance per dtype)."""
    named = _WRAPPED.get(np_dtype)  # Tensor.dtype's path: a NumPy dtype already known
    if named is None:
        d = np.dtype(np_dtype)
        named = _WRAPPED.get(d) or _WRAPPED.setdefault(d, dtype(d, "bool" if d.kind == "b" else d.name))
    return named


float32 = wrap(np.float32)
float64 = wrap(np.float64)
float16 = wrap(np.float16)
int64 = wrap(np.int64)
int32 = wrap(np.int32)
int16 = wrap(np.int16)
int8 = wrap(np.int8)
uint8 = wrap(np.uint8)
bool_ = wrap(np.bool_)
float = float32  # noqa: A001  (torch.float)
double = float64
long = int64
half = float16
short = int16

_default_float = np.dtype(np.float32)


def default_float() -> np.dtype:
    """The default floating dtype as NumPy's dtype (for the operations' own arrays)."""
    return _default_float


def get_default_dtype() -> dtype:
    return wrap(_default_float)


def set_default_dtype(d: Any) -> None:
    """Choose float32 (the default) or float64 for new floating tensors."""
    global _default_float
    new = as_dtype(d)
    if new not in (float32.dtype, float64.dtype):
        raise TypeError(
            f"set_default_dtype: only chainrule.float32 and chainrule.float64 can be the default, "
            f"got {wrap(new)}"
        )
    _default_float = new


def as_dtype(d: Any) -> np.dtype:
    """NumPy's dtype for chainrule/NumPy dtypes, names like ``"float32"``, and Python ``float``/``int``/``bool``."""
    if isinstance(d, dtype):
        return d.dtype  # (NumPy would read the attribute too, but slowly)
    if isinstance(d, np.dtype):
        return d
    if d is None or d is builtins.float:
        return _default_float
    if d is builtins.int:
        return int64.dtype
    if d is builtins.bool or d == "bool":
        return bool_.dtype
    try:
        return np.dtype(d)
    except TypeError:
        pass
    try:  # a torch dtype, or a name such as "torch.float32" / "chainrule.float32"
        name = getattr(d, "name", None) or str(d)
        return np.dtype(name.replace("torch.", "").replace("chainrule.", ""))
    except TypeError:
        raise TypeError(
            f"unknown dtype {d!r}; use one of chainrule.float32, float64, float16, int64, "
            "int32, int16, int8, uint8, bool (or their names as strings)"
        ) from None


def dtype_name(d: Any) -> str:
    """The short name (``"float32"``), as it follows ``chainrule.`` in a dtype's repr."""
    return wrap(d)._name


def is_floating(d: Any) -> bool:
    return np.dtype(d).kind == "f"


class finfo:  # noqa: N801  (torch.finfo)
    """The limits of a floating dtype (the default one when none is given): ``bits``, ``eps``
    (the gap between 1 and the next number), ``max``, ``min``, ``tiny`` = ``smallest_normal``,
    ``resolution`` (10^-digits) and ``dtype`` (its name)."""

    def __init__(self, type: Any = None) -> None:  # noqa: A002
        d = _default_float if type is None else as_dtype(type)
        if d.kind != "f":
            raise TypeError(f"finfo: expected a floating point dtype, got {wrap(d)}; use iinfo for integers")
        info = np.finfo(d)
        self.bits, self.dtype = info.bits, dtype_name(d)
        self.eps, self.max, self.min = builtins.float(info.eps), builtins.float(info.max), builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801  (torch.iinfo)
    """The limits of an integer dtype: ``bits``, ``max``, ``min`` and ``dtype`` (its name)."""

    def __init__(self, type: Any) -> None:  # noqa: A002
        d = as_dtype(type)
        if d.kind not in "iu":
            raise TypeError(f"iinfo: expected an integer dtype, got {wrap(d)}; use finfo for floats")
        info = np.iinfo(d)
        self.bits, self.max, self.min, self.dtype = info.bits, int(info.max), int(info.min), dtype_name(d)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
