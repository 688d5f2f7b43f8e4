"""Cross-entropy's fused softmax-NLL kernels against their twin (the general path) and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_backend_registry import MODES, check_fast_and_twin, spy_on

import chainrule
from chainrule import backend
from chainrule.backend.cross_entropy import softmax_nll_backward_kernel, softmax_nll_kernel
from torch_oracle import FLOATS, check

KERNELS = {softmax_nll_kernel, softmax_nll_backward_kernel}


@pytest.fixture(autouse=True)
def _fast_paths_installed():
    with backend.enabled():  # whatever CHAINRULE_JIT says; a test switches to the twin itself
        yield


def _cross_entropy(**options):
    return lambda lib, z, y: lib.nn.functional.cross_entropy(z, y, **options)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 9), c=st.integers(1, 7), reduction=st.sampled_from(["mean", "sum"]),
       scale=st.sampled_from([0.1, 4.0, 100.0]), seed=st.integers(0, 99), dtype=st.sampled_from(FLOATS))
def test_the_common_case_equals_its_twin_and_torch(n, c, reduction, scale, seed, dtype):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal((n, c)) * scale).astype(dtype)
    y = rng.integers(0, c, n)
    check_fast_and_twin(_cross_entropy(reduction=reduction), z, y, grad=[True, False])


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_the_common_case_runs_the_kernels(monkeypatch, dtype, reduction):
    called = spy_on(KERNELS, monkeypatch)
    z = chainrule.tensor(np.random.default_rng(3).standard_normal((17, 6)).astype(dtype), requires_grad=True)
    y = chainrule.tensor(np.arange(17) % 6)
    chainrule.nn.functional.cross_entropy(z, y, reduction=reduction).backward()
    assert called == KERNELS


OTHER_CASES = {
    "weight": ((5, 4), {"weight": np.linspace(0.5, 2.0, 4)}),
    "smoothing": ((5, 4), {"label_smoothing": 0.2}),
    "ignored target": ((5, 4), {"ignore_index": 1}),
    "none": ((5, 4), {"reduction": "none"}),
    "positions": ((3, 4, 2), {}),
    "one sample": ((4,), {}),
}


@pytest.mark.parametrize("case", OTHER_CASES)
def test_every_other_case_goes_to_the_twin(monkeypatch, dtype, case):
    shape, options = OTHER_CASES[case]
    rng = np.random.default_rng(5)
    z = (rng.standard_normal(shape) * 3).astype(dtype)
    y = rng.integers(0, 4, shape[:1] + shape[2:] if len(shape) > 1 else ())
    called = spy_on(KERNELS, monkeypatch)

    def fn(lib, zt, yt):
        opts = dict(options)
        if "weight" in opts:
            opts["weight"] = lib.tensor(opts["weight"].astype(dtype))
        return lib.nn.functional.cross_entropy(zt, yt, **opts)

    check_fast_and_twin(fn, z, y, grad=[True, False])
    assert not called


def test_probability_targets_go_to_the_twin(monkeypatch, dtype):
    rng = np.random.default_rng(6)
    z = rng.standard_normal((5, 3)).astype(dtype)
    q = rng.dirichlet(np.ones(3), size=5).astype(dtype)
    called = spy_on(KERNELS, monkeypatch)
    check_fast_and_twin(lambda lib, zt, qt: lib.nn.functional.cross_entropy(zt, qt), z, q)
    assert not called


def test_uint8_targets_and_non_contiguous_logits_go_to_the_twin(monkeypatch, dtype):
    rng = np.random.default_rng(7)
    z = rng.standard_normal((4, 6)).astype(dtype)
    called = spy_on(KERNELS, monkeypatch)
    check_fast_and_twin(_cross_entropy(), z, rng.integers(0, 6, 4).astype(np.uint8), grad=[True, False])
    check_fast_and_twin(lambda lib, zt, yt: lib.nn.functional.cross_entropy(zt.T, yt), z, rng.integers(0, 4, 6),
                        grad=[True, False])
    assert not called


@pytest.mark.parametrize("mode", MODES)
def test_extreme_logits_give_a_finite_loss(mode, dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [-np.inf, 5.0, 4.0], [-1000.0, -1000.0, 1000.0]], dtype)
    y = np.array([1, 2, 0])
    with MODES[mode]():
        check(_cross_entropy(), z, y, grad=[True, False])
        assert np.isfinite(chainrule.nn.functional.cross_entropy(chainrule.tensor(z), chainrule.tensor(y)).item())


@pytest.mark.parametrize("mode", MODES)
def test_backward_twice_with_a_retained_graph(mode):
    z = chainrule.tensor(np.random.default_rng(4).standard_normal((5, 3)), requires_grad=True)
    with MODES[mode]():
        loss = chainrule.nn.functional.cross_entropy(z, chainrule.tensor([0, 1, 2, 1, 0]))
        loss.backward(retain_graph=True)
        first = z.grad._data.copy()
        loss.backward()
    np.testing.assert_allclose(z.grad._data, 2 * first, rtol=1e-12)


@pytest.mark.parametrize("forward_mode", MODES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_a_backward_in_the_other_mode_than_its_forward(forward_mode, reduction, dtype):
    backward_mode = "reference" if forward_mode == "fast" else "fast"
    rng = np.random.default_rng(8)
    z0, y = rng.standard_normal((6, 4)).astype(dtype), chainrule.tensor(rng.integers(0, 4, 6))
    grads = {}
    for forward, backward in ((forward_mode, backward_mode), (forward_mode, forward_mode)):
        z = chainrule.tensor(z0, requires_grad=True)
        with MODES[forward]():
            loss = chainrule.nn.functional.cross_entropy(z, y, reduction=reduction)
        with MODES[backward]():
            loss.backward()
        grads[backward] = z.grad._data
    np.testing.assert_allclose(grads[backward_mode], grads[forward_mode], rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_subnormal_gradients_are_zero_on_the_fast_path(dtype):
    """A confident classifier: the softmax of its wrong classes underflows into the subnormals.
    The twin keeps them in dZ; the kernel makes them 0 (the backward's products with subnormal
    operands are slow on x86), and every other entry is the twin's."""
    tiny = np.finfo(dtype).tiny
    gap = -np.log(tiny) + 3  # e^-gap is subnormal, a few steps below the smallest normal number
    z = np.array([[0.0, -gap, -1.0], [-gap, 2.0, -gap / 2]], dtype)
    y = np.array([0, 1])
    grads = {}
    for mode in MODES:
        t = chainrule.tensor(z, requires_grad=True)
        with MODES[mode]():
            chainrule.nn.functional.cross_entropy(t, chainrule.tensor(y)).backward()
        grads[mode] = t.grad._data
    subnormal = (grads["reference"] != 0) & (np.abs(grads["reference"]) < tiny)
    assert subnormal.sum() == 2
    assert np.all(grads["fast"][subnormal] == 0)
    np.testing.assert_allclose(grads["fast"][~subnormal], grads["reference"][~subnormal],
                               rtol=1e-6 if dtype == np.float32 else 1e-12)
