"""chainrule.testing: ``assert_close`` and ``make_tensor``, as ``torch.testing``.

``assert_close(actual, expected)`` passes when every pair of values satisfies

.. math::  |a - e| ≤ \\mathrm{atol} + \\mathrm{rtol} · |e|

(equal infinities count as close; NaNs only with ``equal_nan=True``), and otherwise raises an
``AssertionError`` that says how many elements mismatch and where the greatest differences are.
Without tolerances it picks PyTorch's defaults for the dtypes compared (the looser of the two):

==============  ===========  ========
dtype           rtol         atol
==============  ===========  ========
float16         1e-3         1e-5
float32         1.3e-6       1e-5
float64         1e-7         1e-7
other (ints,    0            0
bool)
==============  ===========  ========

Inputs may be Tensors (or NumPy arrays), Python numbers and booleans, ``None``, and sequences and
mappings of them, nested: sequences are compared item by item and mappings key by key, and a
failure names the item, ``The failure occurred for item [1]['weight']``.

``make_tensor(*shape, dtype=..., device=...)`` makes a test input with values drawn uniformly from
``[low, high)`` (by default [-9, 9) for floats, the integers -9 … 9, 0 … 9 unsigned, False/True),
from chainrule's seeded generator (``chainrule.manual_seed``).
"""

from __future__ import annotations

import cmath
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import dtypes as _dt
from .device import check_device
from .random import rng
from .tensor import Tensor

__all__ = ["assert_close", "make_tensor"]

# default (rtol, atol) per dtype; dtypes not listed (integers, bool) compare exactly
_PRECISIONS: dict[np.dtype, tuple[float, float]] = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
    np.dtype(np.complex64): (1.3e-6, 1e-5),
    np.dtype(np.complex128): (1e-7, 1e-7),
}
# a Python number compares as the dtype PyTorch gives it
_NUMBER_DTYPES = {int: np.dtype(np.int64), float: np.dtype(np.float64), complex: np.dtype(np.complex128)}


class _Failure(Exception):
    """A failed comparison: the exception type to raise, its message and the item's path."""

    def __init__(self, kind: type[Exception], message: str, path: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.kind, self.message, self.path = kind, message, path

    def to_error(self, msg: str | Callable[[str], str] | None) -> Exception:
        if isinstance(msg, str):
            return self.kind(msg)
        message = self.message
        if self.path:
            message += "\n\nThe failure occurred for item " + "".join(str([key]) for key in self.path)
        return self.kind(msg(message) if callable(msg) else message)


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    """Assert that ``actual`` and ``expected`` are close, as ``torch.testing.assert_close``.

    Args:
        actual, expected: Tensors, NumPy arrays, numbers, booleans, ``None``, or (nested) sequences
            and mappings of them. A Tensor is compared with a Tensor, a number with a number.
        allow_subclasses: accept a Tensor subclass (a ``Parameter``) against a Tensor.
        rtol, atol: relative and absolute tolerance; give both or neither (then the defaults of the
            dtypes compared, the looser of the two).
        equal_nan: count two NaNs as equal.
        check_device, check_dtype: require the same device and dtype; with ``check_dtype=False``
            both are promoted to a common dtype before the values are compared.
        check_layout: require the same layout (chainrule's tensors are all strided).
        check_stride: require the same strides (in elements).
        msg: a message replacing the generated one, or a function of the generated one.

    Raises:
        AssertionError: values, shapes, dtypes, devices, lengths or keys differ.
        TypeError: the inputs are of types that cannot be compared (a Tensor and a list, ...).
        ValueError: only one of ``rtol`` and ``atol`` is given.
    """
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_device=check_device, check_dtype=check_dtype, check_layout=check_layout,
                   check_stride=check_stride)
    try:
        pairs = _pairs(actual, expected, (), options)  # the structure first: lengths, keys, types
        for compare in pairs:
            compare()
    except _Failure as failure:
        raise failure.to_error(msg) from None


# ---------------------------------------------------------------------------- pairing the inputs
def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str)


