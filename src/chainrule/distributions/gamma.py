"""The gamma distribution Gamma(concentration, rate) and its special case Exponential(rate)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..autograd.ops import clamp, log, log1p, xlogy
from ..autograd.ops.special import digamma, gammainc, lgamma, standard_gamma_grad_array
from ..random import rng
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, broadcast_all


class StandardGamma(Function):
    """X ~ Gamma(alpha, 1), drawn from chainrule's generator (at least the dtype's smallest normal
    number, as PyTorch); dAlpha = G dX/dalpha, the implicit reparameterisation gradient
    ``-(dP(alpha, X)/dalpha) / p(X)`` (P the gamma CDF, p the density)."""

    array_io = True

    @staticmethod
    def forward(ctx, alpha):
        x = rng().standard_gamma(alpha.astype(np.float64))
        x = np.maximum(x, np.finfo(alpha.dtype).tiny).astype(alpha.dtype)
        ctx.alpha, ctx.x = alpha, x
        return x

    @staticmethod
    def backward(ctx, g):
        return g * standard_gamma_grad_array(ctx.alpha, ctx.x).astype(g.dtype)


def _floor_at_tiny(value: Tensor) -> Tensor:
    """``value`` raised to at least the dtype's smallest normal number; the gradient passes as if
    it were not (PyTorch clamps the sample in place, outside the graph)."""
    data = value._data
    return value + Tensor._make(np.maximum(data, np.finfo(data.dtype).tiny) - data)


class Gamma(Distribution):
    """Gamma(alpha, beta) with concentration alpha and rate beta:

        p(x) = beta^alpha x^(alpha-1) e^(-beta x) / Gamma(alpha),   x >= 0

    ``rsample`` is ``X / beta`` with X ~ Gamma(alpha, 1): its gradient is ``-X / beta^2`` for the
    rate and ``(dX/dalpha) / beta`` for the concentration (implicit reparameterisation).
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gamma:
        return self._expanded(batch_shape, _instance, "concentration", "rate")

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return clamp((self.concentration - 1) / self.rate, min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        value = StandardGamma.apply(self.concentration.expand(shape)) / self.rate.expand(shape)
        return _floor_at_tiny(value)

    def log_prob(self, value: Tensor) -> Tensor:
        """alpha log(beta) + (alpha - 1) log(x) - beta x - lgamma(alpha)."""
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration, self.rate
        return xlogy(a, b) + xlogy(a - 1, value) - b * value - lgamma(a)

    def cdf(self, value: Tensor) -> Tensor:
        """P(alpha, beta x), the regularised lower incomplete gamma function."""
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        """alpha - log(beta) + lgamma(alpha) + (1 - alpha) digamma(alpha)."""
        a = self.concentration
        return a - log(self.rate) + lgamma(a) + (1.0 - a) * digamma(a)


class Exponential(Distribution):
    """Exponential(rate): ``p(x) = rate e^(-rate x)`` for x >= 0. ``rsample`` is ``E / rate`` with
    E a standard exponential draw."""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Exponential:
        return self._expanded(batch_shape, _instance, "rate")

    @property
    def mean(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        return self.rate * 0

    @property
    def stddev(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.rate.pow(-2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        e = Tensor._make(rng().standard_exponential(tuple(shape)).astype(self.rate._data.dtype))
        return e / self.rate

    def log_prob(self, value: Tensor) -> Tensor:
        """log(rate) - rate x."""
        if self._validate_args:
            self._validate_sample(value)
        return log(self.rate) - self.rate * value

    def cdf(self, value: Tensor) -> Tensor:
        """1 - e^(-rate x)."""
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value: Tensor) -> Tensor:
        """-log(1 - p) / rate."""
        return -log1p(-value) / self.rate

    def entropy(self) -> Tensor:
        """1 - log(rate)."""
        return 1.0 - log(self.rate)
