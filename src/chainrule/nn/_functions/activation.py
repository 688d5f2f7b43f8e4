"""Activations beyond the engine's sigmoid/tanh/relu, each forward beside its derivative.

Applied elementwise to ``FC = X W + b``; the backward is ``dFC = G * f'(FC)``. Every form is
written so that inputs of +-1000 neither overflow nor produce nan.
"""

from __future__ import annotations

import math

import numpy as np

from ...autograd.function import Function
from ...autograd.ops.activation import stable_sigmoid
from .special import erf

_SQRT1_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_BETA = math.sqrt(2 / math.pi)
_TANH_KAPPA = 0.044715


class LeakyReLU(Function):
    """``f(x) = x`` for x > 0, ``a x`` otherwise (the lecture's ``max(0.1x, x)`` with a = 0.1);
    ``f'(x) = 1`` or ``a``."""

    array_io = True

    @staticmethod
    def forward(ctx, x, *, negative_slope):
        pos = x > 0
        ctx.pos, ctx.slope = pos, negative_slope
        return np.where(pos, x, x * negative_slope)

    @staticmethod
    def backward(ctx, g):
        return (np.where(ctx.pos, g, g * ctx.slope),)


class ELU(Function):
    """``f(x) = x`` for x > 0, ``alpha (e^x - 1)`` otherwise;  ``f'(x) = 1`` or ``alpha e^x``."""

    array_io = True

    @staticmethod
    def forward(ctx, x, *, alpha):
        pos = x > 0
        neg = alpha * np.expm1(np.minimum(x, 0))  # e^x evaluated only where x <= 0
        ctx.pos, ctx.neg, ctx.alpha = pos, neg, alpha
        return np.where(pos, x, neg)

    @staticmethod
    def backward(ctx, g):
        return (np.where(ctx.pos, g, g * (ctx.neg + ctx.alpha)),)  # alpha e^x = f(x) + alpha


class GELU(Function):
    """``f(x) = x Phi(x)``, ``Phi(x) = (1 + erf(x / sqrt 2)) / 2``;  ``f'(x) = Phi(x) + x phi(x)``.

    ``approximate='tanh'``: ``f(x) = x/2 (1 + tanh(u))``, ``u = sqrt(2/pi) (x + 0.044715 x^3)``;
    ``f'(x) = (1 + tanh u)/2 + x/2 (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2)``. Both are
    evaluated through ``(1 + tanh u)/2 = sigmoid(2u)``, exact where ``tanh u`` rounds to +-1.
    """

    array_io = True

    @staticmethod
    def forward(ctx, x, *, approximate):
        ctx.x, ctx.approximate = x, approximate
        if approximate == "tanh":
            u2 = (2 * _TANH_BETA) * (x + _TANH_KAPPA * (x * x * x))
            s, s_neg = stable_sigmoid(u2), stable_sigmoid(-u2)  # (1 + tanh u)/2 and (1 - tanh u)/2
            ctx.s, ctx.s_neg = s, s_neg
            return x * s
        cdf = 0.5 * (1 + erf(x * _SQRT1_2))
        ctx.cdf = cdf
        return x * cdf

    @staticmethod
    def backward(ctx, g):
        x = ctx.x
        if ctx.approximate == "tanh":
            s = ctx.s  # 1 - tanh^2 u = 4 s s_neg, free of the cancellation 1 - t^2 suffers near |t| = 1
            right = (2 * _TANH_BETA) * x * s * ctx.s_neg * (1 + 3 * _TANH_KAPPA * (x * x))
            return (g * (s + right),)
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * (x * x))
        return (g * (ctx.cdf + x * pdf),)


class SiLU(Function):
    """``f(x) = x sigmoid(x)``;  ``f'(x) = s (1 + x (1 - s))`` with ``s = sigmoid(x)``."""

    array_io = True

    @staticmethod
    def forward(ctx, x):
        s = stable_sigmoid(x)
        ctx.x, ctx.s = x, s
        return x * s

    @staticmethod
    def backward(ctx, g):
        s = ctx.s
        return (g * (s * (1 + ctx.x * (1 - s))),)


class Softplus(Function):
    """``f(x) = log(1 + e^(beta x)) / beta``, linear (``x``) where ``beta x > threshold``;
    ``f'(x) = sigmoid(beta x)`` (1 in the linear zone)."""

    array_io = True

    @staticmethod
    def forward(ctx, x, *, beta, threshold):
        bx = x * beta
        linear = bx > threshold
        z = np.exp(np.minimum(bx, threshold))  # never overflows
        ctx.linear, ctx.z = linear, z
        return np.where(linear, x, np.log1p(z) / beta)

    @staticmethod
    def backward(ctx, g):
        z = ctx.z
        return (np.where(ctx.linear, g, g * z / (z + 1)),)


# --------------------------------------------------------------------------- pointwise table
# Each entry maps the input array to ``(f(x), f'(x))``; one Function runs them all:
# ``y = f(x)``, ``dX = G * f'(x)``. The derivative at a kink is PyTorch's (noted per line).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _hardtanh(x, lo, hi):  # clip to [lo, hi]; slope 1 strictly inside, 0 on and beyond the ends
    return np.clip(x, lo, hi), ((x > lo) & (x < hi)).astype(x.dtype)


