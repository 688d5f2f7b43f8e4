"""Rounding and integer division: floor, ceil, round, trunc, frac, sign; floor_divide, remainder,
fmod and div's rounding modes, with PyTorch's dtypes, signs and zero rules.

Integer tensors stay integer (``7 // 2`` is ``3``, an int64 tensor's floor is itself) and an
integer division by zero raises, where a float one gives inf or nan. The roundings are flat almost
everywhere, so their gradient is zero; ``floor_divide`` (``//``) has no derivative at all, as in
PyTorch: ``div(a, b, rounding_mode="floor")`` is the differentiable spelling (zero gradient).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...dtypes import wrap
from ...tensor import Tensor
from ..function import Function
from ._util import broadcast_error, into, promote, shape_of, unbroadcast
from .elementwise import Div, _form, _unary


class IntegerDivisionByZero(RuntimeError, ZeroDivisionError):
    """An integer tensor divided by zero: PyTorch raises a RuntimeError ("ZeroDivisionError")."""


def _integral(rounding: Any) -> Any:
    """``rounding`` for float arrays; an integer or bool array is already whole (a copy)."""
    return lambda x: x.copy() if x.dtype.kind in "biu" else rounding(x)


def _no_slope(g: np.ndarray, x: Any, y: Any) -> np.ndarray:
    return np.zeros_like(g)


def _fraction(x: np.ndarray) -> np.ndarray:
    if x.dtype.kind not in "fc":
        raise NotImplementedError(
            f"frac(): needs a floating point tensor, got {wrap(x.dtype)} (an integer has no fraction)")
    return x - np.trunc(x)


Floor = _unary("Floor", _integral(np.floor), _no_slope, "Y = floor(X);  dX = 0", "")
Ceil = _unary("Ceil", _integral(np.ceil), _no_slope, "Y = ceil(X);  dX = 0", "")
Trunc = _unary("Trunc", _integral(np.trunc), _no_slope, "Y = trunc(X) (toward zero);  dX = 0", "")
Sign = _unary("Sign", lambda x: x.copy() if x.dtype.kind == "b" else np.sign(x), _no_slope,
              "Y = sign(X) (-1, 0 or 1);  dX = 0", "")
Frac = _unary("Frac", _fraction, lambda g, x, y: g, "Y = X - trunc(X);  dX = G", "")


class Round(Function):
    """Round half to even, at ``decimals`` places after the point (before it when negative)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, decimals=0):
        if x.dtype.kind not in "fc":
            if decimals:
                raise NotImplementedError(
                    f"round(): decimals={decimals} needs a floating point tensor, got {wrap(x.dtype)}")
            return x.copy()
        if not decimals:
            return np.rint(x)  # Y = round half to even (X)
        scale = x.dtype.type(10.0 ** abs(decimals))
        with np.errstate(over="ignore", invalid="ignore"):
            if decimals > 0:
                return np.rint(x * scale) / scale  # Y = rint(X 10^d) / 10^d
            return np.rint(x / scale) * scale  # Y = rint(X / 10^-d) 10^-d

    @staticmethod
    def backward(ctx, g):
        return (np.zeros_like(g),)  # dX = 0


# ------------------------------------------------------------------ integer division
def _trunc_divide(a: Any, b: Any) -> np.ndarray:
    """The quotient rounded toward zero (C's ``/`` for integers), exact for int64."""
    q = np.floor_divide(a, b)
    if q.dtype.kind in "iu":  # floor differs from trunc where the signs differ and a remainder is left
        return q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))
    return np.trunc(np.true_divide(a, b))


def _divide(op: str, kernel: Any, a: Any, b: Any) -> np.ndarray:
    """``kernel(a, b)`` broadcast, with PyTorch's result dtype, and its refusal to divide an
    integer by zero (floats give inf or nan, quietly)."""
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = promote(kernel(a, b), a, b)
    except ValueError:
        raise broadcast_error(op, a, b) from None
    if out.dtype.kind in "iu" and not np.all(b):
        raise IntegerDivisionByZero(
            f"ZeroDivisionError: {op}: an integer tensor was divided by zero (the divisor of shape "
            f"{tuple(shape_of(b))} holds a 0); integers have no inf or nan, convert to float for those"
        )
    return out


