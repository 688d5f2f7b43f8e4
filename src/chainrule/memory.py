"""Memory: let freed arrays' memory be reused by the next step instead of going back to the OS.

A training step allocates the same arrays every time (activations, gradients) and frees them at
its end. glibc's ``malloc`` returns freed memory at the top of its heap to the operating system
as soon as more than a few hundred KiB are free there (``M_TRIM_THRESHOLD``), and serves arrays
over 128 KiB to 32 MiB with fresh ``mmap`` pages (``M_MMAP_THRESHOLD``, adapted as it goes): so
each step touches the same amount of *new* memory again, and every 4 KiB page of it costs a page
fault in the kernel. On the MNIST-1D recipe's MLP that was about 150 faults a step.

:func:`keep_freed_memory` (run when chainrule is imported) raises both thresholds: arrays up to
32 MiB come from the heap, and up to 64 MiB of free memory stay in the process for reuse. This
is the same trade a caching allocator makes (PyTorch's on the GPU; jemalloc and tcmalloc, which
PyTorch's CPU performance guide recommends): a process keeps some freed memory resident, and the
next step finds it mapped. Set ``CHAINRULE_KEEP_FREED_MEMORY=0`` to leave ``malloc`` as it is.
Elsewhere than glibc (macOS, Windows, musl) nothing changes.
"""

from __future__ import annotations

import ctypes
import os
import sys

ENV_VAR = "CHAINRULE_KEEP_FREED_MEMORY"
MMAP_THRESHOLD = 32 << 20  # bytes: larger allocations get their own mmap (glibc's dynamic maximum)
TRIM_THRESHOLD = 64 << 20  # bytes of free memory kept at the heap's top before it is given back

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3

_applied = False


def keep_freed_memory() -> bool:
    """Raise glibc's trim and mmap thresholds for this process; True when they were set.

    Does nothing (False) off Linux/glibc or when ``CHAINRULE_KEEP_FREED_MEMORY=0``.
    """
    global _applied
    if _applied:
        return True
    if os.environ.get(ENV_VAR, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    if not sys.platform.startswith("linux") or not _glibc():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _applied = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) & bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _applied


def _glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (ValueError, OSError, AttributeError):
        return False


def is_applied() -> bool:
    """Has :func:`keep_freed_memory` set the thresholds in this process?"""
    return _applied
