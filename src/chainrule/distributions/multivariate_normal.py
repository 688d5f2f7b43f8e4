"""The multivariate normal distribution N(loc, Sigma) over vectors of size k."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..linalg import cholesky, inv, solve
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution, lazy_property, normal_noise


def _batch_mahalanobis(scale_tril: Tensor, x: Tensor) -> Tensor:
    """x^T Sigma^-1 x = |L^-1 x|^2 for Sigma = L L^T; L [..., k, k], x [..., k] (broadcast)."""
    return solve(scale_tril, x.unsqueeze(-1)).squeeze(-1).pow(2).sum(-1)


def _half_log_det(scale_tril: Tensor) -> Tensor:
    """log sqrt(det Sigma) = sum_i log L_ii."""
    return scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)


class MultivariateNormal(Distribution):
    """N(loc, Sigma), with Sigma given as ``covariance_matrix``, ``precision_matrix`` (Sigma^-1)
    or ``scale_tril`` (its lower Cholesky factor L, Sigma = L L^T), exactly one of them.

        log p(x) = -(k log(2 pi) + |L^-1 (x - loc)|^2) / 2 - sum_i log L_ii

    ``rsample`` is ``loc + L eps`` with ``eps ~ N(0, I)``.
    """

    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, covariance_matrix: Tensor | None = None, precision_matrix: Tensor | None = None,
                 scale_tril: Tensor | None = None, validate_args: bool | None = None) -> None:
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [(n, m) for n, m in (("covariance_matrix", covariance_matrix), ("precision_matrix", precision_matrix),
                                     ("scale_tril", scale_tril)) if m is not None]
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        name, matrix = given[0]
        if matrix.ndim < 2:
            raise ValueError(f"{name} must be at least two-dimensional, with optional leading batch dimensions")
        k = loc.shape[-1]
        if tuple(matrix.shape[-2:]) != (k, k):
            raise ShapeError(f"MultivariateNormal: {name} of shape {tuple(matrix.shape)} does not match loc of "
                             f"shape {tuple(loc.shape)}: expected [..., {k}, {k}]")
        batch_shape = Size(np.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1])))
        setattr(self, name, matrix.expand((*batch_shape, k, k)))
        self._unbroadcasted = (name, matrix)
        self.loc = loc.expand((*batch_shape, k))
        super().__init__(batch_shape, (k,), validate_args=validate_args)

    @lazy_property
    def _unbroadcasted_scale_tril(self) -> Tensor:
        name, matrix = self._unbroadcasted
        if name == "scale_tril":
            return matrix
        if name == "covariance_matrix":
            return cholesky(matrix)
        return cholesky(inv(matrix))  # Sigma = P^-1

    @lazy_property
    def scale_tril(self) -> Tensor:
        return self._unbroadcasted_scale_tril.expand(self._batch_shape + self._event_shape + self._event_shape)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(self._batch_shape + self._event_shape + self._event_shape)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        return inv(self.covariance_matrix)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MultivariateNormal:
        new = self._fresh(batch_shape, _instance, self._event_shape)
        batch_shape = new.batch_shape
        k = self._event_shape[0]
        new.loc = self.loc.expand((*batch_shape, k))
        new._unbroadcasted = self._unbroadcasted
        name = self._unbroadcasted[0]
        setattr(new, name, getattr(self, name).expand((*batch_shape, k, k)))
        return new

    @property
    def mean(self) -> Tensor:
        return self.loc

    mode = mean  # the density peaks at its mean

    @property
    def variance(self) -> Tensor:
        """The diagonal of Sigma: sum_j L_ij^2."""
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(self._batch_shape + self._event_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = normal_noise(shape, self.loc._data.dtype)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        L = self._unbroadcasted_scale_tril
        m = _batch_mahalanobis(L, value - self.loc)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + m) - _half_log_det(L)

    def entropy(self) -> Tensor:
        """k (1 + log(2 pi)) / 2 + sum_i log L_ii."""
        h = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + _half_log_det(self._unbroadcasted_scale_tril)
        return h if tuple(h.shape) == tuple(self._batch_shape) else h.expand(self._batch_shape)
