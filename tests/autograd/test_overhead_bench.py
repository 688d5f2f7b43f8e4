"""The per-op overhead benchmark runs (its --smoke mode, as CI would) and reports every op."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ops_overhead_smoke_run_reports_every_op():
    run = subprocess.run(
        [sys.executable, "-m", "bench.ops_overhead", "--smoke", "--no-torch"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    out = run.stdout
    for op in ("add", "mul", "exp", "relu", "matmul", "sum", "chain fwd+bwd"):
        assert f"\n{op} " in out, out
    assert out.count("largest elementwise overhead") == 2  # the median and the best-block tables