class Remainder(Function):
    """``a % b``: the remainder with the divisor's sign, as Python's ``%``; Fmod reuses the
    forward and backward with the quotient rounded toward zero (its remainder keeps the
    dividend's sign, as C's ``fmod``)."""

    array_io = True
    op, kernel, quotient = "remainder", np.remainder, staticmethod(np.floor_divide)
    number_dividend_grad = False  # PyTorch's remainder(number, tensor) has no derivative

    @staticmethod
    def forward(ctx, a, b):
        out = _divide(ctx.op, ctx.kernel, a, b)  # Y = A - B floor(A / B)  (fmod: trunc)
        ctx.a, ctx.b = a, b
        return out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.a, ctx.b  # dA = G, dB = -G * floor(A / B)  (fmod: trunc)
        need_a, need_b = ctx.needs_input_grad
        da = unbroadcast(g, shape_of(a)) if need_a else None
        if need_b and not (ctx.number_dividend_grad or isinstance(a, np.ndarray)):
            raise RuntimeError(
                f"derivative for {ctx.op} is not implemented when the dividend is a Python number (as in "
                f"PyTorch); make it a tensor for the gradient: {ctx.op}(tensor(2.0), x)")
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                db = unbroadcast(-g * ctx.quotient(a, b), shape_of(b))
        else:
            db = None
        return da, db


class Fmod(Remainder):
    op, kernel, quotient = "fmod", np.fmod, staticmethod(_trunc_divide)
    number_dividend_grad = True


class RoundedDiv(Function):
    """``div(a, b, rounding_mode="floor" | "trunc")``: the quotient rounded down or toward zero;
    flat between its steps, so dA = dB = 0 (PyTorch's rule)."""

    array_io = True

    @staticmethod
    def forward(ctx, a, b, mode):
        out = _divide("div", np.floor_divide if mode == "floor" else _trunc_divide, a, b)
        ctx.shapes = shape_of(a), shape_of(b)
        return out

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes  # dA = 0, dB = 0
        need_a, need_b = ctx.needs_input_grad[:2]
        return (np.zeros(sa, g.dtype) if need_a else None), (np.zeros(sb, g.dtype) if need_b else None), None


class FloorDivide(Function):
    """``a // b``: Y = floor(A / B). PyTorch gives it no derivative: backward through it raises."""

    array_io = True

    @staticmethod
    def forward(ctx, a, b):
        return _divide("floor_divide", np.floor_divide, a, b)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(
            "derivative for floor_divide is not implemented (as in PyTorch); for a gradient "
            "(zero almost everywhere) use div(a, b, rounding_mode='floor'), or detach() the operands"
        )


# ------------------------------------------------------------------ functional forms
floor = _form("floor", Floor)
ceil = _form("ceil", Ceil)
trunc = _form("trunc", Trunc)
fix = _form("fix", Trunc)
sign = _form("sign", Sign)
sgn = _form("sgn", Sign)  # sign(x) for real tensors (x / |x| for complex ones, which chainrule has not)
frac = _form("frac", Frac)
remainder = _form("remainder", Remainder, binary=True)
fmod = _form("fmod", Fmod, binary=True)
floor_divide = _form("floor_divide", FloorDivide, binary=True)


def round(input: Tensor, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:  # noqa: A001, A002
    """Round half to even (``round(2.5) == 2``) at ``decimals`` places; integers are returned as they are."""
    y = Round.apply(input, decimals=int(decimals))
    return y if out is None else into(out, y, "round")


_ROUNDING_MODES = (None, "trunc", "floor")


def div(input: Any, other: Any, *, rounding_mode: str | None = None, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input / other``: true division (an integer tensor gives floats), or with
    ``rounding_mode="trunc"`` (toward zero, C's ``/``) or ``"floor"`` (down, Python's ``//``)
    a quotient of the operands' own dtype."""
    if rounding_mode not in _ROUNDING_MODES:
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found {rounding_mode!r}")
    y = Div.apply(input, other) if rounding_mode is None else RoundedDiv.apply(input, other, rounding_mode)
    return y if out is None else into(out, y, "div")


divide = div


def true_divide(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input / other``, always true division (``div`` without a rounding mode)."""
    return div(input, other, out=out)
