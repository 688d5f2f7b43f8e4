"""The Tensor and tensor creation: attributes, conversions, dtypes, repr and seeding, as in PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from torch_oracle import assert_close


# ----------------------------------------------------------------------------- dtypes of new tensors
@pytest.mark.parametrize("data", [1.5, [1.0, 2.0], [[1, 2], [3, 4]], 3, True, [True, False], [1, 2.5]])
def test_tensor_infers_torchs_dtype(data):
    assert_close(chainrule.tensor(data), torch.tensor(data))


@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "int32", "uint8", "bool"])
def test_numpy_arrays_keep_their_dtype(dt):
    arr = np.array([1, 0, 1], dtype=dt)
    assert chainrule.tensor(arr).dtype == np.dtype(dt)
    assert_close(chainrule.tensor(arr), torch.tensor(arr))


def test_dtype_argument_and_names():
    x = chainrule.tensor([1, 2], dtype=chainrule.float64)
    assert x.dtype == chainrule.float64 == chainrule.double
    assert chainrule.float32 == chainrule.float and chainrule.int64 == chainrule.long
    assert chainrule.tensor([1.0], dtype=float).dtype == chainrule.float32
    assert chainrule.tensor([1.0], dtype=int).dtype == chainrule.int64


def test_set_default_dtype():
    try:
        chainrule.set_default_dtype(chainrule.float64)
        assert chainrule.tensor([1.5]).dtype == chainrule.float64
        assert chainrule.zeros(2).dtype == chainrule.float64
    finally:
        chainrule.set_default_dtype(chainrule.float32)
    assert chainrule.tensor([1.5]).dtype == chainrule.float32


def test_tensor_copies_but_from_numpy_shares():
    arr = np.ones(3, dtype=np.float32)
    t, f = chainrule.tensor(arr), chainrule.from_numpy(arr)
    arr[0] = 5
    assert t._data[0] == 1 and f._data[0] == 5
    with pytest.raises(TypeError, match="from_numpy"):
        chainrule.from_numpy([1, 2])


# ----------------------------------------------------------------------------- creation functions
@pytest.mark.parametrize("name,args,kwargs", [
    ("zeros", (2, 3), {}),
    ("zeros", ((2, 3),), {"dtype": "float64"}),
    ("ones", (4,), {}),
    ("ones", ([2, 2],), {"dtype": "int64"}),
    ("full", ((2, 2), 7.0), {}),
    ("full", ((3,), 2), {}),
    ("arange", (5,), {}),
    ("arange", (1, 4, 0.5), {}),
    ("arange", (0.0, 3.0), {}),
    ("linspace", (0, 1, 5), {}),
    ("eye", (3,), {}),
    ("eye", (2, 4), {}),
])
def test_creation_matches_torch(name, args, kwargs):
    t_kwargs = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    c_kwargs = {k: getattr(chainrule, v) if k == "dtype" else v for k, v in kwargs.items()}
    assert_close(getattr(chainrule, name)(*args, **c_kwargs), getattr(torch, name)(*args, **t_kwargs))


def test_empty_and_like_functions():
    base = chainrule.tensor([[1.0, 2.0]], dtype=chainrule.float64)
    assert chainrule.empty(2, 3).shape == (2, 3) and chainrule.empty(2).dtype == chainrule.float32
    for name in ("zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"):
        out = getattr(chainrule, name)(base)
        assert out.shape == base.shape and out.dtype == chainrule.float64, name
    assert np.all(chainrule.full_like(base, 3)._data == 3)
    assert np.all(chainrule.zeros_like(base)._data == 0) and np.all(chainrule.ones_like(base)._data == 1)


def test_creation_with_requires_grad():
    for t in (chainrule.zeros(2, requires_grad=True), chainrule.ones(2, requires_grad=True),
              chainrule.randn(2, requires_grad=True), chainrule.tensor([1.0], requires_grad=True),
              chainrule.arange(3.0, requires_grad=True), chainrule.eye(2, requires_grad=True)):
        assert t.requires_grad and t.is_leaf and t.grad is None


def test_random_draws_repeat_after_manual_seed():
    chainrule.manual_seed(123)
    a = (chainrule.rand(3), chainrule.randn(2, 2), chainrule.randint(0, 10, (4,)), chainrule.randperm(5))
    chainrule.manual_seed(123)
    b = (chainrule.rand(3), chainrule.randn(2, 2), chainrule.randint(0, 10, (4,)), chainrule.randperm(5))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x._data, y._data)
    assert not np.array_equal(chainrule.randn(2, 2)._data, b[1]._data)  # the stream moves on


def test_random_ranges_and_dtypes():
    u = chainrule.rand(1000)
    assert u.dtype == chainrule.float32 and 0 <= u._data.min() and u._data.max() < 1
    n = chainrule.randn(20000, dtype=chainrule.float64)
    assert n.dtype == chainrule.float64 and abs(float(n.mean())) < 0.05 and abs(float(n.std()) - 1) < 0.05
    r = chainrule.randint(3, 7, (1000,))
    assert r.dtype == chainrule.int64 and set(np.unique(r._data)) == {3, 4, 5, 6}
    assert sorted(chainrule.randperm(6).tolist()) == list(range(6))


def test_generator_argument_is_independent_of_the_global_seed():
    g1, g2 = chainrule.Generator().manual_seed(7), chainrule.Generator().manual_seed(7)
    chainrule.manual_seed(0)
    x = chainrule.randn(3, generator=g1)
    chainrule.randn(5)
    np.testing.assert_array_equal(x._data, chainrule.randn(3, generator=g2)._data)


# ----------------------------------------------------------------------------- attributes
def test_attributes_match_torch():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    c, t = chainrule.tensor(a), torch.tensor(a)
    assert tuple(c.shape) == tuple(t.shape) and c.shape == (2, 3, 4)
    assert c.ndim == t.ndim == c.dim() and c.numel() == t.numel() and len(c) == len(t)
    assert c.size() == (2, 3, 4) and c.size(1) == t.size(1) and c.size(-1) == 4
    assert repr(c.shape) == "chainrule.Size([2, 3, 4])" and c.shape.numel() == 24
    assert c.tolist() == t.tolist()
    assert c.is_leaf and not c.requires_grad and c.grad is None and c.grad_fn is None
    assert c.is_floating_point() and not chainrule.tensor([1]).is_floating_point()
    assert c.element_size() == 4 and c.device == "cpu"


def test_item_and_python_conversions():
    assert chainrule.tensor(2.5).item() == 2.5 and isinstance(chainrule.tensor(2.5).item(), float)
    assert chainrule.tensor([7]).item() == 7 and isinstance(chainrule.tensor([7]).item(), int)
    assert float(chainrule.tensor([[1.5]])) == 1.5 and int(chainrule.tensor(3)) == 3
    assert bool(chainrule.tensor(1.0)) and not bool(chainrule.tensor([0.0]))
    assert [10, 20, 30][chainrule.tensor(1)] == 20  # __index__


def test_numpy_and_array_protocol():
    x = chainrule.tensor([1.0, 2.0])
    assert x.numpy() is x._data
    assert np.asarray(x) is x._data and np.asarray(x, dtype=np.float64).dtype == np.float64
    y = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        y.numpy()
    np.testing.assert_array_equal(y.detach().numpy(), [1.0, 2.0])


def test_ndarray_on_the_left_defers_to_tensor():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    out = np.array([3.0, 4.0], dtype=np.float32) * x
    assert isinstance(out, chainrule.Tensor) and out.requires_grad


def test_iteration_and_len():
    rows = list(chainrule.tensor([[1, 2], [3, 4]]))
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match="0-d"):
        len(chainrule.tensor(1.0))
    with pytest.raises(TypeError, match="0-d"):
        iter(chainrule.tensor(1.0))


def test_requires_grad_flag_and_method():
    x = chainrule.zeros(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    assert (chainrule.ones(2, requires_grad=True) * 1).requires_grad


def test_zero_and_inplace_methods_under_no_grad():
    x = chainrule.tensor([1.0, 2.0, 3.0])
    x.add_(1).mul_(2).sub_(1, alpha=2).div_(2)
    np.testing.assert_allclose(x._data, [1.0, 2.0, 3.0])
    x.clamp_(1.5, 2.5)
    np.testing.assert_allclose(x._data, [1.5, 2.0, 2.5])
    x.fill_(4)
    x[0] = 0
    np.testing.assert_allclose(x._data, [0.0, 4.0, 4.0])
    x.zero_()
    assert not x._data.any()
    y = chainrule.tensor([1.0, 2.0])
    y.copy_(chainrule.tensor([5.0, 6.0], dtype=chainrule.float64))
    assert y.dtype == chainrule.float32 and y.tolist() == [5.0, 6.0]


def test_clone_detach_to():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.requires_grad and not c.is_leaf and not np.shares_memory(c._data, x._data)
    d = x.detach()
    assert not d.requires_grad and np.shares_memory(d._data, x._data)
    assert x.double().dtype == chainrule.float64 and x.double().requires_grad
    assert x.to(chainrule.float64).float().dtype == chainrule.float32
    assert x.to("cpu", chainrule.float64).dtype == chainrule.float64
    assert x.long().dtype == chainrule.int64 and x.int().dtype == chainrule.int32
    assert x.bool().dtype == chainrule.bool and x.type() == "torch.FloatTensor"
    with pytest.raises(RuntimeError, match="CPU"):
        x.to("cuda")


# ----------------------------------------------------------------------------- repr
@pytest.mark.parametrize("data", [
    [1.0, 2.0], [1.5, -2.25], [[1.5, 2.0], [3.0, -4.0]], 3.0, [1, 2], [[1, -2], [3, 4]], [True, False],
    [1e-5, -1.0], [1e9, 1.0], [], [float("nan"), 1.5, -float("inf")], [100.0, -3.0],
    [float("inf"), -float("inf")], [1.0, float("nan")], [[1.0, float("nan")], [float("inf"), -2.5]],
])
def test_repr_matches_torch(data):
    assert repr(chainrule.tensor(data)) == repr(torch.tensor(data))


def test_repr_shows_dtype_grad_fn_and_requires_grad_like_torch():
    def both(make):
        return make(chainrule), make(torch)

    c, t = both(lambda lib: lib.tensor([1.0, 2.0], requires_grad=True))
    assert repr(c) == repr(t)
    c, t = both(lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float64))
    assert repr(c) == repr(t).replace("torch.", "chainrule.")
    c, t = both(lambda lib: lib.tensor([1, 2], dtype=lib.int32))
    assert repr(c) == repr(t).replace("torch.", "chainrule.")
    y = chainrule.tensor([1.0, 2.0], requires_grad=True) * 2
    assert repr(y) == "tensor([2., 4.], grad_fn=<MulBackward>)"
