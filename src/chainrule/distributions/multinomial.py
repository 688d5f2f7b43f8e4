"""The multinomial distribution: category counts among total_count categorical draws."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.ops import where
from ..autograd.ops.special import lgamma
from ..tensor import Size, Tensor
from . import constraints
from .binomial import Binomial
from .categorical import Categorical
from .distribution import Distribution, broadcast_all


class Multinomial(Distribution):
    """Multinomial(total_count n, probs or logits over K categories); an event is a vector of K
    counts (event_shape [K]):

        log P(x) = lgamma(sum x + 1) - sum_k lgamma(x_k + 1) + sum_k x_k log p_k

    ``total_count`` is one int for the whole batch; ``log_prob`` does not need it (it scores any
    count vector). ``sample`` counts n categorical draws; there is no rsample.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count: int = 1, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Multinomial:
        new = self._fresh(batch_shape, _instance, self.event_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(new.batch_shape)
        new._binomial = Binomial(total_count=self.total_count, probs=new.probs)
        return new

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.multinomial(self.total_count)

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Counts of ``total_count`` categorical draws, in the parameter's dtype."""
        draws = self._categorical.sample((self.total_count, *tuple(sample_shape)))._data
        k = self._categorical._num_events
        counts = np.zeros(self._extended_shape(sample_shape), dtype=self.probs._data.dtype)
        for category in range(k):
            counts[..., category] = (draws == category).sum(0)
        return Tensor._make(counts)

    def entropy(self) -> Tensor:
        """n H(categorical) - lgamma(n + 1) + sum_k E[lgamma(x_k + 1)], each x_k ~ Binomial(n, p_k)."""
        n = self.total_count
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        term2 = (binomial_probs * lgamma(support + 1)).sum((0, -1))
        return term1 + term2

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = where((value == 0) & (logits == -math.inf), 0.0, logits)  # 0 log 0 = 0
        log_factorial_n = lgamma(value.sum(-1) + 1)
        log_factorial_xs = lgamma(value + 1).sum(-1)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)
