"""Linear (Y = XW + b) against torch.nn.Linear: forward, every gradient, init, errors."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_twin import DTYPES, assert_close, assert_same_grads, ours_to_torch, pair, rand, torch_to_ours

import chainrule as cr
from chainrule import nn


def twins(n_in: int, n_out: int, dtype, bias: bool = True):
    ours = nn.Linear(n_in, n_out, bias=bias, dtype=dtype)
    theirs = torch.nn.Linear(n_in, n_out, bias=bias, dtype=torch.float64 if dtype == np.float64 else torch.float32)
    torch_to_ours(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@settings(max_examples=15, deadline=None)
@given(batch=st.integers(1, 9), n_in=st.integers(1, 12), n_out=st.integers(1, 12),
       lead=st.sampled_from([(), (3,), (2, 2)]))
def test_forward_and_gradients_match_torch(dtype, bias, batch, n_in, n_out, lead):
    ours, theirs = twins(n_in, n_out, dtype, bias)
    x, tx = pair(rand(lead + (batch, n_in), dtype, seed=batch))
    y, ty = ours(x), theirs(tx)
    assert y.dtype == dtype and y.shape == tuple(ty.shape)
    assert_close(y, ty, dtype)
    g = rand(tuple(ty.shape), dtype, seed=7)
    y.backward(g)
    ty.backward(torch.from_numpy(g))
    assert_close(x.grad, tx.grad, dtype)
    assert_same_grads(ours, theirs, dtype, scale=batch)


@pytest.mark.parametrize("dtype", DTYPES)
def test_weights_copied_in_both_directions(dtype):
    ours = nn.Linear(5, 3, dtype=dtype)
    theirs = torch.nn.Linear(5, 3, dtype=torch.float64 if dtype == np.float64 else torch.float32)
    ours_to_torch(ours, theirs)  # chainrule -> torch this time
    x, tx = pair(rand((4, 5), dtype))
    assert_close(ours(x), theirs(tx), dtype)


def test_one_dimensional_input_and_weight_layout():
    layer = nn.Linear(3, 2)
    assert tuple(layer.weight.shape) == (2, 3) and tuple(layer.bias.shape) == (2,)
    x = cr.randn(3)
    y = layer(x)
    np.testing.assert_allclose(y._data, layer.weight._data @ x._data + layer.bias._data, rtol=1e-6)
    # the lecture's XW + b with W = weight.T
    xb = cr.randn(4, 3)
    lecture = xb._data @ layer.weight._data.T + layer.bias._data
    np.testing.assert_allclose(layer(xb)._data, lecture, rtol=1e-6)


def test_first_layer_skips_input_gradient():
    layer = nn.Linear(4, 2)
    x = cr.randn(3, 4)  # data: requires no grad
    layer(x).sum().backward()
    assert x.grad is None and layer.weight.grad is not None
    node = layer(x).grad_fn
    assert node.needs_input_grad == (False, True, True)


def test_float32_kept_and_no_upcast():
    layer = nn.Linear(4, 2)
    assert layer.weight.dtype == np.float32
    y = layer(cr.randn(3, 4))
    y.sum().backward()
    assert y.dtype == np.float32 and layer.weight.grad.dtype == np.float32
    assert layer.bias.grad.dtype == np.float32


def test_default_init_matches_pytorch_distribution():
    cr.manual_seed(0)
    fan_in = 400
    layer = nn.Linear(fan_in, 300)
    bound = 1 / math.sqrt(fan_in)
    w, b = layer.weight._data, layer.bias._data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound  # U(-b, b) has std b / sqrt(3)
    assert abs(w.mean()) < 0.01 * bound
    assert abs(b.std() - bound / math.sqrt(3)) < 0.1 * bound


def test_seeded_init_repeats():
    cr.manual_seed(3)
    a = nn.Linear(5, 5).weight._data.copy()
    cr.manual_seed(3)
    b = nn.Linear(5, 5).weight._data.copy()
    np.testing.assert_array_equal(a, b)


def test_shape_error_names_layer_and_shapes():
    with pytest.raises(cr.ShapeError) as e:
        nn.Linear(in_features=3, out_features=4)(cr.randn(2, 5))
    assert str(e.value) == "Linear(in_features=3, out_features=4) expected input [..., 3], got shape (2, 5)"
    assert isinstance(e.value, ValueError) and isinstance(e.value, RuntimeError)
    with pytest.raises(cr.ShapeError, match="got shape"):
        nn.Linear(3, 4)(cr.tensor(1.0))


def test_dtype_mismatch_is_an_error_not_an_upcast():
    with pytest.raises(TypeError, match="float64 does not match weight dtype float32"):
        nn.Linear(3, 2)(cr.randn(2, 3, dtype=cr.float64))
    with pytest.raises(TypeError, match="Tensor"):
        nn.Linear(3, 2)([[1.0, 2.0, 3.0]])


def test_functional_linear_matches_torch():
    x, tx = pair(rand((4, 3), np.float64))
    w, tw = pair(rand((2, 3), np.float64, 1))
    b, tb = pair(rand((2,), np.float64, 2))
    y = nn.functional.linear(x, w, b)
    ty = torch.nn.functional.linear(tx, tw, tb)
    assert_close(y, ty)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        assert_close(ours.grad, theirs.grad)
    y2 = nn.functional.linear(x, w)
    assert_close(y2, torch.nn.functional.linear(tx, tw))
    with pytest.raises(cr.ShapeError, match=r"weight of shape \(2, 3\) expects input \[\.\.\., 3\]"):
        nn.functional.linear(cr.randn(4, 5, dtype=cr.float64), w)
    with pytest.raises(cr.ShapeError, match="bias"):
        nn.functional.linear(x, w, cr.randn(3, dtype=cr.float64))


def test_repr_and_no_bias():
    assert repr(nn.Linear(3, 4)) == "Linear(in_features=3, out_features=4, bias=True)"
    layer = nn.Linear(3, 4, bias=False)
    assert repr(layer) == repr(torch.nn.Linear(3, 4, bias=False))
    assert layer.bias is None and [k for k, _ in layer.named_parameters()] == ["weight"]
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(-1, 2)


def test_identity():
    x = cr.randn(2, 3)
    assert nn.Identity(54, unused="x")(x) is x
    assert repr(nn.Identity()) == "Identity()"
