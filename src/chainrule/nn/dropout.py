"""Dropout: randomly zero activations while training, a regulariser (Srivastava et al., 2014)."""

from __future__ import annotations

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
