"""The Cauchy (Lorentz) distribution."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.ops import atan, tan
from ..random import rng
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, broadcast_all


class Cauchy(Distribution):
    """Cauchy(loc, scale), the ratio of two independent standard normals, shifted and scaled:

        p(x) = 1 / (pi scale (1 + ((x - loc) / scale)^2))

    It has no mean (NaN) nor variance (inf). ``rsample`` is ``loc + scale * eps`` with eps a
    standard Cauchy draw.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Cauchy:
        return self._expanded(batch_shape, _instance, "loc", "scale")

    @property
    def mean(self) -> Tensor:
        return Tensor._make(np.full(self._extended_shape(), np.nan, dtype=self.loc._data.dtype))

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return Tensor._make(np.full(self._extended_shape(), np.inf, dtype=self.loc._data.dtype))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = Tensor._make(rng().standard_cauchy(tuple(shape)).astype(self.loc._data.dtype))
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        """-log(pi) - log(scale) - log(1 + ((x - loc) / scale)^2)."""
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value: Tensor) -> Tensor:
        """atan((x - loc) / scale) / pi + 1/2."""
        if self._validate_args:
            self._validate_sample(value)
        return atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        """loc + scale tan(pi (p - 1/2))."""
        return tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self) -> Tensor:
        """log(4 pi scale)."""
        return math.log(4 * math.pi) + self.scale.log()
