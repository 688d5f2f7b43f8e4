"""MixtureSameFamily: a categorical mixture of components of one family."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import no_grad
from ..autograd.ops import gather, log_softmax, logsumexp
from ..tensor import Size, Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution


class MixtureSameFamily(Distribution):
    """A mixture whose K components are the rightmost batch dim of ``component_distribution``,
    weighted by ``mixture_distribution`` (a Categorical over K, its batch shape broadcasting with
    the components' other batch dims):

        p(x) = sum_k pi_k p_k(x),   log p(x) = logsumexp_k(log pi_k + log p_k(x))

    ``mean`` and ``variance`` follow the laws of total expectation and variance; ``cdf`` mixes the
    components' cdfs. ``sample`` draws a component index, then that component's value (no
    rsample, as PyTorch).

        gmm = MixtureSameFamily(Categorical(logits=w), Normal(mu, sigma))   # w, mu, sigma: [K]
    """

    arg_constraints: dict[str, constraints.Constraint] = {}
    has_rsample = False

    def __init__(self, mixture_distribution: Categorical, component_distribution: Distribution,
                 validate_args: bool | None = None) -> None:
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError("MixtureSameFamily: the mixture distribution needs to be a Categorical (the weights "
                             f"of the components), got {type(mixture_distribution).__name__}")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("MixtureSameFamily: the component distribution needs to be a Distribution (its last "
                             f"batch dim the components), got {type(component_distribution).__name__}")
        mdbs, cdbs = mixture_distribution.batch_shape, component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs), strict=False):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(f"`mixture_distribution.batch_shape` ({mdbs}) is not compatible with "
                                 f"`component_distribution.batch_shape`({cdbs})")
        km = mixture_distribution.logits.shape[-1]
        kc = component_distribution.batch_shape[-1] if len(component_distribution.batch_shape) else None
        if kc is None or km != kc:
            raise ValueError(f"`mixture_distribution component` ({km}) does not equal "
                             f"`component_distribution.batch_shape[-1]` ({kc})")
        self._num_component = km
        event_shape = component_distribution.event_shape
        self._event_ndims = len(event_shape)
        super().__init__(cdbs, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MixtureSameFamily:
        batch_shape = Size(batch_shape)
        new = self._fresh(batch_shape, _instance, self.event_shape)
        new._component_distribution = self._component_distribution.expand(batch_shape + (self._num_component,))
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        new._num_component, new._event_ndims = self._num_component, self._event_ndims
        return new

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self) -> Categorical:
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        return self._component_distribution

    @property
    def mean(self) -> Tensor:
        """sum_k pi_k mean_k."""
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        return (probs * self.component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        """sum_k pi_k var_k + sum_k pi_k (mean_k - mean)^2."""
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        mean_cond_var = (probs * self.component_distribution.variance).sum(-1 - self._event_ndims)
        spread = (self.component_distribution.mean - self._pad(self.mean)).pow(2.0)
        return mean_cond_var + (probs * spread).sum(-1 - self._event_ndims)

    def cdf(self, x: Tensor) -> Tensor:
        """sum_k pi_k F_k(x)."""
        cdf_x = self.component_distribution.cdf(self._pad(x))
        return (cdf_x * self.mixture_distribution.probs).sum(-1)

    def log_prob(self, x: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(x)
        log_prob_x = self.component_distribution.log_prob(self._pad(x))  # [S, B, K]
        log_mix_prob = log_softmax(self.mixture_distribution.logits, -1)  # [B, K]
        return logsumexp(log_prob_x + log_mix_prob, -1)  # [S, B]

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Every component's draw, then the one the mixture picks, per element."""
        with no_grad():
            gather_dim = len(tuple(sample_shape)) + len(self.batch_shape)
            event_shape = tuple(self.event_shape)
            index = self.mixture_distribution.sample(sample_shape)._data
            components = self.component_distribution.sample(sample_shape)
            index = np.broadcast_to(index, tuple(components.shape[:gather_dim]))  # the mixture's batch may broadcast
            index = index.reshape(index.shape + (1,) * (len(event_shape) + 1))
            index = np.broadcast_to(index, index.shape[:gather_dim + 1] + event_shape)
            picked = gather(components, gather_dim, Tensor._make(np.ascontiguousarray(index)))
            return picked.squeeze(gather_dim)

    def _pad(self, x: Tensor) -> Tensor:
        """x with a component dim (size 1) before its event dims."""
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x: Tensor) -> Tensor:
        """The mixture's [..., K] probabilities reshaped to broadcast against the components'
        [batch..., K, event...] values."""
        dist_batch_ndims = len(self.batch_shape)
        cat_batch_ndims = len(self.mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
        shape = tuple(x.shape)
        return x.reshape(shape[:-1] + (1,) * pad_ndims + shape[-1:] + (1,) * self._event_ndims)

    def __repr__(self) -> str:
        return f"MixtureSameFamily(\n  {self.mixture_distribution},\n  {self.component_distribution})"
