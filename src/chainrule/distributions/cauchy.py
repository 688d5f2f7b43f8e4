"""The Cauchy (Lorentz) distribution."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.ops import atan, tan
from ..random import rng
from ..tensor import Tensor
from .distribution import LocationScale


class Cauchy(LocationScale):
    """Cauchy(loc, scale), the ratio of two independent standard normals, shifted and scaled:

        p(x) = 1 / (pi scale (1 + ((x - loc) / scale)^2))

    It has no mean (NaN) nor variance (inf). ``rsample`` is ``loc + scale * eps`` with eps a
    standard Cauchy draw.
    """

    @property
    def mean(self) -> Tensor:  # type: ignore[override]
        return Tensor._make(np.full(self._extended_shape(), np.nan, dtype=self.loc._data.dtype))

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
