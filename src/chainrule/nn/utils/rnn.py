"""Batching sequences of different lengths, as ``torch.nn.utils.rnn``.

``pad_sequence`` stacks ``B`` tensors of shapes ``(L_i, *)`` into one ``(T, B, *)`` tensor
(``(B, T, *)`` with ``batch_first=True``), ``T = max L_i``, filling the missing steps with
``padding_value`` after each sequence (``padding_side="right"``) or before it (``"left"``).
The result has the first sequence's dtype and is differentiable: each sequence's gradient is
its own block of the output's gradient.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ... import dtypes as _dt
from ...autograd import ops as _ops
from ...tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence", "pad_sequence", "unpack_sequence", "unpad_sequence"]


def pad_sequence(sequences: Tensor | Iterable[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Pad the sequences to the longest one's length and stack them: ``(T, B, *)``, or
    ``(B, T, *)`` when ``batch_first``; a tensor is taken as the sequences along its dim 0."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError(
            "pad_sequence: Expected iterable for input sequences, but got arg of type: "
            f"{type(sequences)}"
        )
    seqs = list(sequences)
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if not seqs:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    for i, s in enumerate(seqs):
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence: expected a sequence of Tensors, but item {i} is {type(s).__name__}")
        if s.dim() == 0:
            raise RuntimeError(f"pad_sequence: sequence {i} is a 0-d tensor; each sequence needs a length dim")
    first = seqs[0]
    trailing = tuple(first.shape[1:])
    for i, s in enumerate(seqs):
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(
                f"pad_sequence: all sequences must have the same trailing dims; sequence 0 has shape "
                f"{tuple(first.shape)} but sequence {i} has shape {tuple(s.shape)}"
            )
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        if s.dtype != first.dtype:
            s = s.to(first.dtype)
        missing = longest - s.shape[0]
        if missing:
            before, after = (missing, 0) if padding_side == "left" else (0, missing)
            s = _ops.pad(s, [0, 0] * len(trailing) + [before, after], value=padding_value)
        padded.append(s)
    return _ops.stack(padded, dim=0 if batch_first else 1)


# --------------------------------------------------------------------------- packed sequences
class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """A batch of sequences of different lengths, stored step by step without padding.

    The sequences are sorted by length, longest first; ``data`` ``[N, *]`` holds step 0 of every
    sequence, then step 1 of every sequence that has one, and so on; ``batch_sizes`` ``[T]`` says
    how many sequences each step has (non-increasing, ``N = sum batch_sizes``).
    ``sorted_indices`` maps the sorted order to the caller's batch order (None: it was sorted
    already) and ``unsorted_indices`` is its inverse. Made by :func:`pack_padded_sequence` or
    :func:`pack_sequence`; every recurrent layer takes one and returns one.
    """

    __slots__ = ()

    def __new__(cls, data: Tensor, batch_sizes: Tensor | None = None,
                sorted_indices: Tensor | None = None, unsorted_indices: Tensor | None = None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes), ...)
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise TypeError("PackedSequence: expected data and batch_sizes, or a pair (data, "
                                "batch_sizes) as the first argument")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The same sequences with ``data.to(*args, **kwargs)`` (the indices stay int64)."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def cpu(self) -> PackedSequence:
        return self

    def double(self) -> PackedSequence:
        return self.to(dtype=_dt.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=_dt.float32)

    def long(self) -> PackedSequence:
        return self.to(dtype=_dt.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=_dt.int32)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation ``p``: ``inv[p[i]] = i`` (None stays None)."""
    if permutation is None:
        return None
    p = np.asarray(permutation._data)
    inverse = np.empty_like(p)
    inverse[p] = np.arange(p.size, dtype=p.dtype)
    return Tensor._make(inverse)


def _lengths_array(lengths: Any) -> np.ndarray:
    data = lengths._data if isinstance(lengths, Tensor) else np.asarray(lengths)
    if data.ndim != 1 or (data.size and data.dtype.kind not in "iu"):
        raise ValueError(f"pack_padded_sequence: lengths must be a 1-D list or tensor of integers, "
                         f"got {data.dtype} of shape {tuple(data.shape)}")
    return data.astype(np.int64)


