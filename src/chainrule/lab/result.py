"""What one experiment measured: checks, numbers, tables and figures, and the verdict they give.

An experiment fills a :class:`Result` while it runs (``res.check(...)``, ``res.table(...)``,
``res.figure(...)``); the report and ``results.json`` are written from it. The verdict is never
set by hand: it is true exactly when every check, each a comparison of a measurement with what
the slide predicts, passed.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Check:
    """One measured test of the slide's claim: what was tested, whether it held, and the numbers."""

    what: str
    passed: bool
    detail: str = ""


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class Figure:
    """An image the experiment drew: PNG (a plot) or GIF (an animation), kept as bytes."""

    key: str
    caption: str
    data: bytes
    fmt: str = "png"

    def filename(self, experiment: str) -> str:
        return f"{experiment}-{self.key}.{self.fmt}"


@dataclass
class Result:
    """The outcome of one lab experiment (``chainrule.lab.run(name)`` returns it)."""

    name: str
    title: str
    slide: str
    claim: str
    formulas: list[str]
    method: str
    fast: bool
    seed: int
    checks: list[Check] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def verdict(self) -> bool:
        """True when the measurements support the claim: every check passed (and there was one)."""
        return bool(self.checks) and all(c.passed for c in self.checks)

    # ------------------------------------------------------------------ recording
    def check(self, what: str, passed: Any, detail: str = "") -> bool:
        passed = bool(passed)
        self.checks.append(Check(what, passed, detail))
        return passed

    def table(self, caption: str, columns: list[str], rows: list[list[Any]]) -> None:
        self.tables.append(Table(caption, list(columns), [list(r) for r in rows]))

    def figure(self, fig: Any, key: str, caption: str, dpi: int = 100) -> None:
        """Keep a matplotlib Figure as PNG bytes (legends enlarged to read on the report's page)."""
        from ..viz.plots import readable_legends

        readable_legends(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
        self.figures.append(Figure(key, caption, buf.getvalue(), "png"))

    def animation(self, frames: list[Any], key: str, caption: str, ms_per_frame: int = 120) -> None:
        """Keep a list of PIL images as an animated GIF that loops forever."""
        buf = io.BytesIO()
        first, *rest = frames
        first.save(buf, format="GIF", save_all=True, append_images=rest, duration=ms_per_frame,
                   loop=0, optimize=True, disposal=2)
        self.figures.append(Figure(key, caption, buf.getvalue(), "gif"))

    # ------------------------------------------------------------------ output
    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe summary: name, claim, verdict, checks, numbers, tables and figure files."""
        return {
            "name": self.name,
            "title": self.title,
            "slide": self.slide,
            "claim": self.claim,
            "verdict": self.verdict,
            "checks": [{"what": c.what, "passed": c.passed, "detail": c.detail} for c in self.checks],
            "numbers": jsonable(self.numbers),
            "timings": jsonable(self.timings),
            "tables": [
                {"caption": t.caption, "columns": t.columns, "rows": jsonable(t.rows)}
                for t in self.tables
            ],
            "figures": [f.filename(self.name) for f in self.figures],
            "fast": self.fast,
            "seed": self.seed,
            "seconds": round(self.seconds, 3),
        }


def jsonable(x: Any) -> Any:
    """Plain Python for JSON: NumPy scalars and arrays unwrapped, non-finite floats as strings."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer, int)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if math.isfinite(x) else str(x)
    return x
