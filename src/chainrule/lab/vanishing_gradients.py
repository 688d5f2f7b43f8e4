"""Vanishing gradients through time: dL/dh_t against the distance from the loss.

The lecture shows a deep stack of sigmoids multiplying the gradient by ``sigma' <= 1/4`` per
layer. A recurrent net unrolled over time is such a stack, one layer per step, with the *same*
weights every step: the gradient reaching ``h_{T-k}`` from a loss on ``h_T`` is a product of ``k``
Jacobians ``dh_t/dh_{t-1}``.

* tanh RNN: ``dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh``; with ``|1 - h^2| <= 1`` and ``W_hh`` of
  spectral radius below one, the product shrinks geometrically.
* GRU: ``h_t = (1 - z) n + z h_{t-1}`` has an additive path ``diag(z)``; LSTM:
  ``c_t = f c_{t-1} + i g`` has ``diag(f)``. When the gates are open (``z``, ``f`` near 1) the
  gradient passes almost unchanged; at PyTorch's default initialisation ``z`` and ``f`` sit near
  ``sigma(0) = 1/2`` and the gated nets shrink it too.

The experiment unrolls each cell (``RNNCell``, ``GRUCell``, ``LSTMCell``) step by step, so that
the engine records every ``h_t`` and ``retain_grad`` reads ``dL/dh_t``; it checks that the
layer's hand-written backprop through time gives the same ``dL/dh_0``.
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule import nn

from .registry import Experiment
from .result import Result

KINDS = ("tanh RNN", "GRU", "LSTM")
CELLS = {"tanh RNN": nn.RNNCell, "GRU": nn.GRUCell, "LSTM": nn.LSTMCell}
LAYERS = {"tanh RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}
GATE_BIAS = 3.0  # added to the update (GRU) / forget (LSTM) gate's bias: sigma(3) = 0.95
DISTANCES = (1, 10, 20, 40)


def _open_gates(cell: nn.Module, kind: str, bias: float) -> None:
    """Push the gate that keeps the old state (GRU's z, LSTM's f: rows H..2H) toward 1."""
    if kind != "tanh RNN":
        H = cell.hidden_size
        cell.bias_hh._data[H:2 * H] += bias


def gradient_by_distance(cell: nn.Module, kind: str, x: cr.Tensor, R: cr.Tensor) -> tuple[np.ndarray, cr.Tensor]:
    """``||dL/dh_t||`` (mean over the batch) for ``L = sum(R * h_T)``, indexed by distance ``T - t``
    (0 .. T), with the gradient of ``h_0``; the cell is unrolled so the engine sees every step."""
    T, B = x.shape[0], x.shape[1]
    h0 = cr.zeros(B, cell.hidden_size, dtype=x.dtype, requires_grad=True)
    h, c, hs = h0, cr.zeros(B, cell.hidden_size, dtype=x.dtype), [h0]
    for t in range(T):
        if kind == "LSTM":
            h, c = cell(x[t], (h, c))
        else:
            h = cell(x[t], h)
        h.retain_grad()
        hs.append(h)
    (hs[-1] * R).sum().backward()
    norms = np.array([np.linalg.norm(v.grad._data, axis=1).mean() for v in hs])[::-1]
    return norms, h0.grad


def layer_h0_gradient(cell: nn.Module, kind: str, x: cr.Tensor, R: cr.Tensor) -> np.ndarray:
    """dL/dh_0 through the layer (one node, backprop through time by hand) with the cell's weights."""
    layer = LAYERS[kind](cell.input_size, cell.hidden_size)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(layer, name + "_l0")._data[...] = getattr(cell, name)._data
    h0 = cr.zeros(1, x.shape[1], cell.hidden_size, requires_grad=True)
    if kind == "LSTM":
        out, _ = layer(x, (h0, cr.zeros(1, x.shape[1], cell.hidden_size)))
    else:
        out, _ = layer(x, h0)
    (out[-1] * R).sum().backward()
    return h0.grad._data[0]


