"""The Poisson distribution with rate ``rate``."""

from __future__ import annotations

from typing import Any

from ..autograd import no_grad
from ..autograd.ops import floor, xlogy
from ..autograd.ops.special import lgamma
from ..random import rng
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, broadcast_all


class Poisson(Distribution):
    """Poisson(rate) over the counts 0, 1, 2, ...: ``log p(k) = k log(rate) - rate - lgamma(k + 1)``
    (with 0 log 0 = 0, so a zero rate puts all its mass on 0)."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Poisson:
        return self._expanded(batch_shape, _instance, "rate")

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return floor(self.rate)

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            rate = self.rate.expand(shape)._data
            return Tensor._make(rng().poisson(rate.astype("float64")).astype(rate.dtype))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - lgamma(value + 1)
