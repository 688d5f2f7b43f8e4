"""History (records, CSV, plot) and the built-in metrics against PyTorch."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

import chainrule
from chainrule.errors import ShapeError
from chainrule.train import History, accuracy
from chainrule.train.metrics import accuracy_counts, mae_counts, mse_counts, resolve
from torch_oracle import assert_close


def test_append_aligns_quantities_with_nan():
    h = History()
    h.append(1, {"loss": 1.0})
    h.append(2, {"loss": 0.5, "val_loss": 0.7})
    h.append(3, {"val_loss": 0.6})
    assert h.epoch == [1, 2, 3]
    assert h["loss"][:2] == [1.0, 0.5] and math.isnan(h["loss"][2])
    assert math.isnan(h["val_loss"][0]) and h["val_loss"][1:] == [0.7, 0.6]
    assert h.best("val_loss") == (3, 0.6) and h.best("loss") == (2, 0.5)
    assert len(h) == 3 and "loss" in h and h.last()["val_loss"] == 0.6
    with pytest.raises(KeyError, match="no quantity 'acc'; it has loss, val_loss"):
        h["acc"]


def test_best_mode_from_name():
    h = History()
    for e, a in enumerate([0.5, 0.9, 0.7], 1):
        h.append(e, {"val_accuracy": a})
    assert h.best("val_accuracy") == (2, 0.9)
    assert h.best("val_accuracy", mode="min") == (1, 0.5)


def test_csv_round_trip(tmp_path):
    h = History()
    h.append(1, {"loss": 1 / 3, "accuracy": 0.25, "lr": 0.1, "time": 0.01})
    h.append(2, {"loss": float("nan"), "accuracy": 0.5, "lr": 0.05, "time": 0.02})
    text = h.to_csv(tmp_path / "history.csv")
    assert text.splitlines()[0] == "epoch,loss,accuracy,lr,time"
    back = History.from_csv(tmp_path / "history.csv")
    assert back.epoch == [1, 2] and back["loss"][0] == 1 / 3 and math.isnan(back["loss"][1])
    assert back.history.keys() == h.history.keys()


def test_state_dict_round_trip_through_a_checkpoint(tmp_path):
    h = History()
    h.append(1, {"loss": 0.5})
    h.interrupted = True
    chainrule.save(h.state_dict(), tmp_path / "h.npz")
    back = History()
    back.load_state_dict(chainrule.load(tmp_path / "h.npz"))
    assert back.epoch == [1] and back["loss"] == [0.5] and back.interrupted


def test_plot_panels_and_file(tmp_path):
    h = History()
    for e in range(1, 4):
        h.append(e, {"loss": 1 / e, "accuracy": 0.5 + e / 10, "val_loss": 1.2 / e,
                     "val_accuracy": 0.4 + e / 10, "lr": 0.1, "time": 0.1})
    fig = h.plot(tmp_path / "curves.png", title="t", labels={"val": "test"})
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["loss", "accuracy"]
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["train", "test"]
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- metrics
@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 30), c=st.integers(2, 6), seed=st.integers(0, 1000))
def test_accuracy_matches_torch(n, c, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, c)).astype(np.float32)
    target = rng.integers(0, c, size=n)
    expected = (torch.from_numpy(logits).argmax(-1) == torch.from_numpy(target)).float().mean()
    assert accuracy(chainrule.from_numpy(logits), chainrule.from_numpy(target)) == pytest.approx(
        float(expected))
    one_hot = np.eye(c, dtype=np.float32)[target]
    assert accuracy_counts(logits, one_hot) == accuracy_counts(logits, target)


def test_binary_logits_accuracy():
    out = np.array([[2.0], [-1.0], [0.5], [-3.0]], np.float32)
    assert accuracy_counts(out, np.array([1, 0, 0, 0])) == (3.0, 4)
    assert accuracy_counts(out[:, 0], np.array([1.0, 0.0, 0.0, 0.0])) == (3.0, 4)
    assert accuracy_counts(out, np.array([[1.0], [0.0], [0.0], [0.0]])) == (3.0, 4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mse_mae_match_torch(dtype):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((7, 3)).astype(dtype), rng.standard_normal((7, 3)).astype(dtype)
    s, n = mse_counts(a, b)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    assert_close(np.float64(s / n), torch.nn.functional.mse_loss(ta, tb).double(), dtype, tol="tight")
    s, n = mae_counts(a, b)
    assert_close(np.float64(s / n), torch.nn.functional.l1_loss(ta, tb).double(), dtype, tol="tight")


def test_metric_shape_errors():
    with pytest.raises(ShapeError, match=r"mse: output shape \(4, 1\) and target shape \(4,\)"):
        mse_counts(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ShapeError, match=r"accuracy: output of shape \(4, 3\).*target has shape \(5,\)"):
        accuracy_counts(np.zeros((4, 3)), np.zeros(5, np.int64))


def test_resolve_names():
    assert [n for n, _ in resolve(("acc", "mse"))] == ["accuracy", "mse"]
    assert resolve(None) == [] and [n for n, _ in resolve("mae")] == ["mae"]
    with pytest.raises(TypeError, match="a metric must be a name or a callable"):
        resolve((3,))


def _drawn_tick_labels(fig, ax):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()  # tick labels are made at draw time
    return [t.get_text() for t in ax.get_yticklabels() if t.get_text()]


def _inside(fig, artist):
    box = artist.get_window_extent(fig.canvas.get_renderer())
    return box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height


@pytest.mark.parametrize("losses, log", [([2.3041, 2.3032, 2.3030, 2.3031], False),  # --init zeros
                                         ([2.3, 0.9, 0.2, 0.05], True)])
def test_loss_axis_is_log_only_across_decades_with_plain_labels(losses, log):
    """A loss that stays within a decade gets a linear axis (a log one labels no tick there, and
    matplotlib's minor labels read '304x10^0' for 2.304); across decades a log axis labelled in
    plain numbers. The y label stays inside the figure either way."""
    h = History()
    for e, v in enumerate(losses, 1):
        h.append(e, {"loss": v, "val_loss": v * 1.01})
    fig = h.plot()
    ax = fig.axes[0]
    assert ax.get_yscale() == ("log" if log else "linear")
    labels = _drawn_tick_labels(fig, ax)
    assert len(labels) >= 2 and not any("times" in t or "^" in t for t in labels)
    for text in labels:
        float(text.replace("\u2212", "-"))  # every label is a plain number
    assert ax.yaxis.label.get_text() == "loss" and _inside(fig, ax.yaxis.label)
