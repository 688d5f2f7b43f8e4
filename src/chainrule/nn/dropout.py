"""Dropout: randomly zero activations while training, a regulariser (Srivastava et al., 2014)."""

from __future__ import annotations

import warnings

import numpy as np

from ..autograd import ops as _ops
from ..random import Generator, rng
from ..tensor import Tensor
from . import functional as F
from .module import Module


class Dropout(Module):
    """Inverted dropout: in ``train()`` mode each element is zeroed with probability ``p`` and the
    survivors are scaled by ``1 / (1 - p)``, so ``E[output] = input``; in ``eval()`` mode the layer
    is the identity. The mask is drawn from the seeded generator."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        F.check_dropout_p(p, "Dropout")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,  # noqa: A002
              generator: Generator | None = None) -> Tensor:
    """Channel dropout: zero each whole channel ``[n, c, :, :]`` with probability ``p`` and scale
    the rest by ``1 / (1 - p)`` (neighbouring pixels are correlated, so dropping single pixels of
    a feature map regularises little). ``[N, C, H, W]`` or ``[C, H, W]``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout2d(): argument 'input' must be a Tensor, not {type(input).__name__}")
    p = F.check_dropout_p(p, "dropout2d")
    x = input._data
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected input [N, C, H, W] or [C, H, W], got shape {tuple(x.shape)}")
    if x.ndim == 3:  # PyTorch reads a 3-d input as [N, C, L] (channel-wise 1-d dropout) and says so
        warnings.warn("dropout2d: received a 3D input and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L)", UserWarning,
                      stacklevel=2)
    if not training or p == 0:
        return input
    if p == 1:
        return _ops.mul(input, np.zeros_like(x))
    keep = rng(generator).random(x.shape[:2], dtype=np.float32) >= p  # one draw a channel  [N, C]
    mask = (keep.astype(x.dtype) * (1 / (1 - p))).reshape(x.shape[:2] + (1,) * (x.ndim - 2))
    return _ops.mul(input, mask)


class Dropout2d(Module):
    """Channel dropout for feature maps ``[N, C, H, W]``: in ``train()`` mode each channel is
    zeroed with probability ``p`` (all its pixels at once) and the survivors scaled by
    ``1 / (1 - p)``; the identity in ``eval()`` mode."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        F.check_dropout_p(p, "Dropout2d")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout2d(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
