"""Elementwise operations: arithmetic and the unary functions, each forward beside its backward.

Binary operations broadcast like NumPy; their backward sums the gradient back to each operand's
shape (``unbroadcast``). ``G`` below is the incoming gradient dLoss/dOut, of the output's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...tensor import Tensor
from ..function import Function
from ._util import as_operand, broadcast_error, float_operand, promote, shape_of, unbroadcast


def _shapes(a: Any, b: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Both operands' shapes, for backward's unbroadcast (the hot path: two arrays)."""
    try:
        return a.shape, b.shape
    except AttributeError:  # a Python number
        return shape_of(a), shape_of(b)


class Add(Function):
    array_io = True

    @staticmethod
    def forward(ctx, a, b):
        try:
            out = a + b  # Y = A + B
        except ValueError:
            raise broadcast_error("add", a, b) from None
        ctx.shapes = _shapes(a, b)
        return promote(out, a, b)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes  # dA = G, dB = G (summed over broadcast dims)
        return unbroadcast(g, sa), unbroadcast(g, sb)


class Sub(Function):
    array_io = True

    @staticmethod
    def forward(ctx, a, b):
        try:
            out = a - b  # Y = A - B
        except ValueError:
            raise broadcast_error("sub", a, b) from None
        ctx.shapes = _shapes(a, b)
        return promote(out, a, b)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes  # dA = G, dB = -G
        need_b = ctx.needs_input_grad[1]
        return unbroadcast(g, sa), (unbroadcast(-g, sb) if need_b else None)


class Mul(Function):
    array_io = True

    @staticmethod
    def forward(ctx, a, b):
        try:
            out = a * b  # Y = A * B (elementwise)
        except ValueError:
            raise broadcast_error("mul", a, b) from None
        ctx.a, ctx.b = a, b
        return promote(out, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.a, ctx.b  # dA = G * B, dB = G * A
        need_a, need_b = ctx.needs_input_grad
        da = unbroadcast(g * b, shape_of(a)) if need_a else None
        db = unbroadcast(g * a, shape_of(b)) if need_b else None
        return da, db


class Div(Function):
    array_io = True

    @staticmethod
    def forward(ctx, a, b):
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                out = promote(np.true_divide(a, b), a, b)  # Y = A / B
        except ValueError:
            raise broadcast_error("div", a, b) from None
        ctx.a, ctx.b, ctx.out = a, b, out
        return out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.a, ctx.b  # dA = G / B, dB = -G * A / B^2 = -G * Y / B
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):
            da = unbroadcast(g / b, np.shape(a)) if need_a else None
            db = unbroadcast(-g * ctx.out / b, np.shape(b)) if need_b else None
        return da, db


class Neg(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x):
        return np.negative(x)  # Y = -X

    @staticmethod
    def backward(ctx, g):
        return (np.negative(g),)  # dX = -G


class Pow(Function):
    """``base ** exponent`` for tensor or scalar base and exponent, with PyTorch's zero rules."""

    array_io = True

    @staticmethod
    def forward(ctx, a, b):
        try:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                out = promote(np.power(a, b), a, b)  # Y = A ** B
        except ValueError as e:
            if "Integers to negative" in str(e):
                raise ValueError(
                    "pow: integer tensors cannot be raised to a negative integer power; "
                    "convert to float first (x.float() ** -1)"
                ) from None
            raise broadcast_error("pow", a, b) from None
        ctx.a, ctx.b, ctx.out = a, b, out
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.a, ctx.b, ctx.out
        need_a, need_b = ctx.needs_input_grad
        da = db = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if need_a:  # dA = G * B * A^(B-1)   (0 where B == 0)
                local = b * np.power(a, b - 1)
                if np.ndim(b) == 0:
                    local = np.zeros_like(out) if b == 0 else local
                else:
                    local = np.where(b == 0, 0, local)
                da = unbroadcast(g * local, np.shape(a))
            if need_b:  # dB = G * Y * log(A)      (0 where A == 0 and B >= 0)
                a_out = np.asarray(a, dtype=out.dtype)  # log in the result's precision (float32 ** float64)
                local = np.where((a_out == 0) & (np.asarray(b) >= 0), 0, out * np.log(a_out))
                db = unbroadcast((g * local).astype(out.dtype, copy=False), np.shape(b))
        return da, db


def _unary(name: str, fwd, bwd, doc: str):
    """Build a one-input op from its forward ``f(x)`` and backward ``(g, x, y) -> dX``."""

    def forward(ctx, x):
        y = fwd(x)
        ctx.x, ctx.y = x, y
        return y

    def backward(ctx, g):
        return (bwd(g, ctx.x, ctx.y),)

    return type(name, (Function,), {
        "array_io": True,
        "__doc__": doc,
        "forward": staticmethod(forward),
        "backward": staticmethod(backward),
    })


def _safe(fn):
    def wrapped(*args):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return fn(*args)
    return wrapped


Exp = _unary("Exp", np.exp, lambda g, x, y: g * y, "Y = exp(X);  dX = G * Y")
Log = _unary("Log", _safe(np.log), _safe(lambda g, x, y: g / x), "Y = log(X);  dX = G / X")
Sqrt = _unary("Sqrt", _safe(np.sqrt), _safe(lambda g, x, y: g / (2 * y)),
              "Y = sqrt(X);  dX = G / (2 Y)")
