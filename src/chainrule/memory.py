"""Memory: an opt-in that lets freed arrays' memory be reused by the next step instead of going
back to the operating system.

A training step allocates the same arrays every time (activations, gradients) and frees them at
its end. glibc's ``malloc`` returns freed memory at the top of its heap to the operating system
as soon as more than a few hundred KiB are free there (``M_TRIM_THRESHOLD``), and serves arrays
over 128 KiB to 32 MiB with fresh ``mmap`` pages (``M_MMAP_THRESHOLD``, adapted as it goes): so
each step touches the same amount of *new* memory again, and every 4 KiB page of it costs a page
fault in the kernel. On the MNIST-1D recipe's MLP that was about 150 faults a step.

:func:`keep_freed_memory` raises both thresholds for the whole process: arrays up to 32 MiB come
from the heap, and up to 64 MiB of free memory stay in the process for reuse. This is the trade a
caching allocator makes (PyTorch's on the GPU; jemalloc and tcmalloc, which PyTorch's CPU
performance guide recommends): the process keeps freed memory resident, and the next step finds it
mapped. The price is that memory freed below a live array stays resident: after allocating and
freeing 400 MiB of arrays the process can stay 400 MiB large. So it is never done on ``import
chainrule``; a program that owns its process opts in (``chainrule train`` and ``chainrule
evaluate`` do, and so do the benchmarks)::

    from chainrule import memory

    with memory.kept_freed_memory():     # thresholds raised for the block, glibc's afterwards
        fit(model, loss_fn, optimizer, loader, epochs=150)

:func:`release_freed_memory` undoes the opt-in: it sets glibc's default thresholds again (128 KiB
each) and hands the freed memory back at once (``malloc_trim``). glibc adapts its mmap threshold
only until a program sets one, so after the undo it stays at 128 KiB instead of growing with
the sizes freed (glibc has no call that turns the adaptation back on).

``CHAINRULE_KEEP_FREED_MEMORY=0`` in the environment turns the opt-in into a no-op (for the
command line too). Elsewhere than glibc (macOS, Windows, musl) nothing changes.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ENV_VAR = "CHAINRULE_KEEP_FREED_MEMORY"
MMAP_THRESHOLD = 32 << 20  # bytes: larger allocations get their own mmap (glibc's dynamic maximum)
TRIM_THRESHOLD = 64 << 20  # bytes of free memory kept at the heap's top before it is given back
DEFAULT_MMAP_THRESHOLD = 128 << 10  # glibc's defaults, set again by release_freed_memory()
DEFAULT_TRIM_THRESHOLD = 128 << 10

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3

_applied = False


def keep_freed_memory() -> bool:
    """Raise glibc's trim and mmap thresholds for this process; True when they are set.

    Does nothing (False) off Linux/glibc or when ``CHAINRULE_KEEP_FREED_MEMORY=0``. Undo it with
    :func:`release_freed_memory`, or use :func:`kept_freed_memory` for a block.
    """
    global _applied
    if _applied:
        return True
    if os.environ.get(ENV_VAR, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    libc = _libc()
    if libc is None:
        return False
    _applied = _set_thresholds(libc, MMAP_THRESHOLD, TRIM_THRESHOLD)
    return _applied


def release_freed_memory() -> bool:
    """Undo :func:`keep_freed_memory`: glibc's default thresholds (128 KiB each) again, and the
    free memory the process kept handed back to the operating system now. True when undone;
    False when there was nothing to undo (the opt-in was not in force)."""
    global _applied
    libc = _libc()
    if not _applied or libc is None:
        return False
    _set_thresholds(libc, DEFAULT_MMAP_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
    libc.malloc_trim(0)
    _applied = False
    return True


@contextmanager
def kept_freed_memory() -> Iterator[bool]:
    """Keep freed memory for reuse within the block (yields whether the thresholds are raised);
    afterwards glibc's defaults are back, unless the opt-in was already in force before it."""
    before = _applied
    applied = keep_freed_memory()
    try:
        yield applied
    finally:
        if applied and not before:
            release_freed_memory()


def is_applied() -> bool:
    """Is the opt-in of :func:`keep_freed_memory` in force in this process?"""
    return _applied


def _set_thresholds(libc: Any, mmap_threshold: int, trim_threshold: int) -> bool:
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) & bool(libc.mallopt(_M_TRIM_THRESHOLD, trim_threshold))


def _libc() -> Any:
    """glibc's C library with ``mallopt`` and ``malloc_trim`` typed, or None elsewhere."""
    if not sys.platform.startswith("linux") or not _glibc():
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        libc.mallopt.restype = ctypes.c_int
        libc.malloc_trim.argtypes = (ctypes.c_size_t,)
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def _glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (ValueError, OSError, AttributeError):
        return False
