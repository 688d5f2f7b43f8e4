"""F.interpolate, Upsample/UpsamplingNearest2d/UpsamplingBilinear2d and the pixel shuffles against
PyTorch: every mode, align_corners both ways, sizes and (non-integer) scale factors, outputs and
input gradients in float32 and float64, reprs, gradcheck and errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_twin import DTYPES, assert_close, pair, rand

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck
from chainrule.nn import functional as F


def _compare(ours, theirs, arr, dtype, seed=0):
    """``ours`` and ``theirs`` of the same data: the outputs, and the input gradients for the same
    random upstream gradient; returns the output of each."""
    x, tx = pair(arr)
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty, dtype, what="output")
    g = rand(tuple(ty.shape), dtype, seed + 1)
    y.backward(g)
    ty.backward(torch.from_numpy(g))
    assert_close(x.grad, tx.grad, dtype, what="input gradient")
    return y, ty


def _check(shape, dtype, seed=0, **kw):
    """interpolate(**kw) of the same data in both libraries: output and input gradient."""
    _compare(lambda x: F.interpolate(x, **kw), lambda x: TF.interpolate(x, **kw),
             rand(shape, dtype, seed), dtype, seed)


MODES_1D = [{"mode": "nearest"}, {"mode": "nearest-exact"}, {"mode": "area"},
            {"mode": "linear"}, {"mode": "linear", "align_corners": True},
            {"mode": "linear", "align_corners": False}]
MODES_2D = [{"mode": "nearest"}, {"mode": "nearest-exact"}, {"mode": "area"},
            {"mode": "bilinear"}, {"mode": "bilinear", "align_corners": True},
            {"mode": "bilinear", "align_corners": False}]
# (1-d nearest with a scale factor whose output keeps or doubles the size is tested apart, below)
RESIZE_1D = [{"size": 10}, {"size": 3}, {"size": 1}, {"size": 5}, {"size": (7,)},
             {"scale_factor": 3}, {"scale_factor": 1.7}, {"scale_factor": 0.5}, {"scale_factor": 2.5},
             {"scale_factor": 0.7}, {"scale_factor": (1 / 3,)},
             {"scale_factor": 1.1, "recompute_scale_factor": True},
             {"scale_factor": 2.3, "recompute_scale_factor": True}]
RESIZE_2D = [{"size": (6, 9)}, {"size": 4}, {"size": (2, 1)}, {"size": (3, 5)}, {"scale_factor": 2},
             {"scale_factor": (1.5, 0.5)}, {"scale_factor": (2.5, 1.1)}, {"scale_factor": 1.1},
             {"scale_factor": (3, 2.0001)}, {"scale_factor": (0.7, 1 / 3)},
             {"scale_factor": (1.7, 2.2), "recompute_scale_factor": True}]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("resize", RESIZE_1D, ids=str)
@pytest.mark.parametrize("mode", MODES_1D, ids=str)
def test_interpolate_1d_matches_torch(mode, resize, dtype):
    _check((2, 3, 6), dtype, **mode, **resize)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("resize", RESIZE_2D, ids=str)
@pytest.mark.parametrize("mode", MODES_2D, ids=str)
def test_interpolate_2d_matches_torch(mode, resize, dtype):
    _check((2, 3, 5, 3), dtype, **mode, **resize)


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 7), w=st.integers(1, 7), mode=st.sampled_from(MODES_2D),
       sh=st.floats(0.3, 3.5), sw=st.floats(0.3, 3.5), by_size=st.booleans(),
       dtype=st.sampled_from(DTYPES))
def test_interpolate_2d_hypothesis(h, w, mode, sh, sw, by_size, dtype):
    if int(h * sh) < 1 or int(w * sw) < 1:
        return  # an empty output: an error (tested below)
    resize = {"size": (int(h * sh), int(w * sw))} if by_size else {"scale_factor": (sh, sw)}
    _check((1, 2, h, w), dtype, 7, **mode, **resize)


@settings(max_examples=60, deadline=None)
@given(length=st.integers(1, 9), mode=st.sampled_from(MODES_1D), s=st.floats(0.3, 3.5),
       dtype=st.sampled_from(DTYPES))
def test_interpolate_1d_hypothesis(length, mode, s, dtype):
    out = int(length * s)
    if out < 1 or (mode["mode"] == "nearest" and out in (length, 2 * length)):
        return  # empty, or the 1-d nearest case tested apart
    _check((2, 1, length), dtype, 8, scale_factor=s, **mode)


def test_nearest_index_rules():
    """floor(i * scale) with the scale from scale_factor (not in / out), the corners in
    'nearest-exact', and PyTorch's differences between 1-d and 2-d for the same factor."""
    x1 = cr.arange(8.0).reshape(1, 1, 8)
    t1 = torch.arange(8.0).reshape(1, 1, 8)
    for mode in ("nearest", "nearest-exact"):
        for sf in (1.1, 2.0001, 0.45, 1.3):
            assert_close(F.interpolate(x1, scale_factor=sf, mode=mode),
                         TF.interpolate(t1, scale_factor=sf, mode=mode))
    np.testing.assert_array_equal(F.interpolate(x1, scale_factor=1.1)._data.ravel(), [0, 0, 1, 2, 3, 4, 5, 6])
    x2 = cr.arange(8.0).reshape(1, 1, 8, 1)
    # 2-d nearest copies an axis that keeps its size
    np.testing.assert_array_equal(F.interpolate(x2, scale_factor=(1.1, 1.0))._data.ravel(), np.arange(8))


