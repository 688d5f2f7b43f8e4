"""The further losses (KL divergence, margin and embedding losses, Poisson and Gaussian NLL,
multi-class hinge) against PyTorch: values and gradients in every reduction, reprs and errors."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_twin import DTYPES, assert_close, rand
from test_nn_loss import REDUCTIONS, run

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck
from chainrule.errors import ShapeError
from chainrule.nn import functional as F


def _signs(shape, seed, dtype):
    return np.where(np.random.default_rng(seed).random(shape) < 0.5, -1.0, 1.0).astype(dtype)


def _probs(shape, dtype, seed):
    z = rand(shape, dtype, seed, scale=2.0)
    e = np.exp(z - z.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(dtype)


# --------------------------------------------------------------------------- KL divergence
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
@settings(max_examples=4, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple), seed=st.integers(0, 50))
def test_kl_div(log_target, reduction, dtype, shape, seed):
    x = np.log(_probs(shape, dtype, seed))
    y = _probs(shape, dtype, seed + 1)
    if log_target:
        y = np.log(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(nn.KLDivLoss(reduction=reduction, log_target=log_target),
            torch.nn.KLDivLoss(reduction=reduction, log_target=log_target), [x, y], dtype)


def test_kl_div_zero_targets_count_zero_and_mean_warns():
    x = np.log(_probs((3, 4), np.float64, 0))
    y = _probs((3, 4), np.float64, 1)
    y[0, :2] = 0.0
    run(lambda a, b: F.kl_div(a, b, reduction="sum"), lambda a, b: TF.kl_div(a, b, reduction="sum"),
        [x, y], np.float64, grad_args=[True, False])
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(cr.tensor(x), cr.tensor(y))


# --------------------------------------------------------------------------- margin losses
# losses of inputs and targets y = ±1: (module, options, number of inputs, scale of the inputs)
SIGNED_TARGET_LOSSES = [
    ("MarginRankingLoss", {"margin": 0.0}, 2, 1.0),
    ("MarginRankingLoss", {"margin": 0.5}, 2, 1.0),
    ("HingeEmbeddingLoss", {"margin": 1.0}, 1, 2.0),
    ("HingeEmbeddingLoss", {"margin": 0.3}, 1, 2.0),
    ("SoftMarginLoss", {}, 1, 3.0),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "options", "inputs", "scale"), SIGNED_TARGET_LOSSES)
@settings(max_examples=4, deadline=None)
@given(shape=st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple), seed=st.integers(0, 50))
def test_signed_target_losses(name, options, inputs, scale, reduction, dtype, shape, seed):
    """MarginRankingLoss(x1, x2, y), HingeEmbeddingLoss(x, y) and SoftMarginLoss(x, y): the
    margin ranking's y gets a gradient, as in torch; the others' targets take none."""
    args = [rand(shape, dtype, seed + i, scale=scale) for i in range(inputs)] + [_signs(shape, seed, dtype)]
    run(getattr(nn, name)(reduction=reduction, **options), getattr(torch.nn, name)(reduction=reduction, **options),
        args, dtype, grad_args=None if name == "MarginRankingLoss" else [True, False])


@pytest.mark.parametrize("dtype", DTYPES)
def test_soft_margin_is_stable_at_large_margins(dtype):
    x = np.array([-40.0, -20.0, -1.0, 0.0, 1.0, 20.0, 40.0], dtype=dtype)
    y = np.array([1.0, 1.0, -1.0, 1.0, 1.0, -1.0, -1.0], dtype=dtype)
    for reduction in REDUCTIONS:
        run(lambda a, b, r=reduction: F.soft_margin_loss(a, b, reduction=r),
            lambda a, b, r=reduction: TF.soft_margin_loss(a, b, reduction=r), [x, y], dtype,
            grad_args=[True, False])
    # where PyTorch's log(1 + e^1000) overflows to inf, the loss is 1000 and its slope -y
    far = cr.tensor(np.array([-1000.0, 1000.0], dtype=dtype), requires_grad=True)
    loss = F.soft_margin_loss(far, cr.tensor(np.array([1.0, -1.0], dtype=dtype)), reduction="none")
    loss.sum().backward()
    np.testing.assert_array_equal(loss._data, [1000.0, 1000.0])
    np.testing.assert_array_equal(far.grad._data, [-1.0, 1.0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
@pytest.mark.parametrize("batched", [True, False])
def test_cosine_embedding(batched, margin, reduction, dtype):
    shape = (5, 4) if batched else (4,)
    args = [rand(shape, dtype, 1), rand(shape, dtype, 2), _signs(shape[:-1], 3, dtype)]
    run(nn.CosineEmbeddingLoss(margin, reduction=reduction),
        torch.nn.CosineEmbeddingLoss(margin, reduction=reduction), args, dtype,
        grad_args=[True, True, False])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"p": 1.0}, {"swap": True}, {"margin": 0.5, "p": 3.0, "eps": 1e-3}],
                         ids=str)
@pytest.mark.parametrize("shape", [(6, 3), (4,)], ids=["ND", "D"])
def test_triplet_margin(shape, opts, reduction, dtype):
    args = [rand(shape, dtype, 1), rand(shape, dtype, 2), rand(shape, dtype, 3)]
    run(nn.TripletMarginLoss(reduction=reduction, **opts),
        torch.nn.TripletMarginLoss(reduction=reduction, **opts), args, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"p": 2}, {"margin": 0.4}, {"weight": True}, {"p": 2, "weight": True}],
                         ids=str)
@pytest.mark.parametrize("shape", [(5, 4), (4,)], ids=["NC", "C"])
def test_multi_margin(shape, opts, reduction, dtype):
    c = shape[-1]
    t = np.random.default_rng(0).integers(0, c, shape[:-1])
    kwargs = {k: v for k, v in opts.items() if k != "weight"}
    w = np.linspace(0.5, 2.0, c).astype(dtype)
    ours = nn.MultiMarginLoss(reduction=reduction, weight=cr.tensor(w) if opts.get("weight") else None, **kwargs)
    theirs = torch.nn.MultiMarginLoss(reduction=reduction, weight=torch.from_numpy(w) if opts.get("weight") else None,
                                      **kwargs)
    run(ours, theirs, [rand(shape, dtype, 1), t], dtype)


# --------------------------------------------------------------------------- likelihoods
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
@settings(max_examples=4, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple), seed=st.integers(0, 50))
def test_poisson_nll(full, log_input, reduction, dtype, shape, seed):
    x = rand(shape, dtype, seed)
    if not log_input:
        x = np.abs(x) + dtype(0.1)
    y = np.random.default_rng(seed).integers(1, 6, shape).astype(dtype)  # counts (>= 1: torch's
    # target gradient of the full loss is nan at 0)
    run(nn.PoissonNLLLoss(log_input, full, reduction=reduction),
        torch.nn.PoissonNLLLoss(log_input, full, reduction=reduction), [x, y], dtype)


def test_poisson_nll_eps_and_zero_counts():
    x = np.abs(rand((3, 4), np.float64, 0))
    x[0, 0] = 0.0
    y = np.random.default_rng(1).integers(0, 4, (3, 4)).astype(np.float64)
    run(lambda a, b: F.poisson_nll_loss(a, b, log_input=False, full=True, eps=1e-4),
        lambda a, b: TF.poisson_nll_loss(a, b, log_input=False, full=True, eps=1e-4), [x, y],
        np.float64, grad_args=[True, False])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", ["same", "fewer", "last1"])
def test_gaussian_nll(var_shape, full, reduction, dtype):
    shape = (4, 3)
    vshape = {"same": shape, "fewer": shape[:-1], "last1": (4, 1)}[var_shape]
    var = np.abs(rand(vshape, dtype, 3)) + dtype(0.05)
    var.flat[0] = 1e-9  # below eps: floored for the value, the gradient as if not
    args = [rand(shape, dtype, 1), rand(shape, dtype, 2), var]
    run(nn.GaussianNLLLoss(full=full, reduction=reduction),
        torch.nn.GaussianNLLLoss(full=full, reduction=reduction), args, dtype)


def test_gaussian_nll_float_var():
    x, y = rand((3, 2), np.float64, 1), rand((3, 2), np.float64, 2)
    assert_close(F.gaussian_nll_loss(cr.tensor(x), cr.tensor(y), 0.7),
                 TF.gaussian_nll_loss(torch.tensor(x), torch.tensor(y), 0.7))


# --------------------------------------------------------------------------- legacy, gradcheck, reprs
def test_legacy_size_average_and_reduce():
    x, y = rand((3, 2), np.float64, 0), _signs((3, 2), 1, np.float64)
    for kwargs in ({"size_average": False}, {"reduce": False}):
        with pytest.warns(UserWarning):
            theirs = torch.nn.SoftMarginLoss(**kwargs)
        run(nn.SoftMarginLoss(**kwargs), theirs, [x, y], np.float64, grad_args=[True, False])
        with pytest.warns(UserWarning):
            theirs = torch.nn.HingeEmbeddingLoss(**kwargs)
        run(nn.HingeEmbeddingLoss(**kwargs), theirs, [x, y], np.float64, grad_args=[True, False])
        with pytest.warns(UserWarning):
            theirs = torch.nn.KLDivLoss(**kwargs)
        run(nn.KLDivLoss(**kwargs), theirs, [x, np.abs(y) / 2], np.float64)


def test_gradcheck():
    rng = np.random.default_rng(0)

    def t(*shape):
        return cr.tensor(rng.standard_normal(shape), requires_grad=True)

    y = cr.tensor(np.array([1.0, -1.0, 1.0]))
    assert gradcheck(lambda a, b: F.kl_div(a, b, reduction="batchmean", log_target=True), (t(3, 4), t(3, 4)))
    assert gradcheck(lambda a: F.soft_margin_loss(a, y), (t(3),))
    assert gradcheck(lambda a, b: F.poisson_nll_loss(a, b), (t(3, 2), t(3, 2)))
    assert gradcheck(lambda a, b: F.cosine_embedding_loss(a, b, y, reduction="sum"), (t(3, 4), t(3, 4)))
    assert gradcheck(lambda a, b, c: F.triplet_margin_loss(a, b, c, margin=3.0), (t(3, 4), t(3, 4), t(3, 4)))
    var = cr.tensor(rng.random((3, 2)) + 0.5, requires_grad=True)
    assert gradcheck(lambda a, b, v: F.gaussian_nll_loss(a, b, v), (t(3, 2), t(3, 2), var))


def test_reprs_match_torch():
    pairs = [(nn.KLDivLoss(), torch.nn.KLDivLoss()), (nn.MarginRankingLoss(), torch.nn.MarginRankingLoss()),
             (nn.HingeEmbeddingLoss(), torch.nn.HingeEmbeddingLoss()), (nn.SoftMarginLoss(), torch.nn.SoftMarginLoss()),
             (nn.CosineEmbeddingLoss(), torch.nn.CosineEmbeddingLoss()),
             (nn.TripletMarginLoss(), torch.nn.TripletMarginLoss()), (nn.PoissonNLLLoss(), torch.nn.PoissonNLLLoss()),
             (nn.GaussianNLLLoss(), torch.nn.GaussianNLLLoss()), (nn.MultiMarginLoss(), torch.nn.MultiMarginLoss())]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
    assert nn.KLDivLoss(reduction="batchmean").reduction == torch.nn.KLDivLoss(reduction="batchmean").reduction
    assert nn.MultiMarginLoss(weight=cr.ones(3)).state_dict().keys() == \
        torch.nn.MultiMarginLoss(weight=torch.ones(3)).state_dict().keys()


def test_errors():
    a, b = cr.randn(3, 4), cr.randn(3, 5)
    with pytest.raises(ShapeError, match=r"margin_ranking_loss: .*input1 \(3, 4\), input2 \(3, 5\)"):
        F.margin_ranking_loss(a, b, cr.ones(3, 4))
    with pytest.raises(ShapeError, match=r"cosine_embedding_loss: .*target \(3, 4\)"):
        F.cosine_embedding_loss(a, a, cr.ones(3, 4))
    with pytest.raises(ShapeError, match=r"triplet_margin_loss: .*anchor \(3, 4\)"):
        F.triplet_margin_loss(a, a, cr.randn(4))
    with pytest.raises(ShapeError, match=r"gaussian_nll_loss: var of shape \(2, 4\)"):
        F.gaussian_nll_loss(a, a, cr.ones(2, 4))
    with pytest.raises(ValueError, match="gaussian_nll_loss: var has negative"):
        F.gaussian_nll_loss(a, a, -cr.ones(3, 4))
    with pytest.raises(ValueError, match="multi_margin_loss: only p == 1 and p == 2"):
        F.multi_margin_loss(a, cr.tensor([0, 1, 2]), p=3)
    with pytest.raises(IndexError, match="multi_margin_loss: target 7 is out of bounds"):
        F.multi_margin_loss(a, cr.tensor([0, 7, 2]))
    with pytest.raises(ShapeError, match=r"soft_margin_loss: input of shape \(3, 4\) and target of shape \(3, 5\)"):
        F.soft_margin_loss(a, b)
    with pytest.raises(ValueError, match="kl_div: 'avg' is not a valid value for reduction"):
        F.kl_div(a, a, reduction="avg")
    with pytest.raises(ValueError, match="TripletMarginLoss: margin must be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)
