"""Pooling against PyTorch: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvg/MaxPool1d/2d; Dropout2d and
Unflatten. Forward values, dtypes and input gradients over generated shapes and windows."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_twin import DTYPES, assert_close, pair, rand

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck
from chainrule.nn import functional as F


def compare(ours, theirs, x_shape, dtype, seed=0, distinct=True):
    """Forward both on the same input, backward the same gradient, compare. ``distinct`` input
    values keep max pooling's winner unique (ties are broken alike, but are tested apart)."""
    data = rand(x_shape, dtype, seed=seed)
    if distinct:
        data = (np.random.default_rng(seed).permutation(data.size).reshape(x_shape) / data.size).astype(dtype)
    x, tx = pair(data)
    y, ty = ours(x), theirs(tx)
    if isinstance(ty, tuple):
        np.testing.assert_array_equal(y[1]._data, ty[1].numpy())  # the indices
        assert y[1].dtype == np.int64
        y, ty = y[0], ty[0]
    assert_close(y, ty, dtype, what="forward")
    g = rand(tuple(ty.shape), dtype, seed=seed + 1)
    y.backward(cr.tensor(g))
    ty.backward(torch.from_numpy(g))
    assert_close(x.grad, tx.grad, dtype, what="input gradient")


def layers(name, *args, **kwargs):
    """The layer ``name`` built alike in both libraries: ``(ours, theirs)``."""
    return getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


@st.composite
def windows(draw, nd: int, dilated: bool):
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd)) if dilated else (1,) * nd
    sizes = tuple(d * (k - 1) + 1 + draw(st.integers(0, 5)) for k, d in zip(kernel, dilation))
    return dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
                ceil_mode=draw(st.booleans())), sizes


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nd", [1, 2])
@pytest.mark.parametrize("kind", ["Max", "Avg"])
@settings(max_examples=25, deadline=None)
@given(data=st.data(), flag=st.booleans())
def test_pool_matches_torch(dtype, nd, kind, data, flag):
    """Max pooling over dilated windows, with or without the indices (``flag``), and average
    pooling, with the padding counted or not (``flag``)."""
    kw, sizes = data.draw(windows(nd, dilated=kind == "Max"))
    if kind == "Max":
        kw["return_indices"] = flag
    else:
        del kw["dilation"]
        kw["count_include_pad"] = flag
    compare(*layers(f"{kind}Pool{nd}d", **kw), (2, 3) + sizes, dtype, distinct=kind == "Max")


@pytest.mark.parametrize("dtype", DTYPES)
def test_avg_pool2d_divisor_override(dtype):
    compare(nn.AvgPool2d(3, 2, 1, divisor_override=4), torch.nn.AvgPool2d(3, 2, 1, divisor_override=4),
            (2, 2, 7, 6), dtype, distinct=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["Avg", "Max"])
@pytest.mark.parametrize("nd", [1, 2])
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_adaptive_pool_matches_torch(dtype, kind, nd, data):
    sizes = tuple(data.draw(st.integers(1, 11)) for _ in range(nd))
    out = tuple(data.draw(st.integers(1, 12)) for _ in range(nd))
    compare(*layers(f"Adaptive{kind}Pool{nd}d", out[0] if nd == 1 else out), (2, 3) + sizes, dtype)


def test_adaptive_output_size_none_keeps_that_side():
    x, tx = pair(rand((1, 2, 5, 7), np.float64))
    assert_close(nn.AdaptiveAvgPool2d((None, 3))(x), torch.nn.AdaptiveAvgPool2d((None, 3))(tx))


@pytest.mark.parametrize("pool", ["max_pool1d", "max_pool2d"])
def test_max_pool_ties_and_nan_as_torch(pool):
    nd = int(pool[-2])
    x = np.zeros((1, 1) + (4,) * nd)  # all tied: the first of each window wins
    x.flat[3] = np.nan  # a NaN wins its window
    c, t = pair(x)
    y, ty = getattr(F, pool)(c, 2, return_indices=True), getattr(torch.nn.functional, pool)(t, 2, return_indices=True)
    assert_close(y[0], ty[0])
    np.testing.assert_array_equal(y[1]._data, ty[1].numpy())
    y[0].sum().backward()
    ty[0].sum().backward()
    assert_close(c.grad, t.grad)


