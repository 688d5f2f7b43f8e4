"""The lecture lab: every claim of the intro lecture as a runnable, plotted, checked experiment.

>>> from chainrule import lab
>>> res = lab.run("chain-rule", fast=True)      # a Result: checks, numbers, tables, figures
>>> res.verdict
True
>>> lab.write_report([res], "lab-report")        # lab-report/index.html and results.json

From the command line: ``chainrule lab list``, ``chainrule lab run NAME``, ``chainrule lab all``.
"""

from .registry import DEFAULT_SEED, Experiment, get, names, run, run_all
from .report import write_report
from .result import Check, Figure, Result, Table

__all__ = [
    "DEFAULT_SEED", "Check", "Experiment", "Figure", "Result", "Table", "get", "names", "run",
    "run_all", "write_report",
]
