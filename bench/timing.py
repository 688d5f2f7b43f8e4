"""Interleaved timing: the contenders take turns, so a burst of load hits all of them alike.

A shared, noisy machine makes one long run per contender meaningless: whichever ran while another
job was busy loses. Here each *block* times every contender for a few steps, and the order
alternates (A B C, then C B A, ...), so slow drift and periodic noise fall on all of them
equally. The figure reported is the median over blocks of the time per step; the ratio of two
medians is the speed-up. The minimum block (the least-disturbed one) is kept beside it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
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
    contenders: Mapping[str, Step], *, blocks: int, steps: int, warmup: int
) -> dict[str, Timing]:
    """Time each contender ``blocks`` times for ``steps`` calls, alternating the order.

    ``warmup`` calls of each contender run first and are not timed (caches, allocator,
    first-call set-up such as Adam's state buffers).
    """
    names = list(contenders)
    for name in names:
        step = contenders[name]
        for _ in range(warmup):
            step()
    result = {name: Timing() for name in names}
    clock = time.perf_counter
    for b in range(blocks):
        order = names if b % 2 == 0 else names[::-1]
        for name in order:
            step = contenders[name]
            start = clock()
            for _ in range(steps):
                step()
            result[name].blocks.append((clock() - start) / steps)
    return result


def steps_for(seconds: float, step: Step, *, cap: int = 1000) -> int:
    """How many calls of ``step`` take about ``seconds`` (at least 1): sizes a block."""
    step()
    start = time.perf_counter()
    step()
    one = max(time.perf_counter() - start, 1e-6)
    return max(1, min(cap, int(seconds / one)))
