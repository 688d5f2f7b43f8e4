"""BatchNorm1d/2d and LayerNorm against PyTorch: train and eval, running statistics, options."""

import numpy as np
import pytest
import torch
from nn_twin import DTYPES, assert_close, assert_same_grads, ours_to_torch, pair, rand, torch_to_ours

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F


def _tdtype(dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def _step(ours, theirs, arr, dtype, seed=0):
    x, tx = pair(arr)
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty, dtype, scale=10)
    g = rand(tuple(ty.shape), dtype, seed=seed + 100)
    y.backward(g)
    ty.backward(torch.from_numpy(g))
    assert_close(x.grad, tx.grad, dtype, scale=10)
    assert_same_grads(ours, theirs, dtype, scale=10 * arr.shape[0])
    for name, b in ours.named_buffers():
        assert_close(b, dict(theirs.named_buffers())[name], dtype)


BN_OPTIONS = [
    {},
    {"momentum": None},
    {"momentum": 0.3, "eps": 1e-3},
    {"affine": False},
    {"track_running_stats": False},
    {"affine": False, "track_running_stats": False},
    {"bias": False},
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opts", BN_OPTIONS, ids=str)
@pytest.mark.parametrize(("cls", "shape"), [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (4, 3, 5)),
                                            ("BatchNorm2d", (4, 3, 2, 3))])
def test_batchnorm_train_then_eval_matches_torch(cls, shape, opts, dtype):
    ours = getattr(nn, cls)(3, dtype=dtype, **opts)
    theirs = getattr(torch.nn, cls)(3, dtype=_tdtype(dtype), **opts)
    with torch.no_grad():  # non-trivial affine parameters, copied through the state_dict
        for p in theirs.parameters():
            p.uniform_(0.5, 1.5)
    torch_to_ours(ours, theirs)
    for step in range(3):  # several batches: running statistics accumulate
        _step(ours, theirs, rand(shape, dtype, step, scale=2.0) + step, dtype, step)
        ours.zero_grad()
        theirs.zero_grad()
    ours.eval()
    theirs.eval()
    _step(ours, theirs, rand(shape, dtype, 9), dtype, 9)


def test_batchnorm_running_statistics_formulas():
    bn = nn.BatchNorm1d(2, momentum=0.1)
    x = rand((5, 2), np.float64, 0)
    bn(cr.tensor(x, dtype=cr.float32))
    np.testing.assert_allclose(bn.running_mean._data, 0.1 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var._data, 0.9 + 0.1 * x.var(0, ddof=1), rtol=1e-5)  # unbiased
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == np.int64
    cumulative = nn.BatchNorm1d(2, momentum=None)
    xs = [rand((5, 2), np.float64, s) for s in range(4)]
    for xi in xs:
        cumulative(cr.tensor(xi))
    np.testing.assert_allclose(cumulative.running_mean._data, np.mean([xi.mean(0) for xi in xs], 0), rtol=1e-5)


def test_batchnorm_train_and_eval_differ():
    bn = nn.BatchNorm1d(4)
    x = cr.tensor(rand((16, 4), np.float32, 1, scale=3.0) + 5)
    y_train = bn(x)
    # training output is standardised by the batch's own statistics
    np.testing.assert_allclose(y_train._data.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(y_train._data.std(0), 1, atol=1e-3)
    bn.eval()
    y_eval = bn(x)
    assert not np.allclose(y_eval._data, y_train._data)
    expected = (x._data - bn.running_mean._data) / np.sqrt(bn.running_var._data + bn.eps)
    np.testing.assert_allclose(y_eval._data, expected, rtol=1e-5)
    before = bn.running_mean._data.copy()
    bn(x)  # eval does not update the running statistics
    np.testing.assert_array_equal(bn.running_mean._data, before)
    assert bn.num_batches_tracked.item() == 1


def test_batchnorm_state_dict_keys_and_repr_match_torch():
    ours, theirs = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    kwargs = {"momentum": None, "affine": False}
    assert repr(nn.BatchNorm2d(5, **kwargs)) == repr(torch.nn.BatchNorm2d(5, **kwargs))
    untracked = nn.BatchNorm1d(3, track_running_stats=False)
    assert list(untracked.state_dict()) == list(torch.nn.BatchNorm1d(3, track_running_stats=False).state_dict())
    ours_to_torch(ours, theirs)


def test_batchnorm_errors():
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3\)"):
        nn.BatchNorm1d(3)(cr.randn(1, 3))
    with pytest.raises(cr.ShapeError, match=r"BatchNorm1d\(num_features=3\) expected input .* got shape \(4, 5\)"):
        nn.BatchNorm1d(3)(cr.randn(4, 5))
    with pytest.raises(cr.ShapeError, match="BatchNorm2d"):
        nn.BatchNorm2d(3)(cr.randn(4, 3))
    with pytest.raises(ValueError, match="running_mean and running_var"):
        F.batch_norm(cr.randn(4, 3), None, None, training=False)
    bn = nn.BatchNorm1d(3).eval()
    assert bn(cr.randn(1, 3)).shape == (1, 3)  # one sample is fine in eval


