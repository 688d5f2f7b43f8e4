"""The plots shared by the command line and the lab: predictions, decision regions, fitted curves."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import chainrule
from chainrule import nn
from chainrule.viz import decision_boundary, figure, predict, regression_fit, save_png


def _threshold_model() -> nn.Sequential:
    """Class 1 exactly where x1 > 0 (the logits are (-x1, x1))."""
    model = nn.Sequential(nn.Linear(2, 2))
    model[0].weight._data[...] = [[-1.0, 0.0], [1.0, 0.0]]
    model[0].bias._data[...] = 0.0
    return model


def test_predict_transforms_the_inputs_and_keeps_the_mode():
    model = _threshold_model()
    X = np.array([[1.0, 5.0], [-2.0, 0.0]])
    assert model.training
    out = predict(model, X, transform=lambda a: a - 3.0)
    np.testing.assert_allclose(out, [[2.0, -2.0], [5.0, -5.0]])
    assert out.dtype == np.float32 and model.training
    model.eval()
    predict(model, X)
    assert not model.training


def test_decision_boundary_draws_the_regions_of_the_argmax(tmp_path):
    model = _threshold_model()
    g = np.random.default_rng(0)
    X = g.uniform(-1, 1, (50, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    fig, ax = figure()
    decision_boundary(ax, model, X, y, test=(X[:5], y[:5]), n=50)
    filled, line = ax.collections[:2]  # contourf's regions, then the boundary line
    assert len(filled.get_paths()) == 2  # one region per class
    (boundary,) = [p for p in line.get_paths() if len(p.vertices)]
    assert np.allclose(boundary.vertices[:, 0], 0.0, atol=0.05)  # the line x1 = 0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
    path = save_png(fig, tmp_path / "boundary.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_decision_boundary_of_a_constant_model_draws_no_line():
    model = _threshold_model()
    X = np.abs(np.random.default_rng(1).uniform(0.5, 1, (20, 2)))  # every point in class 1
    fig, ax = figure()
    decision_boundary(ax, model, X, np.ones(20, dtype=np.int64), num_classes=2)
    assert len(ax.collections) == 2  # the region and the points; no boundary
    assert ax.get_legend() is None


def test_regression_fit_draws_the_model_over_the_points_range():
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 1))
    X = np.linspace(-2, 3, 30)[:, None]
    fig, ax = figure()
    regression_fit(ax, model, X, 2 * X, test=(X[:3] + 0.5, X[:3]), n=10)
    (line,) = ax.get_lines()
    xs, ys = line.get_data()
    assert xs[0] == -2 and xs[-1] == 3 and len(xs) == 10
    w, b = model[0].weight.item(), model[0].bias.item()
    np.testing.assert_allclose(ys, w * xs + b, rtol=1e-5, atol=1e-6)


def test_plots_import_neither_matplotlib_nor_graphviz_until_they_draw():
    import subprocess

    code = ("import sys, chainrule.viz\n"
            "print(sorted(m for m in ('matplotlib', 'graphviz') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["draw_graph", "ComputationGraph", "GraphvizMissingError"])
def test_the_graph_drawing_loads_on_first_use(name):
    import chainrule.viz

    assert getattr(chainrule.viz, name).__module__ == "chainrule.viz.graph"


def test_class_colours_are_the_colour_blind_safe_palette_and_distinct():
    """Three classes (spirals) get Okabe-Ito's blue, vermillion and green: no class is grey on
    grey, and each differs from the others in lightness or hue."""
    from matplotlib.colors import to_hex, to_rgb

    from chainrule.viz.plots import PALETTE, class_colormap

    cmap = class_colormap(3)
    colours = [to_hex(cmap(i)) for i in range(3)]
    assert [c.upper() for c in colours] == PALETTE[:3]
    for c in colours:
        r, g, b = to_rgb(c)
        assert max(r, g, b) - min(r, g, b) > 0.3  # saturated: not a grey
    assert class_colormap(12).N == 12


def test_regression_fit_keeps_its_labels_inside_the_figure():
    model = nn.Sequential(nn.Linear(1, 1))
    X = np.linspace(-3, 3, 40)[:, None]
    fig, ax = figure(size=(6.0, 4.0))
    regression_fit(ax, model, X, np.sin(X), test=(X[:5], np.sin(X[:5])))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    for label in (ax.xaxis.label, ax.yaxis.label):
        box = label.get_window_extent(renderer)
        assert label.get_text() and box.x0 >= 0 and box.y0 >= 0
