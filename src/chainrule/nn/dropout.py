"""Dropout: randomly zero activations while training, a regulariser (Srivastava et al., 2014)."""

from __future__ import annotations

import warnings

import numpy as np

from ..autograd import ops as _ops
from ..errors import ShapeError
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
        F.check_dropout_p(p, type(self).__name__)
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


def _channel_dropout(input: Tensor, p: float, training: bool, spatial: int, op: str,  # noqa: A002
                     generator: Generator | None) -> Tensor:
    """Zero whole channels: the mask has one draw per ``[n, c]`` (per ``c`` unbatched) and is
    broadcast over the ``spatial`` dims; the survivors are scaled by ``1 / (1 - p)``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(input).__name__}")
    p = F.check_dropout_p(p, op)
    x = input._data
    if x.ndim not in (spatial + 1, spatial + 2):
        raise ShapeError(
            f"{op}: Expected {spatial + 1}D or {spatial + 2}D input, but received a {x.ndim}D input. Note "
            f"that {op} exists to provide channel-wise dropout on inputs with {spatial} spatial "
            f"dimension{'s' if spatial > 1 else ''}, a channel dimension, and an optional batch dimension "
            f"(i.e. {spatial + 1}D or {spatial + 2}D inputs).")
    if not training or p == 0:
        return input
    if p == 1:
        return _ops.mul(input, np.zeros_like(x))
    channels = x.shape[:x.ndim - spatial]  # [N, C], or [C] unbatched
    keep = rng(generator).random(channels, dtype=np.float32) >= p
    mask = (keep.astype(x.dtype) * (1 / (1 - p))).reshape(channels + (1,) * spatial)
    return _ops.mul(input, mask)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,  # noqa: A002
              generator: Generator | None = None) -> Tensor:
    """Channel dropout for sequences ``[N, C, L]`` (or ``[C, L]``): each channel zeroed whole."""
    return _channel_dropout(input, p, training, 1, "dropout1d", generator)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,  # noqa: A002
              generator: Generator | None = None) -> Tensor:
    """Channel dropout for volumes ``[N, C, D, H, W]`` (or ``[C, D, H, W]``): each channel zeroed whole."""
    return _channel_dropout(input, p, training, 3, "dropout3d", generator)


class Dropout1d(Dropout):
    """Channel dropout for ``[N, C, L]`` (or ``[C, L]``): in ``train()`` mode each channel is zeroed
    whole with probability ``p`` and the survivors scaled by ``1 / (1 - p)``."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout1d(input, self.p, self.training)


class Dropout3d(Dropout):
    """Channel dropout for ``[N, C, D, H, W]`` (or ``[C, D, H, W]``), as :class:`Dropout1d`."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout3d(input, self.p, self.training)


class AlphaDropout(Dropout):
    """Alpha dropout for SELU networks: dropped units take SELU's saturation value and the
    output is rescaled to keep mean 0 and variance 1 (see :func:`F.alpha_dropout`)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels (see :func:`F.feature_alpha_dropout`)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.feature_alpha_dropout(input, self.p, self.training)
