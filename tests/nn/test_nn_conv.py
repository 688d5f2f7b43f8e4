"""Convolutions against PyTorch: Conv1d/2d, ConvTranspose1d/2d, F.unfold/F.fold.

Forward values, dtypes, and the gradients of the input, the weight and the bias, over generated
shapes, strides, paddings, dilations and groups; gradcheck; the default init; error messages.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_twin import DTYPES, assert_close, assert_same_grads, pair, rand, torch_to_ours

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck
from chainrule.nn import functional as F

TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


@st.composite
def conv_cases(draw, nd: int, transposed: bool = False):
    """A convolution that fits its input: channels, groups, kernel, stride, padding, dilation."""
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 3))
    c_out = groups * draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    if transposed:
        padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
        output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
        sizes = tuple(draw(st.integers(1, 5)) for _ in range(nd))
        # the output must not be empty
        sizes = tuple(max(n, 1 + -(-(2 * p - d * (k - 1) - o) // s) if 2 * p > d * (k - 1) + o else n)
                      for n, p, d, k, o, s in zip(sizes, padding, dilation, kernel, output_padding, stride))
        return dict(c_in=c_in, c_out=c_out, kernel=kernel, stride=stride, padding=padding,
                    output_padding=output_padding, dilation=dilation, groups=groups,
                    batch=draw(st.integers(1, 3)), sizes=sizes)
    padding = draw(st.one_of(st.just("valid"), st.just("same") if stride == (1,) * nd else st.just(0),
                             st.tuples(*[st.integers(0, 2)] * nd)))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    sizes = tuple(e + draw(st.integers(0, 5)) for e in extent)  # at least one window
    return dict(c_in=c_in, c_out=c_out, kernel=kernel, stride=stride, padding=padding,
                dilation=dilation, groups=groups, batch=draw(st.integers(1, 3)), sizes=sizes)


def conv_twins(nd, case, dtype, bias=True, padding_mode="zeros"):
    cls = {1: (nn.Conv1d, torch.nn.Conv1d), 2: (nn.Conv2d, torch.nn.Conv2d)}[nd]
    kw = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"],
              groups=case["groups"], bias=bias, padding_mode=padding_mode)
    ours = cls[0](case["c_in"], case["c_out"], case["kernel"], dtype=dtype, **kw)
    theirs = cls[1](case["c_in"], case["c_out"], case["kernel"], dtype=TORCH_DTYPE[dtype], **kw)
    torch_to_ours(ours, theirs)
    return ours, theirs


def run_twins(ours, theirs, x_shape, dtype, seed=0):
    """Forward both, backward the same upstream gradient, compare output and every gradient."""
    x, tx = pair(rand(x_shape, dtype, seed=seed))
    y, ty = ours(x), theirs(tx)
    assert y.dtype == dtype
    assert_close(y, ty, dtype, what="forward")
    g = rand(tuple(ty.shape), dtype, seed=seed + 1)
    y.backward(cr.tensor(g))
    ty.backward(torch.from_numpy(g))
    assert_close(x.grad, tx.grad, dtype, what="input gradient")
    assert_same_grads(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nd", [1, 2])
@settings(max_examples=20, deadline=None)
@given(data=st.data(), bias=st.booleans())
def test_conv_matches_torch(dtype, nd, data, bias):
    case = data.draw(conv_cases(nd))
    ours, theirs = conv_twins(nd, case, dtype, bias)
    run_twins(ours, theirs, (case["batch"], case["c_in"]) + case["sizes"], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nd", [1, 2])
@pytest.mark.parametrize("padding_mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, 2, "same"])
def test_padding_modes_match_torch(dtype, nd, padding_mode, padding):
    case = dict(c_in=2, c_out=3, kernel=(3,) * nd if padding != "same" else (4,) * nd, stride=(1,) * nd,
                padding=padding, dilation=(1,) * nd, groups=1)
    ours, theirs = conv_twins(nd, case, dtype, padding_mode=padding_mode)
    run_twins(ours, theirs, (2, 2) + (6,) * nd, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nd", [1, 2])
def test_depthwise_and_unbatched(dtype, nd):
    case = dict(c_in=4, c_out=8, kernel=(3,) * nd, stride=(2,) * nd, padding=(1,) * nd,
                dilation=(1,) * nd, groups=4)
    ours, theirs = conv_twins(nd, case, dtype)
    run_twins(ours, theirs, (3, 4) + (7,) * nd, dtype)
    run_twins(ours, theirs, (4,) + (7,) * nd, dtype, seed=5)  # [C, *L]: no batch dim


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nd", [1, 2])
@settings(max_examples=20, deadline=None)
@given(data=st.data(), bias=st.booleans())
def test_conv_transpose_matches_torch(dtype, nd, data, bias):
    case = data.draw(conv_cases(nd, transposed=True))
    cls = {1: (nn.ConvTranspose1d, torch.nn.ConvTranspose1d), 2: (nn.ConvTranspose2d, torch.nn.ConvTranspose2d)}[nd]
    kw = dict(stride=case["stride"], padding=case["padding"], output_padding=case["output_padding"],
              groups=case["groups"], bias=bias, dilation=case["dilation"])
    ours = cls[0](case["c_in"], case["c_out"], case["kernel"], dtype=dtype, **kw)
    theirs = cls[1](case["c_in"], case["c_out"], case["kernel"], dtype=TORCH_DTYPE[dtype], **kw)
    torch_to_ours(ours, theirs)
    run_twins(ours, theirs, (case["batch"], case["c_in"]) + case["sizes"], dtype)


def test_conv_transpose_output_size():
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, dtype=torch.float64)
    ours.double()
    torch_to_ours(ours, theirs)
    x, tx = pair(rand((1, 2, 4, 4), np.float64))
    assert_close(ours(x, output_size=[8, 8]), theirs(tx, output_size=[8, 8]))
    with pytest.raises(ValueError, match="output size"):
        ours(x, output_size=[10, 10])


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_unfold_and_fold_match_torch(dtype, data):
    kernel = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    dilation = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
    padding = (data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
    stride = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    size = tuple(d * (k - 1) + 1 + data.draw(st.integers(0, 4)) for k, d in zip(kernel, dilation))
    kw = dict(kernel_size=kernel, dilation=dilation, padding=padding, stride=stride)
    x, tx = pair(rand((2, 3) + size, dtype))
    cols, tcols = F.unfold(x, **kw), torch.nn.functional.unfold(tx, **kw)
    assert_close(cols, tcols, dtype)
    g = rand(tuple(tcols.shape), dtype, seed=1)
    cols.backward(cr.tensor(g))
    tcols.backward(torch.from_numpy(g))
    assert_close(x.grad, tx.grad, dtype)
    c, tc = pair(rand(tuple(tcols.shape), dtype, seed=2))
    y, ty = F.fold(c, size, **kw), torch.nn.functional.fold(tc, size, **kw)
    assert_close(y, ty, dtype)
    g = rand(tuple(ty.shape), dtype, seed=3)
    y.backward(cr.tensor(g))
    ty.backward(torch.from_numpy(g))
    assert_close(c.grad, tc.grad, dtype)


def test_conv_is_unfold_then_one_matrix_product():
    """The lecture's view: a convolution is the FC layer ``cols @ W^T + b`` over the patches."""
    x = cr.randn(2, 3, 6, 5, dtype=cr.float64)
    layer = nn.Conv2d(3, 4, (2, 3), stride=(1, 2), padding=1).double()
    cols = F.unfold(x, (2, 3), padding=1, stride=(1, 2))  # [N, C*K, P]
    fc = cols.transpose(1, 2) @ layer.weight.reshape(4, -1).T + layer.bias  # [N, P, O]
    y = layer(x)
    np.testing.assert_allclose(fc.transpose(1, 2).reshape(y.shape)._data, y._data, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn", ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"])