def _selu(x):  # scale * (x, or alpha (e^x - 1));  scale * (1, or alpha e^x)
    pos = x > 0
    e = np.exp(np.minimum(x, 0))
    return (_SELU_SCALE * np.where(pos, x, _SELU_ALPHA * (e - 1)),
            _SELU_SCALE * np.where(pos, 1, _SELU_ALPHA * e).astype(x.dtype))


def _celu(x, alpha):  # x, or alpha (e^(x/alpha) - 1);  1, or e^(x/alpha)
    pos = x > 0
    e = np.exp(np.minimum(x, 0) / alpha)
    return np.where(pos, x, alpha * np.expm1(np.minimum(x, 0) / alpha)), np.where(pos, 1, e).astype(x.dtype)


def _mish(x):  # x tanh(softplus x);  tanh(sp) + x sigmoid(x) (1 - tanh^2 sp)
    t = np.tanh(np.logaddexp(0, x))
    return x * t, t + x * stable_sigmoid(x) * (1 - t * t)


def _softsign(x):  # x / (1 + |x|);  1 / (1 + |x|)^2
    d = 1 + np.abs(x)
    return x / d, 1 / (d * d)


_SIXTH_F32 = float(np.float32(1 / 6))  # PyTorch's backward slope, 1/6 rounded to float32 in any dtype


def _hardsigmoid(x):  # relu6(x + 3) / 6;  1/6 strictly inside (-3, 3)
    inside = (x > -3) & (x < 3)
    return np.clip(x + 3, 0, 6) / 6, np.where(inside, _SIXTH_F32, 0).astype(x.dtype)


def _hardswish(x):  # x relu6(x + 3) / 6;  0 up to -3, x/3 + 1/2 on (-3, 3), 1 from 3 on
    grad = np.where(x <= -3, 0, np.where(x < 3, x / 3 + 0.5, 1))
    return x * np.clip(x + 3, 0, 6) / 6, grad.astype(x.dtype)


def _logsigmoid(x):  # log sigmoid(x) = min(x, 0) - log(1 + e^-|x|);  sigmoid(-x)
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))), stable_sigmoid(-x)


def _threshold(x, threshold, value):  # x where x > threshold, else value;  1 or 0
    keep = x > threshold
    return np.where(keep, x, value).astype(x.dtype), keep.astype(x.dtype)


def _tanhshrink(x):  # x - tanh x;  tanh^2 x
    t = np.tanh(x)
    return x - t, t * t


def _softshrink(x, lambd):  # x - l above l, x + l below -l, 0 between;  1 outside, 0 inside
    out = (np.abs(x) > lambd).astype(x.dtype)
    return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0)).astype(x.dtype), out


def _hardshrink(x, lambd):  # x where |x| > l, else 0;  1 or 0
    out = (np.abs(x) > lambd).astype(x.dtype)
    return x * out, out


POINTWISE = {
    "hardtanh": _hardtanh, "selu": _selu, "celu": _celu, "mish": _mish, "softsign": _softsign,
    "hardsigmoid": _hardsigmoid, "hardswish": _hardswish, "logsigmoid": _logsigmoid,
    "threshold": _threshold, "tanhshrink": _tanhshrink, "softshrink": _softshrink,
    "hardshrink": _hardshrink,
}


class Pointwise(Function):
    """``y = f(x)`` for an ``f`` of :data:`POINTWISE`, with its options;  ``dX = G * f'(x)``."""

    array_io = True

    @staticmethod
    def forward(ctx, x, *, kind, args=()):
        y, slope = POINTWISE[kind](x, *args)
        ctx.slope = slope
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.slope,)


class PReLU(Function):
    """``f(x) = x`` for x > 0, ``w_c x`` otherwise, one ``w`` per channel (axis 1) or one shared;
    ``dX = G`` or ``G w_c``;  ``dw_c = sum of G x over the x <= 0 entries of channel c``."""

    array_io = True

    @staticmethod
    def forward(ctx, x, w):
        wb = w.reshape((-1,) + (1,) * (x.ndim - 2)) if x.ndim >= 2 and w.size > 1 else w.reshape(())
        pos = x > 0
        ctx.x, ctx.pos, ctx.wb, ctx.wshape = x, pos, wb, w.shape
        return np.where(pos, x, wb * x)

    @staticmethod
    def backward(ctx, g):
        need_x, need_w = ctx.needs_input_grad
        dx = np.where(ctx.pos, g, g * ctx.wb) if need_x else None
        dw = None
        if need_w:
            neg = np.where(ctx.pos, 0, g * ctx.x)
            if len(ctx.wshape) and ctx.wshape[0] > 1:
                axes = tuple(a for a in range(neg.ndim) if a != 1)
                dw = neg.sum(axis=axes).reshape(ctx.wshape)
            else:
                dw = np.asarray(neg.sum()).reshape(ctx.wshape)
        return dx, dw
