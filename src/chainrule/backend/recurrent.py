"""The GRU's time loop in one compiled kernel, forward and backward.

The reference (:class:`chainrule.nn._functions.recurrent.GRULayer`) runs each time step as a
dozen NumPy calls on ``[batch, hidden]`` arrays; for the small hidden sizes of the MNIST-1D GRU
(hidden 6, batch 100, 40 steps) each call costs far more than its arithmetic, and the gate
slices ``[:, :H]`` are strided. Here the loop over steps, the product ``h W_hh^T`` and the gates
run in one compiled pass per direction; the input projection ``X W_ih^T`` before the loop and the
weight gradients after it stay the reference's matrix products. The kernels fill the same saved
arrays as the twin (``gates``, ``ghn``, ``hprev``), so either backward can follow either forward.

Used when numba is installed, the dtype is float32/float64 and ``hidden_size <= 64`` (beyond, the
step's matrix product is better left to BLAS, and the twin runs). Gain: benchmark row (h).
"""

from __future__ import annotations

import math

import numpy as np

from ..nn._functions.recurrent import GRULayer, _input_projection, _weight_grads
from . import jit
from .registry import override, reference

_forward = reference(GRULayer, "forward")
_backward = reference(GRULayer, "backward")
MAX_HIDDEN = 64


def _gru_forward_loop(gi, h0, w_hh, b_hh, reverse, y, hprev, gates, ghn):
    """All steps of one direction: gi [T, B, 3H] (with b_ih), h0 [B, H] -> y, and the saved gates."""
    T, B, H = y.shape
    h = h0.copy()
    gh = np.empty(3 * H, dtype=y.dtype)
    for s in range(T):
        t = T - 1 - s if reverse else s
        for b in range(B):
            for j in range(3 * H):
                acc = b_hh[j]
                for k in range(H):
                    acc += w_hh[j, k] * h[b, k]
                gh[j] = acc
            for j in range(H):
                hprev[t, b, j] = h[b, j]
                # exp is cheaper than tanh: sigma(a) = 1 / (1 + e^-a), tanh(a) = 1 - 2 / (1 + e^2a)
                # (an overflowing e^x gives inf, and the limits 0, 1, -1 exactly)
                r = 1 / (1 + math.exp(-(gi[t, b, j] + gh[j])))
                z = 1 / (1 + math.exp(-(gi[t, b, H + j] + gh[H + j])))
                n = 1 - 2 / (1 + math.exp(2 * (gi[t, b, 2 * H + j] + r * gh[2 * H + j])))
                gates[t, b, j] = r
                gates[t, b, H + j] = z
                gates[t, b, 2 * H + j] = n
                ghn[t, b, j] = gh[2 * H + j]
                y[t, b, j] = n + z * (h[b, j] - n)
            for j in range(H):
                h[b, j] = y[t, b, j]


def _gru_backward_loop(g, gates, ghn, hprev, w_hh, reverse, dgi, dgh, dh):
    """The reference's backward loop; ``dh`` [B, H] enters as zeros and leaves as dL/dh0."""
    T, B, H = g.shape
    dprev = np.empty(H, dtype=g.dtype)
    for s in range(T):
        t = s if reverse else T - 1 - s
        for b in range(B):
            for j in range(H):
                d = dh[b, j] + g[t, b, j]
                r = gates[t, b, j]
                z = gates[t, b, H + j]
                n = gates[t, b, 2 * H + j]
                dan = d * (1 - z) * (1 - n * n)
                dar = dan * ghn[t, b, j] * r * (1 - r)
                daz = d * (hprev[t, b, j] - n) * z * (1 - z)
                dgi[t, b, j] = dar
                dgh[t, b, j] = dar
                dgi[t, b, H + j] = daz
                dgh[t, b, H + j] = daz
                dgi[t, b, 2 * H + j] = dan
                dgh[t, b, 2 * H + j] = dan * r
                dprev[j] = d * z
            for k in range(H):  # dh_prev = dh * z + dGH @ W_hh
                acc = dprev[k]
                for j in range(3 * H):
                    acc += dgh[t, b, j] * w_hh[j, k]
                dh[b, k] = acc


gru_forward_kernel = jit.kernel(_gru_forward_loop)
gru_backward_kernel = jit.kernel(_gru_backward_loop)


@override(GRULayer, "forward")
def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, *, reverse=False):
    H = w_hh.shape[1]
    if H > MAX_HIDDEN or not jit.available() or x.ndim != 3 or x.dtype != w_hh.dtype:
        return _forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, reverse=reverse)
    gi = _input_projection(x, w_ih, b_ih)  # [T, B, 3H], one matrix product
    if not jit.fits(gi, w_hh):
        return _forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, reverse=reverse)
    T, B = gi.shape[:2]
    dt = gi.dtype
    y = np.empty((T, B, H), dtype=dt)
    hprev, ghn = np.empty_like(y), np.empty_like(y)
    gates = np.empty_like(gi)
    bias = b_hh if b_hh is not None else np.zeros(3 * H, dtype=dt)
    gru_forward_kernel(gi, np.ascontiguousarray(h0, dtype=dt), w_hh, np.ascontiguousarray(bias),
                       bool(reverse), y, hprev, gates, ghn)
    ctx.x, ctx.w_ih, ctx.w_hh, ctx.hprev = x, w_ih, w_hh, hprev
    ctx.gates, ctx.ghn, ctx.reverse = gates, ghn, reverse
    return y


@override(GRULayer, "backward")
def backward(ctx, g):
    w_hh = ctx.w_hh
    if w_hh.shape[1] > MAX_HIDDEN or not jit.available() or g.dtype != w_hh.dtype:
        return _backward(ctx, g)
    gates, hprev = ctx.gates, ctx.hprev
    g = np.ascontiguousarray(g)
    dgi, dgh = np.empty_like(gates), np.empty_like(gates)
    dh = np.zeros_like(g[0])
    gru_backward_kernel(g, gates, ctx.ghn, hprev, np.ascontiguousarray(w_hh), bool(ctx.reverse),
                        dgi, dgh, dh)
    need = ctx.needs_input_grad
    dx, dw_ih, dw_hh, db_ih, db_hh = _weight_grads(need[:1] + need[2:], ctx.x, ctx.w_ih,
                                                   hprev, dgi, dgh)
    return dx, (dh if need[1] else None), dw_ih, dw_hh, db_ih, db_hh
