"""(f): the engine's per-op overhead and an Adam step over 1M parameters, from their own scripts.

``bench/ops_overhead.py`` and ``bench/adam_step.py`` are standalone benchmarks with their own
method and report; the suite runs each in a subprocess (``python -m bench.NAME``, with
``--smoke`` in smoke mode) and keeps its output verbatim.
"""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

SCRIPTS = {
    "ops_overhead": "per-op overhead of the engine (8x8 float32), chainrule against NumPy and PyTorch",
    "adam_step": "one Adam step over 1,000,640 float32 parameters, chainrule against torch.optim.Adam",
}


def run(smoke: bool = False) -> dict[str, Any]:
    """Run each script (at once in smoke mode, one after the other otherwise) and keep its output."""
    root = Path(__file__).resolve().parent.parent

    def one(name: str) -> dict[str, Any]:
        what = SCRIPTS[name]
        if not (root / "bench" / f"{name}.py").exists():
            return {"what": what, "ok": False, "output": f"bench/{name}.py is not in this checkout"}
        cmd = [sys.executable, "-m", f"bench.{name}"] + (["--smoke"] if smoke else [])
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False, timeout=1200)
        return {
            "what": what,
            "command": "python -m bench." + name + (" --smoke" if smoke else ""),
            "ok": proc.returncode == 0,
            "seconds": time.perf_counter() - start,
            "output": proc.stdout.strip() if proc.returncode == 0 else (proc.stdout + proc.stderr).strip()[-4000:],
        }

    if smoke:
        with ThreadPoolExecutor(len(SCRIPTS)) as pool:
            return dict(zip(SCRIPTS, pool.map(one, SCRIPTS)))
    return {name: one(name) for name in SCRIPTS}
