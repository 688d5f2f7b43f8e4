"""The machine a result was measured on, and the thread settings that make the comparison fair.

NumPy hands matrix products to its BLAS (OpenBLAS in the wheels), which runs its own thread pool;
PyTorch has another. Both are given the same number of threads: the BLAS's count, read with
threadpoolctl, is passed to ``torch.set_num_threads``.
"""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info


def blas_info() -> dict[str, Any]:
    """NumPy's BLAS: library, version, architecture and thread count (from threadpoolctl)."""
    numpy_dir = os.path.dirname(os.path.dirname(np.__file__))
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    own = [p for p in pools if "numpy" in p.get("filepath", "")] or pools
    if not own:
        return {"library": "unknown", "threads": os.cpu_count() or 1}
    p = own[0]
    return {
        "library": p.get("internal_api", "unknown"),
        "version": p.get("version"),
        "architecture": p.get("architecture"),
        "threading_layer": p.get("threading_layer"),
        "threads": int(p.get("num_threads", 1)),
        "path": os.path.relpath(p.get("filepath", ""), numpy_dir),
    }


def match_threads() -> int:
    """Give PyTorch as many threads as NumPy's BLAS has; returns that number."""
    import torch

    n = blas_info()["threads"]
    torch.set_num_threads(n)
    return n


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def is_virtual() -> bool | None:
    """Does the CPU report running under a hypervisor (a virtual machine, whose cores are shared)?"""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return " hypervisor" in line
    except OSError:
        pass
    return None


def load_average() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


def describe() -> dict[str, Any]:
    """Everything a reader needs to judge the numbers: CPU, cores, BLAS, threads, versions, load."""
    import torch

    import chainrule

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "virtual_machine": is_virtual(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "torch": torch.__version__,
        "chainrule": getattr(chainrule, "__version__", "dev"),
        "blas": blas_info(),
        "torch_threads": torch.get_num_threads(),
        "torch_blas": _torch_blas(torch),
        "load_average": load_average(),
    }


def _torch_blas(torch: Any) -> str:
    """PyTorch's BLAS, from its build configuration (``BLAS_INFO=mkl`` for the CPU wheels)."""
    for part in torch.__config__.show().replace("\n", ",").split(","):
        key, _, value = part.strip().partition("=")
        if key.endswith("BLAS_INFO"):
            return value.strip()
    return "unknown"
