"""(d): how the step time grows with the batch and with the width, for the three contenders.

Two sweeps of the MLP step of :mod:`bench.step_time`: the batch from 32 to 1024 at
``784-256-256-10``, and the width ``W`` of ``784-W-W-10`` from 64 to 2048 at batch 128. A library
whose cost grows with the FLOPs and nothing else converges to the floor as the matrices grow:
at width >= 1024 chainrule must stay within 1.3x the floor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .contenders import mlp_steps
from .timing import interleaved

BATCHES = [32, 64, 128, 256, 512, 1024]
WIDTHS = [64, 128, 256, 512, 1024, 2048]
NAMES = ["chainrule", "pytorch", "numpy floor"]


def point(sizes: list[int], batch: int, *, blocks: int, block_seconds: float, warmup: int,
          settle: float) -> dict[str, Any]:
    t, _ = interleaved(mlp_steps(sizes, batch), blocks=blocks, block_seconds=block_seconds, warmup=warmup,
                       settle=settle, min_steps=1 if settle == 0 else 3)
    med = {name: t[name].median for name in NAMES}
    return {"sizes": sizes, "batch": batch, "median_s": med,
            "ratio_to_floor": {name: med[name] / med["numpy floor"] for name in NAMES}}


def run(smoke: bool = False) -> dict[str, Any]:
    if smoke:
        batches, widths = BATCHES[:1], WIDTHS[:1]
        kw = {"blocks": 2, "block_seconds": 0.0, "warmup": 1, "settle": 0.0}
    else:
        batches, widths = BATCHES, WIDTHS
        kw = {"blocks": 9, "block_seconds": 0.25, "warmup": 3, "settle": 0.3}
    by_batch = [point([784, 256, 256, 10], b, **kw) for b in batches]
    by_width = [point([784, w, w, 10], 128, **kw) for w in widths]
    wide = [p["ratio_to_floor"]["chainrule"] for p in by_width if p["sizes"][1] >= 1024]
    return {
        "by_batch": by_batch,
        "by_width": by_width,
        "targets": {"chainrule/numpy floor at width >= 1024": 1.3},
        "met": {"chainrule/numpy floor at width >= 1024": max(wide) <= 1.3} if wide else {},
        "worst_wide_ratio": max(wide) if wide else None,
    }


def plot(result: dict[str, Any], path: Path) -> None:
    """Step time against batch and against width (log-log), and each contender's ratio to the floor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex="col",
                             gridspec_kw={"height_ratios": [2, 1]})
    styles = {"chainrule": ("C0", "o"), "pytorch": ("C3", "s"), "numpy floor": ("k", "^")}
    for col, (key, xname, label) in enumerate((("by_batch", "batch", "batch size (MLP 784-256-256-10)"),
                                               ("by_width", "width", "width W (MLP 784-W-W-10, batch 128)"))):
        points = result[key]
        xs = [p["batch"] if xname == "batch" else p["sizes"][1] for p in points]
        top, bottom = axes[0][col], axes[1][col]
        for name in NAMES:
            color, marker = styles[name]
            top.plot(xs, [p["median_s"][name] * 1e3 for p in points], color=color, marker=marker, label=name)
            bottom.plot(xs, [p["ratio_to_floor"][name] for p in points], color=color, marker=marker)
        top.set(xscale="log", yscale="log", ylabel="median step time (ms)", title=f"step time against {xname}")
        top.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        top.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        top.yaxis.set_minor_formatter(NullFormatter())
        top.grid(True, which="both", alpha=0.3)
        bottom.set(xscale="log", xlabel=label, ylabel="time / floor")
        bottom.axhline(1.3, color="grey", ls="--", lw=1, label="1.3x the floor")
        bottom.grid(True, which="both", alpha=0.3)
        bottom.set_xticks(xs, [str(x) for x in xs])
    axes[0][0].legend()
    axes[1][1].legend(loc="upper right")
    fig.suptitle("Adam training step, float32: chainrule, PyTorch and the hand-written NumPy floor")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
