"""Benchmark: one Adam step over ~1M float32 parameters, chainrule against torch.optim.Adam.

Both run on this machine's CPU with the same number of threads (NumPy's elementwise ufuncs use
one; PyTorch is set to the same with ``torch.set_num_threads``). The parameters are those of a
784-1024-192 MLP (4 tensors, 1,000,640 values) with fixed gradients. The variants run in
interleaved rounds (A B C, C B A, ...) so that changes in the machine's load hit them alike; each
round times a few single steps of each. Reported: the medians and minima of all steps, and the
median over rounds of the ratio of the round's medians (the figure least moved by load).

    python bench/adam_step.py            # the full run (`python -m bench` keeps its output, as (f))
    python bench/adam_step.py --smoke    # a few seconds, for CI
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import torch

import chainrule as cr
from chainrule import memory as chainrule_memory

SHAPES = [(1024, 784), (1024,), (192, 1024), (192,)]  # an MLP 784-1024-192: 1,000,640 values


def make_variants(shapes, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.normal(0, 0.05, s).astype(np.float32) for s in shapes]
    grads = [rng.normal(0, 1e-3, s).astype(np.float32) for s in shapes]

    ours = [cr.tensor(a, requires_grad=True) for a in init]
    for p, g in zip(ours, grads, strict=True):
        p.grad = cr.tensor(g)
    variants = {"chainrule Adam": (cr.optim.Adam(ours, lr=1e-3), ours)}

    for label, foreach in [("torch Adam (default)", None), ("torch Adam (foreach=True)", True)]:
        ref = [torch.tensor(a, requires_grad=True) for a in init]
        for p, g in zip(ref, grads, strict=True):
            p.grad = torch.tensor(g)
        variants[label] = (torch.optim.Adam(ref, lr=1e-3, foreach=foreach), ref)
    return variants


def timed_steps(opt, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        opt.step()
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a quick run (small, few repeats)")
    parser.add_argument("--threads", type=int, default=1, help="threads for PyTorch (default 1)")
    parser.add_argument("--blocks", type=int, default=60, help="interleaved rounds")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per variant and round")
    args = parser.parse_args()
    shapes = [(64, 49), (64,), (12, 64), (12,)] if args.smoke else SHAPES
    blocks, steps = (2, 3) if args.smoke else (args.blocks, args.steps)
    torch.set_num_threads(args.threads)
    chainrule_memory.keep_freed_memory()  # as the suite and `chainrule train` run chainrule

    variants = make_variants(shapes)
    n = sum(int(np.prod(s)) for s in shapes)
    names = list(variants)
    for opt, _ in variants.values():  # warm-up: state allocation, caches, lazy imports
        timed_steps(opt, 3)
    times: dict[str, list[float]] = {k: [] for k in names}
    rounds: list[dict[str, float]] = []  # per round, each variant's median step
    for b in range(blocks):
        order = names if b % 2 == 0 else names[::-1]  # A B C, C B A, ...
        this = {}
        for name in order:
            t = timed_steps(variants[name][0], steps)
            times[name] += t
            this[name] = statistics.median(t)
        rounds.append(this)

    print(f"Adam step, {n:,} float32 parameters in {len(shapes)} tensors")
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; python {platform.python_version()}, "
          f"numpy {np.__version__}, torch {torch.__version__}")
    print(f"threads: torch {torch.get_num_threads()}, chainrule 1 (NumPy ufuncs)")
    print(f"{blocks} interleaved rounds (A B C, C B A, ...) of {steps} steps per variant")
    print(f"  {'variant':28s} {'median':>9s} {'min':>9s}   IQR")
    med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    for k in names:
        q1, _, q3 = statistics.quantiles(times[k], n=4)
        print(f"  {k:28s} {med[k]:6.3f} ms {min(times[k]) * 1e3:6.3f} ms   "
              f"{q1 * 1e3:.3f}-{q3 * 1e3:.3f} ms")
    ours = "chainrule Adam"
    for k in names[1:]:
        paired = statistics.median(r[ours] / r[k] for r in rounds)
        print(f"chainrule / {k}: {med[ours] / med[k]:.3f}x (medians), "
              f"{paired:.3f}x (median of per-round ratios), "
              f"{min(times[ours]) / min(times[k]):.3f}x (minima)")

    # the runs took the same steps: their parameters must agree
    ref = variants["torch Adam (default)"][1]
    diff = max(
        float(np.max(np.abs(p._data - q.detach().numpy())))
        for p, q in zip(variants["chainrule Adam"][1], ref, strict=True)
    )
    total_steps = 3 + blocks * steps
    print(f"after {total_steps} steps, max |chainrule - torch| over the parameters: {diff:.2e}")


if __name__ == "__main__":
    main()
