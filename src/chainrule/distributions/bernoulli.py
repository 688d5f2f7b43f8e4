"""The Bernoulli distribution: 1 with probability ``probs``, 0 otherwise."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import no_grad
from ..autograd.ops import logaddexp
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution, broadcast_all, lazy_property, logits_to_probs, probs_to_logits, uniform_noise


def softplus(x: Tensor) -> Tensor:
    """log(1 + e^x), stably; its gradient is sigmoid(x)."""
    return logaddexp(x, 0.0)


class Bernoulli(Distribution):
    """Bernoulli(p), parameterised by ``probs`` p or by ``logits`` log(p / (1 - p)) (exactly one
    of them; the other is derived: ``sigmoid(logits)``, or the logit of p clamped to
    [eps, 1 - eps]).

        log p(x) = x log p + (1 - x) log(1 - p) = x l - log(1 + e^l)   (l: the logits)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
            param = self.probs
        else:
            (self.logits,) = broadcast_all(logits)
            param = self.logits
        self._param = param
        super().__init__(param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Bernoulli:
        new = self._fresh(batch_shape, _instance)
        batch_shape = new.batch_shape
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
            new._param = new.logits
        return new

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        return self._param.shape

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