def test_unbatched_input():
    compare(nn.MaxPool2d(2), torch.nn.MaxPool2d(2), (3, 6, 6), np.float64)
    compare(nn.AvgPool1d(3, 2), torch.nn.AvgPool1d(3, 2), (3, 9), np.float64, distinct=False)
    compare(nn.AdaptiveAvgPool2d(2), torch.nn.AdaptiveAvgPool2d(2), (3, 5, 5), np.float64)


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
    lambda x: F.adaptive_max_pool2d(x, (4, 3)),
])
def test_gradcheck(fn):
    data = np.random.default_rng(0).permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6) / 60.0
    assert gradcheck(fn, (cr.tensor(data, requires_grad=True),))


def test_wrong_input_shape_names_the_layer_and_the_shape():
    with pytest.raises(RuntimeError, match=r"MaxPool2d\(kernel_size=2.*expected input \[N, C, H, W\] "
                                           r"or \[C, H, W\], got shape \(8,\)"):
        nn.MaxPool2d(2)(cr.randn(8))
    with pytest.raises(RuntimeError, match=r"AvgPool1d.*got shape \(1, 2, 3, 4\)"):
        nn.AvgPool1d(2)(cr.randn(1, 2, 3, 4))
    with pytest.raises(RuntimeError, match=r"too small"):
        nn.MaxPool1d(5)(cr.randn(1, 2, 3))
    with pytest.raises(ValueError, match="pad should be at most half"):
        nn.MaxPool2d(2, padding=2)
    with pytest.raises(ValueError, match="output_size"):
        nn.AdaptiveAvgPool2d((2, 2, 2))(cr.randn(1, 1, 4, 4))


# ---------------------------------------------------------------------- Dropout2d and Unflatten
def test_dropout2d_zeros_whole_channels_and_scales():
    cr.manual_seed(0)
    layer = nn.Dropout2d(0.5)
    x = cr.ones(64, 8, 3, 3, requires_grad=True)
    y = layer(x)
    per_channel = y._data.reshape(64, 8, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))  # a channel is kept whole
    assert 0.35 < (per_channel[..., 0] == 0).mean() < 0.65
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._data, y._data)  # dX = mask / (1 - p)
    layer.eval()
    assert layer(x) is x
    with pytest.warns(UserWarning, match="3D input"):
        assert nn.Dropout2d(0.3)(cr.ones(2, 3, 4)).shape == (2, 3, 4)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout2d(1.5)
    assert repr(nn.Dropout2d(0.2)) == repr(torch.nn.Dropout2d(0.2))


def test_dropout2d_edges_as_torch():
    x = cr.randn(2, 3, 4, 4)
    np.testing.assert_array_equal(F.dropout2d(x, 1.0)._data, np.zeros((2, 3, 4, 4), np.float32))
    assert F.dropout2d(x, 0.0) is x and F.dropout2d(x, 0.5, training=False) is x


@pytest.mark.parametrize("dim,sizes,shape", [(1, (2, 6), (4, 12)), (-1, (3, -1), (2, 5, 6)),
                                              (0, (1, 2, 2), (4, 3))])
def test_unflatten_matches_torch(dim, sizes, shape):
    x, tx = pair(rand(shape, np.float64))
    y, ty = nn.Unflatten(dim, sizes)(x), torch.nn.Unflatten(dim, sizes)(tx)
    assert_close(y, ty)
    assert repr(nn.Unflatten(dim, sizes)) == repr(torch.nn.Unflatten(dim, sizes))
    flat = nn.Flatten(dim if dim >= 0 else len(shape) - 1, dim + len(sizes) - 1 if dim >= 0 else -1)
    np.testing.assert_array_equal(flat(y)._data, x._data)


def test_unflatten_errors():
    with pytest.raises(RuntimeError, match=r"Unflatten.*\(2, 5\).*size 12"):
        nn.Unflatten(1, (2, 5))(cr.randn(3, 12))
    with pytest.raises(TypeError, match="unflattened_size"):
        nn.Unflatten(1, 6)
