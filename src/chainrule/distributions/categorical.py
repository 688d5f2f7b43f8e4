"""Categorical(probs) over {0, ..., K-1}, and OneHotCategorical, its one-hot form."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import no_grad
from ..autograd.ops import clamp, gather
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution, lazy_property, logits_to_probs, normalize_logits, probs_to_logits, uniform_noise


class Categorical(Distribution):
    """A distribution over the K categories {0, ..., K-1} given by ``probs`` (nonnegative, any
    positive sum: normalised along the last dim) or by ``logits`` (unnormalised log-probabilities:
    ``l - logsumexp(l)``), exactly one of them. The last dim of the parameter indexes the
    categories; the dims before it are the batch shape.

        log p(k) = log_softmax(l)_k,   entropy = -sum_k p_k log p_k
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.ndim < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.ndim < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = normalize_logits(logits)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.shape[-1]
        batch_shape = self._param.shape[:-1] if self._param.ndim > 1 else ()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Categorical:
        new = self._fresh(batch_shape, _instance)
        batch_shape = new.batch_shape
        param_shape = (*batch_shape, self._num_events)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(param_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(param_shape)
            new._param = new.logits
        new._num_events = self._num_events
        return new

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> Size:
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        return Tensor._make(np.full(self._extended_shape(), np.nan, dtype=self.probs._data.dtype))

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        return Tensor._make(np.full(self._extended_shape(), np.nan, dtype=self.probs._data.dtype))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Category indices (int64) by inverting the cumulative probabilities at U[0, 1) draws."""
        shape = self._extended_shape(sample_shape)
        with no_grad():
            p = self.probs._data.reshape(-1, self._num_events).astype(np.float64)  # [rows, K]
            cdf = np.cumsum(p, axis=-1)
            cdf = cdf / cdf[:, -1:]
            n = int(np.prod(shape[:len(shape) - len(self._batch_shape)]))
            u = uniform_noise((n, p.shape[0]), np.float64)._data  # [n, rows]
            index = (cdf[None, :, :] <= u[:, :, None]).sum(-1)  # how many categories lie below u
            index = np.minimum(index, self._num_events - 1)
            return Tensor._make(index.reshape(shape).astype(np.int64))

    def log_prob(self, value: Tensor) -> Tensor:
        """log p(value): the normalised logits gathered at the category indices."""
        if self._validate_args:
            self._validate_sample(value)
        index = value._data.astype(np.int64)[..., None]
        shape = np.broadcast_shapes(index.shape, self.logits.shape)
        logits = self.logits if tuple(self.logits.shape) == shape else self.logits.expand(shape)
        index = np.broadcast_to(index, shape[:-1] + (1,))
        return gather(logits, -1, Tensor._make(np.ascontiguousarray(index))).squeeze(-1)

    def entropy(self) -> Tensor:
        """-sum_k p_k log p_k (the logits clamped to the dtype's lowest finite value, so 0 log 0 = 0)."""
        lowest = float(np.finfo(self.logits._data.dtype).min)
        logits = clamp(self.logits, min=lowest)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The categories 0..K-1, shaped [K, 1, ..., 1] (or expanded to [K, *batch_shape])."""
        values = Tensor._make(np.arange(self._num_events).reshape((-1,) + (1,) * len(self._batch_shape)))
        return values.expand((self._num_events, *self._batch_shape)) if expand else values


class OneHotCategorical(Distribution):
    """Categorical whose samples are one-hot vectors of length K (event_shape [K])."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> OneHotCategorical:
        new = self._fresh(batch_shape, _instance, self.event_shape)
        batch_shape = new.batch_shape
        new._categorical = self._categorical.expand(batch_shape)
        return new

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        return self._one_hot(self._categorical.mode._data)

    @property
    def variance(self) -> Tensor:
        p = self._categorical.probs
        return p * (1 - p)

    def _one_hot(self, index: np.ndarray) -> Tensor:
        k = self._categorical._num_events
        return Tensor._make((index[..., None] == np.arange(k)).astype(self.probs._data.dtype))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        return self._one_hot(self._categorical.sample(sample_shape)._data)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(Tensor._make(value._data.argmax(-1)))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        k = self._categorical._num_events
        values = np.eye(k, dtype=self.probs._data.dtype).reshape((k,) + (1,) * len(self._batch_shape) + (k,))
        values = Tensor._make(values)
        return values.expand((k, *self._batch_shape, k)) if expand else values
