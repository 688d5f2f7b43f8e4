"""Datasets: ``Dataset``, ``TensorDataset``, ``Subset``, ``random_split`` (``torch.utils.data``).

A dataset is anything with ``__len__`` and ``__getitem__(i)``. ``TensorDataset`` keeps its tensors
as contiguous arrays, so :class:`~chainrule.data.DataLoader` can cut a whole batch out of them with
one indexing operation per tensor instead of collecting samples one by one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..random import Generator, rng
from ..tensor import Tensor


class Dataset:
    """Base class of map-style datasets: subclass it and define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")


class TensorDataset(Dataset):
    """Samples ``(t[i] for t in tensors)``: tensors that share their first dimension.

    ``TensorDataset(X, y)[i] == (X[i], y[i])``. NumPy arrays are accepted and wrapped, not copied.
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        wrapped = []
        for i, t in enumerate(tensors):
            if isinstance(t, np.ndarray):
                t = Tensor._make(t)
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"TensorDataset: argument {i} is a {type(t).__name__}; expected a Tensor "
                    "(or a numpy.ndarray)"
                )
            if t._data.ndim == 0:
                raise ShapeError(
                    f"TensorDataset: tensor {i} is 0-dimensional; every tensor needs a first "
                    "dimension indexing the samples"
                )
            wrapped.append(t)
        sizes = [t._data.shape[0] for t in wrapped]
        if len(set(sizes)) > 1:
            shapes = ", ".join(str(tuple(t._data.shape)) for t in wrapped)
            raise ShapeError(
                f"TensorDataset: size mismatch between tensors: first dimensions {sizes} "
                f"(shapes {shapes}) must all be equal"
            )
        self.tensors: tuple[Tensor, ...] = tuple(wrapped)

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        try:
            return tuple(Tensor._make(t._data[index]) for t in self.tensors)
        except IndexError as e:
            raise IndexError(
                f"TensorDataset: index {index!r} is out of range for a dataset of {len(self)} "
                f"samples ({e})"
            ) from None

    def __len__(self) -> int:
        return self.tensors[0]._data.shape[0]

    def __repr__(self) -> str:
        shapes = ", ".join(str(tuple(t._data.shape)) for t in self.tensors)
        return f"TensorDataset({shapes})"


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(dataset)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = int(idx[(idx < -n) | (idx >= n)][0])
            raise IndexError(f"Subset: index {bad} is out of range for a dataset of {n} samples")
        self.indices = idx

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (list, np.ndarray)):
            return self.dataset[self.indices[np.asarray(index)]]
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return int(self.indices.size)

    def __repr__(self) -> str:
        return f"Subset({self.dataset!r}, {len(self)} samples)"


def random_split(
    dataset: Dataset, lengths: Sequence[int | float], generator: Generator | None = None
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1: then each split
    gets ``floor(frac * n)`` samples and the remainder is dealt out one at a time from the first
    split on, exactly as PyTorch does. The permutation comes from ``generator`` (or chainrule's
    default generator, seeded by ``manual_seed``).
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths) and math.isclose(sum(lengths), 1.0):
        if any(x < 0 for x in lengths):
            raise ValueError(f"random_split: fractions must be non-negative, got {lengths}")
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not isinstance(x, (int, np.integer)) or x < 0 for x in lengths) or sum(lengths) != n:
        raise ValueError(
            f"random_split: lengths {lengths} must be non-negative integers summing to the "
            f"dataset's length {n}, or fractions summing to 1"
        )
    perm = rng(generator).permutation(n)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[start:start + length]))
        start += length
    return out
