"""The beta distribution Beta(concentration1, concentration0) on [0, 1]."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..autograd.ops import clamp, where, xlogy
from ..autograd.ops._util import unbroadcast
from ..autograd.ops.special import beta_sample_grad_array, digamma, lgamma
from ..random import rng
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, broadcast_all


class StandardBeta(Function):
    """X ~ Beta(A, B) drawn from chainrule's generator (kept inside [tiny, 1 - eps/2]);
    dA = G dX/da, dB = G dX/db, the implicit reparameterisation gradients
    ``-(dI_X(a, b)/da) / p(X)`` (I the beta CDF, the regularised incomplete beta function)."""

    array_io = True

    @staticmethod
    def forward(ctx, a, b):
        x = rng().beta(a.astype(np.float64), b.astype(np.float64))
        info = np.finfo(a.dtype)
        x = np.clip(x, info.tiny, 1 - info.eps / 2).astype(a.dtype)
        ctx.a, ctx.b, ctx.x = a, b, x
        return x

    @staticmethod
    def backward(ctx, g):
        da, db = beta_sample_grad_array(ctx.a, ctx.b, ctx.x)
        return (unbroadcast(g * da.astype(g.dtype), ctx.a.shape),
                unbroadcast(g * db.astype(g.dtype), ctx.b.shape))


class Beta(Distribution):
    """Beta(a, b) with a = ``concentration1`` and b = ``concentration0``:

        p(x) = x^(a-1) (1-x)^(b-1) / B(a, b),   0 <= x <= 1

    ``rsample`` differentiates the draw through its CDF (implicit reparameterisation), as PyTorch.
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: bool | None = None) -> None:
        self._c1, self._c0 = broadcast_all(concentration1, concentration0)
        super().__init__(self._c1.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Beta:
        return self._expanded(batch_shape, _instance, "_c1", "_c0")

    @property
    def concentration1(self) -> Tensor:
        return self._c1

    @property
    def concentration0(self) -> Tensor:
        return self._c0

    @property
    def mean(self) -> Tensor:
        return self._c1 / (self._c1 + self._c0)

    @property
    def mode(self) -> Tensor:
        """(a - 1) / (a + b - 2) with a - 1 and b - 1 clamped at 0 (0 or 1 when one of a, b is
        below 1); 1 when both are (PyTorch's choice among the two modes at 0 and 1)."""
        m1, m0 = clamp(self._c1 - 1, min=0), clamp(self._c0 - 1, min=0)
        both_below_one = Tensor._make((self._c1._data < 1) & (self._c0._data < 1))
        return where(both_below_one, 1.0, m1 / (m1 + m0))

    @property
    def variance(self) -> Tensor:
        total = self._c1 + self._c0
        return self._c1 * self._c0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        return StandardBeta.apply(self._c1.expand(shape), self._c0.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """(a - 1) log x + (b - 1) log(1 - x) - log B(a, b)."""
        if self._validate_args:
            self._validate_sample(value)
        a, b = self._c1, self._c0
        return xlogy(a - 1, value) + xlogy(b - 1, 1 - value) + lgamma(a + b) - lgamma(a) - lgamma(b)

    def entropy(self) -> Tensor:
        """log B(a, b) - (a - 1) digamma(a) - (b - 1) digamma(b) + (a + b - 2) digamma(a + b)."""
        a, b = self._c1, self._c0
        total = a + b
        return (lgamma(a) + lgamma(b) - lgamma(total) - (2 - total) * digamma(total)
                - (a - 1) * digamma(a) - (b - 1) * digamma(b))
