"""``chainrule lab``: list, run one or run all lecture experiments and write the HTML report.

Registered in the main command with ``app.add_typer(lab_app, name="lab")``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from . import registry
from .report import write_report
from .result import Result

lab_app = typer.Typer(
    name="lab",
    help="The lecture lab: every slide's claim as a runnable, plotted, checked experiment.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain help, as the main command's
)

OUT = typer.Option(Path("lab-report"), "--out", "-o", metavar="DIR",
                   help="Folder for index.html, results.json and the figures.")
FAST = typer.Option(False, "--fast", help="Smaller sizes: every experiment in seconds.")
SEED = typer.Option(registry.DEFAULT_SEED, "--seed", metavar="N",
                    help="Seed of chainrule's generator.")


@lab_app.command("list")
def list_cmd() -> None:
    """List the experiments in the lecture's order."""
    for i, name in enumerate(registry.names(), 1):
        exp = registry.get(name)
        typer.echo(f"{i:2d}. {name:<24} {exp.title}")


@lab_app.command("run")
def run_cmd(name: str = typer.Argument(..., help="Experiment name (see `chainrule lab list`)."),
            out: Path = OUT, fast: bool = FAST, seed: int = SEED) -> None:
    """Run one experiment and write its report."""
    if name not in registry.names():
        typer.echo(f"lab run: no experiment named {name!r}; the experiments are: "
                   f"{', '.join(registry.names())}", err=True)
        raise typer.Exit(2)
    _finish([_run_one(name, fast, seed)], out)


@lab_app.command("all")
def all_cmd(out: Path = OUT, fast: bool = FAST, seed: int = SEED) -> None:
    """Run every experiment, in the lecture's order, and write the report."""
    results = []
    if not sys.stderr.isatty():  # a log file gets a line per experiment and no bar, as in train
        for name in registry.names():
            results.append(_run_one(name, fast, seed))
        _finish(results, out)
        return
    from tqdm import tqdm

    bar = tqdm(registry.names(), desc="lab", unit="exp", leave=False)
    for name in bar:
        bar.set_postfix_str(name)
        results.append(_run_one(name, fast, seed, echo=bar.write))
    _finish(results, out)


def _run_one(name: str, fast: bool, seed: int, echo=typer.echo) -> Result:
    res = registry.run(name, fast=fast, seed=seed)
    mark = "supported" if res.verdict else "NOT supported"
    echo(f"{name:<24} {mark:<14} {res.seconds:6.2f} s")
    return res


def _finish(results: list[Result], out: Path) -> None:
    page = write_report(results, out)
    supported = sum(r.verdict for r in results)
    typer.echo(f"{supported}/{len(results)} claims supported; "
               f"{sum(r.seconds for r in results):.1f} s; report: {page}")