Abs = _unary("Abs", np.abs, lambda g, x, y: g * np.sign(x), "Y = |X|;  dX = G * sign(X)")
Sin = _unary("Sin", np.sin, lambda g, x, y: g * np.cos(x), "Y = sin(X);  dX = G * cos(X)")
Cos = _unary("Cos", np.cos, lambda g, x, y: -g * np.sin(x), "Y = cos(X);  dX = -G * sin(X)")
Clone = _unary("Clone", np.copy, lambda g, x, y: g, "Y = copy of X;  dX = G")


class ToDtype(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype, copy=False)  # no copy when the dtype already matches

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.dtype, copy=False), None


class Clamp(Function):
    array_io = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        y = np.clip(x, lo, hi)  # Y = min(max(X, lo), hi)
        ctx.x, ctx.lo, ctx.hi = x, lo, hi
        return y

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.x, ctx.lo, ctx.hi  # dX = G where lo <= X <= hi, else 0
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        return unbroadcast(np.where(inside, g, 0).astype(g.dtype, copy=False), x.shape), None, None


class Maximum(Function):
    """``max(a, b)`` elementwise; the larger operand takes the gradient (a tie splits it)."""

    array_io = True
    op, pick, wins = "maximum", np.maximum, np.greater  # Minimum reuses both methods with its own

    @staticmethod
    def forward(ctx, a, b):
        try:
            y = promote(ctx.pick(a, b), a, b)
        except ValueError:
            raise broadcast_error(ctx.op, a, b) from None
        ctx.a, ctx.b = a, b
        return y

    @staticmethod
    def backward(ctx, g):
        return _minmax_backward(ctx, g, ctx.wins)


class Minimum(Maximum):
    """``min(a, b)`` elementwise; the smaller operand takes the gradient (a tie splits it)."""

    op, pick, wins = "minimum", np.minimum, np.less


def _minmax_backward(ctx, g, wins):
    """The winner takes the gradient; a tie splits it in halves (as PyTorch does)."""
    a, b = ctx.a, ctx.b
    share_a = np.where(wins(a, b), 1.0, np.where(np.equal(a, b), 0.5, 0.0)).astype(g.dtype)
    da = unbroadcast(g * share_a, np.shape(a)) if ctx.needs_input_grad[0] else None
    db = unbroadcast(g * (1 - share_a), np.shape(b)) if ctx.needs_input_grad[1] else None
    return da, db


class Where(Function):
    array_io = True

    @staticmethod
    def forward(ctx, cond, a, b):
        try:
            y = promote(np.where(cond, a, b), a, b)  # Y = cond ? A : B
        except ValueError:
            raise broadcast_error("where", cond, a, b) from None
        ctx.cond, ctx.sa, ctx.sb = cond, np.shape(a), np.shape(b)
        return y

    @staticmethod
    def backward(ctx, g):
        cond = ctx.cond  # dA = G where cond, dB = G elsewhere
        zero = g.dtype.type(0)
        da = unbroadcast(np.where(cond, g, zero), ctx.sa) if ctx.needs_input_grad[1] else None
        db = unbroadcast(np.where(cond, zero, g), ctx.sb) if ctx.needs_input_grad[2] else None
        return None, da, db


# ------------------------------------------------------------------ functional forms
def add(a: Any, b: Any) -> Tensor:
    return Add.apply(a, b)


def sub(a: Any, b: Any) -> Tensor:
    return Sub.apply(a, b)


def mul(a: Any, b: Any) -> Tensor:
    return Mul.apply(a, b)


def div(a: Any, b: Any) -> Tensor:
    return Div.apply(a, b)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001
    return Pow.apply(a, b)


def neg(x: Any) -> Tensor:
    return Neg.apply(x)


def exp(x: Any) -> Tensor:
    return Exp.apply(float_operand(x))


def log(x: Any) -> Tensor:
    return Log.apply(float_operand(x))


def sqrt(x: Any) -> Tensor:
    return Sqrt.apply(float_operand(x))


def abs(x: Any) -> Tensor:  # noqa: A001
    return Abs.apply(x)


def sin(x: Any) -> Tensor:
    return Sin.apply(float_operand(x))


def cos(x: Any) -> Tensor:
    return Cos.apply(float_operand(x))


def clone(x: Tensor) -> Tensor:
    return Clone.apply(x)


def to_dtype(x: Tensor, dtype: np.dtype) -> Tensor:
    if x.data.dtype == dtype:
        return x
    return ToDtype.apply(x, dtype)


def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clamp.apply(x, as_operand(min), as_operand(max))


clip = clamp


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    return Minimum.apply(a, b)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    return Where.apply(as_operand(cond), a, b)


def compare(ufunc: Any, a: Any, b: Any) -> Tensor:
    """``==``, ``<``, ...: a bool tensor, outside the graph (comparisons have no gradient)."""
    x, y = as_operand(a), as_operand(b)
    try:
        return Tensor._make(np.asarray(ufunc(x, y)))
    except ValueError:
        raise broadcast_error(ufunc.__name__, x, y) from None
