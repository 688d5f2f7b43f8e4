"""Recurrent layers as one graph node per layer and direction: backprop through time by hand.

Each Function's forward runs every time step of one layer in one direction and saves the gates;
its backward walks the steps back, applying the chain rule through the gates (the lecture's
``sigma' = s (1 - s)`` and ``tanh' = 1 - t^2``) and through the recurrence ``h_{t-1} -> h_t``.

Shapes (time-major, as PyTorch's ``batch_first=False``)::

    X  [T, B, in]      the layer's input sequence
    h0 [B, H]          the initial state (c0 [B, H] too for the LSTM)
    Y  [T, B, H]       h_t for every step (the LSTM returns [h_t | c_t], [T, B, P + H])

The input projection ``X W_ih^T + b_ih`` of all steps is one matrix product before the loop; the
loop only does what depends on the previous step, ``h W_hh^T``. In backward the same split holds:
the gradients of ``W_ih``, ``b_ih`` and ``X`` are one product each after the loop.

Gate order and equations are PyTorch's, so weights interchange:

* RNN:  ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``, act = tanh or relu
* GRU:  ``r, z = sigma(...)``, ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``,
  ``h_t = (1 - z) * n + z * h_{t-1}``
* LSTM: ``i, f, o = sigma(...)``, ``g = tanh(...)``, ``c_t = f * c_{t-1} + i * g``,
  ``h_t = o * tanh(c_t)`` (then ``h_t W_hr^T`` with ``proj_size``)

``reverse=True`` runs the steps from the last to the first (the second direction of a
bidirectional layer); ``Y[t]`` is still the state that belongs to input step ``t``.
"""

from __future__ import annotations

import numpy as np

from ...autograd.function import Function