def step_indices(batch_sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (step, sequence) position of every row of a packed ``data``: rows are step 0 of the
    first ``batch_sizes[0]`` sequences, then step 1 of the first ``batch_sizes[1]``, ..."""
    steps = np.repeat(np.arange(batch_sizes.size), batch_sizes)  # [N]
    starts = np.cumsum(batch_sizes) - batch_sizes  # the first row of each step
    return steps, np.arange(steps.size) - starts[steps]


def lengths_of(batch_sizes: np.ndarray) -> np.ndarray:
    """Each sorted sequence's length: how many steps have it (``batch_sizes[t] > b``)."""
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    return (batch_sizes[:, None] > np.arange(batch)).sum(axis=0).astype(np.int64)


def pad_packed_steps(data: Tensor, batch_sizes: np.ndarray, padding_value: float = 0.0,
                     total_length: int | None = None) -> Tensor:
    """Packed ``data`` ``[N, *]`` -> the padded, time-major ``[T, B, *]`` in the sorted order:
    a gather from ``data`` with one row of ``padding_value`` appended (so it is differentiable)."""
    T = batch_sizes.size if total_length is None else total_length
    B = int(batch_sizes[0]) if batch_sizes.size else 0
    steps, seqs = step_indices(batch_sizes)
    where = np.full((T, B), steps.size, dtype=np.int64)  # [T, B] -> row of data (N: padding)
    where[steps, seqs] = np.arange(steps.size)
    pad = Tensor._make(np.full((1, *data.shape[1:]), padding_value, dtype=data._data.dtype))
    return _ops.cat([data, pad], dim=0)[where]


def pack_padded_steps(padded: Tensor, lengths: np.ndarray) -> tuple[Tensor, np.ndarray]:
    """Time-major ``[T, B, *]`` sorted by length -> (``data`` ``[N, *]``, ``batch_sizes`` ``[T']``),
    ``T' = max length``: the rows ``padded[t, b]`` with ``t < lengths[b]``, step by step."""
    batch_sizes = (lengths[None, :] > np.arange(int(lengths.max(initial=0)))[:, None]).sum(axis=1)
    steps, seqs = step_indices(batch_sizes)
    return padded[steps, seqs], batch_sizes.astype(np.int64)


def pack_padded_sequence(input: Tensor, lengths: Tensor | Sequence[int],  # noqa: A002
                         batch_first: bool = False, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``[T, B, *]`` (``[B, T, *]`` with ``batch_first``) whose sequence ``b``
    has ``lengths[b]`` steps. With ``enforce_sorted`` the lengths must be non-increasing;
    otherwise the batch is sorted first and ``sorted_indices`` records how."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence: expected a Tensor input, got {type(input).__name__}")
    if input.dim() < 2:
        raise ValueError(f"pack_padded_sequence: input must have at least 2 dims ([T, B, *] or "
                         f"[B, T, *]), got shape {tuple(input.shape)}")
    n = _lengths_array(lengths)
    x = input.transpose(0, 1) if batch_first else input  # [T, B, *]
    if n.size != x.shape[1]:
        raise ValueError(f"pack_padded_sequence: Expected `len(lengths)` to be equal to batch_size, "
                         f"but got {n.size} (batch_size={x.shape[1]})")
    if n.size and n.min() <= 0:
        raise RuntimeError("pack_padded_sequence: Length of all samples has to be greater than 0, "
                           f"but found an element in 'lengths' that is <= 0 (lengths {n.tolist()})")
    if n.size and n.max() > x.shape[0]:
        raise RuntimeError(f"pack_padded_sequence: a length of {int(n.max())} exceeds the input's "
                           f"{x.shape[0]} steps (input shape {tuple(input.shape)})")
    sorted_indices = None
    if enforce_sorted:
        if np.any(n[1:] > n[:-1]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True "
                f"(got {n.tolist()}). You can pass `enforce_sorted=False` to pack_padded_sequence "
                "and/or pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
    else:
        order = np.argsort(-n, kind="stable")  # longest first, ties in the given order
        n = n[order]
        sorted_indices = Tensor._make(order.astype(np.int64))
        x = x[:, order]
    data, batch_sizes = pack_padded_steps(x, n)
    return PackedSequence(data, Tensor._make(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """The inverse of :func:`pack_padded_sequence`: ``(padded, lengths)``, in the caller's batch
    order, padded to the longest sequence (or to ``total_length`` steps)."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}")
    batch_sizes = np.asarray(sequence.batch_sizes._data, dtype=np.int64)
    if total_length is not None and total_length < batch_sizes.size:
        raise ValueError(
            "Expected total_length to be at least the length of the longest sequence in input, "
            f"but got total_length={total_length} and max sequence length being {batch_sizes.size}")
    padded = pad_packed_steps(sequence.data, batch_sizes, padding_value, total_length)  # [T, B, *]
    lengths = lengths_of(batch_sizes)
    if sequence.unsorted_indices is not None:
        back = np.asarray(sequence.unsorted_indices._data)
        padded, lengths = padded[:, back], lengths[back]
    return (padded.transpose(0, 1) if batch_first else padded), Tensor._make(lengths)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of ``[L_i, *]`` tensors: :func:`pad_sequence` then :func:`pack_padded_sequence`."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor | Sequence[int],
                   batch_first: bool = False) -> list[Tensor]:
    """The list of ``[L_i, *]`` sequences inside a padded batch: the inverse of :func:`pad_sequence`."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)  # [B, T, *]
    return [x[b, :int(n)] for b, n in enumerate(_lengths_array(lengths))]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of ``[L_i, *]`` sequences inside a packed batch, in the caller's order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
