"""Benchmark workers: a measurement that needs a fresh process runs as ``python -m bench.NAME``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_json_worker(module: str, *args: str, timeout: float = 600) -> dict[str, Any]:
    """Run ``python -m bench.<module> <args>`` from the repository root and return the JSON object
    its last line of output prints; a failing worker raises with the end of its stderr."""
    proc = subprocess.run([sys.executable, "-m", f"bench.{module}", *args], cwd=ROOT, capture_output=True,
                          text=True, check=False, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"bench.{module} {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
