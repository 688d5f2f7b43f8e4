"""The lab report: one HTML page in the lecture's order, its figures, and ``results.json``.

The page is rendered from ``templates/index.html`` with Jinja2. It needs no network: figures are
PNG/GIF files beside it, and the slides' formulas are pre-rendered to SVG by matplotlib's mathtext
(the glyphs become paths, so not even a font is fetched).
"""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from .registry import names
from .result import Result, jsonable

_TEMPLATES = Path(__file__).parent / "templates"


def write_report(results: Sequence[Result], out: str | Path) -> Path:
    """Write ``out/index.html``, ``out/results.json`` and the images; return the page's path."""
    import jinja2

    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "formulas").mkdir(parents=True, exist_ok=True)
    order = {n: i for i, n in enumerate(names())}
    results = sorted(results, key=lambda r: order.get(r.name, len(order)))

    sections = []
    for r in results:
        for fig in r.figures:
            (out / "figures" / fig.filename(r.name)).write_bytes(fig.data)
        formulas = []
        for i, tex in enumerate(r.formulas):
            path = out / "formulas" / f"{r.name}-{i}.svg"
            path.write_bytes(render_formula(tex))
            formulas.append({"tex": tex, "src": f"formulas/{path.name}"})
        sections.append({"r": r, "formulas": formulas, "number": order.get(r.name, 0) + 1})

    summary = {
        "chainrule": __version__,
        "fast": all(r.fast for r in results),
        "seed": results[0].seed if results else None,
        "supported": sum(r.verdict for r in results),
        "total": len(results),
        "seconds": round(sum(r.seconds for r in results), 2),
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = format_number
    html = env.get_template("index.html").render(sections=sections, summary=summary)
    (out / "index.html").write_text(html, encoding="utf-8")

    payload = {**summary, "experiments": [r.to_dict() for r in results]}
    (out / "results.json").write_text(json.dumps(jsonable(payload), indent=2), encoding="utf-8")
    return out / "index.html"


def render_formula(tex: str, size: float = 16) -> bytes:
    """A TeX formula (matplotlib mathtext's subset) as SVG bytes, in Computer Modern."""
    import matplotlib
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    buf = io.BytesIO()
    with matplotlib.rc_context({"mathtext.fontset": "cm", "svg.hashsalt": "chainrule"}):
        mathtext.math_to_image(f"${tex}$", buf, prop=FontProperties(size=size), dpi=100, format="svg")
    return buf.getvalue()


def format_number(x: Any) -> str:
    """Numbers for a table cell: ints whole, floats to 4 significant digits, tiny/huge in e-form."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            return str(x)
        if x == 0:
            return "0"
        if abs(x) >= 1e5 or abs(x) < 1e-3:
            return f"{x:.3e}"
        return f"{x:.4g}"
    if hasattr(x, "item") and getattr(x, "ndim", 1) == 0:  # NumPy scalars
        return format_number(x.item())
    return str(x)
