"""Helpers shared by the reliability tests: strict floating-point mode and torch comparison."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

import chainrule as cr

FLOATS = (np.float32, np.float64)
# rtol (float32 ~1e-5, float64 1e-10); atol scaled by the largest value compared
TOL = {np.dtype(np.float32): (1e-5, 1e-6), np.dtype(np.float64): (1e-10, 1e-12)}


@contextlib.contextmanager
def strict() -> Iterator[None]:
    """NumPy's overflow, division by zero and invalid results raise; every warning is an error.

    Underflow stays silent on purpose: rounding ``e^-20000`` to 0 is the exact float answer that a
    max-shifted softmax relies on, and IEEE gradual underflow is not an error. What must never
    happen is an ``inf`` from overflow, a division by zero or a NaN from ``0/0`` or ``inf - inf``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield


def numpy_of(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    if isinstance(t, cr.Tensor):
        return t.data
    return np.asarray(t)


def assert_close(got: Any, want: Any, what: str = "", rtol: float | None = None) -> None:
    """Same dtype, shape, non-finite pattern and values (within the dtype's tolerance; exact for
    integer and bool results)."""
    g, w = numpy_of(got), numpy_of(want)
    assert g.dtype == w.dtype, f"{what}: dtype {g.dtype}, torch {w.dtype}"
    assert g.shape == w.shape, f"{what}: shape {g.shape}, torch {w.shape}"
    if w.dtype.kind not in "fc":
        np.testing.assert_array_equal(g, w, err_msg=what)
        return
    default_rtol, atol = TOL[w.dtype]
    rtol = default_rtol if rtol is None else rtol
    finite = w[np.isfinite(w)]
    scale = max(1.0, float(np.abs(finite).max())) if finite.size else 1.0
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol * scale, err_msg=what)


def pair(array: np.ndarray, requires_grad: bool = True) -> tuple[cr.Tensor, torch.Tensor]:
    """The same data as a chainrule tensor and a torch tensor."""
    return (cr.tensor(array.copy(), requires_grad=requires_grad),
            torch.tensor(array.copy(), requires_grad=requires_grad))
