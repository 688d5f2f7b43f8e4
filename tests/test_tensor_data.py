"""``Tensor.data``: the same memory as a Tensor cut from the graph, as in PyTorch.

Each program runs with ``lib = chainrule`` and ``lib = torch``: ``.data`` shares memory and is
detached, the classic update ``p.data += -lr * p.grad`` and ``weight.data.normal_()`` work and
are not recorded, ``t.data = other`` replaces the storage, and ``.numpy()`` stays the array.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings

import chainrule
from torch_oracle import FLOATS, assert_close, float_dtypes, randn, seeds, shapes

LIBS = [chainrule, torch]


@pytest.mark.parametrize("dtype", FLOATS)
def test_data_is_a_detached_tensor_over_the_same_memory(dtype):
    for lib in LIBS:
        p = lib.tensor(randn((2, 3), dtype), requires_grad=True)
        d = p.data
        assert isinstance(d, lib.Tensor) and d is not p
        assert not d.requires_grad and d.grad_fn is None and d.is_leaf
        assert d.dtype == p.dtype and tuple(d.shape) == (2, 3)
        d[0, 0] = 7.0  # no error: d does not require grad
        assert p[0, 0].item() == 7.0  # the same memory
        y = p * 2
        assert y.data.grad_fn is None and y.grad_fn is not None


@settings(deadline=None, max_examples=15)
@given(shape=shapes(min_dims=0, max_dims=3), dtype=float_dtypes, seed=seeds)
def test_sgd_update_through_data_matches_pytorch(shape, dtype, seed):
    x_np, w_np = randn(shape, dtype, seed), randn(shape, dtype, seed + 1)
    results = []
    for lib in LIBS:
        w = lib.tensor(w_np.copy(), requires_grad=True)
        x = lib.tensor(x_np.copy())
        for _ in range(3):
            loss = ((w * x - 1.0) ** 2).sum()
            loss.backward()
            w.data += -0.1 * w.grad  # the classic update, not recorded
            w.grad.data.zero_()
        assert w.is_leaf and w.grad_fn is None and w.requires_grad
        results.append(w)
    assert_close(results[0], results[1])


@pytest.mark.parametrize("dtype", FLOATS)
def test_data_sub_and_mul_updates_match_pytorch(dtype):
    results = []
    for lib in LIBS:
        p = lib.tensor(randn((4,), dtype, 3), requires_grad=True)
        (p.exp() * 2).sum().backward()
        p.data -= 0.05 * p.grad
        p.data *= 0.9
        p.data.add_(p.grad, alpha=-0.01)
        results.append((p, p.grad))
    assert_close(results[0][0], results[1][0])
    assert_close(results[0][1], results[1][1])


def test_weight_data_normal_initialises_in_place():
    chainrule.manual_seed(0)
    layer = chainrule.nn.Linear(200, 100)
    before = layer.weight
    out = layer.weight.data.normal_(0, 0.01)
    assert layer.weight is before and layer.weight.requires_grad and layer.weight.is_leaf
    assert isinstance(out, chainrule.Tensor) and not out.requires_grad
    w = layer.weight.detach().numpy()
    assert abs(float(w.mean())) < 1e-3 and abs(float(w.std()) - 0.01) < 1e-3
    layer.bias.data.fill_(0.5)
    assert np.all(layer.bias.detach().numpy() == 0.5)
    # the layer still trains: its parameters are the same leaves
    layer(chainrule.randn(3, 200)).sum().backward()
    assert layer.weight.grad is not None and layer.weight.grad.shape == layer.weight.shape


@pytest.mark.parametrize("dtype", FLOATS)
def test_assigning_data_replaces_the_storage(dtype):
    seen = []
    for lib in LIBS:
        a = lib.zeros(3, dtype=getattr(lib, np.dtype(dtype).name), requires_grad=True)
        b = lib.tensor(randn((4, 2), dtype, 5))
        a.data = b
        assert tuple(a.shape) == (4, 2) and a.requires_grad and a.is_leaf
        b.add_(1)  # the same memory now
        seen.append(a.detach().clone())
        (a * a).sum().backward()
        seen.append(a.grad)
    assert_close(seen[0], seen[2])
    assert_close(seen[1], seen[3])


def test_assigning_data_takes_a_tensor_only():
    a = chainrule.zeros(3)
    with pytest.raises(TypeError, match="data"):
        a.data = np.ones(3)


def test_numpy_is_the_array_and_shares_memory_with_data():
    t = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    arr = t.data.numpy()
    assert isinstance(arr, np.ndarray)
    arr[1] = 20.0
    assert t[1].item() == 20.0
    assert np.shares_memory(t.detach().numpy(), arr)


def _data_versions(lib: Any) -> list[int]:
    p = lib.zeros(3, requires_grad=True)
    d = p.data
    d.add_(1)
    d.mul_(2)
    with lib.no_grad():
        p.add_(1)
    return [p._version, d._version, p.data._version]


def test_data_keeps_its_own_version_counter_as_in_pytorch():
    assert _data_versions(chainrule) == _data_versions(torch)
