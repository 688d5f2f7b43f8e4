"""(e): peak memory (RSS) of benchmark (a) over 200 steps, each library in its own process.

Resident memory is a property of a whole process, so each contender trains in a fresh
subprocess (``python -m bench.memory --worker NAME``), which samples its own ``/proc/self/status``
(``VmRSS``: resident now; ``VmHWM``: the high-water mark) after set-up and after every step. The
chainrule process never imports PyTorch. Reported: the peak, the memory the training itself adds
(peak minus the resident set after set-up: imports, model creation and one warm-up step, in which
each library loads its kernels), and the growth from step 10 to the last step, which is zero for
a library that frees each step's graph.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .workers import run_json_worker

SIZES, BATCH = [784, 256, 256, 10], 128
WORKERS = ["chainrule", "pytorch", "numpy floor"]
SETTLE = 10  # steps after which the allocator has seen every size of array a step uses
# Training memory counts as no higher than PyTorch's within this: resident memory moves in 4 KiB
# pages, and the allocator grows its heap by whole arrays (both libraries' second step adds one
# gradient-sized hole, 0.78 MB here, to the first step's heap)
TRAINING_MB_TOLERANCE = 64 / 1024


def status_kb() -> dict[str, int]:
    """``VmRSS`` and ``VmHWM`` of this process, in KiB (Linux)."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def worker(name: str, steps: int) -> dict[str, Any]:
    """Set up (a) for one library, train ``steps`` steps and sample memory after each."""
    from .models import batch, mlp, train_step

    x, y = batch(SIZES, BATCH)
    if name == "numpy floor":
        from .floor import NumpyMLP

        floor = NumpyMLP(SIZES, BATCH)

        def step() -> object:
            return floor.step(x, y)
    else:
        if name == "pytorch":
            import torch as lib

            from .machine import match_threads

            match_threads()
        else:
            import chainrule as lib

            lib.memory.keep_freed_memory()  # as `chainrule train` does: each step reuses the last one's pages
        lib.manual_seed(0)
        model = mlp(lib.nn, SIZES)
        opt = lib.optim.Adam(model.parameters(), lr=1e-3)
        step = train_step(lib.nn.functional, model, opt, lib.from_numpy(x), lib.from_numpy(y))
    step()  # the one-time start-up of a library's kernels (chainrule's compiled loops, PyTorch's) is set-up
    start = status_kb()
    rss = []
    for _ in range(steps):
        step()
        rss.append(status_kb()["VmRSS"])
    end = status_kb()
    return {"library": name, "steps": steps, "setup_rss_kb": start["VmRSS"],
            "peak_rss_kb": end["VmHWM"], "rss_kb": rss, "imports_torch": "torch" in sys.modules}


def summarise(sample: dict[str, Any]) -> dict[str, Any]:
    rss = np.array(sample["rss_kb"], dtype=float)
    tail = rss[SETTLE - 1:]
    slope = float(np.polyfit(np.arange(tail.size), tail, 1)[0]) if tail.size > 1 else 0.0
    return {
        "peak_rss_mb": sample["peak_rss_kb"] / 1024,
        "setup_rss_mb": sample["setup_rss_kb"] / 1024,
        "training_mb": (sample["peak_rss_kb"] - sample["setup_rss_kb"]) / 1024,
        "growth_after_settle_mb": float(tail[-1] - tail[0]) / 1024,
        "slope_kb_per_step": slope,
        "imports_torch": sample["imports_torch"],
    }


def run(smoke: bool = False) -> dict[str, Any]:
    steps = 12 if smoke else 200

    def measure(name: str) -> dict[str, Any]:
        sample = run_json_worker("memory", "--worker", name, "--steps", str(steps))
        return {**summarise(sample), "rss_mb": [v / 1024 for v in sample["rss_kb"]]}

    if smoke:  # only checking that it runs: the workers may share the machine
        with ThreadPoolExecutor(len(WORKERS)) as pool:
            libs = dict(zip(WORKERS, pool.map(measure, WORKERS)))
    else:  # one at a time, so that no worker slows another
        libs = {name: measure(name) for name in WORKERS}
    c, p = libs["chainrule"], libs["pytorch"]
    flat = abs(c["growth_after_settle_mb"]) <= 1.0 and abs(c["slope_kb_per_step"]) < 4.0
    return {
        "steps": steps,
        "libraries": libs,
        "targets": {"peak <= pytorch": True, "training memory <= pytorch": True, "flat": True},
        "met": {"peak <= pytorch": c["peak_rss_mb"] <= p["peak_rss_mb"],
                "training memory <= pytorch": c["training_mb"] <= p["training_mb"] + TRAINING_MB_TOLERANCE,
                "flat": flat},
    }


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="one memory worker (used by the benchmark suite)")
    parser.add_argument("--worker", choices=WORKERS, required=True)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(worker(args.worker, args.steps)))


if __name__ == "__main__":
    main()
