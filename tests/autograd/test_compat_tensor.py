"""Tensor methods real programs call, against PyTorch: to()/cpu()/cuda(), new_*, nelement,
contiguity, tolist, f-string formats, register_hook, and the in-place initialisers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from torch_oracle import assert_close, randn


def _both(make):
    return make(chainrule), make(torch)


# ------------------------------------------------------------------------------ to, cpu, cuda
@pytest.mark.parametrize("call", [
    lambda lib, x: x.to(lib.float64),
    lambda lib, x: x.to("cpu"),
    lambda lib, x: x.to(lib.device("cpu")),
    lambda lib, x: x.to(lib.device("cpu"), lib.float64),
    lambda lib, x: x.to("cpu", dtype=lib.int64),
    lambda lib, x: x.to(device="cpu"),
    lambda lib, x: x.to(dtype=lib.int32),
    lambda lib, x: x.to(lib.ones(1, dtype=lib.float64)),
    lambda lib, x: x.to("cpu", copy=True),
    lambda lib, x: x.cpu(),
], ids=range(10))
def test_to_accepts_torchs_forms(call):
    c, t = _both(lambda lib: call(lib, lib.tensor([1.5, -2.0])))
    assert_close(c, t)
    assert c.device == "cpu"


def test_to_same_dtype_returns_self_unless_copy():
    x = chainrule.ones(2)
    assert x.to("cpu") is x and x.to(chainrule.float32) is x and x.cpu() is x
    assert x.to("cpu", copy=True) is not x


def test_to_keeps_the_graph():
    x = chainrule.ones(2, requires_grad=True)
    y = x.to(chainrule.float64)
    y.sum().backward()
    assert y.requires_grad and x.grad.dtype == chainrule.float32


@pytest.mark.parametrize("call", [
    lambda x: x.to("cuda"), lambda x: x.to("cuda:0"), lambda x: x.to(chainrule.device("cuda", 1)),
    lambda x: x.to("mps"), lambda x: x.to(device="cuda", dtype=chainrule.float64), lambda x: x.cuda(),
])
def test_other_devices_are_refused(call):
    with pytest.raises(RuntimeError, match="CPU only"):
        call(chainrule.ones(2))


# ------------------------------------------------------------------------------ new tensors
@pytest.mark.parametrize("make", [
    lambda lib, x: x.new_zeros(2, 3),
    lambda lib, x: x.new_zeros((2,)),
    lambda lib, x: x.new_ones([3]),
    lambda lib, x: x.new_full((2,), 3.5),
    lambda lib, x: x.new_full((2, 1), 7, dtype=lib.float64),
    lambda lib, x: x.new_tensor([1.5, 2.5]),
    lambda lib, x: x.new_tensor([[1, 2]], dtype=lib.float32),
    lambda lib, x: x.new_zeros(2, dtype=lib.int64, device="cpu"),
], ids=range(8))
@pytest.mark.parametrize("source", [[1.0, 2.0], [1, 2], np.array([1.0], np.float64)], ids=["f32", "i64", "f64"])
def test_new_tensors_take_this_tensors_dtype(make, source):
    c, t = _both(lambda lib: make(lib, lib.tensor(source)))
    assert_close(c, t)
    assert not c.requires_grad


def test_new_empty_and_requires_grad():
    x = chainrule.ones(2, dtype=chainrule.float64, requires_grad=True)
    e = x.new_empty(3, 4)
    assert e.shape == (3, 4) and e.dtype == chainrule.float64 and not e.requires_grad
    assert x.new_zeros(2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="new_ones: chainrule runs on the CPU only"):
        x.new_ones(2, device="cuda")


# ------------------------------------------------------------------------------ small methods
def test_nelement_tolist_contiguity():
    a = randn((3, 4), np.float32, 0)
    c, t = chainrule.tensor(a), torch.tensor(a)
    assert c.nelement() == t.nelement() == 12 and c.tolist() == t.tolist()
    for view in (lambda x: x, lambda x: x.t(), lambda x: x[:, 1:], lambda x: x[1], lambda x: x[:, ::2],
                 lambda x: x.unsqueeze(0).expand(2, 3, 4), lambda x: x.reshape(12)):
        assert view(c).is_contiguous() == view(t).is_contiguous()
        assert view(c).contiguous().is_contiguous()
        assert_close(view(c).contiguous(), view(t).contiguous())
    assert c.contiguous() is c


def test_contiguous_copy_keeps_the_gradient(dtype):
    x = chainrule.tensor(randn((2, 3), dtype, 0), requires_grad=True)
    y = x.t().contiguous()
    assert y.is_contiguous() and y.requires_grad
    (y * chainrule.tensor(np.arange(6.0, dtype=dtype).reshape(3, 2))).sum().backward()
    np.testing.assert_array_equal(x.grad._data, np.arange(6.0, dtype=dtype).reshape(3, 2).T)


# ------------------------------------------------------------------------------ format
@pytest.mark.parametrize("spec", [".3f", ".2e", "8.4f", "", ">10", "g"])
@pytest.mark.parametrize("value", [1.23456, -0.5, 1e-7])
def test_format_of_a_0d_tensor(spec, value):
    c, t = _both(lambda lib: lib.tensor(value))
    assert format(c, spec) == format(t, spec)
    assert f"{c.detach()}" == f"{t.detach()}"


def test_format_of_an_integer_and_a_grad_tensor():
    loss = (chainrule.ones(3, requires_grad=True) * 0.5).sum()
    assert f"loss {loss:.3f}" == "loss 1.500" and f"{chainrule.tensor(3)}" == f"{torch.tensor(3)}" == "3"
    assert f"{chainrule.tensor(7):04d}" == "0007"


@pytest.mark.parametrize("data", [[1.5], [1.0, 2.0]])
def test_format_with_a_spec_needs_a_0d_tensor_like_torch(data):
    with pytest.raises(TypeError, match="unsupported format string"):
        format(torch.tensor(data), ".3f")
    with pytest.raises(TypeError, match=r"unsupported format string.*only a 0-d tensor"):
        format(chainrule.tensor(data), ".3f")
    assert f"{chainrule.tensor(data)}" == repr(chainrule.tensor(data))


# ------------------------------------------------------------------------------ in-place on leaves
INPLACE = [
    lambda x: x.normal_(), lambda x: x.uniform_(-1, 1), lambda x: x.fill_(2.0), lambda x: x.zero_(),
    lambda x: x.clamp_(0, 1), lambda x: x.normal_(0.0, 1.0, generator=None),
]


@pytest.mark.parametrize("call", INPLACE, ids=range(len(INPLACE)))
def test_inplace_on_a_leaf_that_requires_grad_is_refused_outside_no_grad(call):
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        call(torch.ones(3, requires_grad=True))
    x = chainrule.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        call(x)
    with chainrule.no_grad():
        assert call(x) is x  # allowed inside no_grad(), returning the tensor itself


def test_inplace_initialisers_draw_the_right_values():
    x = chainrule.empty(20000, dtype=chainrule.float64)
    x.uniform_(-2.0, 4.0)
    assert x._data.min() >= -2.0 and x._data.max() < 4.0 and abs(x._data.mean() - 1.0) < 0.05
    x.normal_(3.0, 0.5)
    assert abs(x._data.mean() - 3.0) < 0.02 and abs(x._data.std() - 0.5) < 0.02
    assert x.fill_(1.5).tolist()[:2] == [1.5, 1.5] and not x.zero_()._data.any()
    assert x.dtype == chainrule.float64


# ------------------------------------------------------------------------------ register_hook
def test_hook_on_a_leaf_sees_the_total_gradient_once_and_may_replace_it():
    def run(lib):
        a = lib.ones(3, requires_grad=True)
        seen = []
        handle = a.register_hook(lambda g: seen.append(g.clone()) or g * 2)
        ((a * 3).sum() + (a * 5).sum()).backward()
        first = a.grad.clone()
        handle.remove()
        a.grad = None
        (a * 3).sum().backward()
        return seen, first, a.grad

    (c_seen, c_first, c_after), (t_seen, t_first, t_after) = run(chainrule), run(torch)
    assert len(c_seen) == len(t_seen) == 1
    assert_close(c_seen[0], t_seen[0])
    assert_close(c_first, t_first)
    assert_close(c_after, t_after)


def test_hook_on_a_non_leaf_changes_what_flows_back_and_what_it_retains():
    def run(lib):
        b = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        z = b * 2
        z.retain_grad()
        z.register_hook(lambda g: g * 10)
        seen = []
        z.register_hook(lambda g: seen.append(g.clone()))  # returns None: the gradient is unchanged
        (z * z).sum().backward()
        return b.grad, z.grad, seen[0]

    for c, t in zip(run(chainrule), run(torch), strict=True):
        assert_close(c, t)


def test_hooks_run_in_order_and_on_a_leaf_root():
    def run(lib):
        a = lib.tensor([1.0, -2.0], requires_grad=True)
        a.register_hook(lambda g: g + 1)
        a.register_hook(lambda g: g * 3)
        a.backward(lib.tensor([1.0, 1.0]))
        return a.grad

    assert_close(*_both(run))


def test_register_hook_errors():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        chainrule.ones(2).register_hook(lambda g: g)
    x = chainrule.ones(2, requires_grad=True)
    x.register_hook(lambda g: chainrule.ones(3))
    with pytest.raises(RuntimeError, match=r"register_hook: hook '<lambda>' returned a gradient of shape \(3,\)"):
        (x * 2).sum().backward()
