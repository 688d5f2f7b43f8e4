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
