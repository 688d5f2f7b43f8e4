"""ReLU's compiled forward and backward against their twin (the reference) and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_backend_registry import MODES, check_fast_and_twin, spy_on

import chainrule
from chainrule import backend
from chainrule.backend.activation import relu_backward_kernel, relu_kernel
from torch_oracle import FLOATS, check

KERNELS = {relu_kernel, relu_backward_kernel}


@pytest.fixture(autouse=True)
def _fast_paths_installed():
    with backend.enabled():  # whatever CHAINRULE_JIT says; a test switches to the twin itself
        yield


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 7), min_size=1, max_size=3), seed=st.integers(0, 99),
       dtype=st.sampled_from(FLOATS))
def test_relu_equals_its_twin_and_torch(shape, seed, dtype):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    check_fast_and_twin(lambda lib, t: lib.relu(t), x, exact=True)


@pytest.mark.parametrize("mode", MODES)
def test_relu_specials_match_torch_exactly(mode, dtype):
    """NaN stays NaN forward and its gradient passes; where Y <= 0 an inf or NaN gradient is 0."""
    values = np.array([np.nan, -np.inf, np.inf, -0.0, 0.0, -1.5, 2.5, 1e-40], dtype)
    upstream = np.array([1.0, 2.0, np.nan, np.inf, -np.inf, 3.0, np.nan, 4.0], dtype)
    with MODES[mode]():
        x, xt = chainrule.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
        y, yt = x.relu(), xt.relu()
        y.backward(chainrule.tensor(upstream))
    yt.backward(torch.tensor(upstream))
    np.testing.assert_array_equal(y._data, yt.detach().numpy())
    np.testing.assert_array_equal(x.grad._data, xt.grad.numpy())
    assert y.dtype == x.grad.dtype == dtype


def test_the_kernels_run_for_contiguous_floats(monkeypatch, dtype):
    called = spy_on(KERNELS, monkeypatch)
    x = chainrule.tensor(np.linspace(-1, 1, 12).reshape(3, 4).astype(dtype), requires_grad=True)
    x.relu().sum().backward()
    assert called == KERNELS
    np.testing.assert_array_equal(x.grad._data, (x._data > 0).astype(dtype))


@pytest.mark.parametrize("make", [lambda t: t.T.relu(), lambda t: t[:, ::2].relu()],
                         ids=["transposed", "strided"])
def test_a_non_contiguous_input_takes_the_twin(monkeypatch, dtype, make):
    x = np.random.default_rng(1).standard_normal((6, 5)).astype(dtype)
    called = spy_on(KERNELS, monkeypatch)
    check(lambda lib, t: make(t), x)
    assert relu_kernel not in called


def test_zero_dimensional_inputs_take_the_twin(monkeypatch, dtype):
    called = spy_on(KERNELS, monkeypatch)
    for value in (-2.0, 2.0):
        check_fast_and_twin(lambda lib, t: (t * 3).relu(), np.array(value, dtype), exact=True)
    assert not called


def test_integer_relu_takes_the_twin(monkeypatch):
    called = spy_on(KERNELS, monkeypatch)
    check(lambda lib, t: lib.relu(t), np.array([-2, 0, 3], np.int64))
    assert not called


@pytest.mark.parametrize("forward_mode", MODES)
def test_a_backward_in_the_other_mode_than_its_forward(forward_mode, dtype):
    backward_mode = "reference" if forward_mode == "fast" else "fast"
    values = np.array([[np.nan, -1.0, 0.0], [2.0, -0.0, 3.0]], dtype)
    upstream = np.array([[1.0, np.inf, 2.0], [3.0, np.nan, 4.0]], dtype)
    with MODES[forward_mode]():
        x = chainrule.tensor(values, requires_grad=True)
        y = x.relu()
    with MODES[backward_mode]():
        y.backward(chainrule.tensor(upstream))
    np.testing.assert_array_equal(x.grad._data, np.array([[1.0, 0.0, 0.0], [3.0, 0.0, 4.0]], dtype))


def test_the_fast_path_and_its_twin_keep_the_same_context(dtype):
    """Both forwards save only Y, which either backward reads."""
    for switch in (backend.enabled, backend.disabled):
        with switch():
            y = chainrule.tensor(np.array([-1.0, 2.0], dtype), requires_grad=True).relu()
        assert {k for k in y.grad_fn.__dict__ if not k.startswith("_")} == {"y"}
