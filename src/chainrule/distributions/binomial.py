"""The binomial distribution: successes among total_count Bernoulli trials."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import no_grad
from ..autograd.ops import clamp, exp, log1p
from ..autograd.ops.special import lgamma
from ..random import rng
from ..tensor import Tensor
from . import constraints
from .probs_or_logits import ProbsOrLogits


def _clamp_by_zero(x: Tensor) -> Tensor:
    """max(x, 0), with gradient 1/2 at 0 (as PyTorch's)."""
    return (clamp(x, min=0) + x - clamp(x, max=0)) / 2


class Binomial(ProbsOrLogits):
    """Binomial(total_count n, probs p or logits l) over {0, ..., n}:

        log P(k) = log C(n, k) + k l - n log(1 + e^l)

    ``total_count`` (a nonnegative integer, per batch element) takes the parameter's dtype.
    ``entropy`` and ``enumerate_support`` need one total_count for the whole batch.
    """

    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        (total_count,) = self._take_probability(probs, logits, total_count)
        self.total_count = total_count.type_as(self._param)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Binomial:
        new = super().expand(batch_shape, _instance)
        new.total_count = self.total_count.expand(new.batch_shape)
        return new

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        """floor((n + 1) p), at most n."""
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            n = self.total_count.expand(shape)._data
            p = self.probs.expand(shape)._data
            return Tensor._make(rng().binomial(n.astype(np.int64), p.astype(np.float64)).astype(p.dtype))

    def log_prob(self, value: Tensor) -> Tensor:
        """lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k l - n (max(l, 0) + log(1 + e^-|l|))."""
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        normalize = n * _clamp_by_zero(logits) + n * log1p(exp(-logits.abs())) - lgamma(n + 1)
        return value * logits - lgamma(value + 1) - lgamma(n - value + 1) - normalize

    def _homogeneous_count(self, what: str) -> int:
        counts = self.total_count._data
        total = int(counts.max())
        if counts.min() != total:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return total

    def entropy(self) -> Tensor:
        """-sum_k P(k) log P(k) over the support (one total_count for the batch)."""
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0..n shaped [n + 1, 1, ..., 1] (or expanded to [n + 1, *batch_shape])."""
        total = self._homogeneous_count("enumerate_support")
        values = np.arange(1 + total, dtype=self._param._data.dtype).reshape((-1,) + (1,) * len(self._batch_shape))
        values = Tensor._make(values)
        return values.expand((1 + total, *self._batch_shape)) if expand else values
