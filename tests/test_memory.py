"""Importing chainrule changes nothing in the process; keeping freed memory is an explicit opt-in.

Resident memory belongs to a whole process, so each measurement runs in a fresh interpreter that
allocates 400 MiB of arrays (100 of 4 MiB, then a small array that outlives them), frees them and
reads its own ``VmRSS``. With glibc's defaults the big arrays get their own mmap and go back to
the kernel when freed; with the opt-in they come from the heap, below the survivor, and stay.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from chainrule import memory

GLIBC = sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
needs_glibc = pytest.mark.skipif(not GLIBC, reason="the malloc thresholds are glibc's")
MIB = 1024
TOLERANCE_MIB = 64

# run in a fresh interpreter: churn() allocates and frees 400 MiB, rss() reads VmRSS in MiB
PRELUDE = textwrap.dedent("""
    import json, os, sys
    import numpy as np

    def rss():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024

    def churn():
        arrays = [np.ones(1 << 19) for _ in range(100)]  # 100 arrays of 4 MiB, touched
        survivor = np.ones(1 << 17)  # 1 MiB allocated after them, still alive at the end
        del arrays
        return survivor
""")


def run_python(body: str, **environ: str) -> dict:
    """Run PRELUDE + ``body`` in a fresh interpreter, in this environment less the opt-in's veto
    plus ``environ``; ``body`` prints one JSON object last."""
    env = {k: v for k, v in os.environ.items() if k != memory.ENV_VAR} | environ
    proc = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(body)], capture_output=True, text=True,
                          env=env, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@needs_glibc
def test_import_chainrule_keeps_no_freed_memory():
    body = """
        if os.environ["IMPORT"] == "1":
            import chainrule
            from chainrule import nn, optim, data, train
        before = rss()
        kept = churn()
        print(json.dumps({"before": before, "after": rss()}))
    """
    without = run_python(body, IMPORT="0")
    with_import = run_python(body, IMPORT="1")
    # the same end as a process that never imported chainrule, and no growth from the churn
    assert with_import["after"] <= without["after"] + TOLERANCE_MIB, (with_import, without)
    assert with_import["after"] - with_import["before"] <= without["after"] - without["before"] + TOLERANCE_MIB


@needs_glibc
def test_opt_in_keeps_freed_memory_and_release_gives_it_back():
    out = run_python("""
        from chainrule import memory
        start = rss()
        applied = memory.keep_freed_memory()
        kept = churn()
        held = rss()
        released = memory.release_freed_memory()
        after_release = rss()
        del kept  # the heap's free hole joins its top and goes; the next churn shows the thresholds
        kept = churn()
        print(json.dumps({"applied": applied, "released": released, "start": start, "held": held,
                          "after_release": after_release, "after_second": rss(),
                          "applied_at_end": memory.is_applied()}))
    """)
    assert out["applied"] and out["released"] and not out["applied_at_end"]
    assert out["held"] - out["start"] >= 300, out  # the 400 MiB freed below the survivor stay
    assert out["after_release"] - out["start"] <= TOLERANCE_MIB, out  # handed back by the undo
    assert out["after_second"] - out["start"] <= TOLERANCE_MIB, out  # glibc's thresholds: mmap again


@needs_glibc
def test_kept_freed_memory_is_scoped_to_its_block():
    out = run_python("""
        from chainrule import memory
        start = rss()
        with memory.kept_freed_memory() as applied:
            inside = memory.is_applied()
            kept = churn()
            held = rss()
        print(json.dumps({"applied": applied, "inside": inside, "outside": memory.is_applied(),
                          "start": start, "held": held, "end": rss()}))
    """)
    assert out["applied"] and out["inside"] and not out["outside"]
    assert out["held"] - out["start"] >= 300, out
    assert out["end"] - out["start"] <= TOLERANCE_MIB, out


def test_the_environment_vetoes_the_opt_in():
    out = run_python("""
        from chainrule import memory
        with memory.kept_freed_memory() as applied:
            inside = memory.is_applied()
        print(json.dumps({"keep": memory.keep_freed_memory(), "applied": applied, "inside": inside,
                          "release": memory.release_freed_memory()}))
    """, **{memory.ENV_VAR: "0"})
    assert out == {"keep": False, "applied": False, "inside": False, "release": False}


def test_release_without_opt_in_changes_nothing():
    out = run_python("""
        from chainrule import memory
        print(json.dumps({"release": memory.release_freed_memory(), "applied": memory.is_applied()}))
    """)
    assert out == {"release": False, "applied": False}


def test_import_leaves_environment_and_blas_threads_alone():
    out = run_python("""
        from threadpoolctl import threadpool_info

        def threads():  # each thread pool NumPy loaded (its BLAS, OpenMP): its file, its thread count
            return {p["filepath"]: p["num_threads"] for p in threadpool_info()}

        env, blas = dict(os.environ), threads()
        import chainrule
        from chainrule import autograd, backend, data, nn, optim, serialization, train
        chainrule.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        nn.functional.cross_entropy(model(chainrule.randn(16, 4)), chainrule.randint(0, 2, (16,))).backward()
        optim.Adam(model.parameters()).step()
        print(json.dumps({"env_same": dict(os.environ) == env, "blas_same": {k: threads().get(k) for k in blas} == blas,
                          "blas": blas, "memory_applied": chainrule.memory.is_applied()}))
    """)
    assert out["env_same"], "import chainrule changed os.environ"
    assert out["blas_same"], f"import chainrule changed BLAS thread counts: {out['blas']}"
    assert out["blas"], "threadpoolctl found no BLAS to compare"
    assert out["memory_applied"] is False
