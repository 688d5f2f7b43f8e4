"""Datasets, as ``torch.utils.data``: map-style and iterable-style, and ways to combine them.

A map-style dataset is anything with ``__len__`` and ``__getitem__(i)`` (:class:`Dataset`,
:class:`TensorDataset`, :class:`Subset`, :class:`ConcatDataset`, :class:`StackDataset`,
:func:`random_split`); an iterable-style one yields its samples from ``__iter__``
(:class:`IterableDataset`, :class:`ChainDataset`), for streams that cannot be indexed.

``TensorDataset`` keeps its tensors as contiguous arrays, so :class:`~chainrule.data.DataLoader`
can cut a whole batch out of them with one indexing operation per tensor instead of collecting
samples one by one.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..random import Generator, rng
from ..tensor import Tensor

__all__ = ["ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "StackDataset", "Subset",
           "TensorDataset", "random_split"]


class Dataset:
    """Base class of map-style datasets: subclass it and define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")

    def __add__(self, other: Dataset) -> ConcatDataset:
        """``a + b`` is ``ConcatDataset([a, b])``, as in PyTorch."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of iterable-style datasets: subclass it and define ``__iter__``.

    A :class:`~chainrule.data.DataLoader` reads the samples in the order ``__iter__`` yields them
    and batches them as they come (no sampler, no shuffling). ``__len__`` is optional; when it is
    defined, ``len(loader)`` uses it. ``a + b`` chains two of them (:class:`ChainDataset`).
    chainrule loads in the main process, where :func:`~chainrule.data.get_worker_info` is
    ``None``: a dataset that splits its stream between workers yields all of it.
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__()")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} is an IterableDataset: its samples are read by iterating over "
            "it, not by index"
        )

    def __len__(self) -> int:
        raise TypeError(
            f"object of type '{type(self).__name__}' has no len(): an IterableDataset has a "
            "length only when it defines __len__"
        )

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


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


class ConcatDataset(Dataset):
    """The samples of several map-style datasets one after the other.

    ``cumulative_sizes[k]`` is the number of samples in ``datasets[0..k]``; sample ``i`` is read
    from the first dataset whose cumulative size exceeds ``i`` (negative indices count from the
    end, as in PyTorch).
    """

    datasets: list[Dataset]
    cumulative_sizes: list[int]

    @staticmethod
    def cumsum(sequence: Iterable[Any]) -> list[int]:
        out, total = [], 0
        for d in sequence:
            total += len(d)
            out.append(total)
        return out

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("ConcatDataset: datasets should not be an empty iterable")
        for i, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise AssertionError(
                    f"ConcatDataset does not support IterableDataset (datasets[{i}] is a "
                    f"{type(d).__name__}); chain iterable datasets with ChainDataset"
                )
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(
                    f"ConcatDataset: absolute value of index should not exceed dataset length "
                    f"(index {idx}, length {n})"
                )
            idx = n + idx
        k = bisect.bisect_right(self.cumulative_sizes, idx)
        if k == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {idx} is out of range for a dataset of {n} "
                             "samples")
        return self.datasets[k][idx - (self.cumulative_sizes[k - 1] if k else 0)]

    def __repr__(self) -> str:
        return f"ConcatDataset({len(self.datasets)} datasets, {len(self)} samples)"


class StackDataset(Dataset):
    """Sample ``i`` of several equally long datasets together, as a tuple or a dict.

    ``StackDataset(a, b)[i] == (a[i], b[i])``; ``StackDataset(x=a, y=b)[i] == {"x": a[i],
    "y": b[i]}``.
    """

    datasets: tuple[Dataset, ...] | dict[str, Dataset]

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError(
                "StackDataset: supported either tuple- (via args) or dict- (via kwargs) like "
                "input/output, but both types are given"
            )
        if not args and not kwargs:
            raise ValueError("StackDataset: at least one dataset should be passed")
        parts = list(args) if args else list(kwargs.values())
        lengths = [len(d) for d in parts]
        if len(set(lengths)) > 1:
            names = [str(i) for i in range(len(args))] if args else list(kwargs)
            sizes = ", ".join(f"{k}: {n}" for k, n in zip(names, lengths, strict=True))
            raise ValueError(f"StackDataset: size mismatch between datasets ({sizes})")
        self._length = lengths[0]
        self.datasets = tuple(args) if args else dict(kwargs)

    def __getitem__(self, index: int) -> tuple[Any, ...] | dict[str, Any]:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ChainDataset(IterableDataset):
    """The samples of several iterable datasets, one stream after the other (read lazily)."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def _parts(self) -> Iterator[IterableDataset]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError(
                    f"ChainDataset only supports IterableDataset, got a {type(d).__name__}"
                )
            yield d

    def __iter__(self) -> Iterator[Any]:
        for d in self._parts():
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self._parts())  # type: ignore[arg-type]


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