def _pairs(actual: Any, expected: Any, path: tuple[Any, ...], options: dict[str, Any]) -> list[Callable[[], None]]:
    """The comparisons to make, one per leaf pair; structural mismatches fail here."""
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Failure(AssertionError,
                           f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", path)
        pairs = []
        for i in range(len(actual)):
            pairs += _pairs(actual[i], expected[i], (*path, i), options)
        return pairs
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        actual_keys, expected_keys = set(actual.keys()), set(expected.keys())
        if actual_keys != expected_keys:
            raise _Failure(
                AssertionError,
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {sorted(expected_keys - actual_keys)}\n"
                f"Additional keys in the actual mapping: {sorted(actual_keys - expected_keys)}",
                path,
            )
        try:
            keys: list[Any] = sorted(actual_keys)
        except TypeError:
            keys = list(actual_keys)
        pairs = []
        for key in keys:
            pairs += _pairs(actual[key], expected[key], (*path, key), options)
        return pairs
    return [_leaf(actual, expected, path, options)]


def _leaf(actual: Any, expected: Any, path: tuple[Any, ...], options: dict[str, Any]) -> Callable[[], None]:
    """The comparison of two leaves, by kind: None, booleans, numbers, or tensor-likes."""
    if actual is None or expected is None:
        return lambda: _compare_none(actual, expected, path)
    if all(isinstance(x, (bool, np.bool_)) for x in (actual, expected)):
        return lambda: _compare_bools(bool(actual), bool(expected), path)
    if all(isinstance(x, (int, float, complex, np.number)) and not isinstance(x, (bool, np.bool_))
           for x in (actual, expected)):
        a, e = (x.item() if isinstance(x, np.number) else x for x in (actual, expected))
        rtol, atol = _tolerances(_NUMBER_DTYPES[type(a)], _NUMBER_DTYPES[type(e)], options, path)
        return lambda: _compare_numbers(a, e, rtol, atol, options, path)
    if _tensor_like_pair(actual, expected, options["allow_subclasses"]):
        a, e = (x if isinstance(x, Tensor) else Tensor._make(x) for x in (actual, expected))
        rtol, atol = _tolerances(a._data.dtype, e._data.dtype, options, path)
        return lambda: _compare_tensors(a, e, rtol, atol, options, path)
    raise _Failure(
        TypeError,
        f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.",
        path,
    )


def _tensor_like_pair(actual: Any, expected: Any, allow_subclasses: bool) -> bool:
    """Two Tensors (a subclass counts if allowed) or two NumPy arrays."""
    if not all(isinstance(x, (Tensor, np.ndarray)) for x in (actual, expected)):
        return False
    related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    return related and (allow_subclasses or type(actual) is type(expected))


def _tolerances(a: np.dtype, b: np.dtype, options: dict[str, Any], path: tuple[Any, ...]) -> tuple[float, float]:
    rtol, atol = options["rtol"], options["atol"]
    if (rtol is None) != (atol is None):
        raise _Failure(
            ValueError,
            "Both 'rtol' and 'atol' must be either specified or omitted, "
            f"but got no {'rtol' if rtol is None else 'atol'}.",
            path,
        )
    if rtol is not None:
        return rtol, atol
    rtols, atols = zip(*(_PRECISIONS.get(np.dtype(d), (0.0, 0.0)) for d in (a, b)), strict=True)
    return max(rtols), max(atols)


# ---------------------------------------------------------------------------- the comparisons
def _compare_none(actual: Any, expected: Any, path: tuple[Any, ...]) -> None:
    if not (actual is None and expected is None):
        raise _Failure(AssertionError, f"None mismatch: {actual} is not {expected}", path)


def _compare_bools(actual: bool, expected: bool, path: tuple[Any, ...]) -> None:
    if actual is not expected:
        raise _Failure(AssertionError, f"Booleans mismatch: {actual} is not {expected}", path)


def _compare_numbers(actual: complex, expected: complex, rtol: float, atol: float, options: dict[str, Any],
                     path: tuple[Any, ...]) -> None:
    if options["check_dtype"] and type(actual) is not type(expected):
        raise _Failure(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.", path)
    if actual == expected:
        return
    if options["equal_nan"] and cmath.isnan(actual) and cmath.isnan(expected):
        return
    abs_diff = abs(actual - expected)
    if cmath.isfinite(abs_diff) and abs_diff <= atol + rtol * abs(expected):
        return
    raise _Failure(AssertionError, _scalar_message(actual, expected, rtol, atol), path)


def _compare_tensors(actual: Tensor, expected: Tensor, rtol: float, atol: float, options: dict[str, Any],
                     path: tuple[Any, ...]) -> None:
    a, e = actual._data, expected._data

    def mismatch(attribute: str, x: Any, y: Any) -> _Failure:
        return _Failure(AssertionError, f"The values for attribute '{attribute}' do not match: {x} != {y}.", path)

    if a.shape != e.shape:
        raise mismatch("shape", actual.shape, expected.shape)
    if options["check_stride"] and _strides(a) != _strides(e):
        raise mismatch("stride()", _strides(a), _strides(e))
    if options["check_device"] and actual.device != expected.device:
        raise mismatch("device", actual.device, expected.device)
    if options["check_dtype"] and a.dtype != e.dtype:
        raise mismatch("dtype", actual.dtype, expected.dtype)
    if a.dtype != e.dtype:
        common = _promote(a.dtype, e.dtype)
        a, e = a.astype(common), e.astype(common)

    matches = _isclose(a, e, rtol, atol, options["equal_nan"])
    if matches.all():
        return
    if a.ndim == 0:
        raise _Failure(AssertionError, _scalar_message(a.item(), e.item(), rtol, atol), path)
    raise _Failure(AssertionError, _tensor_message(a, e, matches, rtol, atol), path)


def _strides(a: np.ndarray) -> tuple[int, ...]:
    return tuple(s // a.itemsize for s in a.strides)


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promotion of two dtypes: the higher kind wins (bool < int < float < complex), its
    own dtype kept (int64 with float16 is float16); within a kind, the wider."""
    rank = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
    if rank[a.kind] != rank[b.kind]:
        return a if rank[a.kind] > rank[b.kind] else b
    return np.promote_types(a, b)


def _isclose(a: np.ndarray, e: np.ndarray, rtol: float, atol: float, equal_nan: bool) -> np.ndarray:
    """``torch.isclose``: equal, or both NaN (if allowed), or a finite |a - e| within atol + rtol |e|."""
    close = np.asarray(a == e)
    if a.dtype.kind not in "fc":
        return close
    if equal_nan:
        close = close | (np.isnan(a) & np.isnan(e))
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(a - e)
        allowed = atol + np.abs(rtol * e)
        return close | (np.isfinite(error) & (error <= allowed))


# ---------------------------------------------------------------------------- the messages
def _header(what: str, rtol: float, atol: float) -> str:
    return f"{what} are not {'equal' if rtol == 0 and atol == 0 else 'close'}!\n\n"


def _difference(kind: str, value: Any, index: tuple[int, ...] | None, tol: float, exact: bool) -> str:
    if index is None:
        line = f"{kind.title()} difference: {value}"
    else:
        line = f"Greatest {kind} difference: {value} at index {index}"
    return line + ("" if exact else f" (up to {tol} allowed)") + "\n"


def _scalar_message(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    exact = rtol == 0 and atol == 0
    text = _header("Scalars", rtol, atol) + f"Expected {expected} but got {actual}.\n"
    text += _difference("absolute", abs_diff, None, atol, exact)
    text += _difference("relative", rel_diff, None, rtol, exact)
    return text.strip()


def _tensor_message(a: np.ndarray, e: np.ndarray, matches: np.ndarray, rtol: float, atol: float) -> str:
    """How many elements mismatch, and the greatest absolute and relative differences among them
    (integers and booleans compared as int64, their relative difference in float32 as PyTorch's)."""
    total = matches.size
    mismatched = total - int(matches.sum())
    a_flat, e_flat, matches_flat = a.reshape(-1), e.reshape(-1), matches.reshape(-1)
    if a.dtype.kind not in "fc":
        a_flat, e_flat = a_flat.astype(np.int64), e_flat.astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        abs_diff = np.abs(a_flat - e_flat)
        abs_diff[matches_flat] = 0
        if abs_diff.dtype.kind == "i":
            rel_diff = abs_diff.astype(np.float32) / np.abs(e_flat).astype(np.float32)
        else:
            rel_diff = abs_diff / np.abs(e_flat)
        rel_diff[matches_flat] = 0
    abs_at, rel_at = int(np.argmax(abs_diff)), int(np.argmax(rel_diff))
    exact = rtol == 0 and atol == 0
    text = _header("Tensor-likes", rtol, atol)
    text += f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})\n"
    text += _difference("absolute", abs_diff[abs_at].item(), _unravel(abs_at, a.shape), atol, exact)
    text += _difference("relative", rel_diff[rel_at].item(), _unravel(rel_at, a.shape), rtol, exact)
    return text.strip()


def _unravel(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape))


# ---------------------------------------------------------------------------- make_tensor
def make_tensor(*shape: int | Sequence[int], dtype: Any, device: Any, low: float | None = None,
                high: float | None = None, requires_grad: bool = False, noncontiguous: bool = False,
                exclude_zero: bool = False, memory_format: Any = None) -> Tensor:
    """A tensor of ``shape`` filled with values drawn uniformly from ``[low, high)``, as
    ``torch.testing.make_tensor``.

    Args:
        shape: the sizes, as integers or one sequence.
        dtype: a floating, integer or bool dtype.
        device: the device (chainrule runs on the CPU).
        low, high: the interval; by default [-9, 9) for floats, [-9, 10) for signed integers,
            [0, 10) for unsigned ones and [0, 2) for bool. Bounds outside the dtype's finite range
            are clamped to it; integer bounds are rounded up (``high`` stays exclusive).
        requires_grad: make a leaf that requires grad (floating dtypes only).
        noncontiguous: return a strided view (every second element of a tensor twice as long in
            its last dimension), to exercise code on non-contiguous inputs.
        exclude_zero: replace zeros by 1 (integers) or the smallest normal number (floats).
        memory_format: must be None: chainrule's tensors have one (row-major) memory layout.
    """
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    sizes = tuple(int(n) for n in shape)  # type: ignore[arg-type]
    np_dtype = _dt.as_dtype(dtype)
    name = _dt.dtype_name(np_dtype)
    if noncontiguous and memory_format is not None:
        raise ValueError(
            "The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got "
            f"noncontiguous={noncontiguous!r} and memory_format={memory_format!r}"
        )
    if memory_format is not None:
        raise ValueError(
            f"make_tensor: memory_format={memory_format!r} is not supported; chainrule's tensors have one "
            "(row-major) memory layout; use noncontiguous=True for a strided tensor"
        )
    if np_dtype.kind not in "biuf":
        raise TypeError(f"The requested dtype '{dtype}' is not supported by chainrule.testing.make_tensor().")
    if requires_grad and np_dtype.kind != "f":
        raise ValueError(
            f"`requires_grad=True` is not supported for boolean and integral dtypes, but got dtype=chainrule.{name}"
        )
    check_device(device, "make_tensor")

    noncontiguous = noncontiguous and math.prod(sizes) > 1
    if noncontiguous:  # twice as long in the last dimension, so the view skips real values
        sizes = (*sizes[:-1], 2 * sizes[-1])
    generator = rng()
    if np_dtype.kind == "b":
        lo, hi = _bounds(low, high, 0, 2, 0, 2, name, integral=True)
        arr = generator.integers(lo, hi, size=sizes).astype(np.bool_)
    elif np_dtype.kind in "iu":
        info = np.iinfo(np_dtype)
        highest = info.max + 1 if np_dtype != np.int64 else info.max
        lo, hi = _bounds(low, high, int(info.min), int(highest), -9, 10, name, integral=True)
        arr = generator.integers(lo, hi, size=sizes, dtype=np.int64 if np_dtype != np.uint64 else np.uint64)
        arr = arr.astype(np_dtype)
    else:
        info = np.finfo(np_dtype)
        lo, hi = _bounds(low, high, float(info.min), float(info.max), -9, 9, name, integral=False)
        u = generator.random(sizes)
        if hi - lo >= float(np.finfo(np.float64).max):  # the width overflows: draw on half the scale
            arr = (2 * (lo / 2 + (hi / 2 - lo / 2) * u)).astype(np_dtype)
        else:
            arr = (lo + (hi - lo) * u).astype(np_dtype)
    if noncontiguous:
        arr = arr[..., 1::2]
    if exclude_zero:
        arr[arr == 0] = 1 if np_dtype.kind in "biu" else np.finfo(np_dtype).tiny
    result = Tensor._make(arr)
    if requires_grad:
        result.requires_grad_(True)
    return result


def _bounds(low: float | None, high: float | None, lowest: float, highest: float, default_low: float,
            default_high: float, name: str, *, integral: bool) -> tuple[Any, Any]:
    """The interval ``[low, high)``: defaults filled in, checked, clamped to ``[lowest, highest)``."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low!r} and high={high!r}")
    if low == high and not integral:
        warnings.warn(
            "Passing `low==high` to `make_tensor` for floating types gives a constant tensor; use "
            "`chainrule.full(...)` instead.",
            FutureWarning,
            stacklevel=3,
        )
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(
            f"The value interval specified by `low` and `high` is [{low}, {high}), but chainrule.{name} only "
            f"supports [{lowest}, {highest})"
        )
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if integral:
        return math.ceil(low), math.ceil(high)
    return low, high
