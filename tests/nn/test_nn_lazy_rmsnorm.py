"""Lazy layers (shapes read from the first input) and RMSNorm, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import assert_close, check, float_dtypes, randn, seeds

LAZY = {
    "LazyLinear": ((4,), (5, 3)),
    "LazyConv1d": ((4, 2), (2, 3, 6)),
    "LazyConv2d": ((4, 3), (1, 2, 5, 5)),
    "LazyConv3d": ((2, 2), (1, 2, 3, 4, 3)),
    "LazyConvTranspose1d": ((3, 2), (2, 4, 5)),
    "LazyConvTranspose2d": ((3, 2), (1, 2, 3, 3)),
    "LazyConvTranspose3d": ((2, 2), (1, 2, 2, 3, 2)),
    "LazyBatchNorm1d": ((), (6, 3)),
    "LazyBatchNorm2d": ((), (4, 3, 2, 2)),
    "LazyBatchNorm3d": ((), (4, 2, 2, 2, 2)),
    "LazyInstanceNorm1d": ((), (2, 3, 5)),
    "LazyInstanceNorm2d": ((), (2, 3, 4, 4)),
    "LazyInstanceNorm3d": ((), (2, 2, 3, 3, 3)),
}


@pytest.mark.parametrize("name", list(LAZY))
def test_lazy_layer_becomes_torchs_layer(name, dtype):
    args, shape = LAZY[name]
    t_layer, c_layer = getattr(torch.nn, name)(*args), getattr(chainrule.nn, name)(*args)
    assert repr(c_layer) == repr(t_layer)
    assert all(type(p).__name__ == "UninitializedParameter" for p in c_layer.parameters())
    c_opt = chainrule.optim.SGD(c_layer.parameters(), lr=0.1)  # built before the shapes are known
    x = randn(shape, dtype, 1)
    if dtype == np.float64:
        t_layer.double()
        c_layer.double()
    t_layer(torch.tensor(x.copy()))
    c_layer(chainrule.tensor(x.copy()))
    assert type(c_layer).__name__ == type(t_layer).__name__ == name[4:]
    assert repr(c_layer) == repr(t_layer)
    assert [tuple(p.shape) for p in c_layer.parameters()] == [tuple(p.shape) for p in t_layer.parameters()]
    c_layer.load_state_dict({k: v.detach().numpy().copy() for k, v in t_layer.state_dict().items()})
    tx, cx = torch.tensor(x.copy(), requires_grad=True), chainrule.tensor(x.copy(), requires_grad=True)
    ty, cy = t_layer(tx), c_layer(cx)
    assert_close(cy, ty, dtype)
    g = randn(tuple(ty.shape), dtype, 2)
    ty.backward(torch.tensor(g))
    cy.backward(chainrule.tensor(g))
    assert_close(cx.grad, tx.grad, dtype)
    before = [p.detach().numpy().copy() for p in c_layer.parameters()]
    c_opt.step()  # the optimiser holds the very parameters that were given their shapes
    for b, p in zip(before, c_layer.parameters()):
        if p.grad is not None:
            np.testing.assert_allclose(p.detach().numpy(), b - 0.1 * p.grad.numpy(), rtol=1e-6)


def test_a_state_dict_gives_a_lazy_layer_its_shapes():
    t_layer = torch.nn.Linear(3, 4)
    layer = chainrule.nn.LazyLinear(4)
    layer.load_state_dict({k: v.detach().numpy() for k, v in t_layer.state_dict().items()})
    assert type(layer).__name__ == "LazyLinear" and tuple(layer.weight.shape) == (4, 3)
    x = randn((2, 3), np.float32, 3)
    np.testing.assert_allclose(layer(chainrule.tensor(x)).detach().numpy(), t_layer(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert repr(layer) == "Linear(in_features=3, out_features=4, bias=True)"


def test_an_uninitialized_parameter_says_so():
    for lib in (chainrule, torch):
        layer = lib.nn.LazyLinear(4)
        with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
            layer.weight.shape  # noqa: B018
        assert repr(layer.weight) == "<UninitializedParameter>"


@settings(max_examples=15, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), k=st.integers(1, 3), affine=st.booleans(),
       eps=st.sampled_from([None, 1e-5]), dtype=float_dtypes, seed=seeds)
def test_rms_norm_equals_torch(shape, k, affine, eps, dtype, seed):
    k = min(k, len(shape))
    normalized = tuple(shape[-k:])
    arrays = [randn(shape, dtype, seed)] + ([randn(normalized, dtype, seed + 1)] if affine else [])
    check(lambda lib, x, *w: lib.nn.functional.rms_norm(x, normalized, w[0] if w else None, eps), *arrays, seed=seed)


def test_rms_norm_layer_equals_torch(dtype):
    for args, kwargs in (((4,), {}), (([2, 4],), {"eps": 1e-6}), ((4,), {"elementwise_affine": False})):
        t_layer, c_layer = torch.nn.RMSNorm(*args, **kwargs), chainrule.nn.RMSNorm(*args, **kwargs)
        assert repr(c_layer) == repr(t_layer) and list(c_layer.state_dict()) == list(t_layer.state_dict())
        if dtype == np.float64:
            t_layer.double()
            c_layer.double()
        check(lambda lib, x, c_layer=c_layer, t_layer=t_layer: (c_layer if lib is chainrule else t_layer)(x),
              randn((3, 2, 4), dtype, 4))


def _stats(lib):
    class Stats(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.total = lib.nn.Buffer(lib.ones(2))
            self.scratch = lib.nn.Buffer(lib.zeros(1), persistent=False)

    return Stats()


def test_buffer_assignment_registers_a_buffer_as_torch():
    results = []
    for lib in (chainrule, torch):
        module = _stats(lib)
        results.append((list(module.state_dict()), [n for n, _ in module.named_buffers()],
                        type(module.total).__name__, module.total.tolist()))
    assert results[0] == results[1]