@pytest.mark.parametrize("sf", [1.1, 2.0001])
def test_nearest_1d_gradient_is_that_of_the_forward(sf):
    """1-d 'nearest' with a scale factor whose output keeps (or doubles) the size: the output
    matches torch's; the gradient is the exact derivative of that output (PyTorch's backward
    takes the 2-d shortcuts there, so it differs), checked by finite differences."""
    data = rand((1, 2, 6), np.float64, 0)
    x, tx = pair(data)
    assert_close(F.interpolate(x, scale_factor=sf), TF.interpolate(tx, scale_factor=sf))
    assert gradcheck(lambda t: F.interpolate(t, scale_factor=sf), (cr.tensor(data, requires_grad=True),))


def test_gradcheck():
    data1 = rand((2, 2, 5), np.float64, 1)
    data2 = rand((1, 2, 3, 4), np.float64, 2)
    cases = [
        (data1, {"size": 8, "mode": "linear"}),
        (data1, {"scale_factor": 0.7, "mode": "linear", "align_corners": True}),
        (data1, {"scale_factor": 2.5, "mode": "nearest-exact"}),
        (data2, {"size": (5, 3), "mode": "bilinear"}),
        (data2, {"scale_factor": 1.5, "mode": "bilinear", "align_corners": True}),
        (data2, {"size": (7, 2), "mode": "nearest"}),
        (data2, {"size": (2, 3), "mode": "area"}),
    ]
    for data, kw in cases:
        assert gradcheck(lambda t, kw=kw: F.interpolate(t, **kw), (cr.tensor(data, requires_grad=True),)), kw
    shuffle = rand((2, 8, 2, 3), np.float64, 3)
    assert gradcheck(lambda t: F.pixel_shuffle(t, 2), (cr.tensor(shuffle, requires_grad=True),))
    assert gradcheck(lambda t: F.pixel_unshuffle(t, 2), (cr.tensor(rand((1, 2, 4, 6), np.float64, 4),
                                                                   requires_grad=True),))


def test_interpolate_nearest_keeps_integer_dtypes():
    x = cr.tensor(np.arange(6, dtype=np.uint8).reshape(1, 1, 2, 3))
    tx = torch.arange(6, dtype=torch.uint8).reshape(1, 1, 2, 3)
    assert_close(F.interpolate(x, scale_factor=2), TF.interpolate(tx, scale_factor=2))


