"""Student's t-distribution with df degrees of freedom, location loc and scale scale."""

from __future__ import annotations

import math
from typing import Any

from ..autograd.ops import where
from ..autograd.ops.special import digamma, lgamma
from ..tensor import Tensor
from . import constraints
from .chi2 import Chi2
from .distribution import Distribution, broadcast_all, normal_noise


class StudentT(Distribution):
    """StudentT(df, loc=0, scale=1):

        log p(x) = -(df + 1)/2 log(1 + y^2 / df) - log(scale) - log(df pi)/2
                   - lgamma(df / 2) + lgamma((df + 1) / 2),   y = (x - loc) / scale

    ``rsample`` is ``loc + scale X / sqrt(Z / df)`` with X ~ N(0, 1) and Z ~ Chi2(df)
    (reparameterised through Chi2's rsample, so df gets a gradient too). The mean is NaN for
    df <= 1; the variance ``scale^2 df / (df - 2)`` is inf for 1 < df <= 2 and NaN for df <= 1.
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0, validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> StudentT:
        new = self._expanded(batch_shape, _instance, "df", "loc", "scale")
        new._chi2 = self._chi2.expand(batch_shape)
        return new

    @property
    def mean(self) -> Tensor:
        return where(self.df <= 1, math.nan, self.loc)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        above_two = self.df > 2
        df = where(above_two, self.df, 3.0)  # a finite stand-in where the formula does not apply
        finite = self.scale.pow(2) * df / (df - 2)
        return where(above_two, finite, where(self.df > 1, math.inf, math.nan))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        x = normal_noise(self._extended_shape(sample_shape), self.df._data.dtype)
        z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * (x * (z / self.df).rsqrt())

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        df = self.df
        norm = (self.scale.log() + 0.5 * df.log() + 0.5 * math.log(math.pi)
                + lgamma(0.5 * df) - lgamma(0.5 * (df + 1.0)))
        return -0.5 * (df + 1.0) * (y**2.0 / df).log1p() - norm

    def entropy(self) -> Tensor:
        """log(scale) + (df + 1)/2 (digamma((df + 1)/2) - digamma(df/2)) + log(df)/2 + log B(df/2, 1/2)."""
        df = self.df
        log_beta = lgamma(0.5 * df) + math.lgamma(0.5) - lgamma(0.5 * (df + 1))
        return (self.scale.log() + 0.5 * (df + 1) * (digamma(0.5 * (df + 1)) - digamma(0.5 * df))
                + 0.5 * df.log() + log_beta)
