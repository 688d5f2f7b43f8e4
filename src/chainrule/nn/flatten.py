"""Flatten: reshape ``[N, d1, d2, ...]`` into ``[N, d1 * d2 * ...]`` (e.g. images into vectors)."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ShapeError
from ..tensor import Tensor
from .module import Module


class Flatten(Module):
    """Flattens the dims ``start_dim`` to ``end_dim`` (default: all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """The inverse of Flatten: dim ``dim`` of size ``prod(unflattened_size)`` becomes the dims
    ``unflattened_size`` (one of them may be -1), e.g. ``[N, 784] -> [N, 1, 28, 28]``."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got {unflattened_size!r}")
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        shape = tuple(input.shape)
        if not -len(shape) <= self.dim < len(shape):
            raise ShapeError(f"{self!r}: dim {self.dim} is out of range for input of shape {shape}")
        d = self.dim % len(shape)
        sizes = self.unflattened_size
        known = 1
        for v in sizes:
            known *= v if v != -1 else 1
        if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[d]) or (
                -1 in sizes and (known == 0 or shape[d] % known)):
            raise ShapeError(f"{self!r}: unflattened_size {sizes} does not fit dim {self.dim} of size "
                             f"{shape[d]} (input shape {shape})")
        return input.reshape(shape[:d] + sizes + shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
