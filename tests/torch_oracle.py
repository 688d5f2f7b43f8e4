"""PyTorch as the oracle: the one place where chainrule's numbers are compared with torch's.

``assert_close(got, want)`` compares one result with torch's (dtype, shape, values within the
tolerance table below; integers and bools exactly). ``check(fn, *arrays)`` calls
``fn(lib, *tensors)`` once with ``lib = chainrule`` and once with ``lib = torch`` on the same
data, compares the outputs, then backpropagates the same random upstream gradient through both
and compares every input's ``.grad``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule

FLOATS = [np.float32, np.float64]
F32, F64 = np.dtype(np.float32), np.dtype(np.float64)

# The tolerance table: name -> dtype -> (rtol, atol). atol is relative to the magnitude compared
# (the largest finite |expected|, at least 1), so values near zero are judged on the array's scale.
TOLERANCES: dict[str, dict[np.dtype, tuple[float, float]]] = {
    # ops, layers, losses, optimiser steps: the two libraries sum and fuse in different orders
    "default": {F32: (1e-4, 1e-6), F64: (1e-10, 1e-12)},
    # one float32 binary op (arithmetic of any operand dtypes, matmul, in place, a float function
    # of integers): pow and division chain a few roundings
    "binary": {F32: (2e-5, 1e-6), F64: (1e-10, 1e-12)},
    # a few roundings at most: selections (where), metric sums, and numerically stable formulas at
    # extreme inputs (softmax of 1e4 logits, ...), where a lost float32 digit is the bug looked for
    "tight": {F32: (1e-5, 1e-6), F64: (1e-10, 1e-12)},
}
TOL = TOLERANCES["default"]


def tolerance(dtype: Any, tol: str = "default") -> tuple[float, float]:
    """(rtol, atol) of ``dtype`` in the table's entry ``tol``."""
    return TOLERANCES[tol][np.dtype(dtype)]


def to_numpy(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    if isinstance(t, chainrule.Tensor):
        return t._data
    return np.asarray(t)


def assert_close(got: Any, want: Any, dtype: Any = None, what: str = "", *, tol: str = "default",
                 scale: float | None = None) -> None:
    """Equal dtypes and shapes, and equal values: exactly for integers and bools, within the
    tolerance ``tol`` of ``dtype`` (default: want's dtype) for floats. ``scale`` fixes the
    magnitude that atol is relative to (default: the largest finite |want|, at least 1)."""
    g, w = to_numpy(got), to_numpy(want)
    assert g.dtype == w.dtype, f"{what}: dtype {g.dtype} != torch's {w.dtype}"
    assert g.shape == w.shape, f"{what}: shape {g.shape} != torch's {w.shape}"
    if w.dtype.kind not in "fc":
        np.testing.assert_array_equal(g, w, err_msg=what)
        return
    rtol, atol = tolerance(dtype or w.dtype, tol)
    if scale is None:
        finite = w[np.isfinite(w)]
        scale = max(1.0, float(np.abs(finite).max())) if finite.size else 1.0
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol * scale, err_msg=what)


def pair(array: np.ndarray, requires_grad: bool = True) -> tuple[chainrule.Tensor, torch.Tensor]:
    """The same data as a chainrule leaf and a torch leaf (floats require grad if asked)."""
    array = np.array(array)
    rg = requires_grad and array.dtype.kind == "f"
    return (chainrule.tensor(array.copy(), requires_grad=rg),
            torch.tensor(array.copy(), requires_grad=rg))


def _outputs(out: Any) -> list[Any]:
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _outputs(x)]
    return [out]


def check(
    fn: Callable[..., Any],
    *arrays: np.ndarray,
    grad: Sequence[bool] | bool = True,
    seed: int = 0,
    dtype: Any = None,
    tol: str = "default",
) -> None:
    """Compare ``fn(lib, *tensors)`` between chainrule and torch: forward, dtype and gradients.

    ``grad`` says which inputs require grad (all floating inputs by default). The upstream
    gradient is random, the same for both libraries, so every term of the backward is exercised.
    """
    if isinstance(grad, bool):
        grad = [grad and a.dtype.kind == "f" for a in arrays]
    c_in = [chainrule.tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, grad, strict=True)]
    t_in = [torch.tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, grad, strict=True)]
    c_out, t_out = _outputs(fn(chainrule, *c_in)), _outputs(fn(torch, *t_in))
    assert len(c_out) == len(t_out)
    for k, (co, to) in enumerate(zip(c_out, t_out, strict=True)):
        assert isinstance(co, chainrule.Tensor), f"output {k} is a {type(co).__name__}"
        assert_close(co, to, dtype, what=f"forward output {k}", tol=tol)
        assert co.requires_grad == to.requires_grad, f"output {k}: requires_grad differs"
    if not any(grad):
        return
    rng = np.random.default_rng(seed)
    c_loss = t_loss = None
    for co, to in zip(c_out, t_out, strict=True):
        if not to.requires_grad:
            continue
        w = rng.standard_normal(to.shape).astype(to.detach().numpy().dtype)
        c_term = (co * chainrule.tensor(w)).sum()
        t_term = (to * torch.tensor(w)).sum()
        c_loss = c_term if c_loss is None else c_loss + c_term
        t_loss = t_term if t_loss is None else t_loss + t_term
    if t_loss is None:
        return
    c_loss.backward()
    t_loss.backward()
    for i, (ci, ti) in enumerate(zip(c_in, t_in, strict=True)):
        if not grad[i]:
            continue
        if ti.grad is None:
            assert ci.grad is None or not np.any(ci.grad._data), f"input {i}: torch has no grad"
            continue
        assert ci.grad is not None, f"input {i}: chainrule computed no gradient"
        assert_close(ci.grad, ti.grad, dtype, what=f"gradient of input {i}", tol=tol)


def randn(shape: Sequence[int], dtype: Any = np.float64, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    """Standard normal values (times ``scale``) of ``dtype``, from their own seeded generator."""
    return (np.random.default_rng(seed).standard_normal(tuple(shape)) * scale).astype(dtype)


# ------------------------------------------------------------------------- hypothesis strategies
def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 4):
    """Tuples of shapes that broadcast together (NumPy's and PyTorch's rules agree)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=min_dims,
                                             max_dims=max_dims, min_side=1, max_side=4).map(
        lambda r: r.input_shapes)


seeds = st.integers(0, 2**32 - 1)
float_dtypes = st.sampled_from(FLOATS)
