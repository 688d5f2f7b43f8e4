"""Adam's fused fast path: equal to its reference twin and to PyTorch, really taken, really left.

The fast path (``chainrule.backend.adam``) replaces ``Adam._step_group``: the compiled kernel per
parameter, or, without numba, one flat update for the small parameters of a group. Each test runs
it with the backend installed (``backend.enabled()``) and its twin with the backend removed
(``backend.disabled()``), whatever ``CHAINRULE_JIT`` says.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import chainrule as cr
from chainrule import backend
from chainrule.backend import adam as fused
from chainrule.backend import jit

# every configuration the kernel takes (AMSGrad is left to the twin)
FAST_CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adam", {"lr": 0.02, "betas": (0.3, 0.9), "eps": 1e-4, "maximize": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "betas": (0.2, 0.99), "weight_decay": 0.1, "maximize": True}),
]
# the configurations the flat pack takes (it leaves weight decay to the twin)
PACK_CONFIGS = [c for c in FAST_CONFIGS if c[0] == "Adam" and "weight_decay" not in c[1]] + [
    ("AdamW", {"lr": 0.01, "weight_decay": 0, "maximize": True})]
STEPS = 6


@contextmanager
def mode(fast: bool) -> Iterator[None]:
    with backend.enabled() if fast else backend.disabled():
        yield


@contextmanager
def kernel_calls() -> Iterator[list[np.dtype]]:
    """The dtypes of the compiled kernel's calls while the block runs (one call: one parameter)."""
    compiled = fused._adam_kernel.compiled()
    assert compiled is not None, "numba is a dependency: the kernel must compile"
    calls: list[np.dtype] = []

    def counted(param: np.ndarray, *args: Any) -> None:
        calls.append(param.dtype)
        compiled(param, *args)

    fused._adam_kernel._compiled = counted
    try:
        yield calls
    finally:
        fused._adam_kernel._compiled = compiled


def gradients(shapes: list[tuple[int, ...]], seed: int, dtype: Any) -> list[list[np.ndarray | None]]:
    """STEPS lists of gradients, some entries exactly zero; the last parameter skips every third step."""
    rng = np.random.default_rng(seed)
    steps = []
    for t in range(STEPS):
        grads = [np.asarray(rng.normal(size=s) * (rng.random(s) > 0.2), dtype) for s in shapes]
        if t % 3 == 2 and len(grads) > 1:
            grads[-1] = None
        steps.append(grads)
    return steps


def run_chainrule(name: str, kwargs: dict[str, Any], start: list[np.ndarray],
                  grads: list[list[np.ndarray | None]], fast: bool,
                  layout: Any = None) -> tuple[list[np.ndarray], cr.optim.Optimizer]:
    """Parameters (``layout`` may turn the arrays into views) after the steps, and the optimiser."""
    arrays = [a.copy() for a in start] if layout is None else layout(start)
    params = [cr.Tensor._make(a, None, True) for a in arrays]
    with mode(fast):
        opt = getattr(cr.optim, name)(params, **kwargs)
        for step in grads:
            for p, g in zip(params, step, strict=True):
                p.grad = None if g is None else cr.tensor(g)
            opt.step()
    return [p._data.copy() for p in params], opt


def run_torch(name: str, kwargs: dict[str, Any], start: list[np.ndarray],
              grads: list[list[np.ndarray | None]]) -> list[np.ndarray]:
    params = [torch.tensor(a, requires_grad=True) for a in start]
    opt = getattr(torch.optim, name)(params, **kwargs, foreach=False)
    for step in grads:
        for p, g in zip(params, step, strict=True):
            p.grad = None if g is None else torch.tensor(g)
        opt.step()
    return [p.detach().numpy().copy() for p in params]


def tolerance(dtype: Any, against_torch: bool = False) -> dict[str, float]:
    if dtype == np.float64:
        return {"rtol": 1e-10, "atol": 1e-12} if against_torch else {"rtol": 1e-12, "atol": 1e-14}
    return {"rtol": 1e-4, "atol": 1e-5} if against_torch else {"rtol": 1e-5, "atol": 1e-6}


def assert_all_close(ours: list[np.ndarray], ref: list[np.ndarray], **tol: float) -> None:
    for a, b in zip(ours, ref, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, **tol)


