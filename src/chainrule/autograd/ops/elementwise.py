"""Elementwise operations: arithmetic and the unary functions, each forward beside its backward.

Binary operations broadcast like NumPy; their backward sums the gradient back to each operand's
shape (``unbroadcast``). ``G`` below is the incoming gradient dLoss/dOut, of the output's shape.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from ...dtypes import as_dtype, wrap
from ...tensor import Tensor
from ..function import Function
from ._util import as_operand, broadcast_error, float_operand, into, named, promote, shape_of, unbroadcast


def _shapes(a: Any, b: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Both operands' shapes, for backward's unbroadcast (the hot path: two arrays)."""
    try:
        return a.shape, b.shape
    except AttributeError:  # a Python number
        return shape_of(a), shape_of(b)


class Add(Function):
    """``a + b``; Sub reuses the forward with its own operator, and has its own backward."""

    array_io = True
    op, combine = "add", operator.add

    @staticmethod
    def forward(ctx, a, b):
        try:
            out = ctx.combine(a, b)  # Y = A + B (Sub: Y = A - B)
        except ValueError:
            raise broadcast_error(ctx.op, a, b) from None
        ctx.shapes = _shapes(a, b)
        return promote(out, a, b)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes  # dA = G, dB = G (summed over broadcast dims)
        return unbroadcast(g, sa), unbroadcast(g, sb)


class Sub(Add):
    """``a - b``: Add's forward with ``-``."""

    op, combine = "sub", operator.sub

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
        a, b, out = ctx.a, ctx.b, ctx.out  # dA = G / B, dB = -G * A / B^2 = -G * (Y / B)
        if isinstance(b, np.ndarray) and b.dtype != out.dtype:
            b = b.astype(out.dtype)  # in the result's dtype, as PyTorch computes (a 0-d float64 B)
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):
            da = unbroadcast(g / b, np.shape(a)) if need_a else None
            db = unbroadcast(-g * (out / b), np.shape(ctx.b)) if need_b else None
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


def _unary(name: str, fwd, bwd, doc: str, saves: str = "x"):
    """Build a one-input op from its forward ``f(x)`` and backward ``(g, x, y) -> dX``; it saves
    only what its backward reads (``saves``: "x", "y" or ""), so that an in-place change of the
    rest is no error at backward (PyTorch saves the same)."""

    def forward(ctx, x):
        y = fwd(x)
        ctx.x = x if "x" in saves else None
        ctx.y = y if "y" in saves else None
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


Exp = _unary("Exp", np.exp, lambda g, x, y: g * y, "Y = exp(X);  dX = G * Y", "y")
Log = _unary("Log", _safe(np.log), _safe(lambda g, x, y: g / x), "Y = log(X);  dX = G / X")
Sqrt = _unary("Sqrt", _safe(np.sqrt), _safe(lambda g, x, y: g / (2 * y)),
              "Y = sqrt(X);  dX = G / (2 Y)", "y")
Abs = _unary("Abs", np.abs, lambda g, x, y: g * np.sign(x), "Y = |X|;  dX = G * sign(X)")
Sin = _unary("Sin", np.sin, lambda g, x, y: g * np.cos(x), "Y = sin(X);  dX = G * cos(X)")
Cos = _unary("Cos", np.cos, lambda g, x, y: -g * np.sin(x), "Y = cos(X);  dX = -G * sin(X)")
Expm1 = _unary("Expm1", np.expm1, lambda g, x, y: g * (y + 1), "Y = exp(X) - 1;  dX = G * (Y + 1)", "y")
Log2 = _unary("Log2", _safe(np.log2), _safe(lambda g, x, y: g / (x * np.log(2).astype(x.dtype))),
              "Y = log2(X);  dX = G / (X ln 2)")
Log10 = _unary("Log10", _safe(np.log10), _safe(lambda g, x, y: g / (x * np.log(10).astype(x.dtype))),
               "Y = log10(X);  dX = G / (X ln 10)")
Log1p = _unary("Log1p", _safe(np.log1p), _safe(lambda g, x, y: g / (1 + x)), "Y = log(1 + X);  dX = G / (1 + X)")
Rsqrt = _unary("Rsqrt", _safe(lambda x: 1 / np.sqrt(x)), lambda g, x, y: -0.5 * g * y * y * y,
               "Y = 1 / sqrt(X);  dX = -G Y^3 / 2", "y")
