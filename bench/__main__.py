"""``python -m bench``: the benchmark suite, chainrule against PyTorch and the NumPy floor.

    python -m bench                 # everything (six to eight minutes on 2 cores), then rewrite
                                    # BENCHMARKS.md and bench/results/ (results.json, output.txt,
                                    # scaling.png)
    python -m bench --only a,c      # some benchmarks; merged into the saved results
    python -m bench --smoke         # every benchmark for a few steps, into a temporary folder
    python -m bench --render        # rewrite BENCHMARKS.md from the saved results (no measuring)

Benchmarks: (a) MLP 784-256-256-10 step, (b) MLP 40-100-100-10 step, (c) the MNIST-1D recipe end
to end, (d) scaling with batch and width, (e) peak memory, (f) the per-op overhead and Adam-step
scripts, (h) the MNIST-1D GRU recipe end to end, (m) data-parallel steps per second with 1
and 2 MPI ranks. PyTorch gets as many threads as NumPy's BLAS.
"""

from __future__ import annotations

import datetime
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from threadpoolctl import threadpool_limits

import chainrule

from . import machine, report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TEMPLATE = Path(__file__).resolve().parent / "templates" / "BENCHMARKS.md.j2"
ORDER = ("a", "b", "c", "d", "e", "f", "g", "h", "m", "p", "s")
COMMAND = "python -m bench"

app = typer.Typer(add_completion=False, help=__doc__.split("\n")[0])


def run_one(key: str, smoke: bool, out: Path) -> dict[str, Any]:
    """Run benchmark ``key``; returns its result with the load average around it."""
    from . import memory, mnist1d_recipe, others, scaling, step_time

    load_before = machine.load_average()
    start = time.perf_counter()
    if key in ("a", "b"):
        result = step_time.run(key, smoke)
    elif key == "c":
        result = mnist1d_recipe.run(smoke)
    elif key == "d":
        result = scaling.run(smoke)
        scaling.plot(result, out / "scaling.png")
    elif key == "e":
        result = memory.run(smoke)
    elif key == "g":
        from . import cnn_recipe, conv_step

        recipe = cnn_recipe.run(smoke)
        result = {"recipe": recipe, "lenet_step": conv_step.run(smoke), "met": recipe["met"]}
    elif key == "h":
        from . import gru_recipe

        result = gru_recipe.run(smoke)
    elif key == "m":
        from . import mpi_steps

        result = mpi_steps.run(smoke)
    elif key == "p":
        from . import playground_rate

        result = playground_rate.run(smoke)
    elif key == "s":
        from . import cli_startup

        result = cli_startup.run(smoke)
    else:
        result = others.run(smoke)
    return {"result": result, "seconds": time.perf_counter() - start, "finished_utc": _utc_now(),
            "load_before": load_before, "load_after": machine.load_average()}


def _utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def output_text(saved: dict[str, Any]) -> str:
    """The console report of every benchmark in ``saved``, as ``output.txt`` keeps it."""
    m = saved["machine"]
    head = (f"chainrule benchmark suite ({'smoke' if saved['smoke'] else 'full'}): {m['cpu']}, {m['cores']} cores; "
            f"numpy {m['numpy']} ({m['blas']['library']} {m['blas']['version']}, {m['blas']['threads']} threads), "
            f"torch {m['torch']} ({m['torch_threads']} threads)")
    parts = [head]
    for key in ORDER:
        if key in saved["runs"]:
            run = saved["runs"][key]
            parts.append(report.summary(key, run["result"]) + f"\n  ({run['seconds']:.0f} s; load average "
                         f"before {fmt_load(run['load_before'])}, after {fmt_load(run['load_after'])})")
            if key == "f":
                for name, o in run["result"].items():
                    parts.append(f"--- {o.get('command', name)}\n{o['output']}")
    return "\n\n".join(parts) + "\n"


def fmt_load(load: Any) -> str:
    return "unknown" if load is None else " ".join(f"{v:.2f}" for v in load)


@app.command()
def main(
    smoke: Annotated[bool, typer.Option("--smoke", help="Every benchmark for a few steps (it runs).")] = False,
    only: Annotated[str, typer.Option(help=f"Comma-separated subset of {','.join(ORDER)}.")] = ",".join(ORDER),
    out: Annotated[Path | None, typer.Option(help="Where results go (default: bench/results, or a "
                                             "temporary folder with --smoke).")] = None,
    render: Annotated[bool, typer.Option("--render", help="Run nothing: rewrite the report and output.txt "
                                         "from the saved results.json.")] = False,
) -> None:
    """Run the benchmarks, print their summaries, save raw results and (full runs) BENCHMARKS.md."""
    keys = [k.strip() for k in only.split(",") if k.strip()]
    unknown = [k for k in keys if k not in ORDER]
    if unknown:
        raise typer.BadParameter(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(ORDER)}")
    if out is None:
        out = Path(tempfile.mkdtemp(prefix="bench-smoke-")) if smoke else RESULTS
    out.mkdir(parents=True, exist_ok=True)
    if smoke:  # a check that everything runs: one thread each, robust on a busy CI machine
        threadpool_limits(1)
    raw = out / "results.json"
    target = out / "BENCHMARKS.md" if (smoke or out != RESULTS) else ROOT / "BENCHMARKS.md"
    if render:
        saved = json.loads(raw.read_text())
        (out / "output.txt").write_text(output_text(saved))
        target.write_text(report.render(saved, TEMPLATE, COMMAND))
        print(f"report: {target} (from {raw})")
        return
    threads = machine.match_threads()
    # chainrule's contender runs in this process: with freed memory kept for reuse, as `chainrule
    # train` runs it (chainrule.memory); (e)'s chainrule worker opts in in its own process
    chainrule.memory.keep_freed_memory()
    saved: dict[str, Any] = {"runs": {}}
    if raw.exists() and not smoke:
        saved = json.loads(raw.read_text())
        if saved.get("smoke"):
            saved = {"runs": {}}
    saved.update(machine=machine.describe(), smoke=smoke)
    print(f"benchmarks {', '.join(keys)}; NumPy's BLAS and PyTorch both use {threads} threads; "
          f"load average {fmt_load(machine.load_average())}", flush=True)
    for key in ORDER:
        if key not in keys:
            continue
        print(f"\n{report.TITLES[key]} ...", flush=True)
        saved["runs"][key] = run = run_one(key, smoke, out)
        print(report.summary(key, run["result"]), flush=True)
        raw.write_text(json.dumps(saved, indent=1, default=float))  # keep what is done if a later one fails
    (out / "output.txt").write_text(output_text(saved))
    target.write_text(report.render(saved, TEMPLATE, COMMAND))
    print(f"\nresults: {raw}\nreport:  {target}")


if __name__ == "__main__":
    sys.exit(app())
