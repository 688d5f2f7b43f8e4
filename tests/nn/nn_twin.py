"""Helpers for comparing chainrule with its PyTorch twin: same data in, same numbers out."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import chainrule as cr

DTYPES = [np.float32, np.float64]
TOLS = {
    np.dtype(np.float32): {"rtol": 1e-4, "atol": 1e-6},
    np.dtype(np.float64): {"rtol": 1e-10, "atol": 1e-12},
}


def tol(dtype: Any) -> dict[str, float]:
    return TOLS[np.dtype(dtype)]


def as_np(x: Any) -> np.ndarray:
    if isinstance(x, cr.Tensor):
        return x.data
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def assert_close(ours: Any, theirs: Any, dtype: Any = None, scale: float = 1.0) -> None:
    """Elementwise equality within the dtype's tolerance; ``scale`` widens atol for sums."""
    a, b = as_np(ours), as_np(theirs)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    if dtype is None:
        dtype = b.dtype if b.dtype.kind == "f" else np.float64
    t = tol(dtype)
    np.testing.assert_allclose(a, b, rtol=t["rtol"], atol=t["atol"] * scale)


def pair(arr: np.ndarray, requires_grad: bool = True) -> tuple[cr.Tensor, torch.Tensor]:
    """The same array as a chainrule leaf and a torch leaf."""
    arr = np.array(arr)
    rg = requires_grad and arr.dtype.kind == "f"
    return cr.tensor(arr.copy(), requires_grad=rg), torch.tensor(arr.copy(), requires_grad=rg)


def torch_to_ours(ours: cr.nn.Module, theirs: torch.nn.Module) -> None:
    """Copy the twin's weights through NumPy (a torch state_dict converted with .numpy())."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def ours_to_torch(ours: cr.nn.Module, theirs: torch.nn.Module) -> None:
    """Copy our weights into the twin through NumPy."""
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})


def assert_same_grads(ours: cr.nn.Module, theirs: torch.nn.Module, dtype: Any, scale: float = 1.0) -> None:
    ours_p = dict(ours.named_parameters())
    theirs_p = dict(theirs.named_parameters())
    assert ours_p.keys() == theirs_p.keys()
    for name, p in ours_p.items():
        q = theirs_p[name]
        assert (p.grad is None) == (q.grad is None), name
        if p.grad is not None:
            assert_close(p.grad, q.grad, dtype, scale)


def rand(shape: tuple[int, ...], dtype: Any, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)
