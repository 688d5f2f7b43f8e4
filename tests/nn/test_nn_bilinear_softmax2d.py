"""nn.Bilinear / F.bilinear and nn.Softmax2d against PyTorch: values, every gradient, the
initialisation's range, reprs and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule.errors import ShapeError
from torch_oracle import check, float_dtypes, randn, seeds


@settings(max_examples=15, deadline=None)
@given(batch=st.lists(st.integers(1, 3), min_size=0, max_size=2), in1=st.integers(1, 4),
       in2=st.integers(1, 4), out=st.integers(1, 4), with_bias=st.booleans(), dtype=float_dtypes, seed=seeds)
def test_bilinear_equals_torch(batch, in1, in2, out, with_bias, dtype, seed):
    arrays = [randn((*batch, in1), dtype, seed), randn((*batch, in2), dtype, seed + 1),
              randn((out, in1, in2), dtype, seed + 2)]
    if with_bias:
        arrays.append(randn((out,), dtype, seed + 3))
    check(lambda lib, *t: lib.nn.functional.bilinear(*t), *arrays, seed=seed)


def test_bilinear_layer_state_dict_repr_and_init():
    t_layer = torch.nn.Bilinear(3, 4, 5)
    c_layer = chainrule.nn.Bilinear(3, 4, 5)
    assert repr(c_layer) == repr(t_layer)
    assert list(c_layer.state_dict()) == list(t_layer.state_dict())
    bound = 1 / np.sqrt(3)
    assert np.abs(c_layer.weight.detach().numpy()).max() <= bound
    assert np.abs(c_layer.bias.detach().numpy()).max() <= bound
    c_layer.load_state_dict({k: v.detach().numpy().copy() for k, v in t_layer.state_dict().items()})
    x1, x2 = randn((2, 3), np.float32, 1), randn((2, 4), np.float32, 2)
    np.testing.assert_allclose(c_layer(chainrule.tensor(x1), chainrule.tensor(x2)).detach().numpy(),
                               t_layer(torch.tensor(x1), torch.tensor(x2)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert chainrule.nn.Bilinear(3, 4, 5, bias=False).bias is None
    assert repr(chainrule.nn.Bilinear(3, 4, 5, bias=False)) == repr(torch.nn.Bilinear(3, 4, 5, bias=False))


def test_bilinear_errors_name_the_shapes():
    layer = chainrule.nn.Bilinear(3, 4, 5)
    with pytest.raises(ShapeError, match=r"input1 of shape \(2, 3\) and input2 of shape \(3, 4\)"):
        layer(chainrule.randn(2, 3), chainrule.randn(3, 4))
    with pytest.raises(ShapeError, match=r"weight of shape \(5, 3, 4\)"):
        layer(chainrule.randn(2, 4), chainrule.randn(2, 4))


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 2, 2)])
def test_softmax2d_equals_torch(shape, dtype):
    check(lambda lib, x: lib.nn.Softmax2d()(x), randn(shape, dtype, 4))


def test_softmax2d_refuses_other_ranks_as_torch():
    for lib in (chainrule, torch):
        with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
            lib.nn.Softmax2d()(lib.randn(2, 2))
    assert repr(chainrule.nn.Softmax2d()) == repr(torch.nn.Softmax2d())
