"""The Dirichlet distribution over the probability simplex."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..autograd.ops import clamp, where, xlogy
from ..autograd.ops.special import beta_sample_grad_array, digamma, lgamma
from ..random import rng
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution


class StandardDirichlet(Function):
    """X ~ Dirichlet(C) over the last dim, as normalised Gamma(C_i, 1) draws from chainrule's
    generator. Backward as PyTorch's: with ``r_i = (dX_i/dC_i) / (1 - X_i)``, dX_i/dC_i for the
    marginal ``X_i ~ Beta(C_i, sum(C) - C_i)`` (implicit reparameterisation, the second parameter
    held), ``dC_i = r_i (G_i - sum_j X_j G_j)``."""

    array_io = True

    @staticmethod
    def forward(ctx, concentration):
        gammas = rng().standard_gamma(concentration.astype(np.float64))
        gammas = np.maximum(gammas, np.finfo(np.float64).tiny)
        x = (gammas / gammas.sum(-1, keepdims=True)).astype(concentration.dtype)
        ctx.c, ctx.x = concentration, x
        return x

    @staticmethod
    def backward(ctx, g):
        c, x = ctx.c.astype(np.float64), ctx.x.astype(np.float64)
        rest = c.sum(-1, keepdims=True) - c
        x = np.clip(x, np.finfo(np.float64).tiny, 1 - 1e-16)
        dx, _ = beta_sample_grad_array(c, rest, x)
        r = dx / (1 - x)
        return (r * (g - (x * g).sum(-1, keepdims=True))).astype(g.dtype)


class Dirichlet(Distribution):
    """Dirichlet(c) over vectors x with x_i >= 0, sum_i x_i = 1 (event_shape [k]):

        log p(x) = sum_i (c_i - 1) log x_i + lgamma(sum_i c_i) - sum_i lgamma(c_i)
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Dirichlet:
        new = self._fresh(batch_shape, _instance, self.event_shape)
        batch_shape = new.batch_shape
        new.concentration = self.concentration.expand((*batch_shape, *self.event_shape))
        return new

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """(c_i - 1)^+ / sum_j (c_j - 1)^+; where every c_i < 1, the vertex of the largest
        (the first: all are 0) coordinate, as PyTorch."""
        shifted = clamp(self.concentration - 1, min=0)
        mode = shifted / shifted.sum(-1, keepdim=True)
        all_below = (self.concentration._data < 1).all(-1, keepdims=True)
        vertex = np.zeros(self.concentration.shape, dtype=self.concentration._data.dtype)
        vertex[..., 0] = 1
        return where(Tensor._make(np.broadcast_to(all_below, vertex.shape)), Tensor._make(vertex), mode)

    @property
    def variance(self) -> Tensor:
        total = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (total - self.concentration) / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        return StandardDirichlet.apply(self.concentration.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return xlogy(c - 1, value).sum(-1) + lgamma(c.sum(-1)) - lgamma(c).sum(-1)

    def entropy(self) -> Tensor:
        """log B(c) + (c_0 - k) digamma(c_0) - sum_i (c_i - 1) digamma(c_i), c_0 = sum_i c_i."""
        c = self.concentration
        k, total = c.shape[-1], c.sum(-1)
        return lgamma(c).sum(-1) - lgamma(total) - (k - total) * digamma(total) - ((c - 1) * digamma(c)).sum(-1)
