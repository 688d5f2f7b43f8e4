"""The Bernoulli distribution: 1 with probability ``probs``, 0 otherwise."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import no_grad
from ..autograd.ops import logaddexp
from ..tensor import Tensor
from . import constraints
from .distribution import broadcast_all, uniform_noise
from .probs_or_logits import ProbsOrLogits


def softplus(x: Tensor) -> Tensor:
    """log(1 + e^x), stably; its gradient is sigmoid(x)."""
    return logaddexp(x, 0.0)


class Bernoulli(ProbsOrLogits):
    """Bernoulli(p), parameterised by ``probs`` p or by ``logits`` log(p / (1 - p)) (exactly one
    of them; the other is derived: ``sigmoid(logits)``, or the logit of p clamped to
    [eps, 1 - eps]).

        log p(x) = x log p + (1 - x) log(1 - p) = x l - log(1 + e^l)   (l: the logits)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        self._take_probability(probs, logits)
        super().__init__(self._param.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        mode = (self.probs >= 0.5).type_as(self.probs)
        return mode.masked_fill(self.probs == 0.5, float("nan"))

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            p = self.probs.expand(shape)
            return (uniform_noise(shape, p._data.dtype) < p).type_as(p)

    def log_prob(self, value: Tensor) -> Tensor:
        """x l - log(1 + e^l), the negative binary cross-entropy of the logits l."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return logits * value - softplus(logits)

    def entropy(self) -> Tensor:
        """-p log p - (1 - p) log(1 - p) = log(1 + e^l) - p l."""
        return softplus(self.logits) - self.probs * self.logits

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The values 0 and 1, shaped [2, 1, ..., 1] (or expanded to [2, *batch_shape])."""
        values = np.array([0, 1], dtype=self._param._data.dtype).reshape((2,) + (1,) * len(self._batch_shape))
        values = Tensor._make(values)
        return values.expand((2, *self._batch_shape)) if expand else values