def _run(res: Result, fast: bool) -> None:
    from chainrule.viz.plots import PALETTE, figure

    T, B, I, H = (40, 32, 8, 32) if fast else (60, 64, 8, 64)
    x, R = cr.randn(T, B, I), cr.randn(B, H)
    settings = {"PyTorch's default initialisation": 0.0, f"gates open (z, f bias +{GATE_BIAS:g})": GATE_BIAS}
    curves: dict[str, dict[str, np.ndarray]] = {}
    agreement = {}
    fig, axes = figure(1, 2, size=(13, 4.6), sharey=True)
    rows = []
    for ax, (setting, bias) in zip(axes, settings.items()):
        curves[setting] = {}
        for kind, color in zip(KINDS, PALETTE):
            cell = CELLS[kind](I, H)
            _open_gates(cell, kind, bias)
            norms, h0_grad = gradient_by_distance(cell, kind, x, R)
            rel = norms / norms[0]
            curves[setting][kind] = rel
            if bias == 0.0:
                agreement[kind] = float(np.abs(layer_h0_gradient(cell, kind, x, R) - h0_grad._data).max())
            ax.semilogy(np.arange(T + 1), rel, color=color, lw=2, label=kind)
            rows.append([setting, kind] + [float(rel[d]) for d in DISTANCES])
        ax.set_title(setting, fontsize=11)
        ax.set_xlabel("distance T - t (time steps back from the loss)")
        ax.legend(fontsize=9)
    axes[0].set_ylabel("||dL/dh_t|| / ||dL/dh_T||")
    res.figure(fig, "gradient_by_distance",
               f"The gradient reaching h_t from a loss on h_T (T = {T}, hidden {H}, batch {B}), "
               "relative to its size at h_T, measured with the engine on the unrolled cells. "
               "Left: at PyTorch's initialisation every net shrinks it geometrically (the GRU's "
               "update gate and the LSTM's forget gate sit near 1/2). Right: with those gates "
               "open, the GRU's and LSTM's additive paths carry it across the whole sequence; the "
               "tanh RNN has no such path.")
    res.table("||dL/dh_t|| relative to ||dL/dh_T||, at distances T - t.",
              ["setting", "net"] + [f"distance {d}" for d in DISTANCES], rows)
    far = DISTANCES[-1] if DISTANCES[-1] <= T else T
    default, opened = curves[list(settings)[0]], curves[list(settings)[1]]
    res.numbers["relative_gradient"] = {s: {k: {str(d): float(v[d]) for d in DISTANCES if d <= T}
                                            for k, v in c.items()} for s, c in curves.items()}
    res.numbers["layer_vs_unrolled_h0_gradient"] = agreement
    rnn_far = default["tanh RNN"][far]
    res.check("the tanh RNN's gradient vanishes with distance",
              rnn_far < 1e-4 and opened["tanh RNN"][far] < 1e-4,
              f"at distance {far}: {rnn_far:.1e} (default init)")
    gated = min(opened["GRU"][far], opened["LSTM"][far])
    res.check("with open gates the GRU and LSTM keep the gradient far longer than the tanh RNN",
              gated > 1e3 * opened["tanh RNN"][far] and gated > 1e-2,
              f"at distance {far}: GRU {opened['GRU'][far]:.1e}, LSTM {opened['LSTM'][far]:.1e}, "
              f"tanh RNN {opened['tanh RNN'][far]:.1e}")
    res.check("at PyTorch's default initialisation the gated nets' gradient shrinks too (gates near 1/2)",
              max(default["GRU"][far], default["LSTM"][far]) < 1e-3,
              f"at distance {far}: GRU {default['GRU'][far]:.1e}, LSTM {default['LSTM'][far]:.1e}")
    res.check("the layers' hand-written backprop through time equals the engine on the unrolled cells",
              max(agreement.values()) < 1e-5, f"max |difference| of dL/dh_0: {max(agreement.values()):.1e}")


EXPERIMENT = Experiment(
    name="vanishing-gradients-through-time",
    title="Vanishing gradients through time",
    slide="Vanishing gradients (sigmoid saturation), one step on: recurrent nets",
    claim="Unrolled over time a recurrent net is a deep net with shared weights: the gradient "
          "reaching h_t from a loss k steps later is a product of k Jacobians and vanishes "
          "geometrically for a tanh RNN; the GRU's and LSTM's additive state paths, when their "
          "gates are open, carry it across the sequence.",
    formulas=(r"\dfrac{\partial L}{\partial h_{T-k}} = \dfrac{\partial L}{\partial h_T}"
              r"\prod_{t=T-k+1}^{T} \dfrac{\partial h_t}{\partial h_{t-1}}",
              r"\mathrm{RNN:}\ \dfrac{\partial h_t}{\partial h_{t-1}} = \mathrm{diag}(1 - h_t^2)\, W_{hh}",
              r"\mathrm{GRU:}\ h_t = (1 - z) \odot n + z \odot h_{t-1},\qquad "
              r"\mathrm{LSTM:}\ c_t = f \odot c_{t-1} + i \odot g"),
    method="RNNCell(tanh), GRUCell and LSTMCell unrolled over a random input sequence; the loss is "
           "a random projection of the last state; retain_grad on every h_t gives dL/dh_t from the "
           "engine, at PyTorch's initialisation and with the update/forget gate bias raised by 3; "
           "dL/dh_0 is checked against the GRU/RNN/LSTM layers' hand-written backward.",
    run=_run,
)
