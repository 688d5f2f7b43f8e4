"""Distances and similarities between vectors: ``F.normalize``, ``F.cosine_similarity`` and
``F.pairwise_distance``, with their layers ``CosineSimilarity`` and ``PairwiseDistance``.

All are compositions of differentiable ops (norms, products, sums), so their gradients come from
the autograd engine.
"""

from __future__ import annotations

import numpy as np

from ..autograd import ops as _ops
from ..autograd.ops._util import into
from ..errors import ShapeError
from ..tensor import Tensor
from . import functional as F
from .module import Module


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,  # noqa: A002
              out: Tensor | None = None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim``: each vector scaled to unit ``p``-norm."""
    F._tensor(input, "normalize")
    F._floating(input, "normalize")
    y = input / _ops.norm(input, p, dim, keepdim=True).clamp(min=eps)
    return y if out is None else into(out, y, "normalize")


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum (x1 / max(||x1||, eps)) (x2 / max(||x2||, eps))`` along ``dim`` of the broadcast inputs.
    Each input is divided by its norm first, which keeps the result within [-1, 1]; the norms are
    floored at ``eps`` for the value only, as PyTorch does."""
    op = "cosine_similarity"
    F._tensor(x1, op, "x1")
    F._tensor(x2, op, "x2")
    F._floating(x1, op)
    _broadcastable(op, x1, x2)
    shape = np.broadcast_shapes(x1._data.shape, x2._data.shape)  # the norms are of the broadcast inputs
    x1, x2 = _ops.broadcast_to(x1, shape), _ops.broadcast_to(x2, shape)
    n1 = F.floor_value(_ops.norm(x1, 2, dim, keepdim=True), eps)
    n2 = F.floor_value(_ops.norm(x2, 2, dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim (the inputs broadcast); ``eps`` keeps the norm
    differentiable where ``x1 = x2``."""
    op = "pairwise_distance"
    F._tensor(x1, op, "x1")
    F._tensor(x2, op, "x2")
    F._floating(x1, op)
    _broadcastable(op, x1, x2)
    dim = max(x1._data.ndim, x2._data.ndim) - 1
    if dim < 0:
        raise ShapeError(f"{op}: expected inputs with at least 1 dim, got 0-d x1 and x2")
    return _ops.norm(x1 - x2 + eps, p, dim, keepdim=keepdim)


def _broadcastable(op: str, x1: Tensor, x2: Tensor) -> None:
    a, b = tuple(x1._data.shape), tuple(x2._data.shape)
    if any(m != n and 1 not in (m, n) for m, n in zip(a[::-1], b[::-1])):
        raise ShapeError(f"{op}: x1 of shape {a} and x2 of shape {b} cannot be broadcast together")


class CosineSimilarity(Module):
    """:func:`cosine_similarity` of two inputs along ``dim``."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """:func:`pairwise_distance` of two inputs: ``||x1 - x2 + eps||_p`` along the last dim."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
