"""The GRU's compiled time loop against its twin (the reference) and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_backend_registry import MODES, spy_on

import chainrule
from chainrule import backend
from chainrule.backend import recurrent
from chainrule.nn._functions.recurrent import GRULayer
from torch_oracle import FLOATS, assert_close

KERNELS = {recurrent.gru_forward_kernel, recurrent.gru_backward_kernel}


@pytest.fixture(autouse=True)
def _fast_paths_installed():
    with backend.enabled():
        yield


def run_gru(mode, state, x, h0, **kw):
    """Output, h_n and every gradient (input, h0, parameters) of chainrule's GRU in ``mode``."""
    with MODES[mode]():
        gru = chainrule.nn.GRU(x.shape[-1], h0.shape[-1], dtype=x.dtype, **kw)
        gru.load_state_dict(state)
        xt = chainrule.tensor(x.copy(), requires_grad=True)
        ht = chainrule.tensor(h0.copy(), requires_grad=True)
        y, h = gru(xt, ht)
        up = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)
        ((y * chainrule.tensor(up)).sum() + (h * h).sum()).backward()
    grads = {n: p.grad._data for n, p in gru.named_parameters()}
    return {"y": y._data, "h_n": h._data, "dx": xt.grad._data, "dh0": ht.grad._data, **grads}


@settings(max_examples=15, deadline=None)
@given(T=st.integers(1, 6), B=st.integers(1, 5), I=st.integers(1, 4), H=st.integers(1, 8),
       layers=st.integers(1, 2), bidirectional=st.booleans(), bias=st.booleans(),
       dtype=st.sampled_from(FLOATS), seed=st.integers(0, 99))
def test_gru_equals_its_twin_and_torch(T, B, I, H, layers, bidirectional, bias, dtype, seed):
    kw = dict(num_layers=layers, bidirectional=bidirectional, bias=bias, batch_first=seed % 2 == 0)
    theirs = torch.nn.GRU(I, H, dtype=torch.float64 if dtype == np.float64 else torch.float32, **kw)
    state = {k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()}
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, T, I) if kw["batch_first"] else (T, B, I)).astype(dtype)
    h0 = rng.standard_normal((layers * (1 + bidirectional), B, H)).astype(dtype)
    fast, twin = run_gru("fast", state, x, h0, **kw), run_gru("reference", state, x, h0, **kw)
    tx, th = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    ty, tn = theirs(tx, th)
    up = np.random.default_rng(1).standard_normal(tuple(ty.shape)).astype(dtype)
    ((ty * torch.from_numpy(up)).sum() + (tn * tn).sum()).backward()
    want = {"y": ty, "h_n": tn, "dx": tx.grad, "dh0": th.grad,
            **{n: p.grad for n, p in theirs.named_parameters()}}
    for k, w in want.items():
        assert_close(fast[k], w, dtype, what=f"fast {k}")
        assert_close(twin[k], w, dtype, what=f"reference {k}")
        assert_close(fast[k], twin[k], dtype, what=f"fast against twin: {k}", tol="tight")


@pytest.mark.parametrize("dtype", FLOATS)
def test_either_backward_follows_either_forward(dtype):
    """The kernels save what the twin saves: a fast forward and a reference backward agree."""
    rng = np.random.default_rng(0)
    x, h0 = rng.standard_normal((5, 3, 2)).astype(dtype), rng.standard_normal((3, 4)).astype(dtype)
    w_ih, w_hh = rng.standard_normal((12, 2)).astype(dtype), rng.standard_normal((12, 4)).astype(dtype)
    b_ih, b_hh = rng.standard_normal(12).astype(dtype), rng.standard_normal(12).astype(dtype)
    g = rng.standard_normal((5, 3, 4)).astype(dtype)
    results = []
    for forward_mode, backward_mode in (("fast", "reference"), ("reference", "fast"), ("fast", "fast")):
        ts = [chainrule.tensor(a, requires_grad=True) for a in (x, h0, w_ih, w_hh, b_ih, b_hh)]
        with MODES[forward_mode]():
            y = GRULayer.apply(*ts, reverse=True)
        with MODES[backward_mode]():
            y.backward(chainrule.tensor(g))
        results.append([y._data] + [t.grad._data for t in ts])
    for other in results[1:]:
        for a, b in zip(results[0], other, strict=True):
            assert_close(a, b, dtype, tol="tight")


def test_the_kernels_run_for_small_hidden_sizes(monkeypatch):
    called = spy_on(KERNELS, monkeypatch)
    gru = chainrule.nn.GRU(1, 6, batch_first=True, bidirectional=True)
    gru(chainrule.randn(4, 40, 1, requires_grad=True))[0].sum().backward()
    assert called == KERNELS
    called.clear()
    big = chainrule.nn.GRU(2, recurrent.MAX_HIDDEN + 1)  # large: BLAS's product, the twin runs
    big(chainrule.randn(3, 2, 2))[0].sum().backward()
    assert not called