def assert_states_close(ours: cr.optim.Optimizer, twin: cr.optim.Optimizer, **tol: float) -> None:
    sd, twin_sd = ours.state_dict(), twin.state_dict()
    assert sd["state"].keys() == twin_sd["state"].keys()
    for i, entry in sd["state"].items():
        assert entry.keys() == twin_sd["state"][i].keys()
        for key, value in entry.items():
            np.testing.assert_allclose(value._data, twin_sd["state"][i][key]._data, err_msg=key, **tol)


# --------------------------------------------------------------------------- the kernel
def test_the_fast_path_is_installed_over_adams_group_step():
    twin = backend.reference(cr.optim.Adam, "_step_group")
    with backend.enabled():
        assert cr.optim.Adam._step_group is fused._step_group
        assert cr.optim.AdamW._step_group is fused._step_group  # AdamW inherits it
    with backend.disabled():
        assert cr.optim.Adam._step_group is twin is not fused._step_group


@settings(max_examples=30, deadline=None)
@given(
    config=st.sampled_from(FAST_CONFIGS),
    shapes=st.lists(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6), min_size=1, max_size=3),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_the_kernel_equals_its_twin_and_torch(config, shapes, dtype, seed):
    name, kwargs = config
    rng = np.random.default_rng(seed)
    start = [rng.normal(size=s).astype(dtype) for s in shapes]
    grads = gradients(shapes, seed, dtype)
    with kernel_calls() as calls:
        ours, opt = run_chainrule(name, kwargs, start, grads, fast=True)
    assert len(calls) == sum(g is not None for step in grads for g in step)  # every parameter, every step
    assert set(calls) == {np.dtype(dtype)}
    with kernel_calls() as calls:
        twin, twin_opt = run_chainrule(name, kwargs, start, grads, fast=False)
    assert not calls  # the reference alone
    assert_all_close(ours, twin, **tolerance(dtype))
    assert_states_close(opt, twin_opt, **tolerance(dtype))
    assert_all_close(ours, run_torch(name, kwargs, start, grads), **tolerance(dtype, against_torch=True))


def test_a_training_step_runs_the_kernel_for_every_parameter(dtype):
    model = cr.nn.Sequential(cr.nn.Linear(5, 8), cr.nn.ReLU(), cr.nn.Linear(8, 3))
    model.to(dtype=cr.float64 if dtype == np.float64 else cr.float32)
    x = cr.tensor(np.random.default_rng(6).standard_normal((4, 5)).astype(dtype))
    with backend.enabled(), kernel_calls() as calls:
        opt = cr.optim.AdamW(model.parameters(), lr=0.01)
        cr.nn.functional.cross_entropy(model(x), cr.tensor([0, 2, 1, 2])).backward()
        opt.step()
    assert calls == [np.dtype(dtype)] * len(list(model.parameters()))


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_amsgrad_is_left_to_the_twin(monkeypatch, name):
    twin_calls = []
    twin = fused._twin_step_group
    monkeypatch.setattr(fused, "_twin_step_group", lambda opt, group: twin_calls.append(1) or twin(opt, group))
    kwargs = {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}
    rng = np.random.default_rng(1)
    start = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    grads = gradients([(3, 4), (5,)], 1, np.float64)
    with kernel_calls() as calls:
        ours, opt = run_chainrule(name, kwargs, start, grads, fast=True)
    assert not calls and len(twin_calls) == STEPS
    twin, twin_opt = run_chainrule(name, kwargs, start, grads, fast=False)
    assert_all_close(ours, twin, rtol=0, atol=0)
    assert_states_close(opt, twin_opt, rtol=0, atol=0)
    assert_all_close(ours, run_torch(name, kwargs, start, grads), **tolerance(np.float64, against_torch=True))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_parameter_the_kernel_does_not_fit_is_left_to_the_twin_alone(dtype):
    """A strided view and a 0-d parameter take the reference update; the contiguous one the kernel."""
    shapes = [(4, 6), (4, 3), ()]
    rng = np.random.default_rng(5)
    start = [rng.normal(size=s).astype(dtype) for s in shapes]
    grads = [[rng.normal(size=s).astype(dtype) for s in shapes] for _ in range(STEPS)]

    def layout(arrays: list[np.ndarray]) -> list[np.ndarray]:
        wide = np.zeros((4, 6), dtype)
        wide[:, ::2] = arrays[1]
        return [arrays[0].copy(), wide[:, ::2], arrays[2].copy()]  # the second: a strided view

    kwargs = {"lr": 0.1, "weight_decay": 0.05, "maximize": True}
    with kernel_calls() as calls:
        ours, opt = run_chainrule("Adam", kwargs, start, grads, fast=True, layout=layout)
    assert not opt.param_groups[0]["params"][1]._data.flags.c_contiguous
    assert len(calls) == STEPS  # the contiguous parameter only
    twin, twin_opt = run_chainrule("Adam", kwargs, start, grads, fast=False, layout=layout)
    assert_all_close(ours, twin, **tolerance(dtype))
    assert_states_close(opt, twin_opt, **tolerance(dtype))
    assert opt.state[opt.param_groups[0]["params"][1]]["exp_avg"].dtype == dtype
    assert_all_close(ours, run_torch("Adam", kwargs, start, grads), **tolerance(dtype, against_torch=True))


