"""The compiled kernels and their NumPy twins: both equal PyTorch, both reachable, switchable.

Every other test runs with the kernels on (numba is a dependency); here each kernelled op runs in
both modes, ``compiled`` and ``numpy`` (``chainrule.jit.disabled()``), against PyTorch.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule import jit
from chainrule.autograd.ops.activation import _relu_backward_kernel, _relu_kernel
from chainrule.nn._functions.classification_loss import _softmax_nll_backward_kernel, _softmax_nll_kernel
from chainrule.nn._functions.linear import (
    _add_bias_kernel,
    _gather_columns_kernel,
    _has_non_finite_kernel,
    _scatter_rows_kernel,
    _sum_rows_and_live_kernel,
    _sum_rows_kernel,
    live_units,
)
from chainrule.optim.adam import _adam_kernel
from torch_oracle import assert_close, check

KERNELS = [_relu_kernel, _relu_backward_kernel, _add_bias_kernel, _sum_rows_kernel, _softmax_nll_kernel,
           _softmax_nll_backward_kernel, _adam_kernel]


@pytest.fixture(params=["compiled", "numpy"])
def mode(request):
    """Run the test with the compiled kernels, then with their NumPy twins."""
    if request.param == "compiled":
        assert jit.is_enabled(), "numba is a dependency: the kernels must be on by default"
        yield request.param
    else:
        with jit.disabled():
            yield request.param


def test_kernels_compile_and_switch_off():
    assert jit.available() and jit.is_enabled()
    for k in [*KERNELS, _sum_rows_and_live_kernel, _has_non_finite_kernel, _gather_columns_kernel,
              _scatter_rows_kernel]:
        assert k.compiled() is not None, k
    with jit.disabled():
        assert not jit.is_enabled()
        assert all(k.compiled() is None for k in KERNELS)
    assert jit.is_enabled()
    jit.set_enabled(False)
    try:
        assert _adam_kernel.compiled() is None
    finally:
        jit.set_enabled(True)


def spy_on(kernels, monkeypatch) -> set:
    """The set that each of ``kernels`` adds itself to when its compiled code is called."""
    called = set()
    for k in kernels:
        fn = k.compiled()

        def counted(*args, _fn=fn, _k=k):
            called.add(_k)
            return _fn(*args)

        monkeypatch.setattr(k, "_compiled", counted)
    return called


def test_a_training_step_runs_every_kernel(monkeypatch, dtype):
    """The hot ops really take their compiled path for contiguous float arrays (not the twin)."""
    called = spy_on(KERNELS, monkeypatch)
    rng = np.random.default_rng(6)
    model = chainrule.nn.Sequential(chainrule.nn.Linear(5, 8), chainrule.nn.ReLU(), chainrule.nn.Linear(8, 3))
    model.to(dtype=chainrule.float64 if dtype == np.float64 else chainrule.float32)
    opt = chainrule.optim.Adam(model.parameters(), lr=0.01)
    x = chainrule.tensor(rng.standard_normal((4, 5)).astype(dtype))
    loss = chainrule.nn.functional.cross_entropy(model(x), chainrule.tensor([0, 2, 1, 2]))
    loss.backward()
    opt.step()
    assert called == set(KERNELS)


def test_environment_variable_switches_kernels_off():
    code = "import chainrule.jit as j; from chainrule.optim.adam import _adam_kernel as k; " \
           "print(j.is_enabled(), k.compiled() is None)"
    env = {**os.environ, jit.ENV_VAR: "0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_fits_only_contiguous_arrays_of_one_float_dtype():
    a = np.zeros((3, 4), np.float32)
    assert jit.fits(a, np.zeros(4, np.float32))
    assert not jit.fits(a, np.zeros(4, np.float64))
    assert not jit.fits(a.T)
    assert not jit.fits(np.zeros(3, np.int64))
    assert not jit.fits(np.zeros(3, np.float16))
    assert not jit.fits(np.float32(1.0))  # a NumPy scalar
    assert not jit.fits(np.zeros((), np.float32))  # a 0-d array


def test_zero_dimensional_inputs_take_the_numpy_twin(mode, dtype):
    check(lambda lib, t: (t * 3).relu(), np.array(-2.0, dtype))
    check(lambda lib, t: (t * 3).relu(), np.array(2.0, dtype))


# --------------------------------------------------------------------------- ReLU
@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 7), min_size=1, max_size=3))
def test_relu_matches_torch_in_both_modes(shape):
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    for dtype in (np.float32, np.float64):
        for ctx in (contextlib.nullcontext(), jit.disabled()):
            with ctx:
                check(lambda lib, t: lib.relu(t), x.astype(dtype))


def test_relu_specials_match_torch(mode, dtype):
    values = np.array([np.nan, -np.inf, np.inf, -0.0, 0.0, -1.5, 2.5, 1e-40], dtype)
    upstream = np.array([1.0, 2.0, np.nan, np.inf, -np.inf, 3.0, np.nan, 4.0], dtype)
    x, xt = chainrule.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    y, yt = x.relu(), xt.relu()
    y.backward(chainrule.tensor(upstream))
    yt.backward(torch.tensor(upstream))
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    np.testing.assert_array_equal(x.grad.data, xt.grad.numpy())


def test_relu_of_a_non_contiguous_input(mode, dtype):
    x = np.random.default_rng(1).standard_normal((6, 5)).astype(dtype)
    check(lambda lib, t: (t.T * 2).relu(), x)


# --------------------------------------------------------------------------- Linear
@settings(max_examples=25, deadline=None)
@given(batch=st.integers(1, 9), fan_in=st.integers(1, 8), fan_out=st.integers(1, 8), bias=st.booleans(),
       lead=st.sampled_from([(), (2,)]))
def test_linear_matches_torch_in_both_modes(batch, fan_in, fan_out, bias, lead):
    rng = np.random.default_rng(batch * 100 + fan_in * 10 + fan_out)
    x = rng.standard_normal((*lead, batch, fan_in))
    w = rng.standard_normal((fan_out, fan_in))
    b = rng.standard_normal(fan_out)
    for dtype in (np.float32, np.float64):
        for ctx in (contextlib.nullcontext(), jit.disabled()):
            with ctx:
                if bias:
                    check(lambda lib, t, wt, bt: lib.nn.functional.linear(t, wt, bt),
                          x.astype(dtype), w.astype(dtype), b.astype(dtype))
                else:
                    check(lambda lib, t, wt: lib.nn.functional.linear(t, wt), x.astype(dtype), w.astype(dtype))


def test_linear_with_a_non_contiguous_bias(mode, dtype):
    rng = np.random.default_rng(2)
    x, w, b2 = (rng.standard_normal(s).astype(dtype) for s in ((5, 3), (4, 3), (4, 2)))
    check(lambda lib, t, wt, bt: lib.nn.functional.linear(t, wt, bt[:, 0]), x, w, b2)


# ------------------------------------------------------------- Linear: the dead units skipped
BIG = (64, 96, 256)  # batch, in, out: 1.6M multiply-adds, above MIN_MULTIPLY_ADDS_TO_SKIP


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
       lead=st.sampled_from([(), (2,)]))
def test_linear_with_dead_units_matches_torch_in_both_modes(live_fraction, seed, lead):
    dead = np.random.default_rng(seed).random(BIG[2]) >= live_fraction
    for dtype in (np.float32, np.float64):
        arrays = _dead_unit_arrays(dtype, dead, seed, lead)
        for ctx in (contextlib.nullcontext(), jit.disabled()):
            with ctx:
                check(_dead_unit_layer, *arrays, grad=[True, True, True, False])


def test_linear_skips_the_dead_units_only_when_that_is_exact(mode, dtype):
    batch, fan_in, fan_out = BIG
    dead = np.arange(fan_out) % 5 != 0  # 20 % live
    x, w, b, r = _dead_unit_arrays(dtype, dead)
    g = np.where(x @ w.T + b > 0, r, 0).astype(dtype)  # the layer's output gradient
    db, units = live_units(g, x, w)
    np.testing.assert_array_equal(units, np.flatnonzero(~dead))
    np.testing.assert_allclose(db, g.sum(0), rtol=1e-6)
    assert live_units(r, x, w)[1] is None  # every unit live: the full products
    for bad in (np.inf, -np.inf, np.nan):  # 0 * inf is NaN: the skip would lose it
        w_bad, x_bad = w.copy(), x.copy()
        w_bad[1, 3] = bad  # a dead unit's row
        x_bad[7, 2] = bad
        assert live_units(g, x, w_bad)[1] is None
        assert live_units(g, x_bad, w)[1] is None


def test_a_backward_through_dead_units_runs_the_skip_kernels(monkeypatch, dtype):
    """The skip really takes its compiled path (a silent fall-back to NumPy would pass the
    comparisons with PyTorch), and the forward's finiteness spares the finiteness check."""
    skip_kernels = [_sum_rows_and_live_kernel, _gather_columns_kernel, _scatter_rows_kernel, _has_non_finite_kernel]
    called = spy_on(skip_kernels, monkeypatch)
    x, w, b, r = (chainrule.tensor(a, requires_grad=True) for a in _dead_unit_arrays(dtype, np.arange(BIG[2]) % 5 != 0))
    _dead_unit_layer(chainrule, x, w, b, r).sum().backward()
    assert called == {_sum_rows_and_live_kernel, _gather_columns_kernel, _scatter_rows_kernel}


