"""Weight and spectral normalisation as parametrizations, as ``torch.nn.utils.parametrizations``.

* **Weight normalisation** (Salimans & Kingma, 2016) trains a direction ``v`` and a length ``g``
  apart: ``w = g v / ||v||``, the norm taken over every dim but ``dim`` (one length per output
  unit for ``dim=0``; over the whole tensor for ``dim=None``).
* **Spectral normalisation** (Miyato et al., 2018) divides the weight by its largest singular
  value, ``w = W / sigma(W)``, so the layer is 1-Lipschitz (a GAN discriminator's favourite
  constraint). ``sigma`` is estimated by power iteration on ``W`` (as a matrix: ``dim`` first,
  the rest flattened): in training mode every forward pass refines the vectors ``u`` and ``v``
  (buffers) by ``n_power_iterations`` steps ``v <- W^T u / ||W^T u||``, ``u <- W v / ||W v||``, and
  ``sigma = u^T W v``; the gradient flows through ``W`` only.
"""

from __future__ import annotations

import numpy as np

from ...autograd import grad_mode
from ...random import rng
from ...tensor import Tensor
from ..module import Module
from .parametrize import register_parametrization

__all__ = ["spectral_norm", "weight_norm"]


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """``||v||`` over every dim but ``dim`` (kept as size 1); over everything for ``dim = -1``."""
    if dim == -1:
        return (v * v).sum().sqrt()
    others = tuple(d for d in range(v.dim()) if d != dim)
    return (v * v).sum(dim=others, keepdim=True).sqrt()


class _WeightNorm(Module):
    """``w = g v / ||v||`` from the pair ``(g, v)`` (``original0``, ``original1``)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        """The ``(g, v)`` of a weight: its norm(s) and itself."""
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g v / ||v||`` (see the module docstring); the state_dict
    holds ``parametrizations.<name>.original0`` (g) and ``original1`` (v)."""
    return register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


def _normalize(x: np.ndarray, eps: float) -> np.ndarray:
    return x / max(float(np.linalg.norm(x)), eps)


class _SpectralNorm(Module):
    """``w = W / sigma(W)`` with ``sigma`` from power iteration (see the module docstring)."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.dim()
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but "
                             f"got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            matrix = self._matrix(weight)._data
            h, w = matrix.shape
            draw = rng(None)
            u = draw.standard_normal(h).astype(matrix.dtype)
            v = draw.standard_normal(w).astype(matrix.dtype)
            self.register_buffer("_u", Tensor._make(_normalize(u, eps)))
            self.register_buffer("_v", Tensor._make(_normalize(v, eps)))
            self._power_method(matrix, 15)

    def _matrix(self, weight: Tensor) -> Tensor:
        """The weight as a matrix: ``dim`` first, the other dims flattened."""
        moved = weight.movedim(self.dim, 0) if self.dim != 0 else weight
        return moved.reshape(moved.shape[0], -1)

    def _power_method(self, matrix: np.ndarray, iterations: int) -> None:
        """Refine ``u`` and ``v`` in place: ``u <- W v / ||W v||``, ``v <- W^T u / ||W^T u||``."""
        u, v = self._u._data, self._v._data
        for _ in range(iterations):
            u[...] = _normalize(matrix @ v, self.eps)
            v[...] = _normalize(matrix.T @ u, self.eps)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.dim() == 1:  # a vector's spectral norm is its length
            return weight / max(float(np.linalg.norm(weight._data)), self.eps)
        matrix = self._matrix(weight)
        if self.training:
            self._power_method(matrix._data, self.n_power_iterations)
        u = Tensor._make(self._u._data.copy())
        v = Tensor._make(self._v._data.copy())
        sigma = (u * (matrix @ v)).sum()  # u^T W v
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Reparametrize ``module.<name>`` as ``W / sigma(W)`` (see the module docstring). ``dim``
    defaults to 1 for transposed convolutions (their output channels), else 0."""
    from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    with grad_mode.no_grad():
        parametrization = _SpectralNorm(weight, n_power_iterations, dim, eps)
    return register_parametrization(module, name, parametrization)