def test_a_subclass_with_its_own_update_is_left_to_the_twin():
    """The kernel would skip the subclass's ``_update``: here it halves the gradient it is given."""

    class Halved(cr.optim.Adam):
        def _update(self, param, grad, state, group):
            super()._update(param, grad / 2, state, group)

    p = cr.tensor([1.0, -2.0], requires_grad=True)
    q = cr.tensor([1.0, -2.0], requires_grad=True)
    with backend.enabled(), kernel_calls() as calls:
        opt, ref = Halved([p], lr=0.1), cr.optim.Adam([q], lr=0.1)
        for _ in range(3):
            p.grad, q.grad = cr.tensor([0.4, -0.2]), cr.tensor([0.2, -0.1])
            opt.step()
            ref.step()
    assert len(calls) == 3  # Adam's steps only
    assert np.array_equal(p._data, q._data)  # Halved on g is Adam on g / 2
    assert np.array_equal(opt.state[p]["exp_avg"]._data, ref.state[q]["exp_avg"]._data)


def test_the_fused_step_allocates_no_full_size_temporaries():
    n = 1 << 18
    params = [cr.zeros(n, requires_grad=True), cr.zeros(n // 2, requires_grad=True)]
    for p in params:
        p.grad = cr.ones(p.shape)
    with backend.enabled():
        opt = cr.optim.Adam(params, lr=1e-3, weight_decay=0.1, maximize=True)
        opt.step()  # the first step allocates the state
        tracemalloc.start()
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < n * 4 // 16  # well below one float32 array of the largest parameter


# --------------------------------------------------------------------------- without numba
@pytest.fixture
def without_numba(monkeypatch):
    """numba as if not installed: a fresh kernel that cannot compile."""
    monkeypatch.setattr(jit, "_numba", False)
    monkeypatch.setattr(fused, "_adam_kernel", jit.Kernel(fused._adam_loop))
    assert fused._adam_kernel.compiled() is None


def shares_a_pack(opt: cr.optim.Optimizer, p: cr.Tensor, q: cr.Tensor) -> bool:
    """Are the moving averages of ``p`` and ``q`` views into one flat buffer?"""
    base = opt.state[p]["exp_avg"]._data.base
    return base is not None and base is opt.state[q]["exp_avg"]._data.base


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("config", PACK_CONFIGS, ids=str)
def test_without_numba_the_small_parameters_are_packed_and_equal_the_twin(without_numba, config, dtype):
    name, kwargs = config
    shapes = [(3, 4), (), (5,), (2, 2, 2)]  # the last one skips every third step: two step counts
    rng = np.random.default_rng(2)
    start = [rng.normal(size=s).astype(dtype) for s in shapes]
    grads = gradients(shapes, 2, dtype)
    ours, opt = run_chainrule(name, kwargs, start, grads, fast=True)
    params = opt.param_groups[0]["params"]
    assert shares_a_pack(opt, params[0], params[1]) and shares_a_pack(opt, params[0], params[2])
    twin, twin_opt = run_chainrule(name, kwargs, start, grads, fast=False)
    assert not shares_a_pack(twin_opt, *twin_opt.param_groups[0]["params"][:2])
    assert_all_close(ours, twin, rtol=0, atol=0)  # the same arithmetic, element by element
    assert_states_close(opt, twin_opt, rtol=0, atol=0)
    assert_all_close(ours, run_torch(name, kwargs, start, grads), **tolerance(dtype, against_torch=True))


def test_without_numba_a_resumed_pack_continues_as_the_uninterrupted_run(without_numba):
    shapes = [(3, 4), (5,)]
    rng = np.random.default_rng(3)
    start = [rng.normal(size=s).astype(np.float32) for s in shapes]
    grads = gradients(shapes, 3, np.float32)
    full, _ = run_chainrule("Adam", {"lr": 0.01}, start, grads, fast=True)
    half, opt = run_chainrule("Adam", {"lr": 0.01}, start, grads[:3], fast=True)
    resumed, resumed_opt = run_chainrule("Adam", {"lr": 0.01}, half, [], fast=True)
    resumed_opt.load_state_dict(opt.state_dict())
    with backend.enabled():
        for step in grads[3:]:
            for p, g in zip(resumed_opt.param_groups[0]["params"], step, strict=True):
                p.grad = None if g is None else cr.tensor(g)
            resumed_opt.step()
    params = resumed_opt.param_groups[0]["params"]
    assert all(resumed_opt.state[p]["exp_avg"]._data.base is not None for p in params)  # packed again
    assert_all_close([p._data for p in params], full, rtol=0, atol=0)


def test_without_numba_what_the_pack_does_not_take_is_left_to_the_twin(without_numba):
    """Weight decay (the whole group) and a parameter over 512 KiB (alone) take the reference update."""
    rng = np.random.default_rng(4)
    big, small = rng.normal(size=fused._PACK_BYTES // 4 + 1), rng.normal(size=(3, 3))
    start = [big.astype(np.float32), small.astype(np.float32), small[0].astype(np.float32)]
    grads = [[rng.normal(size=a.shape).astype(np.float32) for a in start] for _ in range(3)]
    for kwargs in ({"lr": 0.01}, {"lr": 0.01, "weight_decay": 0.1}):
        ours, opt = run_chainrule("Adam", kwargs, start, grads, fast=True)
        twin, _ = run_chainrule("Adam", kwargs, start, grads, fast=False)
        big_p, small_p, row_p = opt.param_groups[0]["params"]
        assert not shares_a_pack(opt, big_p, small_p)
        assert shares_a_pack(opt, small_p, row_p) == ("weight_decay" not in kwargs)
        assert_all_close(ours, twin, rtol=0, atol=0)
        assert_all_close(ours, run_torch("Adam", kwargs, start, grads), **tolerance(np.float32, against_torch=True))


def test_subnormal_moments_are_stored_as_zero_and_the_parameters_stay_the_twins():
    """A unit that stops learning (its gradient 0 from the sixth step, as a dead ReLU's): the
    twin's m decays into the subnormals and sticks at the smallest one; the kernel stores 0 there
    (x86 CPUs are slow on subnormal operands), and θ stays the twin's."""
    if fused._adam_kernel.compiled() is None:
        pytest.skip("the kernel needs numba")
    rng = np.random.default_rng(3)
    start = rng.normal(0.5, 0.2, 64).astype(np.float32)
    grads = [rng.normal(0, 1, 64).astype(np.float32) for _ in range(5)] + [np.zeros(64, np.float32)] * 995
    finals = {}
    for fast in (False, True):
        p = cr.nn.Parameter(cr.from_numpy(start.copy()))
        opt = cr.optim.Adam([p], lr=0.01)
        with mode(fast):
            for g in grads:
                p.grad = cr.from_numpy(g.copy())
                opt.step()
        finals[fast] = p._data, opt.state[p]["exp_avg"]._data, opt.state[p]["exp_avg_sq"]._data
    (p_ref, m_ref, v_ref), (p_fast, m_fast, v_fast) = finals[False], finals[True]
    tiny = np.finfo(np.float32).tiny
    assert np.all((m_ref != 0) & (np.abs(m_ref) < tiny))  # the twin: every m stuck among the subnormals
    assert np.all(m_fast == 0) and np.all(v_fast >= tiny)
    np.testing.assert_allclose(v_fast, v_ref, rtol=1e-5)
    np.testing.assert_allclose(p_fast, p_ref, rtol=1e-6)
