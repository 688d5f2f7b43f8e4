"""Gradient clipping and flat parameter vectors, as ``torch.nn.utils`` (``rnn``: padding
sequences of different lengths into one batch).

Clipping by norm rescales all gradients together so that their joint norm is at most
``max_norm``: ``g <- g * min(1, max_norm / (||g|| + 1e-6))``. The direction of the update is
kept; only an exploding step is shortened.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ...autograd import ops as _ops
from ...tensor import Tensor
from . import parametrizations, parametrize, prune, rnn
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = [
    "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
    "parameters_to_vector", "parametrizations", "parametrize", "prune", "remove_spectral_norm", "remove_weight_norm",
    "rnn", "spectral_norm", "vector_to_parameters", "weight_norm",
]


def _as_list(tensors: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(x: np.ndarray, p: float) -> np.ndarray:
    """||x||_p of a flat array, with p = inf (max |x|) and p = 0 (count of non-zeros)."""
    a = np.abs(x.reshape(-1))
    if a.size == 0:
        return np.zeros((), dtype=x.dtype)
    if p == math.inf:
        return a.max()
    if p == -math.inf:
        return a.min()
    if p == 0:
        return np.asarray(np.count_nonzero(a), dtype=x.dtype)
    if p == 1:
        return a.sum()
    if p == 2:
        return np.sqrt(np.dot(a, a))
    return np.sum(a ** p) ** (1.0 / p)


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all the given tensors taken together as one vector."""
    arrays = [t._data for t in _as_list(tensors) if t is not None]
    p = float(norm_type)
    if not arrays:
        return Tensor._make(np.zeros((), dtype=np.float32))
    dtype = np.result_type(*arrays)
    norms = np.stack([_vector_norm(a, p).astype(dtype) for a in arrays])
    total = _vector_norm(norms, p)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {p} of the gradients is non-finite "
            f"({float(total)}), so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return Tensor._make(np.asarray(total, dtype=dtype))


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Tensor, foreach: bool | None = None) -> None:
    """Scale the gradients by ``min(1, max_norm / (total_norm + 1e-6))`` in place."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    coef = min(float(max_norm) / (float(total_norm) + 1e-6), 1.0)
    for g in grads:
        g._data *= g._data.dtype.type(coef)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Rescale the gradients so that their total ``norm_type``-norm is at most ``max_norm``;
    returns the total norm before clipping (``norm_type`` may be ``inf``: the largest |g|)."""
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]`` in place."""
    c = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -c, c, out=p.grad._data)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one vector (differentiable)."""
    params = list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"parameters_to_vector: expected Tensors, got {type(p).__name__}")
    return _ops.cat([_ops.reshape(p, (-1,)) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (the inverse of
    :func:`parameters_to_vector`); each parameter keeps its own memory and dtype."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, but got {type(vec).__name__}")
    params = list(parameters)
    flat = vec._data.reshape(-1)
    need = sum(p._data.size for p in params)
    if flat.size != need:
        raise ValueError(
            f"vector_to_parameters: vec has {flat.size} elements but the parameters hold {need}"
        )
    start = 0
    for p in params:
        n = p._data.size
        p._data[...] = flat[start:start + n].reshape(p._data.shape)
        start += n