def test_gradcheck(fn):
    nd = int(fn[-2])
    gen = np.random.default_rng(0)
    x = cr.tensor(gen.standard_normal((2, 4) + (5,) * nd), requires_grad=True)
    w_shape = (4, 3) + (3,) * nd if "transpose" in fn else (6, 2) + (3,) * nd
    w = cr.tensor(gen.standard_normal(w_shape), requires_grad=True)
    b = cr.tensor(gen.standard_normal(6), requires_grad=True)
    f = getattr(F, fn)
    kw = dict(stride=2, padding=1, groups=2, dilation=(1,) * (nd - 1) + (2,))
    if "transpose" in fn:
        kw["output_padding"] = 1
    assert gradcheck(lambda x, w, b: f(x, w, b, **kw), (x, w, b))


def test_gradcheck_padding_mode_and_fold():
    x = cr.tensor(np.random.default_rng(1).standard_normal((1, 2, 4, 5)), requires_grad=True)
    layer = nn.Conv2d(2, 2, 3, padding=1, padding_mode="reflect").double()
    assert gradcheck(layer, (x,))
    assert gradcheck(lambda t: F.fold(F.unfold(t, 2, padding=1), (4, 5), 2, padding=1), (x,))


@pytest.mark.parametrize("cls,args,fan_in", [
    (nn.Conv1d, (3, 8, 5), 15), (nn.Conv2d, (4, 6, (3, 2), 1, 0, 1, 2), 12),
    (nn.ConvTranspose2d, (4, 6, 3), 54)])
