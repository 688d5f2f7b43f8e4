"""DataLoader: iterate over a dataset in (shuffled) batches; the lecture's three flavours of GD.

The gradient-descent update ``theta <- theta - lr * grad J(theta)`` differs only in how much data
``J`` sees per step, and here that is one argument, as in PyTorch:

* ``batch_size=len(dataset)``: the whole data set per step, (batch) gradient descent;
* ``batch_size=1``: one sample per step, stochastic gradient descent (SGD);
* ``batch_size=n``: ``n`` samples per step, mini-batch gradient descent.

``batch_size=None`` switches batching off, as in PyTorch: the loader yields one sample at a time,
uncollated (NumPy arrays become tensors, everything else is passed through).

The order of the indices comes from a sampler (``shuffle=True`` is a :class:`RandomSampler`,
otherwise a :class:`SequentialSampler`, or the ``sampler`` / ``batch_sampler`` given). For a
:class:`TensorDataset` (or a :class:`Subset` of one) without a ``collate_fn`` each batch is cut
from the contiguous arrays with one indexing operation per tensor: a slice (a view, no copy) when
reading in order, one fancy index otherwise. Any other dataset is read sample by sample and
collated with ``collate_fn`` (default :func:`default_collate`).

An :class:`IterableDataset` is read in the order its ``__iter__`` yields the samples, which are
grouped into batches as they come (the last one shorter unless ``drop_last``); it takes no
sampler and no ``shuffle``, as in PyTorch, and ``len(loader)`` exists when the dataset has a
``__len__``.

chainrule loads in the main process: ``num_workers > 0`` is accepted with a warning and loads the
same batches in the main process (worker processes would only change the speed, not the batches).

A loader with the default samplers remembers where its current pass is (the permutation and how
many batches it has handed out); ``state_dict()`` / ``load_state_dict()`` save and restore that,
so a run resumed from a checkpoint sees exactly the batches it would have seen.
"""

from __future__ import annotations

import collections.abc
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..random import Generator, rng
from ..tensor import Tensor
from .dataset import Dataset, IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]