# --------------------------------------------------------------------------- layers
UPSAMPLE_CASES = [
    ("Upsample", {"scale_factor": 2}, (1, 2, 3, 4)),
    ("Upsample", {"size": (5, 7), "mode": "bilinear"}, (1, 2, 3, 4)),
    ("Upsample", {"scale_factor": (1.5, 2.5), "mode": "bilinear", "align_corners": True}, (2, 1, 3, 4)),
    ("Upsample", {"size": 9, "mode": "linear"}, (2, 3, 4)),
    ("Upsample", {"scale_factor": 1.7, "mode": "nearest-exact"}, (2, 3, 4)),
    ("Upsample", {"scale_factor": 2.2, "mode": "bilinear", "recompute_scale_factor": True}, (1, 1, 3, 3)),
    ("UpsamplingNearest2d", {"scale_factor": 3}, (1, 2, 2, 3)),
    ("UpsamplingNearest2d", {"size": (4, 5)}, (1, 2, 2, 3)),
    ("UpsamplingBilinear2d", {"scale_factor": 2}, (1, 2, 2, 3)),
    ("UpsamplingBilinear2d", {"size": (5, 4)}, (2, 1, 3, 3)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("cls", "kw", "shape"), UPSAMPLE_CASES, ids=str)
def test_upsample_layers_match_torch(cls, kw, shape, dtype):
    ours, theirs = getattr(nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == [] and list(ours.parameters()) == []
    assert ours.scale_factor == theirs.scale_factor and ours.mode == theirs.mode
    assert ours.align_corners == theirs.align_corners
    _compare(ours, theirs, rand(shape, dtype, 5), dtype, 5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("r", "shape"), [(1, (2, 3, 2, 2)), (2, (2, 8, 3, 2)), (3, (1, 18, 2, 1)),
                                          (2, (4, 2, 3)), (2, (2, 3, 4, 2, 3))], ids=str)
def test_pixel_shuffle_and_unshuffle_match_torch(r, shape, dtype):
    ours, theirs = nn.PixelShuffle(r), torch.nn.PixelShuffle(r)
    assert repr(ours) == repr(theirs)
    arr = rand(shape, dtype, 0)
    y, _ = _compare(ours, theirs, arr, dtype)
    # the unshuffle is the inverse
    undo, tundo = nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r)
    assert repr(undo) == repr(tundo)
    back, _ = _compare(undo, tundo, y.detach().numpy(), dtype, 2)
    np.testing.assert_array_equal(back._data, arr)


# --------------------------------------------------------------------------- errors
def test_interpolate_errors():
    x1, x2 = cr.randn(1, 2, 4), cr.randn(1, 2, 3, 3)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x2, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x2, size=4, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x2)
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful"):
        F.interpolate(x2, size=4, recompute_scale_factor=True)
    with pytest.raises(ValueError, match=r"needs 2 size value\(s\), got size=\(4,\)"):
        F.interpolate(x2, size=(4,))
    for mode in ("bicubic", "trilinear"):
        with pytest.raises(NotImplementedError, match=f"mode='{mode}' is not supported"):
            F.interpolate(x2, scale_factor=2, mode=mode)
    with pytest.raises(NotImplementedError, match="antialias=True"):
        F.interpolate(x2, scale_factor=2, mode="bilinear", antialias=True)
    with pytest.raises(NotImplementedError, match="unknown mode 'cubic'"):
        F.interpolate(x2, scale_factor=2, mode="cubic")
    with pytest.raises(cr.ShapeError, match=r"mode 'linear' needs 3-D input, got shape \(1, 2, 3, 3\)"):
        F.interpolate(x2, scale_factor=2, mode="linear")
    with pytest.raises(cr.ShapeError, match=r"mode 'bilinear' needs 4-D input, got shape \(1, 2, 4\)"):
        F.interpolate(x1, scale_factor=2, mode="bilinear")
    with pytest.raises(cr.ShapeError, match=r"expected input \[N, C, L\] or \[N, C, H, W\], got shape \(2, 3\)"):
        F.interpolate(cr.randn(2, 3), scale_factor=2)
    with pytest.raises(cr.ShapeError, match="greater than 0"):
        F.interpolate(x1, scale_factor=0.2)
    with pytest.raises(cr.ShapeError, match=r"Upsample: mode .linear. needs 3-D input, got shape \(1, 2, 3, 3\)"):
        pass_through = nn.Upsample(scale_factor=2, mode="linear")
        pass_through(x2)


def test_pixel_shuffle_errors():
    with pytest.raises(cr.ShapeError, match=r"pixel_shuffle: the channel dim of input \(1, 6, 2, 2\) must"):
        nn.PixelShuffle(2)(cr.randn(1, 6, 2, 2))
    with pytest.raises(cr.ShapeError, match=r"pixel_unshuffle: the height and width of input \(1, 1, 3, 4\)"):
        nn.PixelUnshuffle(2)(cr.randn(1, 1, 3, 4))
    with pytest.raises(cr.ShapeError, match="at least 3 dims"):
        F.pixel_shuffle(cr.randn(4, 4), 2)
    with pytest.raises(ValueError, match="upscale_factor must be a positive int, got 0"):
        F.pixel_shuffle(cr.randn(1, 4, 2, 2), 0)