Tan = _unary("Tan", np.tan, lambda g, x, y: g * (1 + y * y), "Y = tan(X);  dX = G (1 + Y^2)", "y")
Asin = _unary("Asin", _safe(np.arcsin), _safe(lambda g, x, y: g / np.sqrt(1 - x * x)),
              "Y = asin(X);  dX = G / sqrt(1 - X^2)")
Acos = _unary("Acos", _safe(np.arccos), _safe(lambda g, x, y: -g / np.sqrt(1 - x * x)),
              "Y = acos(X);  dX = -G / sqrt(1 - X^2)")
Atan = _unary("Atan", np.arctan, lambda g, x, y: g / (1 + x * x), "Y = atan(X);  dX = G / (1 + X^2)")
Sinh = _unary("Sinh", _safe(np.sinh), _safe(lambda g, x, y: g * np.cosh(x)), "Y = sinh(X);  dX = G cosh(X)")
Cosh = _unary("Cosh", _safe(np.cosh), _safe(lambda g, x, y: g * np.sinh(x)), "Y = cosh(X);  dX = G sinh(X)")
_erf = np.frompyfunc(math.erf, 1, 1)  # NumPy has no erf; math.erf is exact to the last bit
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
Asinh = _unary("Asinh", np.arcsinh, lambda g, x, y: g / np.sqrt(x * x + 1), "Y = asinh(X);  dX = G / sqrt(X^2 + 1)")
Acosh = _unary("Acosh", _safe(np.arccosh), _safe(lambda g, x, y: g / np.sqrt(x * x - 1)),
               "Y = acosh(X);  dX = G / sqrt(X^2 - 1)")
Atanh = _unary("Atanh", _safe(np.arctanh), _safe(lambda g, x, y: g / (1 - x * x)), "Y = atanh(X);  dX = G / (1 - X^2)")
Erf = _unary("Erf", lambda x: np.asarray(_erf(x)).astype(x.dtype),
             lambda g, x, y: g * (_TWO_OVER_SQRT_PI * np.exp(-x * x)).astype(x.dtype, copy=False),
             "Y = erf(X);  dX = G (2 / sqrt(pi)) e^{-X^2}")
Square = _unary("Square", np.square, lambda g, x, y: 2 * g * x, "Y = X^2;  dX = 2 G X")
Clone = _unary("Clone", np.copy, lambda g, x, y: g, "Y = copy of X;  dX = G", "")
Contiguous = _unary("Contiguous", np.ascontiguousarray, lambda g, x, y: g, "Y = X in row-major order;  dX = G", "")


class Atan2(Function):
    """``atan2(a, b)``: the angle of the point (b, a), in (-pi, pi]."""

    array_io = True

    @staticmethod
    def forward(ctx, a, b):
        try:
            y = promote(np.arctan2(a, b), a, b)  # Y = atan2(A, B)
        except ValueError:
            raise broadcast_error("atan2", a, b) from None
        ctx.a, ctx.b = a, b
        return y

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.a, ctx.b  # dA = G B / (A^2 + B^2), dB = -G A / (A^2 + B^2)
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = g / (a * a + b * b)
            da = unbroadcast(scaled * b, shape_of(a)) if need_a else None
            db = unbroadcast(-scaled * a, shape_of(b)) if need_b else None
        return da, db


