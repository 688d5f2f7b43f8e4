"""DataLoader: iterate over a dataset in (shuffled) batches; the lecture's three flavours of GD.

The gradient-descent update ``theta <- theta - lr * grad J(theta)`` differs only in how much data
``J`` sees per step, and here that is one argument:

* ``batch_size=None``: the whole data set per step, (batch) gradient descent;
* ``batch_size=1``: one sample per step, stochastic gradient descent (SGD);
* ``batch_size=n``: ``n`` samples per step, mini-batch gradient descent.

(PyTorch uses ``batch_size=None`` to switch batching off; chainrule gives it the meaning above.)

For a :class:`TensorDataset` (or a :class:`Subset` of one) each batch is cut from the contiguous
arrays with one indexing operation per tensor: a slice (a view, no copy) when not shuffling, one
fancy index when shuffling. Any other dataset is read sample by sample and collated.

A loader remembers where its current pass is (the permutation and how many batches it has handed
out); ``state_dict()`` / ``load_state_dict()`` save and restore that, so a run resumed from a
checkpoint sees exactly the batches it would have seen.
"""

from __future__ import annotations

import collections.abc
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..random import Generator, rng
from ..tensor import Tensor
from .dataset import Dataset, Subset, TensorDataset


def default_collate(batch: list[Any]) -> Any:
    """Stack a list of samples into a batch, field by field, as PyTorch's ``default_collate``."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return Tensor._make(_stack([b._data for b in batch]))
    if isinstance(elem, (np.ndarray, np.generic)):
        return Tensor._make(_stack([np.asarray(b) for b in batch]))
    if isinstance(elem, bool):
        return Tensor._make(np.array(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return Tensor._make(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch, strict=True)))
    if isinstance(elem, collections.abc.Sequence):
        sizes = {len(b) for b in batch}
        if len(sizes) != 1:
            raise RuntimeError(
                f"default_collate: each sample in a batch must have the same number of fields, "
                f"got sizes {sorted(sizes)}"
            )
        return [default_collate(list(s)) for s in zip(*batch, strict=True)]
    raise TypeError(
        f"default_collate: samples must be tensors, arrays, numbers, strings, dicts or "
        f"sequences; got {type(elem).__name__}"
    )


def _stack(arrays: list[np.ndarray]) -> np.ndarray:
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ShapeError(
            f"default_collate: the samples of a batch must have equal shapes to be stacked, got "
            f"shapes {', '.join(map(str, sorted(shapes)))}; pad them, or pass a collate_fn"
        )
    return np.stack(arrays)


def _tensor_source(dataset: Dataset) -> tuple[list[np.ndarray], np.ndarray | None] | None:
    """The arrays behind a TensorDataset (or nested Subsets of one) and the composed indices."""
    indices = None
    while isinstance(dataset, Subset):
        indices = dataset.indices if indices is None else dataset.indices[indices]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:  # a subclass may override __getitem__
        return None
    return [t._data for t in dataset.tensors], indices


class DataLoader:
    """Batches of ``dataset``: ``for xb, yb in DataLoader(TensorDataset(X, y), batch_size=32)``.

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``).
        batch_size: samples per batch; ``None`` for the whole data set in one batch.
        shuffle: draw a new permutation at the start of every pass.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        generator: the :class:`chainrule.Generator` to shuffle with (default: the global one).
        collate_fn: how to merge a list of samples into a batch (generic datasets only).
        num_workers: accepted for PyTorch compatibility; chainrule loads in the main process.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: Generator | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        num_workers: int = 0,
    ) -> None:
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
            or batch_size <= 0
        ):
            raise ValueError(
                f"DataLoader: batch_size should be a positive integer or None (the whole data set "
                f"per step), got {batch_size!r}"
            )
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(
                f"DataLoader: num_workers should be a non-negative integer, got {num_workers!r}"
            )
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(
                "DataLoader: generator should be a chainrule.Generator, "
                f"got {type(generator).__name__}"
            )
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        self._source = None if collate_fn is not None else _tensor_source(dataset)
        self._epoch = 0  # passes started
        self._order: np.ndarray | None = None  # the current pass's permutation
        self._position = 0  # batches handed out in the current pass
        self._resume = False

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return 1 if n else 0
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        if self._resume:  # continue the pass a checkpoint stopped in
            self._resume = False
        else:
            self._epoch += 1
            n = len(self.dataset)
            self._order = rng(self.generator).permutation(n) if self.shuffle else None
            self._position = 0
        return self._batches(self._order, self._position)

    def _batches(self, order: np.ndarray | None, first: int) -> Iterator[Any]:
        n = len(self.dataset)
        size = n if self.batch_size is None else self.batch_size
        source = self._source
        for b in range(first, len(self)):
            start, stop = b * size, min(b * size + size, n)
            self._position = b + 1
            if source is not None:
                arrays, base = source
                if order is None and base is None:
                    yield [Tensor._make(a[start:stop]) for a in arrays]
                    continue
                idx = order[start:stop] if order is not None else slice(start, stop)
                if base is not None:
                    idx = base[idx]
                yield [Tensor._make(a[idx]) for a in arrays]
            else:
                idx = order[start:stop] if order is not None else range(start, stop)
                collate = self.collate_fn or default_collate
                yield collate([self.dataset[int(i)] for i in idx])

    # ------------------------------------------------------------------ resume
    def state_dict(self) -> dict[str, Any]:
        """Where the loader is: passes started, batches handed out, permutation, generator."""
        return {
            "epoch": self._epoch,
            "position": self._position,
            "order": self._order,
            "generator": None if self.generator is None else self.generator.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`: the next ``iter()`` continues the saved pass."""
        try:
            epoch, position, order = int(state["epoch"]), int(state["position"]), state["order"]
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(
                f"DataLoader.load_state_dict: not a DataLoader state ({e!r})"
            ) from None
        if order is not None:
            order = np.asarray(order, dtype=np.int64)
            if order.shape != (len(self.dataset),):
                raise ValueError(
                    f"DataLoader.load_state_dict: the saved permutation covers {order.size} "
                    f"samples but the dataset has {len(self.dataset)}"
                )
        if state.get("generator") is not None:
            if self.generator is None:
                raise ValueError(
                    "DataLoader.load_state_dict: the state was saved from a loader with its own "
                    "generator; pass generator=chainrule.Generator() to this loader"
                )
            self.generator.set_state(state["generator"])
        self._epoch, self._position, self._order = epoch, position, order
        self._resume = epoch > 0 and position < len(self)

    def __repr__(self) -> str:
        return (
            f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last})"
        )