def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + e^-x), computed as (1 + tanh(x / 2)) / 2: the same function, with no
    overflow for large |x| and one transcendental call."""
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def _steps(T: int, reverse: bool) -> range:
    return range(T - 1, -1, -1) if reverse else range(T)


def _input_projection(x: np.ndarray, w_ih: np.ndarray, b_ih: np.ndarray | None) -> np.ndarray:
    """``X W_ih^T + b_ih`` for every step at once: [T, B, in] -> [T, B, gates * H]."""
    gi = x @ w_ih.T
    if b_ih is not None:
        gi += b_ih
    return gi


def _weight_grads(need: tuple[bool, ...], x: np.ndarray, w_ih: np.ndarray, hprev: np.ndarray,
                  dgi: np.ndarray, dgh: np.ndarray):
    """The gradients that are one product each once the loop has filled ``dgi`` and ``dgh``::

        dX    = dGI @ W_ih              # [T, B, in]
        dW_ih = dGI^T X                 # [gates*H, in]   (summed over T and B)
        dW_hh = dGH^T H_prev            # [gates*H, H]
        db_ih = sum dGI, db_hh = sum dGH   # [gates*H]

    ``need`` says which of (X, W_ih, W_hh, b_ih, b_hh) need a gradient.
    """
    G = dgi.shape[-1]
    dgi2, dgh2 = dgi.reshape(-1, G), dgh.reshape(-1, G)  # [T*B, gates*H]
    dx = dgi @ w_ih if need[0] else None  # [T, B, in]
    dw_ih = dgi2.T @ x.reshape(-1, x.shape[-1]) if need[1] else None  # [gates*H, in]
    dw_hh = dgh2.T @ hprev.reshape(-1, hprev.shape[-1]) if need[2] else None  # [gates*H, H]
    db_ih = dgi2.sum(axis=0) if need[3] else None  # [gates*H]
    db_hh = dgh2.sum(axis=0) if need[4] else None  # [gates*H]
    return dx, dw_ih, dw_hh, db_ih, db_hh


class RNNLayer(Function):
    """Elman RNN over all steps: ``h_t = act(a_t)``, ``a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh``.

    Backward, with ``dh`` the total gradient reaching ``h_t`` (from Y and from step t+1)::

        da      = dh * act'(a_t)        # [B, H]   tanh' = 1 - h^2, relu' = [h > 0]
        dh_prev = da @ W_hh             # [B, H]
    """

    array_io = True

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, *, reverse=False, nonlinearity="tanh"):
        T = x.shape[0]
        gi = _input_projection(x, w_ih, b_ih)  # [T, B, H]
        y = np.empty(gi.shape, dtype=gi.dtype)  # [T, B, H]
        hprev = np.empty_like(y)  # h_{t-1} of each step, for dW_hh
        act = np.tanh if nonlinearity == "tanh" else (lambda a: np.maximum(a, 0))
        h = h0
        for t in _steps(T, reverse):
            hprev[t] = h
            a = gi[t] + h @ w_hh.T  # [B, H]
            if b_hh is not None:
                a += b_hh
            h = y[t] = act(a)
        ctx.x, ctx.w_ih, ctx.w_hh, ctx.y, ctx.hprev = x, w_ih, w_hh, y, hprev
        ctx.reverse, ctx.tanh = reverse, nonlinearity == "tanh"
        return y

    @staticmethod
    def backward(ctx, g):
        y, w_hh = ctx.y, ctx.w_hh
        T = y.shape[0]
        da_all = np.empty_like(y)  # dL/da_t [T, B, H]
        dh = np.zeros_like(y[0])  # the gradient arriving from step t+1
        for t in reversed(_steps(T, ctx.reverse)):
            dh = dh + g[t]  # [B, H]
            da = dh * (1 - y[t] * y[t]) if ctx.tanh else np.where(y[t] > 0, dh, 0)
            da_all[t] = da
            dh = da @ w_hh  # [B, H]
        need = ctx.needs_input_grad
        dx, dw_ih, dw_hh, db_ih, db_hh = _weight_grads(need[:1] + need[2:], ctx.x, ctx.w_ih,
                                                       ctx.hprev, da_all, da_all)
        dh0 = dh if need[1] else None
        return dx, dh0, dw_ih, dw_hh, db_ih, db_hh


class GRULayer(Function):
    """GRU over all steps, PyTorch's gates (r, z, n)::

        gi = x_t W_ih^T + b_ih,  gh = h_{t-1} W_hh^T + b_hh      # [B, 3H] each
        r = sigma(gi_r + gh_r),  z = sigma(gi_z + gh_z)
        n = tanh(gi_n + r * gh_n)
        h_t = (1 - z) * n + z * h_{t-1}

    Backward, with ``dh`` the total gradient reaching ``h_t``::

        dn = dh * (1 - z);   dz = dh * (h_{t-1} - n)
        dan = dn * (1 - n^2)                 # through tanh
        dr = dan * gh_n
        dar = dr * r (1 - r);  daz = dz * z (1 - z)   # through sigma
        dGI = [dar, daz, dan],  dGH = [dar, daz, dan * r]   # [B, 3H]
        dh_prev = dh * z + dGH @ W_hh        # [B, H]
    """

    array_io = True

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, *, reverse=False):
        T, H = x.shape[0], w_hh.shape[1]
        gi = _input_projection(x, w_ih, b_ih)  # [T, B, 3H]
        B = gi.shape[1]
        y = np.empty((T, B, H), dtype=gi.dtype)  # h_t
        hprev = np.empty_like(y)
        gates = np.empty((T, B, 3 * H), dtype=gi.dtype)  # r, z, n of every step
        ghn = np.empty_like(y)  # W_hn h + b_hn, which r multiplies
        h = h0
        for t in _steps(T, reverse):
            hprev[t] = h
            gh = h @ w_hh.T  # [B, 3H]
            if b_hh is not None:
                gh += b_hh
            rz = sigmoid(gi[t, :, :2 * H] + gh[:, :2 * H])  # [B, 2H]
            r, z = rz[:, :H], rz[:, H:]
            n = np.tanh(gi[t, :, 2 * H:] + r * gh[:, 2 * H:])  # [B, H]
            h = y[t] = n + z * (h - n)  # = (1 - z) n + z h
            gates[t, :, :2 * H], gates[t, :, 2 * H:], ghn[t] = rz, n, gh[:, 2 * H:]
        ctx.x, ctx.w_ih, ctx.w_hh, ctx.hprev = x, w_ih, w_hh, hprev
        ctx.gates, ctx.ghn, ctx.reverse = gates, ghn, reverse
        return y

    @staticmethod
    def backward(ctx, g):
        gates, ghn, hprev, w_hh = ctx.gates, ctx.ghn, ctx.hprev, ctx.w_hh
        T, H = gates.shape[0], w_hh.shape[1]
        dgi = np.empty_like(gates)  # dL/d(x W_ih^T + b_ih) [T, B, 3H]
        dgh = np.empty_like(gates)  # dL/d(h W_hh^T + b_hh) [T, B, 3H]
        dh = np.zeros_like(g[0])
        for t in reversed(_steps(T, ctx.reverse)):
            dh = dh + g[t]  # [B, H]
            r, z, n = gates[t, :, :H], gates[t, :, H:2 * H], gates[t, :, 2 * H:]
            dn = dh * (1 - z)
            dz = dh * (hprev[t] - n)
            dan = dn * (1 - n * n)  # tanh'
            dr = dan * ghn[t]
            dgi[t, :, :H] = dgh[t, :, :H] = dr * r * (1 - r)  # sigma'
            dgi[t, :, H:2 * H] = dgh[t, :, H:2 * H] = dz * z * (1 - z)
            dgi[t, :, 2 * H:] = dan
            dgh[t, :, 2 * H:] = dan * r
            dh = dh * z + dgh[t] @ w_hh  # [B, H]
        need = ctx.needs_input_grad
        dx, dw_ih, dw_hh, db_ih, db_hh = _weight_grads(need[:1] + need[2:], ctx.x, ctx.w_ih,
                                                       hprev, dgi, dgh)
        dh0 = dh if need[1] else None
        return dx, dh0, dw_ih, dw_hh, db_ih, db_hh


class LSTMLayer(Function):
    """LSTM over all steps, PyTorch's gates (i, f, g, o) and optional projection ``W_hr``::

        a = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh            # [B, 4H]
        i, f, o = sigma(a_i, a_f, a_o),  g = tanh(a_g)
        c_t = f * c_{t-1} + i * g
        m_t = o * tanh(c_t);   h_t = m_t W_hr^T (proj_size P) or m_t

    The output is ``[h_t | c_t]`` ([T, B, P + H]) so that ``c_n`` and its gradient travel through
    the same node. Backward, with ``dh``/``dc`` the total gradients reaching ``h_t``/``c_t``::

        dm = dh @ W_hr  (or dh);   dW_hr += dh^T m_t            # [B, H], [P, H]
        do = dm * tanh(c_t);       dc += dm * o * (1 - tanh(c_t)^2)
        di = dc * g;  df = dc * c_{t-1};  dg = dc * i;  dc_prev = dc * f
        dA = [di i(1-i), df f(1-f), dg (1-g^2), do o(1-o)]       # [B, 4H]
        dh_prev = dA @ W_hh                                      # [B, P]
    """

    array_io = True

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, *, reverse=False):
        T, H = x.shape[0], w_hh.shape[0] // 4
        P = w_hh.shape[1]  # = H without projection
        gi = _input_projection(x, w_ih, b_ih)  # [T, B, 4H]
        B = gi.shape[1]
        y = np.empty((T, B, P + H), dtype=gi.dtype)  # [h_t | c_t]
        hprev = np.empty((T, B, P), dtype=gi.dtype)
        cprev = np.empty((T, B, H), dtype=gi.dtype)
        gates = np.empty_like(gi)  # i, f, g, o of every step
        tanh_c = np.empty_like(cprev)
        h, c = h0, c0
        for t in _steps(T, reverse):
            hprev[t], cprev[t] = h, c
            a = gi[t] + h @ w_hh.T  # [B, 4H]
            if b_hh is not None:
                a += b_hh
            gt = gates[t]
            gt[:, :2 * H] = sigmoid(a[:, :2 * H])  # i, f
            gt[:, 2 * H:3 * H] = np.tanh(a[:, 2 * H:3 * H])  # g
            gt[:, 3 * H:] = sigmoid(a[:, 3 * H:])  # o
            c = y[t, :, P:] = gt[:, H:2 * H] * c + gt[:, :H] * gt[:, 2 * H:3 * H]
            tc = tanh_c[t] = np.tanh(c)
            m = gt[:, 3 * H:] * tc  # [B, H]
            h = y[t, :, :P] = m @ w_hr.T if w_hr is not None else m  # [B, P]
        ctx.x, ctx.w_ih, ctx.w_hh, ctx.w_hr = x, w_ih, w_hh, w_hr
        ctx.hprev, ctx.cprev, ctx.gates, ctx.tanh_c, ctx.reverse = hprev, cprev, gates, tanh_c, reverse
        return y

    @staticmethod
    def backward(ctx, g):
        gates, tanh_c, cprev, w_hh, w_hr = ctx.gates, ctx.tanh_c, ctx.cprev, ctx.w_hh, ctx.w_hr
        T, H, P = gates.shape[0], cprev.shape[-1], w_hh.shape[1]
        da = np.empty_like(gates)  # dL/da_t [T, B, 4H]
        dw_hr = np.zeros_like(w_hr) if w_hr is not None and ctx.needs_input_grad[7] else None
        dh = np.zeros_like(g[0, :, :P])
        dc = np.zeros_like(g[0, :, P:])
        for t in reversed(_steps(T, ctx.reverse)):
            dh = dh + g[t, :, :P]  # [B, P]
            dc = dc + g[t, :, P:]  # [B, H]
            gt = gates[t]
            i, f, gg, o = gt[:, :H], gt[:, H:2 * H], gt[:, 2 * H:3 * H], gt[:, 3 * H:]
            tc = tanh_c[t]
            if w_hr is not None:
                if dw_hr is not None:
                    dw_hr += dh.T @ (o * tc)  # [P, H]
                dm = dh @ w_hr  # [B, H]
            else:
                dm = dh
            dc = dc + dm * o * (1 - tc * tc)  # tanh'
            dat = da[t]
            dat[:, :H] = dc * gg * i * (1 - i)  # sigma'
            dat[:, H:2 * H] = dc * cprev[t] * f * (1 - f)
            dat[:, 2 * H:3 * H] = dc * i * (1 - gg * gg)  # tanh'
            dat[:, 3 * H:] = dm * tc * o * (1 - o)
            dc = dc * f  # [B, H]
            dh = dat @ w_hh  # [B, P]
        need = ctx.needs_input_grad
        dx, dw_ih, dw_hh, db_ih, db_hh = _weight_grads(need[:1] + need[3:7], ctx.x, ctx.w_ih,
                                                       ctx.hprev, da, da)
        dh0 = dh if need[1] else None
        dc0 = dc if need[2] else None
        return dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dw_hr

