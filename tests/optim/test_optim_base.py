"""The Optimizer base: groups, zero_grad, closures, skipping, in-place updates, repr."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.optim import SGD, Adam, Adamax, NAdam, RMSprop


def test_zero_grad_sets_to_none_by_default():
    p = cr.ones(3, requires_grad=True)
    (p * 2).sum().backward()
    opt = SGD([p], lr=0.1)
    opt.zero_grad()
    assert p.grad is None


def test_zero_grad_in_place_keeps_the_array():
    p = cr.ones(3, requires_grad=True)
    (p * 2).sum().backward()
    grad = p.grad._data
    SGD([p], lr=0.1).zero_grad(set_to_none=False)
    assert p.grad._data is grad and not grad.any()


def test_gradients_accumulate_without_zero_grad():
    p = cr.ones(2, requires_grad=True)
    opt = SGD([p], lr=0.5)
    for _ in range(2):
        (p * 3).sum().backward()  # no zero_grad: the second step uses 3 + 3
        opt.step()
    np.testing.assert_allclose(p._data, [1 - 1.5 - 3.0] * 2)


def test_step_runs_the_closure_with_grad_enabled_and_returns_its_loss():
    p = cr.tensor([1.0, -2.0], requires_grad=True)
    opt = Adam([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with cr.no_grad():
        loss = opt.step(closure)
    assert loss.item() == pytest.approx(5.0)
    assert p.grad is not None and opt.state[p]["step"] == 1


def test_parameters_without_gradient_are_skipped():
    p, q = cr.ones(2, requires_grad=True), cr.ones(2, requires_grad=True)
    opt = Adam([p, q], lr=0.1)
    (p * 2).sum().backward()
    opt.step()
    assert q not in opt.state
    assert np.array_equal(q._data, np.ones(2, dtype=np.float32))
    assert opt.state[p]["step"] == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls", [SGD, Adam, RMSprop, Adamax, NAdam])
def test_updates_in_place_with_preallocated_state_of_the_parameters_dtype(cls, dtype):
    p = cr.tensor(np.linspace(-1, 1, 6, dtype=dtype).reshape(2, 3), requires_grad=True)
    kwargs = {"momentum": 0.9} if cls in (SGD, RMSprop) else {}
    opt = cls([p], lr=0.01, **kwargs)
    array = p._data
    buffers = None
    for _ in range(3):
        p.grad = cr.tensor(np.full((2, 3), 0.5, dtype=dtype))
        opt.step()
        assert p._data is array and p._data.dtype == dtype
        now = {k: v._data for k, v in opt.state[p].items() if isinstance(v, cr.Tensor)}
        assert all(v.dtype == dtype for v in now.values())
        if buffers is not None:
            assert all(now[k] is buffers[k] for k in buffers)  # the same arrays, updated in place
        buffers = now


def test_a_step_copies_neither_state_nor_parameters():
    """The update is a few NumPy expressions: at most four temporaries of the largest parameter's size
    live at once (a copy of a state buffer or of a parameter per step would show here)."""
    n = 1 << 18
    params = [cr.zeros(n, requires_grad=True), cr.zeros(n // 2, requires_grad=True)]
    for p in params:
        p.grad = cr.ones(p.shape)
    opt = Adam(params, lr=1e-3, amsgrad=True, weight_decay=0.1, maximize=True)
    opt.step()  # the first step allocates the state
    tracemalloc.start()
    opt.step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 4.5 * n * 4  # float32: 4 bytes an element


def test_the_gradient_is_never_modified():
    p = cr.tensor([1.0, 2.0], requires_grad=True)
    grad = np.array([0.5, -0.5], dtype=np.float32)
    p.grad = cr.tensor(grad.copy())
    opt = SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True, maximize=True)
    opt.step()
    opt.step()
    assert np.array_equal(p.grad._data, grad)


def test_add_param_group_mid_run_equals_torch():
    rng = np.random.default_rng(3)
    w0, v0 = rng.normal(size=(3, 2)), rng.normal(size=4)
    ours = [cr.tensor(w0, requires_grad=True), cr.tensor(v0, requires_grad=True)]
    ref = [torch.tensor(w0, requires_grad=True), torch.tensor(v0, requires_grad=True)]
    opt = Adam(ours[:1], lr=0.05, betas=(0.8, 0.99))
    topt = torch.optim.Adam(ref[:1], lr=0.05, betas=(0.8, 0.99), foreach=False)
    for t in range(12):
        if t == 5:  # unfreeze the second parameter with its own learning rate
            opt.add_param_group({"params": [ours[1]], "lr": 0.2})
            topt.add_param_group({"params": [ref[1]], "lr": 0.2})
        for p, q in zip(ours, ref, strict=True):
            g = np.sin(np.arange(p._data.size).reshape(p.shape) + t)
            p.grad, q.grad = cr.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    for p, q in zip(ours, ref, strict=True):
        np.testing.assert_allclose(p._data, q.detach().numpy(), rtol=1e-12)
    assert opt.param_groups[1]["lr"] == 0.2 and opt.param_groups[1]["betas"] == (0.8, 0.99)


def test_named_parameters_are_kept_as_param_names():
    w, b = cr.zeros(2, requires_grad=True), cr.zeros(1, requires_grad=True)
    opt = SGD([("w", w), ("b", b)], lr=0.1)
    assert all(a is b for a, b in zip(opt.param_groups[0]["params"], [w, b], strict=True))
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


def test_repr_is_pytorchs():
    p = [cr.zeros(2, requires_grad=True), cr.zeros(2, requires_grad=True)]
    tp = [torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)]
    groups = [{"params": p[:1]}, {"params": p[1:], "lr": 0.5}]
    tgroups = [{"params": tp[:1]}, {"params": tp[1:], "lr": 0.5}]
    assert repr(Adam(groups, lr=0.01)) == repr(torch.optim.Adam(tgroups, lr=0.01))


def test_optimizer_pickles_with_its_state():
    import pickle

    p = cr.tensor([1.0, 2.0], requires_grad=True)
    opt = Adam([p], lr=0.1)
    p.grad = cr.tensor([0.1, 0.2])
    opt.step()
    clone = pickle.loads(pickle.dumps(opt))
    q = clone.param_groups[0]["params"][0]
    assert np.array_equal(clone.state[q]["exp_avg"]._data, opt.state[p]["exp_avg"]._data)
    q.grad = cr.tensor([0.1, 0.2])
    clone.step()
    assert clone.state[q]["step"] == 2
