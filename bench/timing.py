"""Interleaved timing: the contenders take turns, so a burst of load hits all of them alike.

A shared, noisy machine makes one long run per contender meaningless: whichever ran while another
job was busy loses. Here each *block* times every contender for a few steps, and the order
alternates (A B C, then C B A, ...), so slow drift and periodic noise fall on all of them
equally. The figure reported is the median over blocks of the time per step; the ratio of two
medians is the speed-up. The minimum block (the least-disturbed one) is kept beside it.

Two thread pools share the process: NumPy's OpenBLAS and PyTorch's OpenMP. After its last
parallel region each keeps its worker threads spinning for a while (about 0.1 s for OpenBLAS), and
a contender whose block starts then finds the cores taken: measured here, a PyTorch step right
after a chainrule block took twice as long. So every block starts after a pause (``settle``) in
which the other pool's workers go back to sleep.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field

Step = Callable[[], object]


@dataclass
class Timing:
    """Seconds per step of one contender, one value per block."""

    blocks: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.blocks)

    @property
    def best(self) -> float:
        return min(self.blocks)

    def as_dict(self) -> dict[str, float | list[float]]:
        return {"median_s": self.median, "min_s": self.best, "blocks_s": self.blocks}


def interleaved(
    contenders: Mapping[str, Step], *, blocks: int, block_seconds: float, warmup: int,
    settle: float = 0.3, min_steps: int = 5,
) -> tuple[dict[str, Timing], int]:
    """Time every contender ``blocks`` times, alternating the order; returns the timings and the
    number of steps per block.

    ``warmup`` calls of each contender run first and are not timed (caches, allocator,
    first-call set-up such as Adam's state buffers); their times size the blocks, so that the
    slowest contender's block lasts about ``block_seconds`` (at least ``min_steps`` steps). Every
    block starts with ``settle`` seconds of sleep and one untimed step (the threads' wake-up).
    """
    names = list(contenders)
    slowest = 0.0
    for name in names:
        slowest = max(slowest, _seconds_per_step(contenders[name], warmup, settle) if warmup else 0.0)
    steps = max(min_steps, int(block_seconds / max(slowest, 1e-9)))
    result = {name: Timing() for name in names}
    for b in range(blocks):
        order = names if b % 2 == 0 else names[::-1]
        for name in order:
            result[name].blocks.append(_seconds_per_step(contenders[name], steps, settle))
    return result, steps


def _seconds_per_step(step: Callable[[], object], steps: int, settle: float) -> float:
    """Sleep ``settle`` s, run one untimed step (the threads' wake-up), then time ``steps`` steps.

    A contender with a ``block()`` method (a context manager, e.g. a mode switched on for the
    block) runs the untimed and the timed steps inside it."""
    time.sleep(settle)
    block = getattr(step, "block", None)
    with block() if block is not None else nullcontext():
        step()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        return (time.perf_counter() - start) / steps
