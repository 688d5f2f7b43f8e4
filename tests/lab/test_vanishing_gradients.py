"""vanishing-gradients-through-time: dL/dh_t against distance for a tanh RNN, a GRU and an LSTM."""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.cli import build_model
from chainrule.lab import vanishing_gradients as vg
from chainrule.lab.training import SequenceGRU

NAME = "vanishing-gradients-through-time"


def test_measurements_support_the_verdict(results):
    res = results(NAME)
    rel = res.numbers["relative_gradient"]
    default, opened = rel["PyTorch's default initialisation"], rel[f"gates open (z, f bias +{vg.GATE_BIAS:g})"]
    for curves in (default, opened):
        for kind, by_distance in curves.items():
            values = [by_distance[str(d)] for d in vg.DISTANCES if str(d) in by_distance]
            assert all(0 < v for v in values), kind
    # the tanh RNN shrinks geometrically: each 10 steps cost it more than a factor 10
    assert default["tanh RNN"]["20"] < 1e-2 * default["tanh RNN"]["10"]
    assert opened["GRU"]["40"] > 1e3 * opened["tanh RNN"]["40"]
    assert opened["LSTM"]["40"] > 1e3 * opened["tanh RNN"]["40"]
    assert max(res.numbers["layer_vs_unrolled_h0_gradient"].values()) < 1e-5


def test_gradient_by_distance_is_the_engine_on_the_unrolled_cell():
    """For a one-unit tanh RNN the chain rule is a product of scalars: dh_t/dh_{t-1} = (1 - h_t^2) w."""
    cr.manual_seed(0)
    cell = nn.RNNCell(1, 1, dtype=cr.float64)
    x = cr.randn(5, 1, 1, dtype=cr.float64)
    R = cr.ones(1, 1, dtype=cr.float64)
    norms, _ = vg.gradient_by_distance(cell, "tanh RNN", x, R)
    w_ih, w_hh = cell.weight_ih._data[0, 0], cell.weight_hh._data[0, 0]
    b = cell.bias_ih._data[0] + cell.bias_hh._data[0]
    h, hs = 0.0, []
    for t in range(5):
        h = np.tanh(w_ih * x._data[t, 0, 0] + w_hh * h + b)
        hs.append(h)
    want, g = [1.0], 1.0
    for h in reversed(hs):
        g *= (1 - h * h) * w_hh
        want.append(abs(g))
    np.testing.assert_allclose(norms, want, rtol=1e-12)


def test_train_model_gru_builds_the_paper_network():
    model = build_model(40, 10, "gru", (), "relu", "default")
    assert isinstance(model, SequenceGRU)
    shapes = {n: tuple(p.shape) for n, p in model.named_parameters()}
    assert shapes["gru.weight_ih_l0"] == (18, 1) and shapes["gru.weight_hh_l0_reverse"] == (18, 6)
    assert shapes["linear.weight"] == (10, 480)
    assert tuple(model(cr.randn(7, 40)).shape) == (7, 10)
