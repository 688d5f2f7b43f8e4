"""Layers and their PyTorch twins: the same weights in, the same outputs and gradients out.

The comparison itself (``assert_close``, the tolerance table) lives in ``torch_oracle``.
"""

from __future__ import annotations

from typing import Any

import torch

import chainrule as cr
from torch_oracle import FLOATS, assert_close, pair
from torch_oracle import randn as rand

DTYPES = FLOATS
__all__ = ["DTYPES", "assert_close", "assert_same_grads", "ours_to_torch", "pair", "rand",
           "torch_to_ours"]


def torch_to_ours(ours: cr.nn.Module, theirs: torch.nn.Module) -> None:
    """Copy the twin's weights through NumPy (a torch state_dict converted with .numpy())."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def ours_to_torch(ours: cr.nn.Module, theirs: torch.nn.Module) -> None:
    """Copy our weights into the twin through NumPy."""
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})


def assert_same_grads(ours: cr.nn.Module, theirs: torch.nn.Module, dtype: Any,
                      scale: float | None = None) -> None:
    """Every parameter has a gradient in both or in neither, and they agree (see assert_close)."""
    ours_p = dict(ours.named_parameters())
    theirs_p = dict(theirs.named_parameters())
    assert ours_p.keys() == theirs_p.keys()
    for name, p in ours_p.items():
        q = theirs_p[name]
        assert (p.grad is None) == (q.grad is None), name
        if p.grad is not None:
            assert_close(p.grad, q.grad, dtype, what=f"gradient of {name}", scale=scale)