def test_the_bias_kernel_tells_whether_the_output_is_finite(dtype):
    add_bias = _add_bias_kernel.compiled()
    b = np.array([1.0, -2.0, 3.0], dtype)
    assert add_bias(np.zeros((2, 3), dtype), b)
    for bad in (np.inf, -np.inf, np.nan):
        y = np.zeros((2, 3), dtype)
        y[1, 2] = bad
        assert not add_bias(y, b)
    biggest = np.full(3, np.finfo(dtype).max, dtype)
    assert not add_bias(np.full((2, 3), np.finfo(dtype).max, dtype), biggest)  # the sum overflows to inf


@pytest.mark.parametrize("where", ["weight", "input"])
def test_linear_dead_units_with_an_inf_match_torch(mode, dtype, where):
    dead = np.arange(BIG[2]) % 5 != 0
    x, w, b, r = _dead_unit_arrays(dtype, dead)
    if where == "weight":
        w[1, 3] = np.inf  # a dead unit's weight: torch's input gradient gets 0 * inf = NaN
    else:
        x[7, 2] = np.inf  # every dead unit's weight gradient gets a NaN in column 2
    with np.errstate(invalid="ignore"):  # NumPy's matmul warns of the NaN it makes, as it should
        check(_dead_unit_layer, x, w, b, r, grad=[True, True, True, False])


