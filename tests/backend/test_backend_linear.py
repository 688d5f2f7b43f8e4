"""Linear's fast path (bias kernel, row sums, the dead-unit skip) against its twin and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_backend_registry import MODES, check_fast_and_twin, spy_on

import chainrule
from chainrule import backend
from chainrule.backend import linear
from chainrule.backend.linear import (
    add_bias_kernel,
    gather_columns_kernel,
    has_non_finite_kernel,
    live_units,
    scatter_rows_kernel,
    sum_rows_and_live_kernel,
    sum_rows_kernel,
)
from torch_oracle import FLOATS, check

SKIP_KERNELS = {sum_rows_and_live_kernel, gather_columns_kernel, scatter_rows_kernel, has_non_finite_kernel}


@pytest.fixture(autouse=True)
def _fast_paths_installed():
    with backend.enabled():  # whatever CHAINRULE_JIT says; a test switches to the twin itself
        yield


def _linear(lib, x, w, b=None):
    return lib.nn.functional.linear(x, w, b)


@settings(max_examples=25, deadline=None)
@given(batch=st.integers(1, 9), fan_in=st.integers(1, 8), fan_out=st.integers(1, 8), bias=st.booleans(),
       lead=st.sampled_from([(), (2,), (2, 3)]), seed=st.integers(0, 99), dtype=st.sampled_from(FLOATS))
def test_linear_equals_its_twin_and_torch(batch, fan_in, fan_out, bias, lead, seed, dtype):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((*lead, batch, fan_in)).astype(dtype)
    w = rng.standard_normal((fan_out, fan_in)).astype(dtype)
    arrays = (x, w, rng.standard_normal(fan_out).astype(dtype)) if bias else (x, w)
    check_fast_and_twin(_linear, *arrays)


def test_a_one_dimensional_input(dtype):
    rng = np.random.default_rng(1)
    check_fast_and_twin(_linear, *(rng.standard_normal(s).astype(dtype) for s in ((3,), (4, 3), (4,))))


@pytest.mark.parametrize("needs", [(False, True, True), (True, False, False), (False, False, True)],
                         ids=["first layer", "input only", "bias only"])
def test_only_the_needed_gradients_are_computed(dtype, needs):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s).astype(dtype) for s in ((5, 3), (4, 3), (4,))]
    check_fast_and_twin(_linear, *arrays, grad=needs)
    for switch in MODES.values():
        with switch():
            x, w, b = (chainrule.tensor(a, requires_grad=r) for a, r in zip(arrays, needs, strict=True))
            _linear(chainrule, x, w, b).sum().backward()
        assert [t.grad is not None for t in (x, w, b)] == list(needs)


def test_the_kernels_run_for_contiguous_floats(monkeypatch, dtype):
    called = spy_on({add_bias_kernel, sum_rows_kernel, *SKIP_KERNELS}, monkeypatch)
    x, w, b = (chainrule.tensor(np.ones(s, dtype), requires_grad=True) for s in ((5, 3), (4, 3), (4,)))
    _linear(chainrule, x, w, b).sum().backward()
    assert called == {add_bias_kernel, sum_rows_kernel}  # a small layer: no skip tried
    np.testing.assert_array_equal(b.grad._data, np.full(4, 5, dtype))


def test_a_non_contiguous_bias_or_weight_takes_the_twin(monkeypatch, dtype):
    rng = np.random.default_rng(2)
    x, w, b2 = (rng.standard_normal(s).astype(dtype) for s in ((5, 3), (4, 3), (4, 2)))
    called = spy_on({add_bias_kernel, sum_rows_kernel}, monkeypatch)
    check_fast_and_twin(lambda lib, t, wt, bt: _linear(lib, t, wt, bt[:, 0]), x, w, b2)
    assert add_bias_kernel not in called
    called.clear()
    w_t = np.ascontiguousarray(w.T)  # [in, out]: weight = w_t.T is a transposed view
    check_fast_and_twin(lambda lib, t, wt, bt: _linear(lib, t, wt.T, bt), x, w_t, b2[:, 0].copy())
    assert called == {add_bias_kernel}  # the forward fits; the backward with that weight does not


def test_the_bias_kernel_tells_whether_the_output_is_finite(dtype):
    b = np.array([1.0, -2.0, 3.0], dtype)
    y = np.zeros((2, 3), dtype)
    assert add_bias_kernel(y, b)
    np.testing.assert_array_equal(y, np.stack([b, b]))
    for bad in (np.inf, -np.inf, np.nan):
        y = np.zeros((2, 3), dtype)
        y[1, 2] = bad
        assert not add_bias_kernel(y, b)
    biggest = np.full(3, np.finfo(dtype).max, dtype)
    assert not add_bias_kernel(np.full((2, 3), np.finfo(dtype).max, dtype), biggest)  # the sum overflows to inf


# ------------------------------------------------------------- the dead units skipped
BIG = (64, 96, 256)  # batch, in, out: 1.6M multiply-adds, above MIN_MULTIPLY_ADDS_TO_SKIP
assert BIG[0] * BIG[1] * BIG[2] >= linear.MIN_MULTIPLY_ADDS_TO_SKIP


def _dead_unit_layer(lib, x, w, b, r):
    """``relu(linear(x)) * r``: a unit whose bias is -1e3 is dead, its gradient column all zero."""
    return lib.relu(lib.nn.functional.linear(x, w, b)) * r


def _dead_unit_arrays(dtype, dead: np.ndarray, seed: int = 4, lead: tuple[int, ...] = ()):
    batch, fan_in, fan_out = BIG
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((*lead, batch, fan_in)).astype(dtype)
    w = (rng.standard_normal((fan_out, fan_in)) / 10).astype(dtype)
    b = np.where(dead, -1e3, rng.standard_normal(fan_out)).astype(dtype)
    r = rng.standard_normal((*lead, batch, fan_out)).astype(dtype)
    return x, w, b, r


@settings(max_examples=10, deadline=None)
@given(live_fraction=st.sampled_from([0.0, 0.05, 0.2, 0.5, 0.51, 0.9]), seed=st.integers(0, 99),
       lead=st.sampled_from([(), (2,)]), needs_input=st.booleans())
def test_dead_units_equal_the_twin_and_torch(live_fraction, seed, lead, needs_input):
    dead = np.random.default_rng(seed).random(BIG[2]) >= live_fraction
    for dtype in FLOATS:
        arrays = _dead_unit_arrays(dtype, dead, seed, lead)
        check_fast_and_twin(_dead_unit_layer, *arrays, grad=[needs_input, True, True, False])


def test_the_skip_is_taken_only_when_that_is_exact(dtype):
    dead = np.arange(BIG[2]) % 5 != 0  # 20 % live
    x, w, b, r = _dead_unit_arrays(dtype, dead)
    g = np.where(x @ w.T + b > 0, r, 0).astype(dtype)  # the layer's output gradient
    db, units = live_units(g, x, w)
    np.testing.assert_array_equal(units, np.flatnonzero(~dead))
    np.testing.assert_allclose(db, g.sum(0), rtol=1e-6)
    assert live_units(r, x, w)[1] is None  # every unit live: the full products
    edge = np.zeros_like(g)
    edge[0, : BIG[2] // 2] = 1  # half the units live: skipped
    assert live_units(edge, x, w)[1].size == BIG[2] // 2
    edge[1, BIG[2] // 2] = 1  # one more: the full products
    assert live_units(edge, x, w)[1] is None
    for bad in (np.inf, -np.inf, np.nan):  # 0 * inf is NaN: the skip would lose it
        w_bad, x_bad = w.copy(), x.copy()
        w_bad[1, 3] = bad  # a dead unit's row
        x_bad[7, 2] = bad
        assert live_units(g, x, w_bad)[1] is None
        assert live_units(g, x_bad, w)[1] is None
        assert live_units(g, x, w_bad, output_finite=True)[1] is not None  # the forward vouched for both


def test_a_backward_through_dead_units_runs_the_skip_kernels(monkeypatch, dtype):
    """The skip really takes its compiled path (a silent fall-back would pass the comparisons with
    PyTorch), and the forward's finiteness spares the finiteness check."""
    called = spy_on(SKIP_KERNELS, monkeypatch)
    arrays = _dead_unit_arrays(dtype, np.arange(BIG[2]) % 5 != 0)
    x, w, b, r = (chainrule.tensor(a, requires_grad=True) for a in arrays)
    _dead_unit_layer(chainrule, x, w, b, r).sum().backward()
    assert called == {sum_rows_and_live_kernel, gather_columns_kernel, scatter_rows_kernel}


