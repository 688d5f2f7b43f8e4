"""dtypes: chainrule's dtypes are NumPy's, named as in PyTorch; float32 is the default."""

from __future__ import annotations

from typing import Any

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)
float = float32  # noqa: A001  (torch.float)
double = float64
long = int64
half = float16

_NAMES = {
    float32: "float32",
    float64: "float64",
    float16: "float16",
    int64: "int64",
    int32: "int32",
    uint8: "uint8",
    bool_: "bool",
}

_default_float = float32


def get_default_dtype() -> np.dtype:
    return _default_float


def set_default_dtype(dtype: Any) -> None:
    """Choose float32 (the default) or float64 for new floating tensors."""
    global _default_float
    d = as_dtype(dtype)
    if d not in (float32, float64):
        raise TypeError(f"set_default_dtype: only float32 and float64 can be the default, got {d}")
    _default_float = d


def as_dtype(dtype: Any) -> np.dtype:
    """Accept chainrule/NumPy dtypes, names like ``"float32"``, and Python ``float``/``int``/``bool``."""
    if dtype is None:
        return _default_float
    if dtype is builtins_float:
        return _default_float
    if dtype is builtins_int:
        return int64
    if dtype is builtins_bool or dtype == "bool":
        return bool_
    try:
        return np.dtype(dtype)
    except TypeError:
        pass
    try:  # a torch dtype, or a name such as "torch.float32"
        return np.dtype(getattr(dtype, "name", str(dtype)).replace("torch.", ""))
    except TypeError:
        raise TypeError(
            f"unknown dtype {dtype!r}; use one of chainrule.float32, float64, float16, int64, "
            "int32, uint8, bool (or their names as strings)"
        ) from None


def dtype_name(dtype: np.dtype) -> str:
    return _NAMES.get(dtype, str(dtype))


def is_floating(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


import builtins as _b  # noqa: E402

builtins_float, builtins_int, builtins_bool = _b.float, _b.int, _b.bool
