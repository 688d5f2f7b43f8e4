"""Turning results into text: a console summary per benchmark and ``BENCHMARKS.md`` (a Jinja2 template).

Every figure in the report is read from the results dictionary the suite just measured (also
saved as ``bench/results/results.json``); the template holds only the method and the layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

TITLES = {
    "a": "(a) MLP 784-256-256-10, batch 128, Adam",
    "b": "(b) MLP 40-100-100-10, batch 32, Adam",
    "c": "(c) MNIST-1D paper recipe, end to end",
    "d": "(d) scaling with batch and width",
    "e": "(e) peak memory (RSS) of (a) over 200 steps",
    "f": "(f) per-op overhead and Adam over 1M parameters",
    "g": "(g) MNIST-1D CNN recipe, end to end, and a LeNet-sized Conv2d step",
    "h": "(h) MNIST-1D GRU recipe, end to end",
    "m": "(m) data-parallel MLP 784-256-256-10 over MPI, 1 and 2 ranks",
    "p": "(p) playground updates per second, two tabs at once (4-2 network, 500 points)",
    "s": "(s) command-line start-up: --help, lab list, evaluate of a small run",
}


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f}"


def verdict(met: dict[str, bool]) -> str:
    if not met:
        return "not measured"
    return "met" if all(met.values()) else "NOT met: " + ", ".join(k for k, v in met.items() if not v)


def ratio_line(label: str, ratios: dict[str, float]) -> str:
    """``label`` then each ratio as ``name = value``."""
    return label + "   ".join(f"{k} = {v:.3f}" for k, v in ratios.items())


def recipe_rows(libraries: dict[str, Any], indent: str = "  ", step: bool = False,
                dead_units: bool = False) -> list[str]:
    """A line per library of an end-to-end recipe run: wall time, median period and accuracies
    (with the time per step, or the share of dead units, where the benchmark measures them)."""
    rows = []
    for name, s in libraries.items():
        row = f"{indent}{name:<12} wall {s['wall_s']:.2f} s"
        if step:
            row += f"   {s['step_ms']:.2f} ms/step"
        row += (f"   median period {s['period_s_median'] * 1e3:.1f} ms   test acc {s['test_acc']:.1f} %"
                f"   train acc {s['train_acc']:.1f} %")
        if dead_units:
            row += f"   dead units {100 * s['dead_units']:.0f} %"
        rows.append(row)
    return rows


def summary(key: str, r: dict[str, Any]) -> str:
    """A few console lines for one benchmark's result."""
    lines = [TITLES[key]]
    if key in ("a", "b"):
        for name, t in r["timings"].items():
            lines.append(f"  {name:<12} median {ms(t['median_s'])} ms/step   (best block {ms(t['min_s'])})")
        lines.append(ratio_line("  ", r["ratios"]))
    elif key == "c":
        lines += recipe_rows(r["libraries"], dead_units=True)
        lines.append(ratio_line("  wall: ", r["ratios"]))
        lines.append(ratio_line("  median period: ", r["median_period_ratios"]))
        lines.append("  start-up, fresh process: " + "   ".join(
            f"{name} import {s['startup_s']['import_s']:.2f} s + first step {s['startup_s']['first_step_s']:.2f} s"
            for name, s in r["libraries"].items()))
        lines.append(ratio_line("  wall with start-up: ", r["with_startup_ratios"]))
        lines.append(f"  test accuracy chainrule - pytorch {r['test_acc_gap']:+.1f} points")
    elif key == "d":
        for sweep in ("by_batch", "by_width"):
            for p in r[sweep]:
                x = f"batch {p['batch']}" if sweep == "by_batch" else f"width {p['sizes'][1]}"
                lines.append(f"  {x:<11} " + "  ".join(
                    f"{n} {ms(p['median_s'][n])} ms ({p['ratio_to_floor'][n]:.2f}x)" for n in p["median_s"]))
    elif key == "e":
        for name, m in r["libraries"].items():
            lines.append(f"  {name:<12} peak {m['peak_rss_mb']:.1f} MB   training adds {m['training_mb']:.1f} MB   "
                         f"growth after step 10 {m['growth_after_settle_mb']:+.2f} MB")
    elif key == "g":
        for threads, x in r["recipe"]["threads"].items():
            lines.append(f"  {threads} thread(s):")
            lines += recipe_rows(x["libraries"], indent="    ")
            lines.append(ratio_line("    wall: ", x["ratios"]))
            lines.append(f"    test accuracy chainrule - pytorch {x['test_acc_gap']:+.1f} points")
        step = r["lenet_step"]
        lines.append("  LeNet step, batch 64: " + "   ".join(
            f"{name} {ms(t['median_s'])} ms" for name, t in step["timings"].items())
            + f"   chainrule/pytorch = {step['ratios']['chainrule/pytorch']:.3f}")
    elif key == "h":
        lines += recipe_rows(r["libraries"], step=True)
        lines.append(ratio_line("  wall: ", r["ratios"]))
        lines.append(ratio_line("  median period: ", r["median_period_ratios"]))
        lines.append(f"  test accuracy chainrule - pytorch {r['test_acc_gap']:+.1f} points")
    elif key == "m":
        from . import mpi_steps

        lines += mpi_steps.summary_lines(r)
    elif key == "p":
        from . import playground_rate

        lines.append(playground_rate.summary(r))
    elif key == "s":
        for name, c in r["commands"].items():
            lines.append(f"  {name:<24} median {c['median_s']:.2f} s (best {c['min_s']:.2f} s, CPU "
                         f"{c['cpu_median_s']:.2f} s; limit {c['limit_s']:.0f} s)")
    elif key == "f":
        for name, o in r.items():
            lines.append(f"  {name}: {'ran' if o['ok'] else 'FAILED'}")
    if "met" in r:
        lines.append(f"  targets: {verdict(r['met'])}")
    return "\n".join(lines)


def render(results: dict[str, Any], template: Path, command: str) -> str:
    """``BENCHMARKS.md`` for ``results`` (the merged output of the suite's benchmarks)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(template.parent), autoescape=False,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["ms"] = ms
    env.filters["verdict"] = verdict
    env.filters["load"] = lambda load: "unknown" if not load else " / ".join(f"{v:.2f}" for v in load)
    finished = sorted(run.get("finished_utc", "") for run in results["runs"].values())
    return env.get_template(template.name).render(
        r=results, titles=TITLES, command=command,
        measured=f"{finished[0]} to {finished[-1]}" if finished and finished[0] else "at an unrecorded time",
    )