def test_without_a_bias_the_skip_checks_finiteness_itself(monkeypatch, dtype):
    called = spy_on(SKIP_KERNELS, monkeypatch)
    x, w, b, r = _dead_unit_arrays(dtype, np.arange(BIG[2]) % 5 != 0)
    # no bias: the dead units are the ones whose pre-activation is negative for every example
    w[np.arange(BIG[2]) % 5 != 0] = 0
    check_fast_and_twin(lambda lib, t, wt, rt: lib.relu(_linear(lib, t, wt) - 1) * rt, x, w, r,
                        grad=[True, True, False])
    assert called == SKIP_KERNELS


@pytest.mark.parametrize("where", ["weight", "input"])
def test_dead_units_with_an_inf_equal_torch(dtype, where):
    dead = np.arange(BIG[2]) % 5 != 0
    x, w, b, r = _dead_unit_arrays(dtype, dead)
    if where == "weight":
        w[1, 3] = np.inf  # a dead unit's weight: torch's input gradient gets 0 * inf = NaN
    else:
        x[7, 2] = np.inf  # every dead unit's weight gradient gets a NaN in column 2
    with np.errstate(invalid="ignore"):  # NumPy's matmul warns of the NaN it makes, as it should
        check_fast_and_twin(_dead_unit_layer, x, w, b, r, grad=[True, True, True, False])


@pytest.mark.parametrize("forward_mode", MODES)
def test_a_backward_in_the_other_mode_than_its_forward(forward_mode, dtype):
    backward_mode = "reference" if forward_mode == "fast" else "fast"
    arrays = _dead_unit_arrays(dtype, np.arange(BIG[2]) % 5 != 0, lead=(2,))
    grads = {}
    for backward in (backward_mode, forward_mode):
        x, w, b, r = (chainrule.tensor(a, requires_grad=True) for a in arrays)
        with MODES[forward_mode]():
            out = _dead_unit_layer(chainrule, x, w, b, r).sum()
        with MODES[backward]():
            out.backward()
        grads[backward] = [t.grad._data for t in (x, w, b)]
    for mixed, same in zip(grads[backward_mode], grads[forward_mode], strict=True):
        np.testing.assert_allclose(mixed, same, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-5)
    check(_dead_unit_layer, *arrays, grad=[True, True, True, False])
