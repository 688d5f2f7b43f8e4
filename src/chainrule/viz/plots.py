"""Plots shared by the command line and the lab: figures without pyplot, a palette, contours, a
classifier's decision regions, a regression's fitted curve, a circuit diagram, and saving a PNG.

Figures are built with ``matplotlib.figure.Figure`` directly, so nothing here touches pyplot's
global state or the user's backend. matplotlib is imported when a figure is made, not with this
module (it comes with the ``lab`` extra).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..nn import Module

# a colour-blind-safe palette (Okabe-Ito), then more distinct colours for 9-way comparisons
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#8C564B", "#7F7F7F", "#BCBD22"]


def class_colormap(k: int) -> Any:
    """``k`` class colours from :data:`PALETTE` (Okabe-Ito first, colour-blind safe) as a
    colormap; matplotlib's tab20 past its ten."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    colours = PALETTE[:k] if k <= len(PALETTE) else [colormaps["tab20"](i % 20) for i in range(k)]
    return ListedColormap(colours if k > 1 else PALETTE[:2])


def figure(nrows: int = 1, ncols: int = 1, size: tuple[float, float] = (6.4, 4.0),
           **kw: Any) -> tuple[Figure, Any]:
    """A Figure and its axes (squeezed like ``plt.subplots``), with a readable default style."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=True, **kw)
    for ax in np.atleast_1d(axes).ravel():
        ax.grid(True, alpha=0.25)
        ax.tick_params(labelsize=9)
    return fig, axes


def readable_legends(fig: Figure, page_px: float = 1070.0, dpi: float = 100.0) -> None:
    """Enlarge legend text that would read under about 11 pixels once ``fig`` is shrunk to a page
    ``page_px`` wide: a 16-inch row of panels needs 12-point legends, a single plot keeps 9."""
    width_px = fig.get_figwidth() * dpi
    scale = min(1.0, page_px / width_px)
    smallest = max(9.0, 11.0 / (scale * dpi / 72))  # points
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes]
    for legend in filter(None, legends):
        for text in legend.get_texts():
            if text.get_fontsize() < smallest:
                text.set_fontsize(smallest)
    for ax in fig.axes:
        plain_log_labels(ax)


def plain_log_labels(ax: Any) -> None:
    """On a logarithmic y axis spanning under two decades, label the ticks in plain numbers (2,
    0.5, 0.3) instead of matplotlib's 2x10^0 and 3x10^-1; wider axes keep their powers of ten."""
    from matplotlib.ticker import FuncFormatter

    if ax.get_yscale() != "log":
        return
    lo, hi = sorted(ax.get_ylim())
    if lo > 0 and hi / lo < 100:
        plain = FuncFormatter(lambda v, _: f"{v:g}")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)


def save_png(fig: Figure, path: str | Path, dpi: int = 110) -> Path:
    """Write ``fig`` to ``path`` as a PNG, atomically (a reader never sees half a file)."""
    from ..serialization import atomic_write

    readable_legends(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    with atomic_write(path) as f:
        f.write(buf.getvalue())
    return Path(path)


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


def predict(model: Module, X: np.ndarray, transform: Callable[[np.ndarray], np.ndarray] | None = None,
            dtype: Any = np.float32) -> np.ndarray:
    """``model``'s outputs on the rows of ``X`` (through ``transform``, e.g. a fitted scaler's), in
    evaluation mode and without a graph; the model's mode is left as it was."""
    import chainrule

    inputs = X if transform is None else transform(X)
    was_training = model.training
    model.eval()
    try:
        with chainrule.no_grad():
            return model(chainrule.from_numpy(np.ascontiguousarray(inputs, dtype=dtype))).numpy()
    finally:
        model.train(was_training)


def decision_boundary(ax: Any, model: Module, X: np.ndarray, y: np.ndarray, *,
                      test: tuple[np.ndarray, np.ndarray] | None = None, num_classes: int | None = None,
                      transform: Callable[[np.ndarray], np.ndarray] | None = None, dtype: Any = np.float32,
                      pad: float = 0.1, n: int = 200) -> None:
    """A 2-D classifier's decision regions (the argmax of its outputs) over the box of the points,
    its decision boundary in black, and the points coloured by class: ``X, y`` as dots and
    ``test`` as triangles. ``transform`` maps the points' space to the model's inputs (a fitted
    scaler's ``transform``); the plot stays in the points' own units."""
    pts = X if test is None else np.concatenate([X, test[0]])
    labels = y if test is None else np.concatenate([y, test[1]])
    k = num_classes if num_classes is not None else int(labels.max()) + 1
    lo, hi = pts.min(0), pts.max(0)
    margin = pad * (hi - lo)
    g0, g1 = np.meshgrid(np.linspace(lo[0] - margin[0], hi[0] + margin[0], n),
                         np.linspace(lo[1] - margin[1], hi[1] + margin[1], n))
    grid = np.stack([g0.ravel(), g1.ravel()], axis=1)
    region = predict(model, grid, transform, dtype).argmax(-1).reshape(g0.shape)
    levels = np.arange(k + 1) - 0.5  # one band per class
    cmap = class_colormap(k)
    ax.contourf(g0, g1, region, levels=levels, cmap=cmap, alpha=0.22)
    if region.min() != region.max():
        ax.contour(g0, g1, region, levels=levels[1:-1], colors="black", linewidths=1.2)
    # points in the class's full colour with a white rim: distinct from each other and from the
    # pale regions behind them, whichever region they fall in
    colours = {"cmap": cmap, "vmin": -0.5, "vmax": k - 0.5}
    ax.scatter(X[:, 0], X[:, 1], c=y, s=14, edgecolors="white", linewidths=0.3, label="train",
               **colours)
    if test is not None:
        ax.scatter(test[0][:, 0], test[0][:, 1], c=test[1], s=26, marker="^", edgecolors="black",
                   linewidths=0.6, label="test", **colours)
        legend = ax.legend(loc="upper right", framealpha=0.9)
        for handle in legend.legend_handles:  # the marker shapes, not one class's colour
            handle.set_facecolor("#777777")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")


def regression_fit(ax: Any, model: Module, X: np.ndarray, y: np.ndarray, *,
                   test: tuple[np.ndarray, np.ndarray] | None = None,
                   transform: Callable[[np.ndarray], np.ndarray] | None = None, dtype: Any = np.float32,
                   n: int = 400) -> None:
    """A 1-D regression model's curve over the range of the points, with the points: ``X, y`` as
    dots and ``test`` as triangles (``transform`` as in :func:`decision_boundary`)."""
    pts = X if test is None else np.concatenate([X, test[0]])
    xs = np.linspace(pts.min(), pts.max(), n)[:, None]
    ax.scatter(X[:, 0], y[:, 0], s=8, alpha=0.5, label="train")
    if test is not None:
        ax.scatter(test[0][:, 0], test[1][:, 0], s=14, marker="^", alpha=0.7, label="test")
    ax.plot(xs[:, 0], predict(model, xs, transform, dtype)[:, 0], color="black", lw=2, label="model")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend()


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
        # on a white patch above the wires, so that no line (this one or one crossing it) runs
        # through the text
        patch = {"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.9}
        if above:
            ax.text(mx, my + 0.09, above, color=colors[0], fontsize=10, ha="center", va="bottom",
                    fontweight="bold", bbox=patch, zorder=4)
        if below:
            ax.text(mx, my - 0.09, below, color=colors[1], fontsize=10, ha="center", va="top",
                    fontweight="bold", bbox=patch, zorder=4)
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
