"""Per-op overhead: the time chainrule adds above the NumPy call that does the arithmetic.

For small arrays (8x8 float32) the arithmetic costs well under a microsecond, so what a
Python framework costs per operation is its bookkeeping: wrapping arrays in Tensors, deciding
whether to record the graph, creating the node, and in backward walking the graph and summing
gradients. This benchmark times each operation three ways, the raw NumPy call, chainrule
without grad and chainrule with ``requires_grad`` (recording the graph), plus PyTorch for
reference, and reports ``overhead = median(chainrule) - median(numpy)``. It also times forward
plus backward of a five-op chain ``h = (x @ w + b).relu(); (h * h).sum()`` against the same maths
written by hand in NumPy, giving the overhead per op including backward.

Contenders alternate within each block (A B C, then C B A) so machine noise falls on all of
them; figures are medians over blocks, and the best block beside them. The clock is this
process's CPU time (``time.process_time``): the overhead is CPU work, and on a shared machine
the wall clock also counts the time other processes held the core (``--wall`` uses it anyway).
Run ``python -m bench.ops_overhead`` (``--smoke`` for a few iterations).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

import chainrule
from bench.machine import cpu_model
from chainrule import memory as chainrule_memory

TARGET_US = 3.0  # the design's budget per elementwise op
SIZE = 8
CHAIN_OPS = 5  # matmul, add, relu, mul, sum
ELEMENTWISE = ("add", "mul", "exp", "relu")

Call = Callable[[], object]


@dataclass
class Row:
    name: str
    contenders: dict[str, Call | None]  # numpy, chainrule, chainrule+grad, torch
    ops: int = 1  # operations per call (the chain has several)


def _cases(with_torch: bool) -> list[Row]:
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((SIZE, SIZE)).astype(np.float32) for _ in range(2))
    ca, cb = chainrule.tensor(a), chainrule.tensor(b)
    ga, gb = chainrule.tensor(a, requires_grad=True), chainrule.tensor(b, requires_grad=True)
    torch = _torch() if with_torch else None
    ta, tb = (torch.tensor(a), torch.tensor(b)) if torch else (None, None)

    def row(name: str, raw: Call, op: Callable[..., object]) -> Row:
        return Row(name, {
            "numpy": raw,
            "chainrule": lambda: op(ca, cb),
            "chainrule+grad": lambda: op(ga, gb),
            "torch": (lambda: op(ta, tb)) if torch else None,
        })

    rows = [
        row("add", lambda: np.add(a, b), lambda x, y: x + y),
        row("mul", lambda: np.multiply(a, b), lambda x, y: x * y),
        row("exp", lambda: np.exp(a), lambda x, y: x.exp()),
        row("relu", lambda: np.maximum(a, 0), lambda x, y: x.relu()),
        row("matmul", lambda: np.matmul(a, b), lambda x, y: x @ y),
        row("sum", lambda: np.sum(a), lambda x, y: x.sum()),
    ]
    rows.append(_chain(rng, torch))
    return rows


def _chain(rng: np.random.Generator, torch) -> Row:
    """Forward and backward of h = (x @ w + b).relu(); (h * h).sum(), by hand and by each library."""
    x, w = (rng.standard_normal((SIZE, SIZE)).astype(np.float32) for _ in range(2))
    b = rng.standard_normal(SIZE).astype(np.float32)

    def numpy_chain() -> object:
        z = x @ w + b  # forward
        h = np.maximum(z, 0)
        loss = (h * h).sum()
        dh = 2 * h  # backward: the same derivatives, written out
        dz = np.where(z > 0, dh, 0)
        return loss, x.T @ dz, dz.sum(0), dz @ w.T

    def library_chain(lib) -> Call:
        tx, tw, tb = (lib.tensor(v, requires_grad=True) for v in (x, w, b))

        def step() -> object:
            tx.grad = tw.grad = tb.grad = None
            h = (tx @ tw + tb).relu()
            loss = (h * h).sum()
            loss.backward()
            return loss

        return step

    return Row("chain fwd+bwd", {
        "numpy": numpy_chain,
        "chainrule": None,  # a backward needs the graph: only the +grad column applies
        "chainrule+grad": library_chain(chainrule),
        "torch": library_chain(torch) if torch else None,
    }, ops=CHAIN_OPS)


def _torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)  # tiny arrays: threads only add hand-off cost
    return torch


def measure(rows: Sequence[Row], blocks: int, number: int, clock: Callable[[], float] = time.process_time,
            ) -> dict[str, dict[str, list[float]]]:
    """Seconds per call of every contender of every row, one value per (interleaved) block."""
    results: dict[str, dict[str, list[float]]] = {}
    for row in rows:
        calls = {k: v for k, v in row.contenders.items() if v is not None}
        for call in calls.values():  # warm-up: first-call costs, caches
            for _ in range(max(number // 10, 3)):
                call()
        times: dict[str, list[float]] = {k: [] for k in calls}
        names = list(calls)
        for block in range(blocks):
            for name in names if block % 2 == 0 else names[::-1]:
                times[name].append(timeit.Timer(calls[name], timer=clock).timeit(number) / number)
        results[row.name] = times
    return results


def table(rows: Sequence[Row], results: dict[str, dict[str, list[float]]], stat: Callable = statistics.median) -> str:
    """One line per op: each contender's time and chainrule's overhead above NumPy, in microseconds."""

    def us(seconds: float | None) -> str:
        return "-" if seconds is None else f"{seconds * 1e6:.2f}"

    head = f"{'op':<14} {'numpy':>8} {'chainrule':>10} {'overhead':>9} {'+grad':>8} {'overhead':>9} {'torch':>8}"
    lines = [head, "-" * len(head)]
    worst = 0.0
    for row in rows:
        r = {k: stat(v) for k, v in results[row.name].items()}
        base, plain, grad = r["numpy"], r.get("chainrule"), r.get("chainrule+grad")
        over_plain = None if plain is None else (plain - base) / row.ops
        over_grad = None if grad is None else (grad - base) / row.ops
        if row.name in ELEMENTWISE:
            worst = max(worst, over_plain or 0.0, over_grad or 0.0)
        lines.append(
            f"{row.name:<14} {us(base):>8} {us(plain):>10} {us(over_plain):>9} {us(grad):>8} "
            f"{us(over_grad):>9} {us(r.get('torch')):>8}"
        )
    verdict = "within" if worst * 1e6 <= TARGET_US else "above"
    lines.append(f"largest elementwise overhead: {worst * 1e6:.2f} us ({verdict} the {TARGET_US:g} us target)")
    return "\n".join(lines)


def _load() -> str:
    try:
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def environment(blocks: int, number: int) -> str:
    torch = sys.modules.get("torch")
    versions = f"python {platform.python_version()}, numpy {np.__version__}"
    if torch is not None:
        versions += f", torch {torch.__version__}"
    return (
        f"chainrule per-op overhead above NumPy: {SIZE}x{SIZE} float32, median of {blocks} blocks "
        f"x {number} calls\n{cpu_model()}, {os.cpu_count()} cores; {versions}"
    )


def main(argv: Sequence[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.ops_overhead", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few iterations, to check it runs")
    parser.add_argument("--blocks", type=int, default=21, help="timed blocks per contender")
    parser.add_argument("--number", type=int, default=2000, help="calls per block")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
    parser.add_argument("--wall", action="store_true", help="time the wall clock instead of CPU time")
    parser.add_argument("--out", help="also write the report to this file")
    args = parser.parse_args(argv)
    blocks, number = (3, 20) if args.smoke else (args.blocks, args.number)
    chainrule_memory.keep_freed_memory()  # as the suite and `chainrule train` run chainrule
    rows = _cases(with_torch=not args.no_torch)
    results = measure(rows, blocks, number, time.perf_counter if args.wall else time.process_time)
    report = "\n\n".join([
        environment(blocks, number) + f"\nclock: {'wall' if args.wall else 'CPU time of this process'}",
        "median over blocks (typical; includes noise from other processes):\n" + table(rows, results),
        "best block (least disturbed: the closest to the intrinsic cost):\n" + table(rows, results, min),
        f"microseconds per call; overhead = chainrule - numpy, per op for the chain, which runs "
        f"{CHAIN_OPS} ops forward and their {CHAIN_OPS} backwards.\n"
        f"load average at the end: {_load()}",
    ])
    print(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report + "\n")
    return report


if __name__ == "__main__":
    main()