class Lerp(Function):
    """``start + weight * (end - start)``, for a Python or tensor weight (all three broadcast)."""

    array_io = True

    @staticmethod
    def forward(ctx, start, end, weight):
        try:
            step = end - start
            # Y = S + W (E - S); from the end's side where |W| >= 0.5, exact at W = 1 (as PyTorch)
            y = np.where(np.abs(weight) < 0.5, start + weight * step, end - step * (1 - weight))
        except ValueError:
            raise broadcast_error("lerp", start, end, weight) from None
        ctx.shapes = shape_of(start), shape_of(end), shape_of(weight)
        ctx.step, ctx.weight = step, weight
        return y.astype(start.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (ss, se, sw), w = ctx.shapes, ctx.weight  # dS = G (1 - W), dE = G W, dW = G (E - S)
        need_s, need_e, need_w = ctx.needs_input_grad
        ds = unbroadcast((g * (1 - w)).astype(g.dtype, copy=False), ss) if need_s else None
        de = unbroadcast((g * w).astype(g.dtype, copy=False), se) if need_e else None
        dw = unbroadcast(g * ctx.step, sw) if need_w else None
        return ds, de, dw


class Addcmul(Function):
    """``input + value * t1 * t2``; Addcdiv reuses the forward with ``/`` and has its own backward."""

    array_io = True
    op, combine = "addcmul", operator.mul

    @staticmethod
    def forward(ctx, x, t1, t2, value=1):
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                p = promote(ctx.combine(t1, t2), t1, t2)  # P = T1 * T2 (Addcdiv: P = T1 / T2)
                y = promote(x + value * p, x, p)  # Y = X + v P
        except ValueError:
            raise broadcast_error(ctx.op, x, t1, t2) from None
        ctx.sx, ctx.t1, ctx.t2, ctx.value = shape_of(x), t1, t2, value
        return y

    @staticmethod
    def backward(ctx, g):
        t1, t2, v = ctx.t1, ctx.t2, ctx.value  # dX = G, dT1 = G v T2, dT2 = G v T1
        need_x, need_1, need_2 = ctx.needs_input_grad
        gv = g * v
        return (unbroadcast(g, ctx.sx) if need_x else None,
                unbroadcast(gv * t2, shape_of(t1)) if need_1 else None,
                unbroadcast(gv * t1, shape_of(t2)) if need_2 else None)


class Addcdiv(Addcmul):
    op, combine = "addcdiv", operator.truediv

    @staticmethod
    def backward(ctx, g):
        t1, t2, v = ctx.t1, ctx.t2, ctx.value  # dX = G, dT1 = G v / T2, dT2 = -G v T1 / T2^2
        need_x, need_1, need_2 = ctx.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):
            gv = g * v / t2
            return (unbroadcast(g, ctx.sx) if need_x else None,
                    unbroadcast(gv, shape_of(t1)) if need_1 else None,
                    unbroadcast(-gv * t1 / t2, shape_of(t2)) if need_2 else None)


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
    need_a, need_b = ctx.needs_input_grad
    return (unbroadcast(g * share_a, np.shape(a)) if need_a else None,
            unbroadcast(g * (1 - share_a), np.shape(b)) if need_b else None)


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
# PyTorch's names and keywords: chainrule.add(input=a, other=b, alpha=2, out=c)
def _form(name: str, op: Any, binary: bool = False, floating: bool = False) -> Any:
    """The functional form of a one-input op, ``name(input, *, out=None)``, or of a two-input op,
    ``name(input, other, *, out=None)``. ``floating``: an integer input is computed in the default
    float dtype (PyTorch's exp, log ... of an int64 tensor are float32)."""

    def one(input: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
        y = op.apply(float_operand(input) if floating else input)
        return y if out is None else into(out, y, name)

    def two(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
        y = op.apply(input, other)
        return y if out is None else into(out, y, name)

    return named(two if binary else one, name, op.__doc__)


mul = _form("mul", Mul, binary=True)
maximum = _form("maximum", Maximum, binary=True)
minimum = _form("minimum", Minimum, binary=True)
neg = _form("neg", Neg)
abs = _form("abs", Abs)  # noqa: A001
exp = _form("exp", Exp, floating=True)
expm1 = _form("expm1", Expm1, floating=True)
log = _form("log", Log, floating=True)
log2 = _form("log2", Log2, floating=True)
log10 = _form("log10", Log10, floating=True)
log1p = _form("log1p", Log1p, floating=True)
sqrt = _form("sqrt", Sqrt, floating=True)
sin = _form("sin", Sin, floating=True)
cos = _form("cos", Cos, floating=True)
rsqrt = _form("rsqrt", Rsqrt, floating=True)
tan = _form("tan", Tan, floating=True)
asin = arcsin = _form("asin", Asin, floating=True)
acos = arccos = _form("acos", Acos, floating=True)
atan = arctan = _form("atan", Atan, floating=True)
sinh = _form("sinh", Sinh, floating=True)
cosh = _form("cosh", Cosh, floating=True)
erf = _form("erf", Erf, floating=True)
square = _form("square", Square)
atan2 = arctan2 = _form("atan2", Atan2, binary=True)


def add(input: Any, other: Any, *, alpha: Any = None, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input + alpha * other``."""
    y = Add.apply(input, other if alpha is None else mul(other, alpha))
    return y if out is None else into(out, y, "add")


def sub(input: Any, other: Any, *, alpha: Any = None, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input - alpha * other``."""
    y = Sub.apply(input, other if alpha is None else mul(other, alpha))
    return y if out is None else into(out, y, "sub")


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A001, A002
    y = Pow.apply(input, exponent)
    return y if out is None else into(out, y, "pow")


def _floating(op: str, *tensors: Any) -> None:
    """lerp and addcdiv compute in the operands' floating dtype: an integer tensor is refused."""
    for t in tensors:
        dt = getattr(as_operand(t), "dtype", None)
        if dt is not None and dt.kind not in "fc":
            raise RuntimeError(
                f"{op}: expected floating point tensors, got {wrap(dt)}; convert first (x.float())")


def lerp(input: Tensor, end: Tensor, weight: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input + weight * (end - input)``: the straight line from input (weight 0) to end (weight 1)."""
    _floating("lerp", input, end, weight)
    if as_operand(end).dtype != as_operand(input).dtype:
        raise RuntimeError(
            f"lerp: expected end of dtype {wrap(as_operand(input).dtype)} (the input's), "
            f"got {wrap(as_operand(end).dtype)}")
    y = Lerp.apply(input, end, weight)
    return y if out is None else into(out, y, "lerp")


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1,  # noqa: A002
            out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 * tensor2`` (all three broadcast)."""
    y = Addcmul.apply(input, tensor1, tensor2, value=as_operand(value))
    return y if out is None else into(out, y, "addcmul")


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1,  # noqa: A002
            out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 / tensor2`` (all three broadcast; floating tensors only)."""
    _floating("addcdiv", tensor1, tensor2)
    y = Addcdiv.apply(input, tensor1, tensor2, value=as_operand(value))
    return y if out is None else into(out, y, "addcdiv")


def clone(input: Tensor) -> Tensor:  # noqa: A002
    return Clone.apply(input)


def contiguous(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` itself when its elements lie in row-major order, else a row-major copy."""
    return input if input._data.flags.c_contiguous else Contiguous.apply(input)


def to_dtype(x: Tensor, dtype: Any) -> Tensor:
    dtype = as_dtype(dtype)
    if x._data.dtype == dtype:
        return x
    return ToDtype.apply(x, dtype)


def clamp(input: Tensor, min: Any = None, max: Any = None, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    y = Clamp.apply(input, as_operand(min), as_operand(max))
    return y if out is None else into(out, y, "clamp")


clip = clamp


def where(condition: Any, input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    y = Where.apply(as_operand(condition), input, other)
    return y if out is None else into(out, y, "where")


def compare(ufunc: Any, a: Any, b: Any) -> Tensor:
    """``==``, ``<``, ...: a bool tensor, outside the graph (comparisons have no gradient)."""
    x, y = as_operand(a), as_operand(b)
    try:
        return Tensor._make(np.asarray(ufunc(x, y)))
    except ValueError:
        raise broadcast_error(ufunc.__name__, x, y) from None


class NanToNum(Function):
    """Y = X with NaN, +inf and -inf replaced by finite numbers;  dX = G where X is finite, else 0."""

    array_io = True

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.finite = np.isfinite(x)
        with np.errstate(over="ignore"):
            return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        return np.where(ctx.finite, g, g.dtype.type(0)), None, None, None


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,  # noqa: A002
               neginf: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (by default the dtype's largest and
    smallest finite values); integer and bool tensors come back unchanged (a copy)."""
    if input._data.dtype.kind in "biu":
        y = Clone.apply(input)
    else:
        y = NanToNum.apply(input, nan, posinf, neginf)
    return y if out is None else into(out, y, "nan_to_num")


def _clamp_one(op: str, input: Tensor, bound: Any, below: Any, out: Tensor | None) -> Tensor:  # noqa: A002
    """``clamp`` by one bound; a tensor bound takes the gradient where it wins (``input`` keeps it
    elsewhere, NaN included): Y = where(X beyond bound, bound, X)."""
    if not isinstance(bound, Tensor):
        y = clamp(input, bound, None) if below is np.less else clamp(input, None, bound)
    else:
        y = where(compare(below, input, bound), bound, input)
    return y if out is None else into(out, y, op)


def clamp_min(input: Tensor, min: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``max(input, min)`` elementwise (``clamp(input, min=min)``)."""
    return _clamp_one("clamp_min", input, min, np.less, out)


def clamp_max(input: Tensor, max: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``min(input, max)`` elementwise (``clamp(input, max=max)``)."""
    return _clamp_one("clamp_max", input, max, np.greater, out)


multiply = mul
subtract = sub
negative = neg


# ------------------------------------------------------------------ more binary and unary functions
def _binary(name: str, fwd, bwd, doc: str):
    """A two-input broadcasting op from its forward ``f(a, b)`` and backward
    ``(g, a, b, y) -> (dA, dB)`` (each summed back to its operand's shape here)."""

    def forward(ctx, a, b):
        try:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                y = promote(np.asarray(fwd(a, b)), a, b)
        except ValueError:
            raise broadcast_error(name.lower(), a, b) from None
        ctx.a, ctx.b, ctx.y = a, b, y
        return y

    def backward(ctx, g):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            da, db = bwd(g, np.asarray(ctx.a, g.dtype), np.asarray(ctx.b, g.dtype), ctx.y)
        need_a, need_b = ctx.needs_input_grad
        da = unbroadcast(np.broadcast_to(da, g.shape), shape_of(ctx.a)).astype(g.dtype) if need_a else None
        db = unbroadcast(np.broadcast_to(db, g.shape), shape_of(ctx.b)).astype(g.dtype) if need_b else None
        return da, db

    return type(name, (Function,), {
        "array_io": True,
        "__doc__": doc,
        "forward": staticmethod(forward),
        "backward": staticmethod(backward),
    })


_LN2 = math.log(2)
LogAddExp = _binary("LogAddExp", np.logaddexp, lambda g, a, b, y: (g * np.exp(a - y), g * np.exp(b - y)),
                    "Y = log(e^A + e^B);  dA = G e^(A - Y), dB = G e^(B - Y)")
LogAddExp2 = _binary("LogAddExp2", np.logaddexp2,
                     lambda g, a, b, y: (g * np.exp2(a - y), g * np.exp2(b - y)),
                     "Y = log2(2^A + 2^B);  dA = G 2^(A - Y), dB = G 2^(B - Y)")
Hypot = _binary("Hypot", np.hypot, lambda g, a, b, y: (g * a / y, g * b / y),
                "Y = sqrt(A^2 + B^2);  dA = G A / Y, dB = G B / Y")
XLogY = _binary("XLogY", lambda a, b: np.where(np.asarray(a) == 0, np.where(np.isnan(b), np.nan, 0), a * np.log(b)),
                lambda g, a, b, y: (g * np.log(b), g * a / b),
                "Y = A log(B) (0 where A = 0 and B is not NaN);  dA = G log(B), dB = G A / B")
CopySign = _binary("CopySign", np.copysign,
                   lambda g, a, b, y: (g * np.where(a == 0, 0, y / np.where(a == 0, 1, a)), np.zeros_like(g)),
                   "Y = |A| with the sign of B;  dA = G Y / A (0 where A = 0), dB = 0")
NanToZero = _unary("NanToZero", lambda x: np.where(np.isnan(x), x.dtype.type(0), x), lambda g, x, y: g * ~np.isnan(x),
                   "Y = X with NaN replaced by 0;  dX = G * (X is not NaN) (NaN where G is infinite, as PyTorch)")
Exp2 = _unary("Exp2", np.exp2, lambda g, x, y: g * y * np.asarray(_LN2, y.dtype), "Y = 2^X;  dX = G Y ln 2", "y")


Fmax = _binary("Fmax", np.fmax, lambda g, a, b, y: (g * ((a >= b) | np.isnan(b)), g * ~((a >= b) | np.isnan(b))),
               "Y = max(A, B), the other where one is NaN;  dA = G where A was taken (ties: A), dB = G elsewhere")
Fmin = _binary("Fmin", np.fmin, lambda g, a, b, y: (g * ((a <= b) | np.isnan(b)), g * ~((a <= b) | np.isnan(b))),
               "Y = min(A, B), the other where one is NaN;  dA = G where A was taken (ties: A), dB = G elsewhere")


class Logit(Function):
    """Y = log(X / (1 - X)), X first clamped to [eps, 1 - eps] when eps is given;
    dX = G / (X (1 - X)), 0 outside [eps, 1 - eps]."""

    array_io = True

    @staticmethod
    def forward(ctx, x, eps):
        z = x if eps is None else np.clip(x, eps, 1 - eps)
        ctx.x, ctx.eps = x, eps
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(z / (1 - z)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, eps = ctx.x, ctx.eps
        with np.errstate(divide="ignore", invalid="ignore"):
            dx = g / (x * (1 - x))
        if eps is not None:
            dx = np.where((x < eps) | (x > 1 - eps), 0, dx).astype(g.dtype, copy=False)
        return dx, None


logaddexp = _form("logaddexp", LogAddExp, binary=True)
logaddexp2 = _form("logaddexp2", LogAddExp2, binary=True)
hypot = _form("hypot", Hypot, binary=True)
xlogy = _form("xlogy", XLogY, binary=True)
copysign = _form("copysign", CopySign, binary=True)
exp2 = _form("exp2", Exp2, floating=True)


asinh = _form("asinh", Asinh, floating=True)
acosh = _form("acosh", Acosh, floating=True)
atanh = _form("atanh", Atanh, floating=True)
arcsinh, arccosh, arctanh = asinh, acosh, atanh
fmax = _form("fmax", Fmax, binary=True)
fmin = _form("fmin", Fmin, binary=True)


def ldexp(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input * 2^other`` (a float result)."""
    y = mul(float_operand(input), pow(2.0, float_operand(other)))
    return y if out is None else into(out, y, "ldexp")


def frexp(input: Tensor) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``(mantissa, exponent)`` with ``input = mantissa * 2^exponent``, ``0.5 <= |mantissa| < 1``
    (int32 exponents); no gradient, as in PyTorch."""
    mantissa, exponent = np.frexp(as_operand(input))
    return Tensor._make(mantissa), Tensor._make(exponent.astype(np.int32))


def nextafter(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The next float after ``input`` towards ``other`` (no gradient)."""
    y = Tensor._make(np.asarray(np.nextafter(as_operand(input), as_operand(other))))
    return y if out is None else into(out, y, "nextafter")


def positive(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` itself (``+x``); a bool tensor is refused, as PyTorch."""
    if as_operand(input).dtype == np.bool_:
        raise TypeError("The `+` operator, on a bool tensor is not supported.")
    return input


def logit(input: Tensor, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The inverse of sigmoid, ``log(p / (1 - p))``; ``eps`` clamps p to [eps, 1 - eps] first."""
    y = Logit.apply(float_operand(input), None if eps is None else float(eps))
    return y if out is None else into(out, y, "logit")


def heaviside(input: Tensor, values: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The step function: 0 where input < 0, 1 where input > 0, ``values`` where input == 0
    (no gradient, as in PyTorch)."""
    x, v = as_operand(input), as_operand(values)
    if not isinstance(values, Tensor) or x.dtype != v.dtype:
        got = wrap(v.dtype) if isinstance(v, np.ndarray) else type(values).__name__
        raise TypeError(f"heaviside(): values must be a tensor of input's dtype {wrap(x.dtype)}, got {got}")
    try:
        y = Tensor._make(np.asarray(np.where(x == 0, v, x > 0)).astype(x.dtype, copy=False))  # NaN -> 0
    except ValueError:
        raise broadcast_error("heaviside", x, v) from None
    return y if out is None else into(out, y, "heaviside")


def float_power(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input ** exponent`` computed in float64 (the result is float64 whatever the inputs)."""
    f64 = np.dtype(np.float64)
    a = to_dtype(input, f64) if isinstance(input, Tensor) else float(input)
    b = to_dtype(exponent, f64) if isinstance(exponent, Tensor) else float(exponent)
    y = Pow.apply(a, b)
    return y if out is None else into(out, y, "float_power")


def deg2rad(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Degrees to radians: ``input * pi / 180``."""
    y = mul(float_operand(input), math.pi / 180)
    return y if out is None else into(out, y, "deg2rad")


def rad2deg(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Radians to degrees: ``input * 180 / pi``."""
    y = mul(float_operand(input), 180 / math.pi)
    return y if out is None else into(out, y, "rad2deg")