def default_convert(data: Any) -> Any:
    """A sample as ``DataLoader(batch_size=None)`` hands it out: NumPy arrays become tensors.

    Tuples become lists and mappings and sequences are converted element by element, as PyTorch's
    ``default_convert``; anything else (tensors, numbers, strings) is returned unchanged.
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        if data.dtype.kind in "OSU":  # strings and objects stay as they are
            return data
        return Tensor._make(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data


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


def get_worker_info() -> None:
    """Information about the loader's worker process; ``None`` in the main process.

    chainrule always loads in the main process, so this is always ``None``, as PyTorch's is when
    ``num_workers=0``: an :class:`IterableDataset` that splits its stream between workers then
    yields all of it.
    """
    return None


class _InfiniteConstantSampler(Sampler):
    """The sampler of an iterable dataset: ``None`` forever (the dataset decides what comes)."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


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

    Args (PyTorch's, in PyTorch's order):
        dataset: a map-style dataset (``__len__`` and ``__getitem__``) or an
            :class:`IterableDataset`.
        batch_size: samples per batch; ``None`` turns batching off (one sample at a time).
        shuffle: draw a new permutation at the start of every pass (a :class:`RandomSampler`).
        sampler: the order of the indices (excludes ``shuffle``).
        batch_sampler: yields lists of indices, one list a batch (excludes ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last``).
        num_workers: 0; more is accepted with a warning and loads in the main process.
        collate_fn: merges a list of samples into a batch (default :func:`default_collate`).
        pin_memory, timeout, worker_init_fn, prefetch_factor, persistent_workers: accepted for
            PyTorch's signature; they concern devices and worker processes chainrule has not.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        generator: the :class:`chainrule.Generator` the default ``RandomSampler`` draws from
            (default: the global one).
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable[Any] | None = None,
        batch_sampler: Sampler | Iterable[list[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[Any], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
    ) -> None:
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
            or batch_size <= 0
        ):
            raise ValueError(
                f"DataLoader: batch_size should be a positive integer or None (no batching: one "
                f"sample at a time), got {batch_size!r}"
            )
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) \
                or num_workers < 0:
            raise ValueError(
                f"DataLoader: num_workers option should be non-negative, got {num_workers!r}; "
                "use num_workers=0 to disable multiprocessing"
            )
        if num_workers > 0:
            warnings.warn(
                f"DataLoader: num_workers={num_workers} asks for worker processes; chainrule "
                "loads every batch in the main process (the batches are the same)",
                UserWarning, stacklevel=2,
            )
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout!r}")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(
                "DataLoader: generator should be a chainrule.Generator, "
                f"got {type(generator).__name__}"
            )
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None):
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified shuffle option, but "
                    f"got shuffle={shuffle!r} (an iterable dataset yields its samples in its own "
                    "order; shuffle inside its __iter__)"
                )
            if sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified sampler option, but "
                    f"got sampler={sampler!r}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler!r}"
                )
        if sampler is not None and shuffle:
            raise ValueError(
                "DataLoader: sampler option is mutually exclusive with shuffle "
                f"(got shuffle={shuffle!r} and a {type(sampler).__name__})"
            )
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                    f"shuffle, sampler, and drop_last (got batch_size={batch_size!r}, "
                    f"shuffle={shuffle!r}, sampler={type(sampler).__name__}, "
                    f"drop_last={drop_last!r})"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "DataLoader: batch_size=None option disables auto-batching and is mutually "
                "exclusive with drop_last"
            )
        default_sampler = sampler is None and not iterable
        if iterable:
            sampler = _InfiniteConstantSampler()
        elif sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, int(batch_size), bool(drop_last))

        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = int(num_workers)
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if self.batch_size is not None or self.batch_sampler is not None
            else default_convert
        )
        self._own_collate = collate_fn is None
        # the loader's own samplers: it draws their order itself, cuts TensorDatasets by slices,
        # and can save and restore a pass
        self._default_order = default_sampler and self.batch_size is not None
        self._iterable = iterable
        self._source = _tensor_source(dataset) if self._own_collate and not iterable else None
        self._epoch = 0  # passes started
        self._order: np.ndarray | None = None  # the current pass's permutation
        self._position = 0  # batches handed out in the current pass
        self._resume = False
        self._exhausted = False  # the current pass has run to its end (iterable datasets)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    def __len__(self) -> int:
        if self._iterable:  # TypeError when the dataset has no __len__, as in PyTorch
            n = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        return len(self.sampler)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        if self._resume:  # continue the pass a checkpoint stopped in
            self._resume = False
        else:
            self._epoch += 1
            self._position = 0
            self._order = None
            self._exhausted = False
            if self._default_order and self.shuffle:
                self._order = rng(self.generator).permutation(len(self.dataset))
        if self._iterable:
            return self._streamed(self._position)
        if self._default_order:
            return self._default_batches(self._order, self._position)
        return self._sampled(self._position)

    def _fetch(self, idx: Any) -> Any:
        """One batch: the samples at ``idx`` (a slice, an index array or a list), collated."""
        if self._source is not None:
            arrays, base = self._source
            if base is not None:
                idx = base[idx]
            return [Tensor._make(a[idx]) for a in arrays]
        if isinstance(idx, slice):
            idx = range(idx.start, idx.stop)
        return self.collate_fn([self.dataset[int(i)] for i in idx])

    def _default_batches(self, order: np.ndarray | None, first: int) -> Iterator[Any]:
        n, size = len(self.dataset), self.batch_size
        assert size is not None
        for b in range(first, len(self)):
            start, stop = b * size, min(b * size + size, n)
            self._position = b + 1
            yield self._fetch(slice(start, stop) if order is None else order[start:stop])

    def _sampled(self, skip: int) -> Iterator[Any]:
        """Batches in the order of a given sampler or batch sampler (or single samples)."""
        source = self.batch_sampler if self._auto_collation else self.sampler
        for b, idx in enumerate(source):  # type: ignore[arg-type]
            if b < skip:  # resuming: the batches already handed out in this pass
                continue
            self._position = b + 1
            if self._auto_collation:
                yield self._fetch(np.asarray(idx, dtype=np.int64) if self._source is not None
                                  else idx)
            else:
                yield self.collate_fn(self.dataset[idx])

    def _streamed(self, skip: int) -> Iterator[Any]:
        """Batches (or single samples) of an iterable dataset, in the order it yields them."""
        stream = iter(self.dataset)  # type: ignore[call-overload]
        size = self.batch_size
        b = 0
        while True:
            if size is None:
                try:
                    batch = next(stream)
                except StopIteration:
                    break
            else:
                batch = [x for _, x in zip(range(size), stream, strict=False)]
                if not batch or (self.drop_last and len(batch) < size):
                    break
            b += 1
            if b <= skip:  # resuming: the batches already handed out in this pass
                continue
            self._position = b
            yield self.collate_fn(batch)
            if size is not None and len(batch) < size:
                break
        self._exhausted = True

    # ------------------------------------------------------------------ resume
    def state_dict(self) -> dict[str, Any]:
        """Where the loader is: passes started, batches handed out, permutation, generator."""
        return {
            "epoch": self._epoch,
            "position": self._position,
            "order": self._order,
            "exhausted": self._exhausted,
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
        self._exhausted = bool(state.get("exhausted", False))
        if self._iterable:
            self._resume = epoch > 0 and not self._exhausted
        else:
            self._resume = epoch > 0 and position < len(self)

    def __repr__(self) -> str:
        return (
            f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last})"
        )
