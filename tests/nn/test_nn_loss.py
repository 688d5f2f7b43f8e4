"""Every loss against PyTorch: value and gradients (input, and target where differentiable),
across reductions and options, in float32 and float64; and the error cases."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_twin import DTYPES, assert_close, pair, rand

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]


def _tt(arr):
    return torch.from_numpy(np.array(arr))


def run(ours, theirs, args, dtype, grad_args=None):
    """Call both losses on the same arrays; compare the loss and the grads of float arguments."""
    grad_args = grad_args if grad_args is not None else [a.dtype.kind == "f" for a in args]
    mine, yours = [], []
    for arr, rg in zip(args, grad_args):
        a, b = pair(arr, requires_grad=rg)
        mine.append(a)
        yours.append(b)
    loss, tloss = ours(*mine), theirs(*yours)
    assert loss.dtype == dtype
    assert_close(loss, tloss, dtype)
    g = rand(tuple(tloss.shape), dtype, seed=5) if tloss.dim() else np.array(1.7, dtype=dtype)
    loss.backward(g)
    tloss.backward(_tt(g))
    for a, b, rg in zip(mine, yours, grad_args):
        if rg:
            assert_close(a.grad, b.grad, dtype)
    return loss


# --------------------------------------------------------------------------- regression
REGRESSION = [
    ("mse", lambda r: nn.MSELoss(reduction=r), lambda r: torch.nn.MSELoss(reduction=r)),
    ("l1", lambda r: nn.L1Loss(reduction=r), lambda r: torch.nn.L1Loss(reduction=r)),
    ("smooth_l1", lambda r: nn.SmoothL1Loss(reduction=r), lambda r: torch.nn.SmoothL1Loss(reduction=r)),
    ("smooth_l1_b0.5", lambda r: nn.SmoothL1Loss(reduction=r, beta=0.5),
     lambda r: torch.nn.SmoothL1Loss(reduction=r, beta=0.5)),
    ("smooth_l1_b0", lambda r: nn.SmoothL1Loss(reduction=r, beta=0.0),
     lambda r: torch.nn.SmoothL1Loss(reduction=r, beta=0.0)),
    ("huber", lambda r: nn.HuberLoss(reduction=r), lambda r: torch.nn.HuberLoss(reduction=r)),
    ("huber_d2.5", lambda r: nn.HuberLoss(reduction=r, delta=2.5),
     lambda r: torch.nn.HuberLoss(reduction=r, delta=2.5)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "ours", "theirs"), REGRESSION, ids=[c[0] for c in REGRESSION])
@settings(max_examples=5, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple), seed=st.integers(0, 50))
def test_regression_losses(name, ours, theirs, reduction, dtype, shape, seed):
    x = rand(shape, dtype, seed, scale=2.0)
    y = rand(shape, dtype, seed + 1, scale=2.0)
    y.flat[0] = x.flat[0]  # a zero difference: the kink of |d|
    run(ours(reduction), theirs(reduction), [x, y], dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_regression_losses(name, reduction):
    dtype = np.float64
    x, y = rand((4, 3), dtype, 0), rand((4, 3), dtype, 1)
    w = np.abs(rand((4, 3), dtype, 2))
    run(lambda a, b, c: getattr(F, name)(a, b, reduction=reduction, weight=c),
        lambda a, b, c: getattr(TF, name)(a, b, reduction=reduction, weight=c), [x, y, w], dtype)


def test_legacy_size_average_and_reduce():
    x, y = rand((3, 2), np.float64, 0), rand((3, 2), np.float64, 1)
    for kwargs in ({"size_average": False}, {"reduce": False}, {"size_average": True, "reduce": True}):
        with pytest.warns(UserWarning):
            theirs = torch.nn.MSELoss(**kwargs)
        run(nn.MSELoss(**kwargs), theirs, [x, y], np.float64)


# --------------------------------------------------------------------------- cross-entropy
def _targets(n_shape, c, seed, ignore=None):
    t = np.random.default_rng(seed).integers(0, c, n_shape)
    if ignore is not None and t.size > 1:
        t.flat[::3] = ignore
    return t


CE_OPTIONS = [
    {},
    {"label_smoothing": 0.1},
    {"weight": True},
    {"weight": True, "label_smoothing": 0.25},
    {"ignore_index": 1},
    {"ignore_index": -100, "ignore": -100},
    {"weight": True, "ignore_index": 2, "label_smoothing": 0.2},
]


def _ce_call(module_cls, opts, reduction, dtype, c, lib):
    kwargs = {k: v for k, v in opts.items() if k != "ignore"}
    if kwargs.get("weight"):
        w = np.linspace(0.5, 2.0, c).astype(dtype)
        kwargs["weight"] = cr.tensor(w) if lib == "ours" else torch.from_numpy(w)
    return module_cls(reduction=reduction, **kwargs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", CE_OPTIONS, ids=[str(o) for o in CE_OPTIONS])
@pytest.mark.parametrize("layout", [(5,), (4, 2, 3), ()], ids=["NC", "NCd1d2", "C"])
def test_cross_entropy_class_indices(opts, reduction, dtype, layout):
    c = 4
    shape = (layout[0], c) + layout[1:] if layout else (c,)
    ignore = opts.get("ignore_index", opts.get("ignore")) if "ignore_index" in opts else None
    t = _targets(layout[:1] + layout[1:] if layout else (), c, 3, ignore)
    ours = _ce_call(nn.CrossEntropyLoss, opts, reduction, dtype, c, "ours")
    theirs = _ce_call(torch.nn.CrossEntropyLoss, opts, reduction, dtype, c, "torch")
    run(ours, theirs, [rand(shape, dtype, 1, scale=3.0), t], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"label_smoothing": 0.3}, {"weight": True},
                                  {"weight": True, "label_smoothing": 0.1}], ids=str)
@pytest.mark.parametrize("layout", [(5,), (2, 3), ()], ids=["NC", "NCd", "C"])
def test_cross_entropy_class_probabilities(opts, reduction, dtype, layout):
    c = 3
    shape = (layout[0], c) + layout[1:] if layout else (c,)
    p = np.random.default_rng(0).dirichlet(np.ones(c), size=int(np.prod(shape)) // c)
    p = np.moveaxis(p.reshape((layout[0],) + layout[1:] + (c,)), -1, 1) if layout else p[0]
    ours = _ce_call(nn.CrossEntropyLoss, opts, reduction, dtype, c, "ours")
    theirs = _ce_call(torch.nn.CrossEntropyLoss, opts, reduction, dtype, c, "torch")
    # the target is differentiable too (soft labels that are themselves learnt)
    run(ours, theirs, [rand(shape, dtype, 2, scale=3.0), p.astype(dtype)], dtype)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    z = cr.randn(6, 5, dtype=cr.float64, requires_grad=True)
    y = cr.tensor([0, 4, 2, 2, 1, 3])
    F.cross_entropy(z, y, reduction="sum").backward()
    expected = F.softmax(z.detach(), 1)._data - F.one_hot(y, 5)._data
    np.testing.assert_allclose(z.grad._data, expected, rtol=1e-12, atol=1e-15)
    z.grad = None
    F.cross_entropy(z, y).backward()  # mean: divided by the batch size
    np.testing.assert_allclose(z.grad._data, expected / 6, rtol=1e-12, atol=1e-15)
    assert type(F.cross_entropy(z, y).grad_fn).__name__ == "CrossEntropy"  # one fused node


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_is_stable_for_huge_logits(dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0], [0.0, 0.0, 0.0]], dtype=dtype)
    t = np.array([1, 2, 0])
    loss = run(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), [z, t], dtype)
    assert np.isfinite(loss._data)


def test_cross_entropy_all_ignored_mean_is_nan_like_torch():
    z, t = rand((3, 4), np.float64, 0), np.full(3, -100)
    ours = F.cross_entropy(cr.tensor(z), cr.tensor(t))
    assert np.isnan(ours.item()) and np.isnan(TF.cross_entropy(torch.tensor(z), torch.tensor(t)).item())


# --------------------------------------------------------------------------- NLL
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"weight": True}, {"ignore_index": 0},
                                  {"weight": True, "ignore_index": 2}], ids=str)
@pytest.mark.parametrize("layout", [(5,), (3, 2), ()], ids=["NC", "NCd", "C"])
def test_nll_loss(opts, reduction, dtype, layout):
    c = 4
    shape = (layout[0], c) + layout[1:] if layout else (c,)
    t = _targets(layout, c, 1, opts.get("ignore_index"))
    logp = torch.log_softmax(torch.from_numpy(rand(shape, dtype, 4)), 0 if not layout else 1).numpy()
    ours = _ce_call(nn.NLLLoss, opts, reduction, dtype, c, "ours")
    theirs = _ce_call(torch.nn.NLLLoss, opts, reduction, dtype, c, "torch")
    run(ours, theirs, [logp, t], dtype)


def test_log_softmax_plus_nll_equals_cross_entropy():
    z, t = rand((5, 3), np.float64, 0), cr.tensor([0, 2, 1, 1, 0])
    a = F.nll_loss(F.log_softmax(cr.tensor(z), 1), t)
    b = F.cross_entropy(cr.tensor(z), t)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)


# --------------------------------------------------------------------------- binary
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce(reduction, weighted, dtype):
    x = 1 / (1 + np.exp(-rand((4, 3), dtype, 0, scale=2.0)))
    y = np.random.default_rng(1).uniform(0, 1, (4, 3)).astype(dtype)
    args = [x.astype(dtype), y]
    if weighted:
        w = np.abs(rand((3,), dtype, 2))  # broadcast along the batch
        ours, theirs = nn.BCELoss(cr.tensor(w), reduction=reduction), torch.nn.BCELoss(_tt(w), reduction=reduction)
    else:
        ours, theirs = nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction)
    run(ours, theirs, args, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_log_is_clamped_at_minus_100(dtype):
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype=dtype)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0], dtype=dtype)
    loss = run(nn.BCELoss(reduction="none"), torch.nn.BCELoss(reduction="none"), [x, y], dtype,
               grad_args=[True, False])
    np.testing.assert_allclose(loss._data[:2], [100.0, 100.0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", ["plain", "weight", "pos_weight", "both"])
def test_bce_with_logits(opts, reduction, dtype):
    x = rand((5, 3), dtype, 0, scale=4.0)
    x[0, 0], x[0, 1] = 1000.0, -1000.0  # stable at the extremes
    y = np.random.default_rng(1).uniform(0, 1, (5, 3)).astype(dtype)
    ok, tk = {}, {}
    if opts in ("weight", "both"):
        w = np.abs(rand((5, 1), dtype, 2))
        ok["weight"], tk["weight"] = cr.tensor(w), _tt(w)
    if opts in ("pos_weight", "both"):
        pw = np.array([0.5, 1.0, 3.0], dtype=dtype)
        ok["pos_weight"], tk["pos_weight"] = cr.tensor(pw), _tt(pw)
    run(nn.BCEWithLogitsLoss(reduction=reduction, **ok),
        torch.nn.BCEWithLogitsLoss(reduction=reduction, **tk), [x, y], dtype)


def test_bce_with_logits_equals_sigmoid_then_bce():
    z = rand((6,), np.float64, 3)
    y = cr.tensor(np.random.default_rng(0).uniform(0, 1, 6))
    a = F.binary_cross_entropy_with_logits(cr.tensor(z), y)
    b = F.binary_cross_entropy(F.sigmoid(cr.tensor(z)), y)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)


# --------------------------------------------------------------------------- module plumbing
def test_loss_buffers_and_reprs_match_torch():
    w = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    ours, theirs = nn.CrossEntropyLoss(weight=cr.tensor(w)), torch.nn.CrossEntropyLoss(weight=_tt(w))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    pw = nn.BCEWithLogitsLoss(pos_weight=cr.tensor(w))
    assert list(pw.state_dict()) == list(torch.nn.BCEWithLogitsLoss(pos_weight=_tt(w)).state_dict())
    for cls in ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss",
                "BCELoss", "BCEWithLogitsLoss"):
        assert repr(getattr(nn, cls)()) == repr(getattr(torch.nn, cls)())


def test_float32_losses_stay_float32_with_float64_targets():
    x = cr.randn(4, requires_grad=True)
    loss = F.mse_loss(x, cr.randn(4, dtype=cr.float64))
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


# --------------------------------------------------------------------------- errors
def test_cross_entropy_target_out_of_range_names_value_and_classes():
    z = cr.randn(3, 5)
    with pytest.raises(IndexError, match=r"target 7 is out of bounds for 5 classes.*\[0, 5\)"):
        F.cross_entropy(z, cr.tensor([0, 7, 1]))
    with pytest.raises(IndexError, match="target -1 is out of bounds"):
        nn.CrossEntropyLoss()(z, cr.tensor([0, -1, 1]))
    with pytest.raises(IndexError, match="target 5 is out of bounds"):
        F.nll_loss(z, cr.tensor([5, 0, 1]))


def test_cross_entropy_wrong_batch_size_names_both_shapes():
    with pytest.raises(cr.ShapeError, match=r"batch size 4 does not match target batch size 3 "
                                            r"\(input shape \(4, 10\), target shape \(3,\)\)"):
        F.cross_entropy(cr.randn(4, 10), cr.tensor([1, 2, 3]))
    with pytest.raises(cr.ShapeError, match=r"expected class indices of shape \(4, 6\)"):
        F.cross_entropy(cr.randn(4, 10, 6), cr.tensor(np.zeros((4, 5), dtype=np.int64)))
    with pytest.raises(TypeError, match="integer"):
        F.cross_entropy(cr.randn(4, 10), cr.randn(4))
    with pytest.raises(cr.ShapeError, match="weight must have one entry per class"):
        F.cross_entropy(cr.randn(4, 3), cr.tensor([0, 1, 2, 0]), weight=cr.ones(4))


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss,
                                F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
def test_mismatched_shapes_raise_instead_of_broadcasting(fn):
    with pytest.raises(cr.ShapeError, match=r"input of shape \(4, 1\) and target of shape \(4,\)"):
        fn(cr.rand(4, 1), cr.rand(4))


def test_other_loss_errors():
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(cr.tensor([0.5, 1.5]), cr.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(cr.randn(2, 3), cr.tensor([0, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="ignore_index"):
        F.cross_entropy(cr.randn(2, 3), cr.rand(2, 3), ignore_index=1)
    with pytest.raises(cr.ShapeError, match="pos_weight"):
        F.binary_cross_entropy_with_logits(cr.randn(2, 3), cr.rand(2, 3), pos_weight=cr.ones(2))


def test_one_hot():
    t = cr.tensor([[0, 2], [1, 3]])
    assert_close(F.one_hot(t), TF.one_hot(torch.tensor(t._data)))
    assert F.one_hot(t, 6).shape == (2, 2, 6) and F.one_hot(t).dtype == np.int64
    with pytest.raises(ValueError, match="smaller than num_classes=3, got 3"):
        F.one_hot(t, 3)
    with pytest.raises(ValueError, match="non-negative"):
        F.one_hot(cr.tensor([-1, 0]))


@pytest.mark.parametrize("direction", ["torch_to_ours", "ours_to_torch"])
def test_loss_weight_buffers_travel_through_state_dict(direction):
    c = 4
    w = np.array([0.5, 1.0, 2.0, 4.0])
    ours = nn.CrossEntropyLoss(weight=cr.ones(c, dtype=cr.float64), label_smoothing=0.1)
    theirs = torch.nn.CrossEntropyLoss(weight=torch.ones(c, dtype=torch.float64), label_smoothing=0.1)
    if direction == "torch_to_ours":
        theirs.weight.copy_(torch.from_numpy(w))
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    else:
        ours.weight._data[...] = w
        theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    run(ours, theirs, [rand((6, c), np.float64, 0), _targets((6,), c, 2)], np.float64)
    bce, tbce = nn.BCEWithLogitsLoss(pos_weight=cr.ones(3)), torch.nn.BCEWithLogitsLoss(pos_weight=torch.ones(3))
    tbce.pos_weight.copy_(torch.tensor([0.5, 2.0, 3.0]))
    bce.load_state_dict({k: v.numpy() for k, v in tbce.state_dict().items()})
    run(bce, tbce, [rand((5, 3), np.float32, 1), np.random.default_rng(0).uniform(0, 1, (5, 3)).astype(np.float32)],
        np.float32)
