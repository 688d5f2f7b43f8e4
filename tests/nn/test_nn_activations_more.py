"""The further activations (ReLU6 ... Hardshrink, PReLU, GLU) against PyTorch: values, input and
slope gradients, the derivatives at the kinks, stability at +-1000, reprs and errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_twin import DTYPES, assert_close, assert_same_grads, pair, rand
from test_nn_activation import _check, check_stable  # values and input gradients against torch

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck
from chainrule.nn import functional as F

CASES = [
    ("relu6", nn.ReLU6(), torch.nn.ReLU6()),
    ("selu", nn.SELU(), torch.nn.SELU()),
    ("celu", nn.CELU(), torch.nn.CELU()),
    ("celu_0.5", nn.CELU(alpha=0.5), torch.nn.CELU(alpha=0.5)),
    ("mish", nn.Mish(), torch.nn.Mish()),
    ("softsign", nn.Softsign(), torch.nn.Softsign()),
    ("hardtanh", nn.Hardtanh(), torch.nn.Hardtanh()),
    ("hardtanh_-2_3", nn.Hardtanh(-2.0, 3.0), torch.nn.Hardtanh(-2.0, 3.0)),
    ("hardsigmoid", nn.Hardsigmoid(), torch.nn.Hardsigmoid()),
    ("hardswish", nn.Hardswish(), torch.nn.Hardswish()),
    ("softmin", nn.Softmin(dim=1), torch.nn.Softmin(dim=1)),
    ("softmin0", nn.Softmin(dim=0), torch.nn.Softmin(dim=0)),
    ("logsigmoid", nn.LogSigmoid(), torch.nn.LogSigmoid()),
    ("threshold", nn.Threshold(0.1, 20.0), torch.nn.Threshold(0.1, 20.0)),
    ("tanhshrink", nn.Tanhshrink(), torch.nn.Tanhshrink()),
    ("softshrink", nn.Softshrink(), torch.nn.Softshrink()),
    ("softshrink_1", nn.Softshrink(1.0), torch.nn.Softshrink(1.0)),
    ("hardshrink", nn.Hardshrink(), torch.nn.Hardshrink()),
    ("hardshrink_1.5", nn.Hardshrink(1.5), torch.nn.Hardshrink(1.5)),
    ("glu", nn.GLU(), torch.nn.GLU()),
    ("glu0", nn.GLU(0), torch.nn.GLU(0)),
]
IDS = [c[0] for c in CASES]




@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "ours", "theirs"), CASES, ids=IDS)
@settings(max_examples=8, deadline=None)
@given(shape=st.lists(st.integers(1, 3), min_size=2, max_size=3).map(lambda s: tuple(2 * d for d in s)),
       seed=st.integers(0, 99))
def test_matches_torch(name, ours, theirs, dtype, shape, seed):
    _check(ours, theirs, rand(shape, dtype, seed, scale=4.0), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "ours", "theirs"), CASES, ids=IDS)
def test_stable_at_plus_minus_1000(name, ours, theirs, dtype):
    row = np.array([-1000.0, -50.0, -20.0, -1e-3, 0.0, 1e-3, 20.0, 50.0, 1000.0, 3.0], dtype=dtype)
    check_stable(ours, theirs, np.stack([row, -row]), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_derivatives_at_the_kinks_are_torchs(dtype):
    row = np.array([-6.0, -3.0, -1.5, -1.0, -0.5, 0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 6.0], dtype=dtype)
    arr = np.stack([row, row[::-1]])
    for _, ours, theirs in CASES[:-2]:
        _check(ours, theirs, arr, dtype)
    _check(nn.Threshold(0.5, -2.0), torch.nn.Threshold(0.5, -2.0), arr, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("n", "shape"), [(1, (5,)), (1, (3, 4)), (4, (3, 4)), (3, (2, 3, 5)), (3, (2, 3, 2, 2))])
def test_prelu_input_and_slope_gradients(n, shape, dtype):
    ours = nn.PReLU(n, init=0.3, dtype=dtype)
    theirs = torch.nn.PReLU(n, init=0.3, dtype=getattr(torch, np.dtype(dtype).name))
    w = rand((n,), dtype, seed=3)
    ours.weight._data[...] = w
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(w))
    x, tx = pair(rand(shape, dtype, seed=4, scale=2.0))
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty, dtype)
    g = rand(shape, dtype, seed=5)
    y.backward(g)
    ty.backward(torch.from_numpy(g))
    assert_close(x.grad, tx.grad, dtype)
    assert_same_grads(ours, theirs, dtype)


def test_prelu_parameter_and_state_dict():
    ours, theirs = nn.PReLU(3), torch.nn.PReLU(3)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert [n for n, _ in ours.named_parameters()] == ["weight"]
    assert_close(ours.weight, theirs.weight)
    theirs.weight.data.uniform_()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert_close(ours.weight, theirs.weight)
    assert nn.PReLU().weight.shape == (1,) and nn.PReLU(init=0.1).weight._data[0] == np.float32(0.1)


def test_gradcheck():
    data = np.random.default_rng(0).permutation(24).reshape(2, 3, 4) / 5.0 - 2.3
    for fn in (F.selu, F.mish, F.logsigmoid, F.softsign, lambda x: F.celu(x, 0.7),
               lambda x: F.softmin(x, 1), lambda x: F.glu(x, -1), F.tanhshrink, F.hardswish):
        assert gradcheck(fn, (cr.tensor(data, requires_grad=True),))
    w = cr.tensor(np.array([0.2, -0.4, 0.7]), requires_grad=True)
    assert gradcheck(F.prelu, (cr.tensor(data, requires_grad=True), w))


def test_functional_forms_match_modules():
    x = cr.randn(3, 4)
    pairs = [
        (F.relu6(x), nn.ReLU6()(x)), (F.selu(x), nn.SELU()(x)), (F.celu(x, 2.0), nn.CELU(2.0)(x)),
        (F.mish(x), nn.Mish()(x)), (F.softsign(x), nn.Softsign()(x)),
        (F.hardtanh(x, -0.5, 0.5), nn.Hardtanh(-0.5, 0.5)(x)), (F.hardsigmoid(x), nn.Hardsigmoid()(x)),
        (F.hardswish(x), nn.Hardswish()(x)), (F.softmin(x, 1), nn.Softmin(1)(x)),
        (F.logsigmoid(x), nn.LogSigmoid()(x)), (F.threshold(x, 0.2, 9.0), nn.Threshold(0.2, 9.0)(x)),
        (F.tanhshrink(x), nn.Tanhshrink()(x)), (F.softshrink(x, 0.3), nn.Softshrink(0.3)(x)),
        (F.hardshrink(x, 0.3), nn.Hardshrink(0.3)(x)), (F.glu(x, 1), nn.GLU(1)(x)),
        (F.prelu(x, cr.tensor([0.25])), nn.PReLU()(x)),
    ]
    for a, b in pairs:
        np.testing.assert_array_equal(a._data, b._data)


def test_inplace_flags_are_accepted_and_return_the_value():
    arr = rand((2, 3), np.float64, 0)
    for ours, theirs in ((F.relu6, TF.relu6), (F.selu, TF.selu), (F.celu, TF.celu), (F.mish, TF.mish),
                         (F.hardsigmoid, TF.hardsigmoid), (F.hardswish, TF.hardswish)):
        assert_close(ours(cr.tensor(arr), inplace=True), theirs(torch.tensor(arr), inplace=True))
    assert_close(F.hardtanh(cr.tensor(arr), inplace=True), TF.hardtanh(torch.tensor(arr), inplace=True))
    assert_close(F.threshold(cr.tensor(arr), 0.0, 1.0, True), TF.threshold(torch.tensor(arr), 0.0, 1.0, True))


def test_reprs_match_torch():
    for _, ours, theirs in CASES:
        assert repr(ours) == repr(theirs)
    for name in ("ReLU6", "SELU", "Mish", "Hardsigmoid", "Hardswish"):
        assert repr(getattr(nn, name)(inplace=True)) == repr(getattr(torch.nn, name)(inplace=True))
    assert repr(nn.CELU(0.5, inplace=True)) == repr(torch.nn.CELU(0.5, inplace=True))
    assert repr(nn.Hardtanh(-2.0, 2.0, True)) == repr(torch.nn.Hardtanh(-2.0, 2.0, True))
    assert repr(nn.Threshold(0.1, 2.0, True)) == repr(torch.nn.Threshold(0.1, 2.0, True))
    assert repr(nn.PReLU()) == repr(torch.nn.PReLU()) and repr(nn.PReLU(5)) == repr(torch.nn.PReLU(5))
    assert repr(nn.Softmin()) == repr(torch.nn.Softmin())


def test_errors():
    with pytest.raises(ValueError, match="glu: halving dimension must be even.*size 3"):
        F.glu(cr.randn(2, 3))
    with pytest.raises(IndexError, match="glu"):
        F.glu(cr.randn(2, 4), dim=2)
    with pytest.raises(ValueError, match=r"prelu: weight has 3 slopes.*\(2, 4\).*4 channels"):
        nn.PReLU(3)(cr.randn(2, 4))
    with pytest.raises(ValueError, match="Hardtanh: min_val=2"):
        nn.Hardtanh(2.0, 1.0)
    with pytest.raises(ValueError, match="softshrink: lambd"):
        F.softshrink(cr.randn(2), -1.0)
    with pytest.raises(TypeError, match="mish.*floating point"):
        F.mish(cr.tensor([1, 2]))
    with pytest.raises(TypeError, match="must be a Tensor"):
        F.selu([1.0, 2.0])
