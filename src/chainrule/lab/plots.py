"""Plot helpers shared by the experiments: figures without pyplot, a palette, contours, graphs.

Figures are built with ``matplotlib.figure.Figure`` directly, so the lab never touches pyplot's
global state or the user's backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.figure import Figure

# a colour-blind-safe palette (Okabe-Ito), then more distinct colours for 9-way comparisons
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#8C564B", "#7F7F7F", "#BCBD22"]


def figure(nrows: int = 1, ncols: int = 1, size: tuple[float, float] = (6.4, 4.0),
           **kw: Any) -> tuple[Figure, Any]:
    """A Figure and its axes (squeezed like ``plt.subplots``), with a readable default style."""
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=True, **kw)
    for ax in np.atleast_1d(axes).ravel():
        ax.grid(True, alpha=0.25)
        ax.tick_params(labelsize=9)
    return fig, axes


def contour(ax: Any, f: Callable[[np.ndarray, np.ndarray], np.ndarray], xlim: tuple[float, float],
            ylim: tuple[float, float], levels: Any = 25, log: bool = False, n: int = 200) -> None:
    """Level sets of ``f(X, Y)`` (vectorised NumPy) over a box; ``log`` spaces them geometrically."""
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    X, Y = np.meshgrid(xs, ys)
    Z = f(X, Y)
    if log:
        lo = max(float(Z.min()), 1e-12 * float(Z.max()) + 1e-12)
        Z = np.maximum(Z, lo)
        levels = np.geomspace(lo, float(Z.max()), levels if isinstance(levels, int) else 25)
    ax.contour(X, Y, Z, levels=levels, cmap="Greys_r", linewidths=0.7, alpha=0.8)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)


def draw_network(ax: Any, nodes: dict[str, tuple[float, float, str]],
                 edges: list[tuple[str, str, str, str]], at: float = 0.42,
                 notes: dict[str, str] | None = None, node_color: str = "#eef5fc",
                 colors: tuple[str, str] = ("#1a7f37", "#cf222e")) -> None:
    """A computation graph: ``nodes[key] = (x, y, label)``, edges ``(src, dst, above, below)``.

    On each edge the text ``above`` (forward value) is written in green, ``below`` (gradient) in
    red (``colors``), as in the usual circuit pictures of backpropagation, at fraction ``at`` of
    the way. ``notes[key]`` is written in red beside a node (outside the drawing).
    """
    for src, dst, above, below in edges:
        (x0, y0, _), (x1, y1, _) = nodes[src], nodes[dst]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 1.2,
                                "shrinkA": 22, "shrinkB": 22})
        mx, my = x0 + at * (x1 - x0), y0 + at * (y1 - y0)
        if above:
            ax.text(mx, my + 0.09, above, color=colors[0], fontsize=10, ha="center", va="bottom",
                    fontweight="bold")
        if below:
            ax.text(mx, my - 0.09, below, color=colors[1], fontsize=10, ha="center", va="top",
                    fontweight="bold")
    for x, y, label in nodes.values():
        ax.text(x, y, label, ha="center", va="center", fontsize=12,
                bbox={"boxstyle": "circle,pad=0.45", "fc": node_color, "ec": "#0b5cad", "lw": 1.3})
    mid = np.mean([y for _, y, _ in nodes.values()])
    for key, text in (notes or {}).items():  # above the upper nodes, below the lower ones
        x, y, _ = nodes[key]
        up = y > mid
        ax.text(x, y + (0.2 if up else -0.2), text, ha="center", va="bottom" if up else "top",
                fontsize=9.5, color="#cf222e")
    ax.set_axis_off()
