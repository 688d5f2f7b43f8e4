"""Spectral normalisation the older way, as ``torch.nn.utils.spectral_norm`` (still the one most
GAN programs use; :func:`chainrule.nn.utils.parametrizations.spectral_norm` is the newer form):
``weight`` is replaced by the parameter ``weight_orig`` and the buffers ``weight_u``,
``weight_v``, and a forward pre-hook recomputes ``weight = weight_orig / sigma`` before every
call, ``sigma = u^T W v`` estimated by power iteration: in training mode each call refines
``v <- W^T u / ||W^T u||``, ``u <- W v / ||W v||`` (``n_power_iterations`` times) first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...random import rng
from ...tensor import Tensor
from ..module import Module, RemovableHandle
from ..parameter import Parameter

__all__ = ["SpectralNorm", "remove_spectral_norm", "spectral_norm"]


def _normalize(x: np.ndarray, eps: float) -> np.ndarray:
    return x / max(float(np.linalg.norm(x)), eps)


class SpectralNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_orig``, ``_u`` and ``_v``."""

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.dim, self.n_power_iterations, self.eps = name, dim, n_power_iterations, eps

    def matrix(self, weight: Tensor) -> Tensor:
        """The weight as a matrix: ``dim`` first, the other dims flattened."""
        moved = weight.movedim(self.dim, 0) if self.dim != 0 else weight
        return moved.reshape(moved.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u")._data, getattr(module, self.name + "_v")._data
        matrix = self.matrix(weight)
        if do_power_iteration:
            w = matrix._data
            for _ in range(self.n_power_iterations):
                v[...] = _normalize(w.T @ u, self.eps)
                u[...] = _normalize(w @ v, self.eps)
        sigma = (Tensor._make(u.copy()) * (matrix @ Tensor._make(v.copy()))).sum()  # u^T W v
        return weight / sigma

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its spectral norm before every call (see the module docstring).
    ``dim`` defaults to 1 for transposed convolutions, else 0."""
    from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    fn = SpectralNorm(name, n_power_iterations, dim, eps)
    weight = module._parameters[name]
    h, w = fn.matrix(weight).shape
    draw = rng(None)
    u = _normalize(draw.standard_normal(h).astype(weight._data.dtype), eps)
    v = _normalize(draw.standard_normal(w).astype(weight._data.dtype), eps)
    del module._parameters[name]
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, Tensor._make(weight._data))
    module.register_buffer(name + "_u", Tensor._make(u))
    module.register_buffer(name + "_v", Tensor._make(v))
    handle = module.register_forward_pre_hook(fn)
    module._spectral_norm_handles = {**module.__dict__.get("_spectral_norm_handles", {}), name: handle}
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Put ``module.<name>`` back as one parameter, holding ``weight_orig / sigma``."""
    handles: dict[str, RemovableHandle] = module.__dict__.get("_spectral_norm_handles", {})
    if name not in handles:
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    fn = module._forward_pre_hooks[handles[name].id]
    weight = fn.compute_weight(module, do_power_iteration=False)
    handles.pop(name).remove()
    for key in (name + "_u", name + "_v"):
        del module._buffers[key]
    del module._parameters[name + "_orig"]
    module.__dict__.pop(name, None)
    module.register_parameter(name, Parameter(weight._data.copy()))
    return module
