"""Batching sequences of different lengths, as ``torch.nn.utils.rnn``.

``pad_sequence`` stacks ``B`` tensors of shapes ``(L_i, *)`` into one ``(T, B, *)`` tensor
(``(B, T, *)`` with ``batch_first=True``), ``T = max L_i``, filling the missing steps with
``padding_value`` after each sequence (``padding_side="right"``) or before it (``"left"``).
The result has the first sequence's dtype and is differentiable: each sequence's gradient is
its own block of the output's gradient.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...autograd import ops as _ops
from ...tensor import Tensor

__all__ = ["pad_sequence"]


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
