"""The normal distribution N(loc, scale^2)."""

from __future__ import annotations

import math
from typing import Any

from ..autograd.ops import erf, log
from ..autograd.ops.special import erfinv
from ..tensor import Tensor
from .distribution import LocationScale, normal_noise

_LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))


class Normal(LocationScale):
    """The normal (Gaussian) distribution with mean ``loc`` and standard deviation ``scale``:

        p(x) = exp(-(x - loc)^2 / (2 scale^2)) / (scale sqrt(2 pi))

    ``rsample`` is ``loc + scale * eps`` with ``eps ~ N(0, 1)``: its gradient is 1 for loc and
    eps for scale. ``Normal(loc [3, 1], scale [4])`` has batch_shape [3, 4].
    """

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = normal_noise(shape, self.loc._data.dtype)
        return self.loc + eps * self.scale  # dx/dloc = 1, dx/dscale = eps

    def log_prob(self, value: Tensor) -> Tensor:
        """log p(x) = -(x - loc)^2 / (2 scale^2) - log(scale) - log(sqrt(2 pi))."""
        if self._validate_args:
            self._validate_sample(value)
        return -((value - self.loc) ** 2) / (2 * self.scale.pow(2)) - log(self.scale) - _LOG_SQRT_2PI

    def cdf(self, value: Tensor) -> Tensor:
        """(1 + erf((x - loc) / (scale sqrt 2))) / 2."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + erf((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value: Tensor) -> Tensor:
        """loc + scale sqrt(2) erfinv(2p - 1)."""
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        """1/2 + log(sqrt(2 pi)) + log(scale)."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + log(self.scale)
