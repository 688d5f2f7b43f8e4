"""nn.Embedding: a lookup table of trainable vectors, one row per token id; nn.EmbeddingBag: bags of them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Embedding", "EmbeddingBag"]


def _padding_row(name: str, padding_idx: int | None, num_embeddings: int) -> int | None:
    """``padding_idx`` as a row number (a negative one counts from the end), checked."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{name}: padding_idx must be within num_embeddings ({num_embeddings}), got {padding_idx}")
    return padding_idx % num_embeddings


def _table(module: Module, name: str, _weight: Any, dtype: Any, requires_grad: bool) -> None:
    """``module.weight`` [num_embeddings, embedding_dim]: a copy of ``_weight``, or ``N(0, 1)``
    with the padding row zero (``module.reset_parameters()``)."""
    shape = (module.num_embeddings, module.embedding_dim)
    if _weight is None:
        module.weight = Parameter(np.empty(shape, dtype=_dt.as_dtype(dtype)))
        module.reset_parameters()
        return
    w = _weight._data if isinstance(_weight, Tensor) else np.asarray(_weight)
    if w.shape != shape:
        raise ValueError(f"{name}: _weight of shape {w.shape} does not match [num_embeddings, embedding_dim] = "
                         f"{list(shape)}")
    module.weight = Parameter(w.copy(), requires_grad=requires_grad)


def _table_options(module: Module) -> str:
    """The options of the table that differ from their defaults, as the reprs list them."""
    s = ""
    if module.max_norm is not None:
        s += f", max_norm={module.max_norm}"
    if module.norm_type != 2:
        s += f", norm_type={module.norm_type}"
    if module.scale_grad_by_freq:
        s += ", scale_grad_by_freq=True"
    return s


def _reset_table(module: Module) -> None:
    """PyTorch's default: ``N(0, 1)``, then the padding row set to zero."""
    init.normal_(module.weight)
    if module.padding_idx is not None:
        module.weight._data[module.padding_idx] = 0


class Embedding(Module):
    """``y = weight[input]``: integer ids ``[*]`` to vectors ``[*, embedding_dim]``.

    The lookup equals ``onehot(input) @ weight``, so training moves only the rows that were read.
    ``weight`` [num_embeddings, embedding_dim] starts as ``N(0, 1)`` (PyTorch's default), with the
    ``padding_idx`` row zero and never trained; ``max_norm`` rescales the rows looked up, in place,
    to a ``norm_type``-norm of at most ``max_norm``.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Any = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        for name, v in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"Embedding: {name} must be a non-negative int, got {v!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        padding_idx = _padding_row("Embedding", padding_idx, num_embeddings)
        if sparse:
            raise NotImplementedError("Embedding: sparse gradients are not supported; use sparse=False")
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        _table(self, "Embedding", _weight, dtype, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        _reset_table(self)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> Embedding:
        """An Embedding whose weight is a copy of ``embeddings`` [num, dim] (frozen by default)."""
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            raise ValueError("Embedding.from_pretrained: embeddings must be a 2-D Tensor, got "
                             f"{getattr(embeddings, 'shape', type(embeddings).__name__)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s + _table_options(self)


class EmbeddingBag(Module):
    """Bags of embeddings, each reduced to one vector (``mode``: ``'sum'``, ``'mean'``, ``'max'``):
    the bag-of-words text classifier's first layer, computed without building the
    ``[bags, length, dim]`` lookup. ``forward(input, offsets=None, per_sample_weights=None)``:
    ``input`` ``[B, N]`` (B bags of N ids) or 1-D ids with ``offsets`` (where each bag starts).
    ``weight`` starts as ``N(0, 1)`` with the ``padding_idx`` row zero, as :class:`Embedding`."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Any = None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        padding_idx = _padding_row("EmbeddingBag", padding_idx, num_embeddings)
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"mode has to be one of sum, mean or max, got {mode!r}")
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.mode, self.sparse, self.padding_idx = mode, sparse, padding_idx
        self.include_last_offset = include_last_offset
        _table(self, "EmbeddingBag", _weight, dtype, requires_grad=True)

    def reset_parameters(self) -> None:
        _reset_table(self)

    def forward(self, input: Tensor, offsets: Tensor | None = None,  # noqa: A002
                per_sample_weights: Tensor | None = None) -> Tensor:
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, self.sparse, per_sample_weights,
                               self.include_last_offset, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag whose weight is a copy of ``embeddings`` [num, dim] (frozen by default)."""
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse, embeddings,
                  include_last_offset, padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}" + _table_options(self)
        s += f", mode='{self.mode}'"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