@pytest.mark.parametrize("dtype", DTYPES)
def test_functional_batch_norm_matches_torch(dtype):
    x = rand((6, 3), dtype, 0)
    rm, rv = np.zeros(3, dtype), np.ones(3, dtype)
    trm, trv = torch.zeros(3, dtype=_tdtype(dtype)), torch.ones(3, dtype=_tdtype(dtype))
    ours_rm, ours_rv = cr.tensor(rm), cr.tensor(rv)
    w, tw = pair(rand((3,), dtype, 1))
    b, tb = pair(rand((3,), dtype, 2))
    xo, tx = pair(x)
    y = F.batch_norm(xo, ours_rm, ours_rv, w, b, training=True, momentum=0.2)
    ty = torch.nn.functional.batch_norm(tx, trm, trv, tw, tb, training=True, momentum=0.2)
    assert_close(y, ty, dtype, scale=10)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for a, c in ((xo, tx), (w, tw), (b, tb)):
        assert_close(a.grad, c.grad, dtype, scale=10)
    assert_close(ours_rm, trm, dtype)
    assert_close(ours_rv, trv, dtype)


LN_CASES = [((4, 5), 5, {}), ((2, 3, 4), (3, 4), {}), ((3, 6), 6, {"elementwise_affine": False}),
            ((3, 6), [6], {"bias": False}), ((2, 2, 5), 5, {"eps": 1e-2})]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "norm", "opts"), LN_CASES, ids=str)
def test_layernorm_matches_torch(shape, norm, opts, dtype):
    ours = nn.LayerNorm(norm, dtype=dtype, **opts)
    theirs = torch.nn.LayerNorm(norm, dtype=_tdtype(dtype), **opts)
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(-1, 1)
    torch_to_ours(ours, theirs)
    _step(ours, theirs, rand(shape, dtype, 3, scale=2.0), dtype)
    ours.eval()
    theirs.eval()
    ours.zero_grad()
    theirs.zero_grad()
    _step(ours, theirs, rand(shape, dtype, 4), dtype)  # LayerNorm: the same in both modes
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_layernorm_errors_and_functional():
    with pytest.raises(cr.ShapeError, match=r"LayerNorm\(\(4,\)\) expected input \[\*, 4\], got shape \(2, 5\)"):
        nn.LayerNorm(4)(cr.randn(2, 5))
    x, tx = pair(rand((3, 4), np.float64, 0))
    assert_close(F.layer_norm(x, (4,)), torch.nn.functional.layer_norm(tx, (4,)))
    with pytest.raises(cr.ShapeError):
        F.layer_norm(x, 3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("cls", "shape", "arg"), [("BatchNorm1d", (6, 4), 4), ("BatchNorm2d", (3, 4, 2, 2), 4),
                                                   ("LayerNorm", (5, 4), 4)])
def test_weights_copied_from_ours_to_torch(cls, shape, arg, dtype):
    """The other direction: our randomised parameters and statistics, loaded into the twin."""
    ours = getattr(nn, cls)(arg, dtype=dtype)
    theirs = getattr(torch.nn, cls)(arg, dtype=_tdtype(dtype))
    for p in ours.parameters():
        nn.init.uniform_(p, 0.5, 1.5)
    if cls != "LayerNorm":
        nn.init.uniform_(ours.running_mean, -1, 1)
        nn.init.uniform_(ours.running_var, 0.5, 2)
        ours.num_batches_tracked._data[...] = 7
    ours_to_torch(ours, theirs)
    assert theirs.state_dict().keys() == ours.state_dict().keys()
    _step(ours, theirs, rand(shape, dtype, 1), dtype)
    ours.eval()
    theirs.eval()
    ours.zero_grad()
    theirs.zero_grad()
    _step(ours, theirs, rand(shape, dtype, 2), dtype)
