"""GroupNorm, InstanceNorm1d/2d and LocalResponseNorm against PyTorch: outputs and gradients of the
input and the affine parameters, train and eval, running statistics, reprs, state_dict names,
functional forms, gradcheck and errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_twin import DTYPES, assert_close, pair, rand, torch_to_ours
from test_nn_normalization import _step, _tdtype  # outputs, gradients and buffers against torch

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck
from chainrule.nn import functional as F


def _twins(cls, args, opts, dtype):
    ours = getattr(nn, cls)(*args, dtype=dtype, **opts)
    theirs = getattr(torch.nn, cls)(*args, dtype=_tdtype(dtype), **opts)
    torch.manual_seed(0)
    with torch.no_grad():  # non-trivial affine parameters, copied through the state_dict
        for p in theirs.parameters():
            p.uniform_(0.5, 1.5)
    torch_to_ours(ours, theirs)
    return ours, theirs


# --------------------------------------------------------------------------- GroupNorm
GN_CASES = [(1, 4, (3, 4)), (2, 4, (3, 4, 5)), (1, 6, (2, 6, 3, 2)), (3, 6, (2, 6, 2, 3)),
            (6, 6, (2, 6, 4)), (4, 8, (1, 8, 3, 3))]
GN_OPTIONS = [{}, {"affine": False}, {"bias": False}, {"eps": 1e-2}]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opts", GN_OPTIONS, ids=str)
@pytest.mark.parametrize(("groups", "channels", "shape"), GN_CASES, ids=str)
def test_groupnorm_matches_torch(groups, channels, shape, opts, dtype):
    ours, theirs = _twins("GroupNorm", (groups, channels), opts, dtype)
    _step(ours, theirs, rand(shape, dtype, 1, scale=2.0) + 1, dtype)
    ours.eval()
    theirs.eval()  # the same in evaluation
    ours.zero_grad()
    theirs.zero_grad()
    _step(ours, theirs, rand(shape, dtype, 2), dtype, 2)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 3), groups=st.integers(1, 3), per_group=st.integers(1, 3),
       spatial=st.lists(st.integers(1, 4), min_size=0, max_size=2), dtype=st.sampled_from(DTYPES))
def test_groupnorm_hypothesis_shapes(n, groups, per_group, spatial, dtype):
    shape = (n, groups * per_group, *spatial)
    if per_group * int(np.prod(spatial)) < 3:
        return  # groups of 1 or 2 values: xhat is 0 or +-1 and its gradient all rounding
    ours, theirs = _twins("GroupNorm", (groups, groups * per_group), {}, dtype)
    _step(ours, theirs, rand(shape, dtype, 3), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_functional_group_norm_matches_torch(dtype):
    x, tx = pair(rand((2, 6, 3), dtype, 0))
    w, tw = pair(rand((6,), dtype, 1))
    b, tb = pair(rand((6,), dtype, 2))
    y, ty = F.group_norm(x, 3, w, b, eps=1e-3), TF.group_norm(tx, 3, tw, tb, eps=1e-3)
    assert_close(y, ty, dtype, scale=10)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for a, c in ((x, tx), (w, tw), (b, tb)):
        assert_close(a.grad, c.grad, dtype, scale=10)
    assert_close(F.group_norm(x.detach(), 2), TF.group_norm(tx.detach(), 2), dtype, scale=10)


def test_groupnorm_repr_state_dict_and_errors():
    for args, kw in (((2, 4), {}), ((3, 6), {"eps": 1e-3, "affine": False}), ((1, 2), {"bias": False})):
        ours, theirs = nn.GroupNorm(*args, **kw), torch.nn.GroupNorm(*args, **kw)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
    with pytest.raises(ValueError, match=r"num_channels \(5\) must be divisible by num_groups \(2\)"):
        nn.GroupNorm(2, 5)
    with pytest.raises(cr.ShapeError, match=r"GroupNorm\(2, 4\) expected input \[N, C, \*\] .* got shape \(3, 6\)"):
        nn.GroupNorm(2, 4)(cr.randn(3, 6))
    with pytest.raises(cr.ShapeError, match=r"5 channels .* num_groups=2"):
        F.group_norm(cr.randn(2, 5, 3), 2)
    with pytest.raises(cr.ShapeError, match=r"weight must have one entry per channel"):
        F.group_norm(cr.randn(2, 4, 3), 2, cr.ones(3))
    with pytest.raises(ValueError, match="more than 1 value per group"):
        F.group_norm(cr.randn(1, 2, 1), 2)


# --------------------------------------------------------------------------- InstanceNorm
IN_OPTIONS = [
    {},
    {"affine": True},
    {"track_running_stats": True},
    {"affine": True, "track_running_stats": True, "momentum": 0.3, "eps": 1e-3},
    {"track_running_stats": True, "momentum": None},
    {"affine": True, "bias": False},
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opts", IN_OPTIONS, ids=str)
@pytest.mark.parametrize(("cls", "shape"), [("InstanceNorm1d", (4, 3, 5)), ("InstanceNorm1d", (3, 6)),
                                            ("InstanceNorm2d", (2, 3, 2, 3)), ("InstanceNorm2d", (3, 4, 2))])
def test_instancenorm_train_then_eval_matches_torch(cls, shape, opts, dtype):
    ours, theirs = _twins(cls, (3,), opts, dtype)
    for step in range(3):  # several batches: running statistics accumulate
        _step(ours, theirs, rand(shape, dtype, step, scale=2.0) + step, dtype, step)
        ours.zero_grad()
        theirs.zero_grad()
    ours.eval()
    theirs.eval()  # running statistics when tracked, the input's own otherwise
    _step(ours, theirs, rand(shape, dtype, 9), dtype, 9)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 4), h=st.integers(1, 4), w=st.integers(2, 4),
       dtype=st.sampled_from(DTYPES))
def test_instancenorm2d_hypothesis_shapes(n, c, h, w, dtype):
    ours, theirs = _twins("InstanceNorm2d", (c,), {"affine": True, "track_running_stats": True}, dtype)
    _step(ours, theirs, rand((n, c, h, w), dtype, 4), dtype)


def test_instancenorm_running_statistics_formulas():
    norm = nn.InstanceNorm1d(2, track_running_stats=True, momentum=0.1, dtype=cr.float64)
    x = rand((3, 2, 5), np.float64, 0)
    norm(cr.tensor(x))
    np.testing.assert_allclose(norm.running_mean._data, 0.1 * x.mean(2).mean(0), rtol=1e-12)
    np.testing.assert_allclose(norm.running_var._data, 0.9 + 0.1 * x.var(2, ddof=1).mean(0), rtol=1e-12)
    norm.eval()
    y = norm(cr.tensor(x))
    expected = (x - norm.running_mean._data[:, None]) / np.sqrt(norm.running_var._data[:, None] + 1e-5)
    np.testing.assert_allclose(y._data, expected, rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("use_input_stats", [True, False])
def test_functional_instance_norm_matches_torch(use_input_stats, dtype):
    x, tx = pair(rand((3, 2, 4), dtype, 0))
    w, tw = pair(rand((2,), dtype, 1))
    b, tb = pair(rand((2,), dtype, 2))
    rm, trm = pair(rand((2,), dtype, 3), requires_grad=False)
    rv, trv = pair(np.abs(rand((2,), dtype, 4)) + 0.5, requires_grad=False)
    y = F.instance_norm(x, rm, rv, w, b, use_input_stats=use_input_stats, momentum=0.2)
    ty = TF.instance_norm(tx, trm, trv, tw, tb, use_input_stats=use_input_stats, momentum=0.2)
    assert_close(y, ty, dtype, scale=10)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for a, c in ((x, tx), (w, tw), (b, tb), (rm, trm), (rv, trv)):
        assert_close(a.grad if a.requires_grad else a, c.grad if c.requires_grad else c, dtype, scale=10)
    assert_close(F.instance_norm(x.detach()), TF.instance_norm(tx.detach()), dtype, scale=10)


def test_instancenorm_repr_state_dict_and_errors():
    for cls in ("InstanceNorm1d", "InstanceNorm2d"):
        for kw in ({}, {"affine": True}, {"track_running_stats": True, "momentum": None}):
            ours, theirs = getattr(nn, cls)(4, **kw), getattr(torch.nn, cls)(4, **kw)
            assert repr(ours) == repr(theirs)
            assert list(ours.state_dict()) == list(theirs.state_dict())
    layout = r"\[N, C, L\] or \[C, L\]"
    with pytest.raises(cr.ShapeError, match=rf"InstanceNorm1d\(3\) expected input {layout}, got shape \(2, 3, 4, 5\)"):
        nn.InstanceNorm1d(3)(cr.randn(2, 3, 4, 5))
    with pytest.raises(cr.ShapeError, match=r"InstanceNorm2d\(num_features=3\) .* got shape \(2, 4, 2, 2\)"):
        nn.InstanceNorm2d(3, affine=True)(cr.randn(2, 4, 2, 2))
    with pytest.warns(UserWarning, match="do not match num_features=3"):
        nn.InstanceNorm2d(3)(cr.randn(2, 4, 2, 2))
    with pytest.raises(ValueError, match=r"more than 1 spatial element .*\(2, 3, 1\)"):
        nn.InstanceNorm1d(3)(cr.randn(2, 3, 1))
    with pytest.raises(ValueError, match="running_mean and running_var"):
        F.instance_norm(cr.randn(2, 3, 4), use_input_stats=False)
    with pytest.raises(cr.ShapeError, match=r"running_mean must have one entry per channel"):
        F.instance_norm(cr.randn(2, 3, 4), cr.zeros(2), cr.ones(3))


# --------------------------------------------------------------------------- LocalResponseNorm
LRN_CASES = [(1, {}), (2, {}), (3, {"alpha": 0.1, "beta": 0.5, "k": 2.0}), (5, {"alpha": 1.0}),
             (8, {"alpha": 0.5, "beta": 1.5})]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 5, 4), (2, 4, 3, 3), (1, 3, 2, 2, 2)], ids=str)
@pytest.mark.parametrize(("size", "opts"), LRN_CASES, ids=str)
def test_local_response_norm_matches_torch(size, opts, shape, dtype):
    ours, theirs = nn.LocalResponseNorm(size, **opts), torch.nn.LocalResponseNorm(size, **opts)
    assert repr(ours) == repr(theirs)
    _step(ours, theirs, rand(shape, dtype, 5, scale=2.0), dtype)


def test_local_response_norm_functional_and_errors():
    x, tx = pair(rand((2, 6, 3), np.float64, 0))
    assert_close(F.local_response_norm(x, 4, 0.2, 0.6, 1.5), TF.local_response_norm(tx, 4, 0.2, 0.6, 1.5))
    assert list(nn.LocalResponseNorm(3).state_dict()) == []
    empty = cr.zeros(0, 3, 2)
    assert F.local_response_norm(empty, 2).shape == (0, 3, 2)
    with pytest.raises(cr.ShapeError, match=r"local_response_norm: expected input \[N, C, \*\] .* shape \(3, 4\)"):
        nn.LocalResponseNorm(2)(cr.randn(3, 4))


def test_gradcheck():
    data = np.random.default_rng(0).standard_normal((2, 4, 3))
    w = cr.tensor(np.array([0.5, 1.2, -0.7, 2.0]), requires_grad=True)
    b = cr.tensor(np.array([0.1, -0.3, 0.2, 0.0]), requires_grad=True)
    x = cr.tensor(data, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, w, b))
    assert gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), (x, w, b))
    assert gradcheck(lambda x: F.local_response_norm(x, 3, alpha=0.5, k=1.0), (x,))
