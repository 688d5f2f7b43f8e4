"""Compiled kernels: an elementwise loop, written in plain Python, compiled to machine code by numba.

A NumPy expression such as Adam's update makes one pass over memory per operation (a dozen
passes for one step), and each pass is a separate call. A *kernel* is the same arithmetic written
as one loop over the elements; numba compiles it (once per dtype, cached on disk) into a single
pass that keeps every intermediate in a register.

A kernel is used only by a fast path of this backend, and a fast path always has its twin, the
reference it is registered over (:mod:`chainrule.backend.registry`). The fast path decides once,
at its top, whether its kernels can run (numba installed, the arrays :func:`fits`), and hands the
call to its twin when they cannot::

    relu_kernel = kernel(_relu_loop)        # at import: nothing is compiled yet

    @override(ReLU, "forward")
    def forward(ctx, x):
        if not available() or not fits(x):
            return twin(ctx, x)
        y = np.empty_like(x)
        relu_kernel(x, y)                   # compiled on the first call
        ...

numba is imported on the first call of :func:`available` or of a kernel, not with chainrule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

_numba: Any = None  # the numba module once imported; False when it cannot be


def _import_numba() -> Any:
    global _numba
    if _numba is None:
        try:
            import numba
        except ImportError:
            _numba = False
        else:
            _numba = numba
    return _numba


def available() -> bool:
    """Is numba installed (so that kernels can be compiled)?"""
    return bool(_numba if _numba is not None else _import_numba())


class Kernel:
    """A loop over arrays, compiled on first use (see the module's docstring)."""

    def __init__(self, loop: Callable[..., None]) -> None:
        self.loop = loop
        self._compiled: Callable[..., None] | None = None

    def compiled(self) -> Callable[..., None] | None:
        """The compiled loop, or None when numba is missing."""
        fn = self._compiled
        if fn is not None:  # the hot path: one attribute
            return fn
        numba = _import_numba()
        if not numba:
            return None
        # compiled lazily, per argument types, on the first call; cached on disk.
        # error_model="numpy": x / 0 gives inf like NumPy, with no check per element (the
        # check would keep the loop from being vectorised)
        self._compiled = numba.njit(cache=True, nogil=True, error_model="numpy")(self.loop)
        return self._compiled

    def __call__(self, *args: Any) -> Any:
        """Run the compiled loop (the caller has checked :func:`available`)."""
        fn = self._compiled
        if fn is None:
            fn = self.compiled()
            if fn is None:
                raise RuntimeError(f"{self!r}: numba is not installed; the fast path must call its twin")
        return fn(*args)

    def __repr__(self) -> str:
        return f"Kernel({self.loop.__name__})"


_ndarray = np.ndarray
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))  # the dtypes kernels are compiled for


def fits(*arrays: np.ndarray) -> bool:
    """Do the arrays suit a kernel: all ndarrays of at least one dimension, C-contiguous, and of
    one dtype, float32 or float64?"""
    dtype = arrays[0].dtype
    if dtype not in FLOAT_DTYPES:
        return False
    for a in arrays:
        if type(a) is not _ndarray or a.dtype != dtype or not a.ndim or not a.flags.c_contiguous:
            return False
    return True


def kernel(loop: Callable[..., None]) -> Kernel:
    """Declare ``loop`` (plain Python over NumPy arrays) a kernel, compiled by numba on first use."""
    return Kernel(loop)
