"""(s) The command line's start-up: ``chainrule --help``, ``chainrule lab list`` and ``chainrule
evaluate`` of a small run, each timed in fresh processes, against the limits a user should not
notice (1 s, 1 s and 2 s of wall time).

A command's time is everything from starting the interpreter to its exit: Python, the imports the
command needs (each command imports what it uses when it uses it: the help needs neither
scikit-learn nor matplotlib; evaluate reads the splits the run saved, ``splits.npz``, so it needs
neither scikit-learn nor numba), and the work. The small run evaluated is XOR with two hidden
layers of 16 units, trained once beforehand (not timed). Reported per command: the median and
best wall time over the repeats, and the median CPU time (user + system) of the process, which a
busy machine inflates less than wall time.

``python -m bench.cli_startup [--smoke]`` prints the figures as JSON.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

LIMITS_S = {"chainrule --help": 1.0, "chainrule lab list": 1.0, "chainrule evaluate RUN": 2.0}


def _timed(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``python -m chainrule ARGS`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"chainrule {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def run(smoke: bool = False) -> dict[str, Any]:
    """Time each command ``repeats`` times (after one untimed run that warms the file cache)."""
    repeats = 2 if smoke else 7
    with tempfile.TemporaryDirectory(prefix="cli-startup-") as tmp:
        run_dir = str(Path(tmp) / "xor")
        subprocess.run([sys.executable, "-m", "chainrule", "train", "--dataset", "xor", "--hidden",
                        "16,16", "--epochs", "2", "--no-progress", "--out", run_dir],
                       capture_output=True, check=True)
        commands = {"chainrule --help": ["--help"], "chainrule lab list": ["lab", "list"],
                    "chainrule evaluate RUN": ["evaluate", run_dir]}
        out: dict[str, Any] = {}
        for name, args in commands.items():
            _timed(args)  # warm-up: the first run reads the files from disk
            walls, cpus = zip(*(_timed(args) for _ in range(repeats)))
            out[name] = {"median_s": statistics.median(walls), "min_s": min(walls),
                         "cpu_median_s": statistics.median(cpus), "limit_s": LIMITS_S[name]}
    return {"commands": out, "repeats": repeats,
            "met": {name: c["median_s"] < c["limit_s"] for name, c in out.items()}}


def main() -> None:
    print(json.dumps(run(smoke="--smoke" in sys.argv[1:]), indent=2))


if __name__ == "__main__":
    main()
