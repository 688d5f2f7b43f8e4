"""The Laplace distribution (double exponential) with location ``loc`` and scale ``scale``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.ops import abs, expm1, log, log1p, sign  # noqa: A004
from ..random import rng
from ..tensor import Tensor
from .distribution import LocationScale


class Laplace(LocationScale):
    """Laplace(loc, scale): ``p(x) = exp(-|x - loc| / scale) / (2 scale)``.

    ``rsample`` inverts the CDF at ``u ~ U(eps - 1, 1)``: ``loc - scale sign(u) log(1 - |u|)``.
    """

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        dtype = self.loc._data.dtype
        eps = float(np.finfo(dtype).eps)
        u = Tensor._make(rng().uniform(eps - 1, 1, tuple(shape)).astype(dtype))
        return self.loc - self.scale * sign(u) * log1p(-abs(u))

    def log_prob(self, value: Tensor) -> Tensor:
        """-log(2 scale) - |x - loc| / scale."""
        if self._validate_args:
            self._validate_sample(value)
        return -log(2 * self.scale) - abs(value - self.loc) / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        """1/2 - sign(x - loc) expm1(-|x - loc| / scale) / 2."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * sign(value - self.loc) * expm1(-abs(value - self.loc) / self.scale)

    def icdf(self, value: Tensor) -> Tensor:
        """loc - scale sign(p - 1/2) log(1 - 2 |p - 1/2|)."""
        term = value - 0.5
        return self.loc - self.scale * sign(term) * log1p(-2 * abs(term))

    def entropy(self) -> Tensor:
        """1 + log(2 scale)."""
        return 1 + log(2 * self.scale)