# --------------------------------------------------------------------------- cross-entropy
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_matches_torch(mode, dtype, reduction):
    rng = np.random.default_rng(3)
    z = (rng.standard_normal((17, 6)) * 4).astype(dtype)
    y = rng.integers(0, 6, 17)
    check(lambda lib, t, target: lib.nn.functional.cross_entropy(t, target, reduction=reduction), z, y,
          grad=[True, False])


def test_cross_entropy_of_extreme_logits_is_finite(mode, dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [-np.inf, 5.0, 4.0]], dtype)
    y = np.array([1, 2])
    check(lambda lib, t, target: lib.nn.functional.cross_entropy(t, target), z, y, grad=[True, False])


def test_cross_entropy_backward_twice_with_retained_graph(mode):
    rng = np.random.default_rng(4)
    z = chainrule.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    loss = chainrule.nn.functional.cross_entropy(z, chainrule.tensor([0, 1, 2, 1, 0]))
    loss.backward(retain_graph=True)
    first = z.grad.data.copy()
    loss.backward()
    np.testing.assert_allclose(z.grad.data, 2 * first, rtol=1e-12)


# --------------------------------------------------------------------------- Adam
# (every optimiser's trajectory runs in both modes in tests/optim/test_optim_trajectories.py)
def test_adam_kernel_keeps_float32_state_and_handles_a_non_contiguous_parameter(mode):
    rng = np.random.default_rng(5)
    base = rng.standard_normal((4, 6)).astype(np.float32)
    ours = chainrule.tensor(base.copy(), requires_grad=True)
    ref = torch.tensor(base.copy(), requires_grad=True)
    view = ours.data[:, ::2]  # a strided view: the kernel must leave it to NumPy
    p = chainrule.Tensor._make(view, None, True)
    opt, topt = chainrule.optim.Adam([p], lr=0.1), torch.optim.Adam([ref], lr=0.1)
    for _ in range(5):
        g = rng.standard_normal((4, 6)).astype(np.float32)
        p.grad = chainrule.tensor(np.ascontiguousarray(g[:, ::2]))
        gt = torch.zeros(4, 6)
        gt[:, ::2] = torch.from_numpy(g[:, ::2])
        ref.grad = gt
        opt.step()
        topt.step()
    assert_close(chainrule.tensor(ours.data[:, ::2].copy()), ref.detach()[:, ::2].contiguous())
    assert opt.state[p]["exp_avg"].data.dtype == np.float32


# --------------------------------------------------------------------------- memory
def test_freed_memory_is_kept_on_glibc():
    from chainrule import memory

    glibc = sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    assert memory.is_applied() == glibc


def test_memory_tuning_can_be_switched_off():
    from chainrule import memory

    env = {**os.environ, memory.ENV_VAR: "0"}
    out = subprocess.run([sys.executable, "-c", "import chainrule; print(chainrule.memory.is_applied())"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
