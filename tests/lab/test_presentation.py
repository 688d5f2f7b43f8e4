"""How the lab reports what it measured: words for missing values, captions, legends, plots."""

from __future__ import annotations

import pytest

from chainrule import lab
from chainrule.lab import result as result_module
from chainrule.viz import figure
from chainrule.viz.plots import readable_legends

# fast experiments whose tables used -1 for "none", "diverged" or "not searched"
WORDED = ["feature-scaling", "gd-sgd-minibatch", "momentum", "matrix-backprop"]


@pytest.mark.parametrize("name", WORDED)
def test_tables_write_words_not_codes(results, name):
    res = results(name)
    for table in res.tables:
        assert "-1:" not in table.caption and "(-1" not in table.caption, table.caption
        for row in table.rows:
            assert all(cell != -1 and cell != "-" for cell in row), (table.caption, row)
    for check in res.checks:
        assert "(-1" not in check.detail and " -1 " not in f"{check.detail} ", check.detail


def test_momentum_caption_names_the_surface_once(results):
    captions = [f.caption for f in results("momentum").figures]
    assert not any("ravine ravine" in c for c in captions)
    assert any("ravine f(x, y) = 0.5 (0.1 x² + 10 y²)" in c for c in captions)


@pytest.fixture(scope="module")
def drawn(monkeypatch_module):
    """gd-sgd-minibatch's matplotlib figures, kept as they are handed to the report."""
    figures = {}
    keep = result_module.Result.figure

    def record(self, fig, key, caption, dpi=100):
        figures[key] = fig
        keep(self, fig, key, caption, dpi)

    monkeypatch_module.setattr(result_module.Result, "figure", record)
    lab.run("gd-sgd-minibatch", fast=True)
    return figures


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_every_method_is_visible_with_a_legend_in_every_panel(drawn):
    """Batch GD makes one update per epoch: in the per-update and per-second panels it is a few
    points under SGD's thousands unless drawn on top, with markers; every panel has a legend."""
    axes = drawn["curves"].axes
    assert len(axes) == 3
    for ax in axes:
        legend = ax.get_legend()
        assert legend is not None
        assert [t.get_text() for t in legend.get_texts()] == [line.get_label() for line in ax.get_lines()]
        assert min(t.get_fontsize() for t in legend.get_texts()) >= 11  # a 16-inch row of panels
    for ax in axes[1:]:
        batch, *others = ax.get_lines()
        assert batch.get_label().startswith("batch GD")
        assert batch.get_marker() == "o" and batch.get_zorder() > max(o.get_zorder() for o in others)


def test_legends_are_enlarged_to_read_on_the_page():
    fig, axes = figure(1, 3, size=(16, 4))
    for ax in axes:
        ax.plot([0, 1], label="a")
        ax.legend(fontsize=8)
    readable_legends(fig)
    sizes = [ax.get_legend().get_texts()[0].get_fontsize() for ax in axes]
    assert all(s >= 11.5 for s in sizes)  # 16 inches shrunk to about 1070 px
    fig, ax = figure(size=(6, 4))
    ax.plot([0, 1], label="a")
    ax.legend(fontsize=12)
    readable_legends(fig)
    assert ax.get_legend().get_texts()[0].get_fontsize() == 12  # never made smaller


def test_the_lab_and_train_name_their_mnist1d_recipes_alike():
    """The lab's MNIST-1D MLP is 40-100-100-10; `chainrule train` uses 256-256: each says which."""
    text = lab.get("lr-vs-fc").method
    assert "40-100-100-10" in text and "40-256-256-10" in text
    assert "paper's training setup" not in text


def test_log_axes_under_two_decades_are_labelled_in_plain_numbers():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig, (narrow, wide) = figure(1, 2, size=(10, 4))
    narrow.semilogy([0.27, 0.5, 1.0, 2.0])
    wide.semilogy([1e-6, 1e2])
    readable_legends(fig)
    FigureCanvasAgg(fig).draw()
    labels = [t.get_text() for t in narrow.get_yticklabels(minor=True) + narrow.get_yticklabels()
              if t.get_text()]
    assert labels and all("times" not in t and "^" not in t for t in labels)
    assert any("10^" in t.get_text() for t in wide.get_yticklabels())  # decades keep powers of ten