def test_default_init_is_pytorch_kaiming_uniform(cls, args, fan_in):
    cr.manual_seed(0)
    layer = cls(*args)
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform(a=sqrt(5)): sqrt(6 / ((1 + 5) fan_in))
    w, b = layer.weight._data, layer.bias._data
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(b).max() <= bound
    assert layer.weight.dtype == np.float32
    cr.manual_seed(0)
    again = cls(*args)
    np.testing.assert_array_equal(again.weight._data, w)  # from the seeded generator


def test_parameter_layout_and_state_dict_match_torch():
    ours, theirs = nn.Conv2d(4, 6, 3, groups=2, bias=False), torch.nn.Conv2d(4, 6, 3, groups=2, bias=False)
    assert tuple(ours.weight.shape) == tuple(theirs.weight.shape) == (6, 2, 3, 3)
    assert ours.bias is None and list(ours.state_dict()) == list(theirs.state_dict())
    t_ours, t_theirs = nn.ConvTranspose1d(4, 6, 3, groups=2), torch.nn.ConvTranspose1d(4, 6, 3, groups=2)
    assert tuple(t_ours.weight.shape) == tuple(t_theirs.weight.shape) == (4, 3, 3)
    for o, t in ((ours, theirs), (t_ours, t_theirs), (nn.Conv1d(1, 25, 5, stride=2, padding=1),
                                                       torch.nn.Conv1d(1, 25, 5, stride=2, padding=1)),
                 (nn.Conv2d(2, 2, 3, padding="same", dilation=2, padding_mode="circular"),
                  torch.nn.Conv2d(2, 2, 3, padding="same", dilation=2, padding_mode="circular"))):
        assert repr(o) == repr(t)


def test_first_layer_skips_input_gradient():
    layer = nn.Conv1d(1, 4, 3)
    x = cr.randn(2, 1, 8)
    layer(x).sum().backward()
    assert x.grad is None and layer.weight.grad is not None
    assert layer(x).grad_fn.needs_input_grad[:3] == (False, True, True)


def test_wrong_input_shape_names_the_layer_and_both_shapes():
    layer = nn.Conv1d(1, 25, 5, stride=2, padding=1)
    with pytest.raises(RuntimeError) as err:
        layer(cr.randn(100, 40))
    assert str(err.value) == ("Conv1d(1, 25, kernel_size=(5,), stride=(2,), padding=(1,)) expected input "
                              "[N, 1, L] or [1, L], got shape (100, 40)")
    with pytest.raises(RuntimeError, match=r"Conv2d\(3, 8.*expected input \[N, 3, H, W\].*\(2, 3, 8\)"):
        nn.Conv2d(3, 8, 3)(cr.randn(2, 3, 8))  # [C, H, W] with C = 2
    with pytest.raises(RuntimeError, match=r"Conv2d.*\(4, 3, 8, 8, 1\)"):
        nn.Conv2d(3, 8, 3)(cr.randn(4, 3, 8, 8, 1))
    with pytest.raises(RuntimeError, match="smaller than the kernel"):
        nn.Conv2d(3, 8, 5)(cr.randn(1, 3, 4, 4))
    with pytest.raises(TypeError, match="dtype"):
        nn.Conv1d(1, 2, 3)(cr.randn(1, 1, 5, dtype=cr.float64))
    with pytest.raises(RuntimeError, match=r"ConvTranspose1d.*expected input \[N, 4, L\]"):
        nn.ConvTranspose1d(4, 2, 3)(cr.randn(1, 3, 5))
    with pytest.raises(RuntimeError, match=r"fold: expected input"):
        F.fold(cr.randn(1, 8, 5), (4, 4), 2)


def test_bad_arguments_raise_value_errors_naming_them():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv1d(1, 2, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv1d(1, 2, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="kernel_size"):
        nn.Conv2d(1, 2, (3, 3, 3))
    with pytest.raises(ValueError, match="output_padding must be smaller"):
        F.conv_transpose1d(cr.randn(1, 2, 4), cr.randn(2, 2, 3), output_padding=1)
