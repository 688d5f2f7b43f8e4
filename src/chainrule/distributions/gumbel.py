"""The Gumbel (type-I extreme value) distribution."""

from __future__ import annotations

import math
from numbers import Number
from typing import Any

import numpy as np

from ..creation import full_like, ones_like
from ..tensor import Tensor
from . import constraints
from .distribution import broadcast_all
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, ExpTransform
from .uniform import Uniform

EULER_CONSTANT = 0.57721566490153286060  # Euler-Mascheroni


class Gumbel(TransformedDistribution):
    """Gumbel(loc, scale), the law of the maximum of many light-tailed draws:

        log p(x) = z - e^z - log(scale),   z = (loc - x) / scale

    Written, as PyTorch, as ``U ~ Uniform(tiny, 1 - eps)`` pushed through
    ``x = loc - scale log(-log U)``, so ``rsample`` is differentiable in loc and scale and
    ``cdf``/``icdf`` (``exp(-exp(-(x - loc) / scale))`` and its inverse) come from the chain.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        info = np.finfo(self.loc._data.dtype)
        low, high = float(info.tiny), 1 - float(info.eps)
        if isinstance(loc, Number) and isinstance(scale, Number):
            base = Uniform(low, high, validate_args=validate_args)
        else:
            base = Uniform(full_like(self.loc, low), full_like(self.loc, high), validate_args=validate_args)
        transforms = [ExpTransform().inv, AffineTransform(loc=0, scale=-ones_like(self.scale)),
                      ExpTransform().inv, AffineTransform(loc=loc, scale=-self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gumbel:
        new = self._get_checked_instance(Gumbel, _instance)
        new.loc, new.scale = self.loc.expand(batch_shape), self.scale.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value: Tensor) -> Tensor:
        """z - e^z - log(scale) with z = (loc - x) / scale."""
        if self._validate_args:
            self._validate_sample(value)
        z = (self.loc - value) / self.scale
        return (z - z.exp()) - self.scale.log()

    @property
    def mean(self) -> Tensor:
        """loc + scale gamma (gamma: the Euler-Mascheroni constant)."""
        return self.loc + self.scale * EULER_CONSTANT

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """pi scale / sqrt(6)."""
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def entropy(self) -> Tensor:
        """log(scale) + 1 + gamma."""
        return self.scale.log() + (1 + EULER_CONSTANT)
